"""The schema's revision: which migration a database is at, the package's newest one, and
bringing a database there (Alembic, loaded only when a migration runs).

The functions take the ``Database`` (``store.db``) whose schema they read or change.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from complaintctl.errors import DatabaseProblem
from complaintctl.i18n import _
from complaintctl.store.server import create_database, database_exists, unreachable

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def head_revision() -> str:
    """The newest migration, read from the files' ``revision``/``down_revision`` lines.

    Cheaper than loading Alembic on every command; a test checks it equals Alembic's head.
    """
    import re

    revisions: dict[str, str | None] = {}
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        rev = re.search(r"^revision = ['\"](\w+)['\"]", text, re.M)
        down = re.search(r"^down_revision = (?:['\"](\w+)['\"]|None)", text, re.M)
        if rev:
            revisions[rev.group(1)] = down.group(1) if down else None
    parents = set(revisions.values())
    heads = [r for r in revisions if r not in parents]
    if len(heads) != 1:
        raise DatabaseProblem(f"the package's migrations have {len(heads)} heads; reinstall")
    return heads[0]


def current_revision(database) -> str | None:
    """The schema revision stored in the database, read with plain SQL (no Alembic import)."""
    from sqlalchemy.exc import OperationalError

    try:
        return stored_revision(database)
    except OperationalError as error:
        if database.is_sqlite:
            raise
        raise unreachable(database.display(), error) from None


def stored_revision(database) -> str | None:
    """``alembic_version``'s row, or None when the table is missing; connection errors pass."""
    from sqlalchemy import inspect, text
    from sqlalchemy.exc import ProgrammingError

    with database.engine.connect() as conn:
        if database.is_postgresql:  # one round trip: the server may be far away
            try:
                return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            except ProgrammingError as error:
                if getattr(error.orig, "sqlstate", None) == "42P01":  # undefined table
                    return None
                raise
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def create(database) -> None:
    """Create a new database at head: a file readable by its owner only, or a PostgreSQL
    database (made on the server when the URL names one that does not exist yet)."""
    path = database.path
    if path is not None:
        from complaintctl.infra.files import private_dirs

        private_dirs(path.parent)  # 0700, every folder made
        if not path.exists():
            path.touch(mode=0o600)
    elif database.is_postgresql and not database_exists(database.url, database.display()):
        create_database(database.url)
    upgrade(database)


def upgrade(database, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(database), revision)


def alembic_config(database):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database.url.replace("%", "%%"))
    config.attributes["engine"] = database.engine
    return config


def ensure_ready(database) -> None:
    """Refuse a missing database; bring an older one up to date after a backup copy."""
    revision = _revision_of_existing(database)
    if revision == head_revision():
        return
    where = database.display()
    if database.read_only:
        raise DatabaseProblem(_(
            "The report database at {where} is at schema {rev}, not {head}: it has not caught "
            "up with the primary yet; try again later or unset COMPLAINTCTL_REPORT_DB."
        ).format(where=where, rev=revision, head=head_revision()))
    if revision is None:
        raise DatabaseProblem(
            _("{where} is not a complaintctl database; point --db at one.").format(where=where)
        )
    if database.path is None:
        raise DatabaseProblem(
            _(
                "The database at {where} is at schema {rev}; take a backup (pg_dump), then "
                "run `complaintctl db upgrade`."
            ).format(where=where, rev=revision)
        )
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    database.backup(database.path.with_name(
        f"{database.path.name}.before-{revision}-upgrade-{stamp}"))
    upgrade(database)


def _revision_of_existing(database) -> str | None:
    """The stored revision of a database that exists (None: not one of ours); a missing one
    is refused, saying how to create it."""
    missing = DatabaseProblem(
        _(
            "No complaint database at {where}; create it with "
            "`complaintctl init --admin USER --name NAME`, or point --db at one."
        ).format(where=database.display())
    )
    if database.is_postgresql:
        from sqlalchemy.exc import OperationalError

        try:
            revision = stored_revision(database)
        except OperationalError as error:
            if not database_exists(database.url, database.display()):
                raise missing from None
            raise unreachable(database.display(), error) from None
        if revision is None:
            raise missing
        return revision
    if not database.exists():
        raise missing
    return database.current_revision()
