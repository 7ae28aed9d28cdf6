"""Where the database is, how connections are set up, and migrations.

SQLite connections: WAL, foreign keys on, a 30 s busy timeout, ``synchronous=FULL``; every write
transaction opens with ``BEGIN IMMEDIATE`` (SQLAlchemy's documented pysqlite recipe), so
concurrent clerks queue for the write lock instead of failing with "database is locked".

PostgreSQL (``postgresql+psycopg://user@host/db``): psycopg 3, READ COMMITTED whatever the
server's default, since correctness rests on row locks (the year's counter row, the audit chain
head) rather than on snapshot isolation. Deadlocks and serialization failures are retried by the
CLI (complaintctl.infra.retry).
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import Any

from complaintctl.errors import DatabaseProblem, InvalidData
from complaintctl.i18n import _
from complaintctl.settings import settings

ENV_DB = "COMPLAINTCTL_DB"
ENV_REPORT_DB = "COMPLAINTCTL_REPORT_DB"
BUSY_TIMEOUT_MS = 30_000
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


def _sqlite_setup(engine) -> None:
    import sqlite3

    from sqlalchemy import event

    # Binding None or a bool, the sqlite3 module looks for an adapter and, finding none, asks
    # the value for ``__conform__``: an AttributeError raised and cleared for every such value,
    # about 0.8 µs each. An import binds dozens of NULLs per row (a complaint has 67 columns),
    # so that was a third of its writing time. With these two (C callables, no Python frame)
    # the values bind exactly as before: None as NULL, a bool as the integer 0 or 1.
    sqlite3.register_adapter(type(None), {}.get)
    sqlite3.register_adapter(bool, int)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @event.listens_for(engine, "handle_error")
    def _overflow(context):
        # an integer past SQLite's 64 bits given as an id or a count: the user's value, not ours
        if isinstance(context.original_exception, OverflowError):
            raise InvalidData(_(
                "A number given is too large (at most 9223372036854775807); check the command's "
                "values.")) from None

    @event.listens_for(engine, "begin")
    def _begin(conn):
        if conn.get_execution_options().get("complaintctl_write"):
            _begin_immediate(conn)
        else:
            conn.exec_driver_sql("BEGIN")


#: how a write transaction waits for SQLite's write lock: "backoff" (ours, below) or "sqlite"
#: (SQLite's busy handler alone); the stress script measures one against the other
WRITE_LOCK_WAIT = "backoff"
#: when a list, each write transaction's wait for the lock is appended to it, in seconds
lock_waits: list[float] | None = None
BACKOFF_FIRST = 0.0005  # seconds: the first sleep's cap, doubled per attempt up to BACKOFF_CAP
BACKOFF_CAP = 0.004


def _begin_immediate(conn) -> None:
    """``BEGIN IMMEDIATE``, waiting for the write lock with short jittered sleeps.

    SQLite's own busy handler sleeps 1, 2, 5, 10, ... and then 100 ms between tries, so a clerk
    who has waited longest polls least often and newcomers overtake them: under contention the
    longest waits grow long. Here every waiter tries again within BACKOFF_CAP (full jitter), so
    the lock goes to whoever asks first after it is freed, whatever their wait so far. Past the
    busy timeout the command fails with a clear message, having written nothing.
    """
    import time

    started = time.perf_counter()
    if WRITE_LOCK_WAIT == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        _begin_with_backoff(conn.connection.dbapi_connection, started)
    if lock_waits is not None:
        lock_waits.append(time.perf_counter() - started)


def _begin_with_backoff(raw, started: float) -> None:
    import random
    import sqlite3
    import time

    deadline = started + BUSY_TIMEOUT_MS / 1000
    raw.execute("PRAGMA busy_timeout = 0")
    try:
        attempt = 0
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if error.sqlite_errorcode != sqlite3.SQLITE_BUSY:
                    raise
                if time.perf_counter() >= deadline:
                    raise DatabaseProblem(_(
                        "Other writers kept the database busy for {seconds} s and nothing was "
                        "saved; run the command again in a moment."
                    ).format(seconds=f"{BUSY_TIMEOUT_MS / 1000:g}")) from None
            attempt += 1
            time.sleep(random.uniform(0, min(BACKOFF_CAP, BACKOFF_FIRST * 2 ** min(attempt, 8))))
    finally:
        raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


def _pg_setup(engine) -> None:
    from sqlalchemy import event

    @event.listens_for(engine, "handle_error")
    def _too_long(context):
        # a value longer than its column (SQLSTATE 22001): what the user typed, not our fault;
        # SQLite does not enforce lengths, so the same command passes there
        from complaintctl.infra.retry import sqlstate

        if sqlstate(context.original_exception) == "22001":
            raise InvalidData(_(
                "A value is longer than the database allows ({problem}); shorten it."
            ).format(problem=_first_line(context.original_exception))) from None


BULK_CACHE_KIB = 65_536


def tune_for_bulk(connection) -> None:
    """Before a bulk write (an import): give SQLite a 64 MB page cache for this connection,
    so index pages stay in memory instead of being spilled and re-read (no-op elsewhere)."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")


#: engines by (url, read_only), one per process: a new engine costs a connection and, on
#: PostgreSQL, the dialect's first-connect queries (the test suite runs thousands of commands)
_ENGINES: dict[tuple[str, bool], Any] = {}


def _count_commits(engine) -> None:
    from sqlalchemy import event

    engine.complaintctl_commits = 0

    @event.listens_for(engine, "commit")
    def _commit(_conn):
        engine.complaintctl_commits += 1


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
        key = (self.url, self.read_only)
        engine = _ENGINES.get(key)
        if engine is None:
            engine = _ENGINES[key] = self._make_engine()
        self._commits_before = engine.complaintctl_commits
        return engine

    def _make_engine(self):
        from sqlalchemy import create_engine

        if self.is_sqlite:
            url = self.url
            if self.read_only and self.path is not None:
                url = f"sqlite:///file:{self.path}?mode=ro&uri=true"
            engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
            _sqlite_setup(engine)
        elif self.is_postgresql:
            engine = create_engine(
                self.url,
                pool_recycle=600,  # no pre-ping: a command's connections are fresh
                isolation_level="READ COMMITTED",
                connect_args={"connect_timeout": 10, "application_name": "complaintctl",
                              "options": "-c timezone=UTC"},
            )
            _pg_setup(engine)
        else:
            engine = create_engine(self.url, pool_pre_ping=True)
        _count_commits(engine)
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
                return self._stored_revision() is not None
            except OperationalError as error:
                if not self._pg_database_exists():
                    return False
                raise self._unreachable(error) from None
        return self.current_revision() is not None

    # --- PostgreSQL: the server and its databases ----------------------------------------------

    def _maintenance_url(self) -> str:
        from sqlalchemy.engine import make_url

        return make_url(self.url).set(database="postgres").render_as_string(hide_password=False)

    def _pg_database_exists(self) -> bool:
        """Whether the URL's database exists, asked of the server's ``postgres`` database."""
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import OperationalError

        name = make_url(self.url).database
        engine = create_engine(self._maintenance_url(), poolclass=_null_pool(),
                               connect_args={"connect_timeout": 10})
        try:
            with engine.connect() as conn:
                return bool(conn.execute(
                    text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
                ).scalar())
        except OperationalError as error:
            raise self._unreachable(error) from None
        finally:
            engine.dispose()

    def _create_pg_database(self) -> None:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import DBAPIError

        name = make_url(self.url).database
        engine = create_engine(self._maintenance_url(), poolclass=_null_pool(),
                               isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                quoted = conn.dialect.identifier_preparer.quote(name)
                conn.execute(text(f"CREATE DATABASE {quoted} ENCODING 'UTF8'"))
        except DBAPIError as error:
            raise DatabaseProblem(
                _(
                    "Could not create the database {name} ({problem}); ask your DBA to run "
                    "`createdb {name}`, then run init again."
                ).format(name=name, problem=_first_line(error))
            ) from None
        finally:
            engine.dispose()

    def _unreachable(self, error: Exception) -> DatabaseProblem:
        return DatabaseProblem(
            _(
                "Cannot reach the database at {where}: {problem}. Check the URL in --db or "
                "COMPLAINTCTL_DB and that the server is running."
            ).format(where=self.display(), problem=_first_line(error))
        )

    # --- migrations -------------------------------------------------------------------------

    def current_revision(self) -> str | None:
        """The schema revision stored in the database, read with plain SQL (no Alembic import)."""
        from sqlalchemy.exc import OperationalError

        try:
            return self._stored_revision()
        except OperationalError as error:
            if self.is_sqlite:
                raise
            raise self._unreachable(error) from None

    def _stored_revision(self) -> str | None:
        from sqlalchemy import inspect, text
        from sqlalchemy.exc import ProgrammingError

        with self.engine.connect() as conn:
            if self.is_postgresql:  # one round trip: the server may be far away
                try:
                    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
                except ProgrammingError as error:
                    if getattr(error.orig, "sqlstate", None) == "42P01":  # undefined table
                        return None
                    raise
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()

    def create(self) -> None:
        """Create a new database at head: a file readable by its owner only, or a PostgreSQL
        database (made on the server when the URL names one that does not exist yet)."""
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not self.path.exists():
                self.path.touch(mode=0o600)
        elif self.is_postgresql and not self._pg_database_exists():
            self._create_pg_database()
        self.upgrade()

    def upgrade(self, revision: str = "head") -> None:
        from alembic import command

        command.upgrade(self.alembic_config(), revision)

    def alembic_config(self):
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        config.attributes["engine"] = self.engine
        return config

    def ensure_ready(self) -> None:
        """Refuse a missing database; bring an older one up to date after a backup copy."""
        missing = DatabaseProblem(
            _(
                "No complaint database at {where}; create it with "
                "`complaintctl init --admin USER --name NAME`, or point --db at one."
            ).format(where=self.display())
        )
        if self.is_postgresql:
            from sqlalchemy.exc import OperationalError

            try:
                revision = self._stored_revision()
            except OperationalError as error:
                if not self._pg_database_exists():
                    raise missing from None
                raise self._unreachable(error) from None
            if revision is None:
                raise missing
        else:
            if not self.exists():
                raise missing
            revision = self.current_revision()
        if revision == head_revision():
            return
        if self.read_only:
            raise DatabaseProblem(_(
                "The report database at {where} is at schema {rev}, not {head}: it has not caught "
                "up with the primary yet; try again later or unset COMPLAINTCTL_REPORT_DB."
            ).format(where=self.display(), rev=revision, head=head_revision()))
        if revision is None:
            raise DatabaseProblem(
                _("{where} is not a complaintctl database; point --db at one.").format(
                    where=self.display()
                )
            )
        if self.path is None:
            raise DatabaseProblem(
                _(
                    "The database at {where} is at schema {rev}; take a backup (pg_dump), then "
                    "run `complaintctl db upgrade`."
                ).format(where=self.display(), rev=revision)
            )
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
        backup = self.path.with_name(f"{self.path.name}.before-{revision}-upgrade-{stamp}")
        self.backup(backup)
        self.upgrade()

    def display(self) -> str:
        """The database location for messages: a path, or a URL without its password."""
        if self.path is not None:
            return str(self.path)
        from sqlalchemy.engine import make_url

        return make_url(self.url).render_as_string(hide_password=True)

    # --- operations -------------------------------------------------------------------------

    def backup(self, dest: Path) -> Path:
        """An online copy: SQLite's backup API, or pg_dump's custom format for PostgreSQL;
        both consistent while others write."""
        if self.is_postgresql:
            return self._pg_dump(Path(dest))
        if self.path is None:
            raise DatabaseProblem(
                _("db backup copies SQLite files; back up other databases with their own tools.")
            )
        import sqlite3

        dest = Path(dest).expanduser().resolve()
        if dest.exists():
            raise DatabaseProblem(
                _("{dest} already exists; choose a new file name.").format(dest=dest)
            )
        dest.parent.mkdir(parents=True, exist_ok=True)
        from complaintctl.infra.files import PRIVATE_FILE, copy_tree_private

        os.close(os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
        source = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT_MS / 1000)
        target = sqlite3.connect(str(dest))
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
        os.chmod(dest, PRIVATE_FILE)
        if self.evidence_dir.is_dir():
            copy_tree_private(self.evidence_dir, dest.with_name(dest.name + ".evidence"))
        return dest

    def _pg_dump(self, dest: Path) -> Path:
        import subprocess
        from sqlalchemy.engine import make_url

        dest = dest.expanduser().resolve()
        if dest.exists():
            raise DatabaseProblem(
                _("{dest} already exists; choose a new file name.").format(dest=dest)
            )
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            raise DatabaseProblem(
                _("pg_dump is not installed here; install the PostgreSQL client tools "
                  "(apt-get install postgresql-client) or run pg_dump on the server.")
            )
        url = make_url(self.url)
        env = dict(os.environ)
        if url.password:
            env["PGPASSWORD"] = str(url.password)  # not on the command line, where ps shows it
        libpq = url.set(drivername="postgresql", password=None).render_as_string()
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # private first
        done = subprocess.run(
            [pg_dump, "--format=custom", "--no-owner", f"--file={dest}", f"--dbname={libpq}"],
            env=env, capture_output=True, text=True,
        )
        if done.returncode != 0:
            dest.unlink(missing_ok=True)
            raise DatabaseProblem(
                _("pg_dump failed: {problem}").format(
                    problem=(done.stderr.strip().splitlines() or ["?"])[-1])
            )
        os.chmod(dest, 0o600)
        return dest

    def check(self) -> list[str]:
        """Problems found by integrity_check and foreign_key_check (empty when all is well).

        PostgreSQL enforces foreign keys itself; there we look for constraints left
        unvalidated and indexes left invalid (a failed CREATE INDEX CONCURRENTLY, a restore
        gone wrong).
        """
        from sqlalchemy import text
        from sqlalchemy.exc import DatabaseError as SQLDatabaseError

        problems: list[str] = []
        with self.engine.connect() as conn:
            if self.is_sqlite:
                # a badly damaged file makes the check itself fail: that is the finding
                try:
                    rows = [r[0] for r in conn.execute(text("PRAGMA integrity_check"))]
                except SQLDatabaseError as error:
                    rows = [str(error.orig or error).splitlines()[0]]
                if rows != ["ok"]:
                    problems.extend(f"integrity_check: {r}" for r in rows)
                try:
                    for row in conn.execute(text("PRAGMA foreign_key_check")):
                        problems.append(
                            f"foreign_key_check: table {row[0]} row {row[1]} refers to a "
                            f"missing {row[2]}"
                        )
                except SQLDatabaseError as error:
                    problems.append(
                        f"foreign_key_check: {str(error.orig or error).splitlines()[0]}"
                    )
            elif self.is_postgresql:
                for table, name in conn.execute(text(
                    "SELECT conrelid::regclass::text, conname FROM pg_constraint "
                    "WHERE NOT convalidated AND connamespace = current_schema()::regnamespace"
                )):
                    problems.append(f"constraint {name} on {table} is not validated")
                for (name,) in conn.execute(text(
                    "SELECT indexrelid::regclass::text FROM pg_index i JOIN pg_class c "
                    "ON c.oid = i.indexrelid WHERE NOT (indisvalid AND indisready) "
                    "AND c.relnamespace = current_schema()::regnamespace"
                )):
                    problems.append(f"index {name} is invalid; REINDEX it")
        return problems


def _null_pool():
    from sqlalchemy.pool import NullPool

    return NullPool


def _first_line(error: Exception) -> str:
    """A database error's first line, without SQL or parameters (they may hold personal data)."""
    orig = getattr(error, "orig", None)
    text = str(orig if orig is not None else error).strip()
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line.removeprefix("connection failed: ")
    return type(error).__name__
