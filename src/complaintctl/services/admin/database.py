"""Opening the database for a front-end, and what ``db upgrade`` reads before the schema is
known. Front-ends never import the storage package: they open a database here and call the
methods of what they get (``exists``, ``create``, ``ensure_ready``, ``session``, ``backup``,
``check``, ``upgrade``, ``display``, ``prepared``)."""

from __future__ import annotations

from pathlib import Path

from complaintctl.settings import settings
from complaintctl.store.db import Database, resolve_url
from complaintctl.store.schema import head_revision


def open_database(given: str | None = None, *, read_only: bool = False,
                  evidence_dir: Path | str | None = None) -> Database:
    """The database ``given`` names (a file path or an SQLAlchemy URL), else COMPLAINTCTL_DB,
    else the per-user app dir; not yet connected. ``read_only``: an engine that refuses
    writes; ``evidence_dir``: where its evidence files are [default: beside it]."""
    return Database(resolve_url(given), read_only=read_only, evidence_dir_override=evidence_dir)


def open_report_database() -> Database | None:
    """The read replica named by COMPLAINTCTL_REPORT_DB (read-only), or None when unset."""
    url = settings.report_db
    return open_database(url, read_only=True) if url else None


def staff_on_any_schema(database: Database, username: str) -> tuple[str, bool] | None:
    """``username``'s role and whether they are active, read with plain SQL (the schema may
    predate this version's tables); None when there is no such member of staff."""
    from sqlalchemy import text

    with database.engine.connect() as conn:
        row = conn.execute(text("SELECT role, active FROM staff WHERE username = :u"),
                           {"u": username}).first()
    return None if row is None else (row.role, bool(row.active))


def at_head(database: Database) -> bool:
    """Whether ``database``'s schema is this version's newest."""
    return database.current_revision() == head_revision()
