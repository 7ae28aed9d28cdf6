"""Where the database is, and the ``Database`` object commands work through.

The work is done next door: ``engine`` (connections: SQLite's pragmas and write lock,
PostgreSQL's isolation), ``schema`` (the revision, migrations), ``server`` (a PostgreSQL server's
databases) and ``maintenance`` (backup, check). Deadlocks and serialization failures are retried
by the CLI (complaintctl.infra.retry).
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from complaintctl.settings import settings
from complaintctl.store import maintenance, schema
from complaintctl.store.engine import shared_engine
from complaintctl.store.server import database_exists, unreachable

ENV_DB = "COMPLAINTCTL_DB"
ENV_REPORT_DB = "COMPLAINTCTL_REPORT_DB"


def default_path() -> Path:
    from typer import get_app_dir

    return Path(get_app_dir("complaintctl")) / "complaints.db"


def resolve_url(value: str | None) -> str:
    """``--db`` or COMPLAINTCTL_DB (a file path or an SQLAlchemy URL), else the app dir.

    ``postgresql://`` and ``postgres://`` get the psycopg 3 driver we ship with.
    """
    value = value or settings.db or str(default_path())
    if "://" in value:
        for prefix in ("postgresql://", "postgres://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        return value
    return "sqlite:///" + str(Path(value).expanduser().resolve())


def sqlite_path(url: str) -> Path | None:
    if url.startswith("sqlite:///") and ":memory:" not in url:
        return Path(url[len("sqlite:///") :])
    return None


@dataclass
class Database:
    """One database: its URL, engine and evidence store. The engine is made on first use.

    ``read_only`` makes an engine that refuses writes (the report replica,
    COMPLAINTCTL_REPORT_DB). ``commits`` counts transactions committed through this object, so
    the CLI retries a command only when nothing of it was saved yet.
    """

    url: str
    evidence_dir_override: str | None = field(default=None)
    read_only: bool = field(default=False)
    _commits_before: int = field(default=0, init=False, repr=False)

    @property
    def commits(self) -> int:
        """Transactions committed through this object's engine since it was first used."""
        if "base_engine" not in self.__dict__:
            return 0
        return self.base_engine.complaintctl_commits - self._commits_before

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @property
    def is_postgresql(self) -> bool:
        return self.url.startswith("postgresql")

    @property
    def path(self) -> Path | None:
        return sqlite_path(self.url)

    @cached_property
    def engine(self):
        """The engine commands use (read-only ones refuse writes)."""
        if self.read_only and self.is_postgresql:
            return self.base_engine.execution_options(postgresql_readonly=True)
        return self.base_engine

    @cached_property
    def base_engine(self):
        engine = shared_engine(self.url, self.read_only, self.path)
        self._commits_before = engine.complaintctl_commits
        return engine

    @cached_property
    def write_engine(self):
        return self.engine.execution_options(complaintctl_write=True)

    def session(self, *, write: bool = False):
        from sqlmodel import Session

        return Session(self.write_engine if write else self.engine, expire_on_commit=False)

    @contextmanager
    def prepared(self):
        """This database at head (created when missing), closed afterwards."""
        try:
            if not self.exists():
                self.create()
            self.ensure_ready()
            yield self
        finally:
            self.close()

    def close(self) -> None:
        """The end of a command. A SQLite file's connections are closed (the file alone is the
        whole database again); a server's stay pooled for this process's next command, since
        reconnecting costs more than most commands (a process holds at most 15)."""
        if "base_engine" in self.__dict__ and not self.is_postgresql:
            self.base_engine.dispose()

    def dispose(self) -> None:
        """Close every pooled connection now, whatever the back end."""
        if "base_engine" in self.__dict__:
            self.base_engine.dispose()

    @property
    def evidence_dir(self) -> Path:
        override = self.evidence_dir_override or settings.evidence_dir
        if override:
            return Path(override)
        if self.path is not None:
            return self.path.with_name(self.path.name + ".evidence")
        return default_path().with_name("evidence")

    def exists(self) -> bool:
        if self.path is not None:
            return self.path.exists() and self.path.stat().st_size > 0
        if self.is_postgresql:
            from sqlalchemy.exc import OperationalError

            try:
                return schema.stored_revision(self) is not None
            except OperationalError as error:
                if not database_exists(self.url, self.display()):
                    return False
                raise unreachable(self.display(), error) from None
        return self.current_revision() is not None

    def display(self) -> str:
        """The database location for messages: a path, or a URL without its password."""
        if self.path is not None:
            return str(self.path)
        from sqlalchemy.engine import make_url

        return make_url(self.url).render_as_string(hide_password=True)

    # --- the schema (store.schema) -----------------------------------------------------------

    def current_revision(self) -> str | None:
        """The schema revision stored in the database, read with plain SQL (no Alembic import)."""
        return schema.current_revision(self)

    def create(self) -> None:
        """Create a new database at head (a private file, or a database on the server)."""
        schema.create(self)

    def upgrade(self, revision: str = "head") -> None:
        schema.upgrade(self, revision)

    def alembic_config(self):
        return schema.alembic_config(self)

    def ensure_ready(self) -> None:
        """Refuse a missing database; bring an older one up to date after a backup copy."""
        schema.ensure_ready(self)

    # --- operations (store.maintenance) ------------------------------------------------------

    def backup(self, dest: Path) -> Path:
        """An online copy: SQLite's backup API, or pg_dump's custom format for PostgreSQL."""
        return maintenance.backup(self, dest)

    def check(self) -> list[str]:
        """Problems found by the back end's integrity checks (empty when all is well)."""
        return maintenance.check(self)
