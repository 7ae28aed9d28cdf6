"""Shared fixtures: a real database per test, seeded staff, and a CLI runner.

The back end is SQLite (a file per test, copied from a template) unless
COMPLAINTCTL_TEST_BACKEND=postgresql: then the run creates one uniquely named PostgreSQL database
on the server at COMPLAINTCTL_TEST_PG (default postgresql+psycopg://postgres@127.0.0.1:5432/test,
which must allow CREATE DATABASE), brings it back before each test to the rows of an empty or a
seeded database (DELETE, sequences restarted, the rows re-inserted), and drops it at the end.
Tests marked ``sqlite_only("why")`` skip there, saying why, and tests that use no database
fixture, or are marked ``once("why")`` (long walks whose subject is not the back end, such as
the permission matrix again through sessions and tokens), are deselected (they ran in the SQLite
run; COMPLAINTCTL_TEST_ALL=1 keeps them). Without
a reachable server the PostgreSQL tests skip with the reason.

Staff seeded by ``seeded`` (branch in brackets):
admin (admin, head office), sup (supervisor [BJ01]), h1 and h2 (handlers [BJ01]),
clerk (clerk [BJ01]), aud (auditor), sup2 (supervisor [SH01]), h3 (handler [SH01]).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import time


def _scratch_dir(prefix: str) -> str:
    path = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, path, True)
    return path


# --- a hermetic suite: the same environment whatever the terminal and the machine ------------
#
# The tests read tables at a width, messages in a language, times in a zone and files under a
# home; none of these may come from the shell that started pytest (a 120-column terminal
# truncated the cells four tests look for). So the run pins them, for this process and for
# every subprocess a test starts (they inherit os.environ). It happens here, when pytest
# imports this file, not in a fixture: fixtures run after collection, and the test modules,
# complaintctl's CLI (its help is translated when imported) and Typer (it reads FORCE_COLOR,
# TERMINAL_WIDTH and the like when imported) read the environment at import. Nothing of the
# outside is kept that a test would depend on; a test that needs another value (a table at
# 72 or 400 columns, Chinese from LANG) sets it itself, explicitly.

#: Set for the whole run. COLUMNS is the width every table is laid out at unless a test names
#: another. C.UTF-8 names no language (COMPLAINTCTL_LANG does); where it is not installed it
#: does no harm: Python meets an unknown locale with its UTF-8 mode, it does not fail.
PINNED_ENVIRONMENT = {
    "COLUMNS": "200",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "TZ": "UTC",  # the machine's zone; complaintctl reckons in the bank's (its config)
    "COMPLAINTCTL_LANG": "en",  # the interface language, before complaintctl is imported
}

#: Removed for the whole run: what else changes a table, a colour, a language or a path.
#: LANGUAGE is set again (to the interface language) by complaintctl.i18n.set_language.
UNSET_ENVIRONMENT = (
    "LINES", "TERMINAL_WIDTH", "JUPYTER_COLUMNS", "JUPYTER_LINES",  # the console's size
    "FORCE_COLOR", "NO_COLOR", "PY_COLORS", "CLICOLOR", "CLICOLOR_FORCE", "TTY_COMPATIBLE",
    "TTY_INTERACTIVE", "GITHUB_ACTIONS", "_TYPER_FORCE_DISABLE_TERMINAL",  # a forced terminal
    "TYPER_USE_RICH", "TYPER_STANDARD_TRACEBACK", "_TYPER_STANDARD_TRACEBACK",  # Typer's output
    "LANGUAGE", "LC_MESSAGES", "LC_CTYPE", "LC_TIME", "LC_NUMERIC", "LC_COLLATE",  # under LC_ALL
    "PYTHONIOENCODING",  # the encoding a Python subprocess writes in
    "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME",  # under HOME
)

#: The suite's own knobs, kept from the outside: which back end, which test server, how many
#: examples. Every other COMPLAINTCTL_ variable is complaintctl's own (the database, the user,
#: the evidence store, SMTP, IMAP, debug output, ...) and is removed: a developer's shell must
#: not point the tests at a real database or a real mail server.
SUITE_KNOBS = {"COMPLAINTCTL_TEST_BACKEND", "COMPLAINTCTL_TEST_PG", "COMPLAINTCTL_TEST_ALL",
               "COMPLAINTCTL_TAMPERINGS", "COMPLAINTCTL_FUZZ_EXAMPLES",
               "COMPLAINTCTL_DETECTION_EXAMPLES"}


def _pin_the_environment() -> None:
    """Pin what the tests depend on (see above): a throwaway, empty HOME (no config dir: the
    app dir, default database and evidence store land under it, never in the user's), the
    width, the language, the time zone; unset the rest."""
    home = os.environ.get("HOME")
    if "PGPASSFILE" not in os.environ and home and os.path.isfile(os.path.join(home, ".pgpass")):
        # the test server's password is an input of the run, like COMPLAINTCTL_TEST_PG
        os.environ["PGPASSFILE"] = os.path.join(home, ".pgpass")
    for name in [n for n in os.environ if n.startswith("COMPLAINTCTL_") and n not in SUITE_KNOBS]:
        del os.environ[name]
    for name in UNSET_ENVIRONMENT:
        os.environ.pop(name, None)
    os.environ.update(PINNED_ENVIRONMENT)
    os.environ["HOME"] = _scratch_dir("complaintctl-test-home-")
    if hasattr(time, "tzset"):  # this process's local time follows TZ, as a subprocess's
        time.tzset()


_pin_the_environment()

import secrets  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from functools import cache  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from complaintctl.store.db import Database, resolve_url  # noqa: E402
from complaintctl.domain.enums import Role  # noqa: E402
from complaintctl.i18n import set_language  # noqa: E402
from complaintctl.services.core.context import Actor  # noqa: E402
from complaintctl.services import bootstrap  # noqa: E402

set_language("en")
# the event handlers, as every front-end subscribes them at start-up (services.bootstrap)
bootstrap.start()
# The commands' help is translated when the CLI's modules are imported: import them now, in
# English, so that a test which switches to Chinese before its first in-process --help cannot
# leave every later test's help in Chinese (the console script reads --lang before importing)
import complaintctl.cli  # noqa: E402, F401

# Argon2id at its production parameters (64 MiB, 3 passes, 4 lanes: RFC 9106's second choice)
# takes 0.1-0.4 s a hash here, and the identity tests hash and check a few thousand passwords.
# Each hash carries its own parameters, so a hash made here with the cheapest ones is checked
# at their cost everywhere, subprocesses included; the production parameters are asserted by
# test_identity.py (PRODUCTION_HASHER), and the timing test of a failed sign-in uses them.
from complaintctl.services.identity import passwords as _passwords  # noqa: E402

PRODUCTION_HASHER = _passwords._hasher


@cache
def _cheap_hasher():
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


_passwords._hasher = _cheap_hasher


def _cache_the_click_command() -> None:
    """Typer's CliRunner rebuilds the Click command tree on every invoke (~0.15 s of
    introspection); the tree never changes within a test session, so build it once."""
    import functools

    import typer.testing

    if hasattr(typer.testing, "_get_command"):
        typer.testing._get_command = functools.cache(typer.testing._get_command)


_cache_the_click_command()

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CFPB_DIR = SHARED / "data" / "cfpb"

STAFF = [
    ("sup", "王芳", Role.supervisor, "BJ01"),
    ("h1", "李华", Role.handler, "BJ01"),
    ("h2", "陈静", Role.handler, "BJ01"),
    ("clerk", "赵磊", Role.clerk, "BJ01"),
    ("aud", "Audit Office", Role.auditor, None),
    ("sup2", "Shanghai Supervisor", Role.supervisor, "SH01"),
    ("h3", "Shanghai Handler", Role.handler, "SH01"),
]


BACKEND = os.environ.get("COMPLAINTCTL_TEST_BACKEND", "sqlite").strip().lower()
PG_ADMIN_URL = resolve_url(
    os.environ.get("COMPLAINTCTL_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
)
if BACKEND not in ("sqlite", "postgresql"):
    raise pytest.UsageError("COMPLAINTCTL_TEST_BACKEND is sqlite or postgresql")
if BACKEND == "postgresql":  # one evidence store for the run (tests narrow it further)
    os.environ["COMPLAINTCTL_EVIDENCE_DIR"] = _scratch_dir("complaintctl-evidence-")


def pytest_report_header(config):
    return f"complaintctl test back end: {BACKEND}" + (
        f" ({PG_ADMIN_URL})" if BACKEND == "postgresql" else "")


#: fixtures through which a test reaches the back end under test
DATABASE_FIXTURES = {"db", "seeded", "cli", "pg_db", "pg_cli", "pg_url", "pg_server",
                     "database_factory"}


def pytest_collection_modifyitems(config, items):
    """On PostgreSQL: run only the tests that use a database fixture (the rest, pure domain
    tests and tests on SQLite files of their own, ran in the SQLite run and would only repeat
    it), and skip those marked sqlite_only, saying why."""
    if BACKEND != "postgresql":
        return
    kept, dropped = [], []
    for item in items:
        if (DATABASE_FIXTURES.isdisjoint(getattr(item, "fixturenames", ()))
                or item.get_closest_marker("once") is not None):
            dropped.append(item)
            continue
        kept.append(item)
        marker = item.get_closest_marker("sqlite_only")
        if marker is not None:
            why = marker.args[0] if marker.args else marker.kwargs.get("reason", "")
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {why}".rstrip(": ")))
    if dropped and os.environ.get("COMPLAINTCTL_TEST_ALL") != "1":
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@cache
def pg_unavailable() -> str | None:
    """Why the test PostgreSQL server cannot be used, or None when it can."""
    try:
        import psycopg  # noqa: F401
        from sqlalchemy import create_engine, text
        from sqlalchemy.pool import NullPool
    except ImportError as error:  # pragma: no cover - psycopg is a dependency
        return f"psycopg is not installed ({error})"
    engine = create_engine(PG_ADMIN_URL, poolclass=NullPool, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure means: skip, saying why
        first = str(getattr(error, "orig", error)).strip().splitlines()[0]
        return (f"no PostgreSQL server for the tests at {PG_ADMIN_URL} ({first}); start one or "
                "set COMPLAINTCTL_TEST_PG")
    finally:
        engine.dispose()
    return None


class PgServer:
    """The test server: makes and drops uniquely named databases."""

    def __init__(self, admin_url: str):
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        self.admin_url = admin_url
        self.engine = create_engine(admin_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        self.prefix = f"complaintctl_test_{os.getpid()}_{secrets.token_hex(3)}"
        self.count = 0

    def url(self, name: str) -> str:
        from sqlalchemy.engine import make_url

        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def new_name(self, label: str = "db") -> str:
        self.count += 1
        return f"{self.prefix}_{label}_{self.count}"

    def create(self, label: str = "db") -> str:
        """A new empty database; returns its URL."""
        from sqlalchemy import text

        name = self.new_name(label)
        with self.engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        return self.url(name)

    def drop(self, url: str) -> None:
        from sqlalchemy import text
        from sqlalchemy.engine import make_url

        name = make_url(url).database
        with self.engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def leftovers(self) -> list[str]:
        from sqlalchemy import text

        with self.engine.connect() as conn:
            return list(conn.execute(
                text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                {"p": self.prefix + "%"}).scalars())


@pytest.fixture(scope="session")
def pg_server():
    """The PostgreSQL server for tests that need one whatever the back end (skips without)."""
    reason = pg_unavailable()
    if reason:
        pytest.skip(reason)
    server = PgServer(PG_ADMIN_URL)
    yield server
    for name in server.leftovers():
        server.drop(server.url(name))
    server.engine.dispose()


@pytest.fixture
def pg_url(pg_server):
    """The URL of a new, empty PostgreSQL database (no schema), dropped after the test."""
    url = pg_server.create("own")
    yield url
    pg_server.drop(url)


class _PgTestDatabase:
    """One database at head for the whole run, brought back to a snapshot before each test:
    the rows the migrations seed (``empty``) or those plus the seeded staff (``seeded``).

    Each snapshot is a copy of every table in a schema of its own (``test_snapshot_*``, outside
    the default schema the tests inspect); a reset is one round trip of plain SQL: delete every
    row, copy the snapshot back, restart the sequences after it.
    """

    def __init__(self, url: str):
        from sqlalchemy import MetaData, inspect

        self.url = url
        self.database = Database(url)
        self.database.create()
        engine = self.database.engine
        tables = [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
        self.metadata = MetaData()
        self.metadata.reflect(engine, only=tables)
        self.serials = [
            (t.name, c.name) for t in self.metadata.sorted_tables for c in t.primary_key.columns
            if len(t.primary_key.columns) == 1 and c.type.python_type is int
        ]
        self.sql: dict[str, str] = {}
        widen_late_window(self.database)
        self._snapshot("empty")
        _seed(self.database)
        self._snapshot("seeded")

    def _snapshot(self, name: str) -> None:
        schema = f"test_snapshot_{name}"
        tables = [t.name for t in self.metadata.sorted_tables]
        with self.database.engine.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            for table in tables:
                conn.exec_driver_sql(f'CREATE TABLE "{schema}"."{table}" AS TABLE "{table}"')
        # triggers off for the reset (the audit trail's refuse DELETE; a superuser may)
        statements = ["SET LOCAL session_replication_role = replica"]
        statements += [f'DELETE FROM "{t}"' for t in reversed(tables)]
        statements += [f'INSERT INTO "{t}" SELECT * FROM "{schema}"."{t}"' for t in tables]
        statements += [
            f"SELECT setval(pg_get_serial_sequence('\"{t}\"', '{c}'), "
            f'COALESCE((SELECT MAX("{c}") FROM "{t}"), 0) + 1, false) '
            f"WHERE pg_get_serial_sequence('\"{t}\"', '{c}') IS NOT NULL"
            for t, c in self.serials
        ]
        self.sql[name] = ";\n".join(statements)

    def reset(self, snapshot: str) -> None:
        with self.database.engine.begin() as conn:
            conn.exec_driver_sql(self.sql[snapshot])  # no parameters: one simple query


@pytest.fixture(scope="session")
def _pg_test_database(pg_server):
    database = _PgTestDatabase(pg_server.create("suite"))
    yield database
    database.database.close()
    pg_server.drop(database.url)


@pytest.fixture(scope="session")
def database_factory(request, tmp_path_factory):
    """``make(label)``: a new empty database at head for fixtures shared by a module: a SQLite
    file, or on the PostgreSQL back end a database of its own on the test server."""
    made: list[Database] = []

    def make(label: str = "db") -> Database:
        if BACKEND == "postgresql":
            database = Database(request.getfixturevalue("pg_server").create(label))
        else:
            database = Database(resolve_url(str(tmp_path_factory.mktemp(label) / "complaints.db")))
        database.create()
        widen_late_window(database)
        made.append(database)
        return database

    yield make
    for database in made:
        database.close()  # pg_server drops its databases at the end of the run


def _pg_database(request, tmp_path, monkeypatch, snapshot: str) -> Database:
    shared = request.getfixturevalue("_pg_test_database")
    shared.reset(snapshot)
    monkeypatch.setenv("COMPLAINTCTL_EVIDENCE_DIR", str(tmp_path / "evidence"))
    return Database(shared.url)


@pytest.fixture
def pg_db(request, tmp_path, monkeypatch) -> Database:
    """An empty PostgreSQL complaint database whatever the back end: the run's own on the
    PostgreSQL back end, else a new one on the test server. Skips without a server."""
    if BACKEND == "postgresql":
        database = _pg_database(request, tmp_path, monkeypatch, "empty")
    else:
        monkeypatch.setenv("COMPLAINTCTL_EVIDENCE_DIR", str(tmp_path / "evidence"))
        database = Database(request.getfixturevalue("pg_url"))
        database.create()
        widen_late_window(database)
    yield database
    database.close()


#: The late-registration window of the suite's databases (issue 23): many tests register and
#: step complaints at fixed --at times months or years back, written before the rule; a real
#: database's window is 7 days (tests/test_late_registration.py restores that default).
SUITE_LATE_WINDOW_DAYS = "36500"


def widen_late_window(database: Database) -> Database:
    """Store the suite's late-registration window in ``database`` (as `config set` would)."""
    from complaintctl.store.models import Setting

    with database.session(write=True) as session:
        session.merge(Setting(key="clock.late_window_days", value=SUITE_LATE_WINDOW_DAYS))
        session.commit()
    return database


def seed(database: Database) -> Database:
    """Add an admin and the staff listed in this module's docstring, with the suite's late
    window; returns the database."""
    widen_late_window(database)
    _seed(database)
    return database


def _seed(database: Database) -> None:
    from complaintctl.services.admin import staff

    with database.session(write=True) as session:
        staff.init_admin(session=session, username="admin", name="Admin")
        admin = actor("admin")
        for username, name, role, branch in STAFF:
            staff.add(session=session, actor=admin, username=username, name=name, role=role,
                      branch=branch, email=f"{username}@bank.example")


def _settle(database: Database) -> Path:
    """Close every connection and fold the WAL into the file, so the file alone is the copy."""
    import sqlite3

    database.engine.dispose()
    conn = sqlite3.connect(database.path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return database.path


@pytest.fixture(scope="session")
def _templates(tmp_path_factory) -> dict[str, Path]:
    """An empty and a seeded database, built once per session through the real code (migrations
    and services) and copied into each test: creating them per test costs a second of fsyncs."""
    root = tmp_path_factory.mktemp("templates")
    empty = Database(resolve_url(str(root / "empty.db")))
    empty.create()
    widen_late_window(empty)
    seeded = Database(resolve_url(str(root / "seeded.db")))
    seeded.create()
    widen_late_window(seeded)
    _seed(seeded)
    return {"empty": _settle(empty), "seeded": _settle(seeded)}


def _copy(template: Path, tmp_path: Path) -> Database:
    import shutil

    path = tmp_path / "complaints.db"
    shutil.copyfile(template, path)
    os.chmod(path, 0o600)
    return Database(resolve_url(str(path)))


@pytest.fixture
def db(request, tmp_path, monkeypatch) -> Database:
    """A new, empty (no staff) complaint database: a real SQLite file, or (with
    COMPLAINTCTL_TEST_BACKEND=postgresql) the run's PostgreSQL database emptied for this test."""
    if BACKEND == "postgresql":
        database = _pg_database(request, tmp_path, monkeypatch, "empty")
    else:
        database = _copy(request.getfixturevalue("_templates")["empty"], tmp_path)
    yield database
    database.close()


@pytest.fixture
def seeded(request, db) -> Database:
    """The database with an admin and the staff listed in this module's docstring."""
    if BACKEND == "postgresql":
        request.getfixturevalue("_pg_test_database").reset("seeded")
        return db
    import shutil

    db.engine.dispose()
    shutil.copyfile(request.getfixturevalue("_templates")["seeded"], db.path)
    return db


@contextmanager
def commands_keep_connections(database: Database):
    """For a module's fixture that runs hundreds of commands on one database: each command
    leaves its pooled connections open at its end (as it does on PostgreSQL) instead of closing
    the SQLite file, and SQLite commits skip the fsync (``synchronous = OFF``). What the
    commands do is the same; only reopening the file and waiting for the disk are saved
    (together about half of such a module's time)."""
    from sqlalchemy import event

    def _no_fsync(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA synchronous = OFF")

    engine = database.engine
    if database.is_sqlite:
        event.listen(engine, "connect", _no_fsync)
        engine.dispose()  # connections made from now on get the pragma
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Database, "close", lambda self: None)
        try:
            yield database
        finally:
            if database.is_sqlite:
                event.remove(engine, "connect", _no_fsync)
            engine.dispose()


def actor(username: str) -> Actor:
    """The Actor for one of the seeded staff."""
    if username == "admin":
        return Actor("admin", Role.admin, None, "Admin")
    for name, _full, role, branch in STAFF:
        if name == username:
            return Actor(name, role, branch)
    raise KeyError(username)


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str


class Cli:
    """Runs complaintctl in-process against one database, as one user."""

    def __init__(self, database: Database):
        self.database = database

    def __call__(self, *args: str, as_: str | None = "admin", input: str | None = None,
                 env: dict[str, str] | None = None) -> Run:
        from typer.testing import CliRunner

        from complaintctl.present import render
        from complaintctl.cli import app

        render.reset()
        argv = ["--db", self.database.url]
        if as_ is not None:
            argv += ["--as", as_]
        result = CliRunner().invoke(app, argv + list(args), input=input, env=env)
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Run(result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def cli(seeded) -> Cli:
    yield Cli(seeded)
    set_language("en")  # a --lang zh run must not leave the next test in Chinese


@pytest.fixture
def pg_cli(pg_db) -> Cli:
    """A CLI runner on a seeded PostgreSQL database, whatever the back end."""
    return Cli(seed(pg_db))
