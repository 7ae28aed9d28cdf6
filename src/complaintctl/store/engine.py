"""How connections are set up: one engine per database and process, tuned for its back end.

SQLite connections: WAL, foreign keys on, a 30 s busy timeout, ``synchronous=FULL``; every write
transaction opens with ``BEGIN IMMEDIATE`` (SQLAlchemy's documented pysqlite recipe), waiting for
the write lock with short jittered sleeps, so concurrent clerks queue for it instead of failing
with "database is locked".

PostgreSQL: psycopg 3, READ COMMITTED whatever the server's default, since correctness rests on
row locks (the year's counter row, the audit chain head) rather than on snapshot isolation.

SQLAlchemy is imported inside the functions: this module is loaded with ``store.db``, which the
CLI imports before it knows whether a command needs the database.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from complaintctl.errors import DatabaseProblem, InvalidData
from complaintctl.i18n import _

BUSY_TIMEOUT_MS = 30_000
#: how a write transaction waits for SQLite's write lock: "backoff" (ours, below) or "sqlite"
#: (SQLite's busy handler alone); the stress script measures one against the other
WRITE_LOCK_WAIT = "backoff"
#: when a list, each write transaction's wait for the lock is appended to it, in seconds
lock_waits: list[float] | None = None
BACKOFF_FIRST = 0.0005  # seconds: the first sleep's cap, doubled per attempt up to BACKOFF_CAP
BACKOFF_CAP = 0.004
BULK_CACHE_KIB = 65_536

#: engines by (url, read_only), one per process: a new engine costs a connection and, on
#: PostgreSQL, the dialect's first-connect queries (the test suite runs thousands of commands)
_ENGINES: dict[tuple[str, bool], Any] = {}


def shared_engine(url: str, read_only: bool, sqlite_file: Path | None):
    """This process's engine for ``url`` (made on first use; ``sqlite_file`` is the URL's file,
    when it names one). Each engine counts its commits in ``complaintctl_commits``."""
    key = (url, read_only)
    engine = _ENGINES.get(key)
    if engine is None:
        engine = _ENGINES[key] = _make_engine(url, read_only, sqlite_file)
    return engine


def _make_engine(url: str, read_only: bool, sqlite_file: Path | None):
    from sqlalchemy import create_engine

    if url.startswith("sqlite"):
        if read_only and sqlite_file is not None:
            url = f"sqlite:///file:{sqlite_file}?mode=ro&uri=true"
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        _sqlite_setup(engine)
    elif url.startswith("postgresql"):
        engine = create_engine(
            url,
            pool_recycle=600,  # no pre-ping: a command's connections are fresh
            isolation_level="READ COMMITTED",
            connect_args={"connect_timeout": 10, "application_name": "complaintctl",
                          "options": "-c timezone=UTC"},
        )
        _pg_setup(engine)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    _count_commits(engine)
    return engine


def _count_commits(engine) -> None:
    from sqlalchemy import event

    engine.complaintctl_commits = 0

    @event.listens_for(engine, "commit")
    def _commit(_conn):
        engine.complaintctl_commits += 1


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
            ).format(problem=first_line(context.original_exception))) from None


def tune_for_bulk(connection) -> None:
    """Before a bulk write (an import): give SQLite a 64 MB page cache for this connection,
    so index pages stay in memory instead of being spilled and re-read (no-op elsewhere)."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")


def first_line(error: Exception) -> str:
    """A database error's first line, without SQL or parameters (they may hold personal data)."""
    orig = getattr(error, "orig", None)
    text = str(orig if orig is not None else error).strip()
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line.removeprefix("connection failed: ")
    return type(error).__name__
