"""Shared fixtures: a real SQLite file per test, seeded staff, and a CLI runner.

Staff seeded by ``seeded`` (branch in brackets):
admin (admin, head office), sup (supervisor [BJ01]), h1 and h2 (handlers [BJ01]),
clerk (clerk [BJ01]), aud (auditor), sup2 (supervisor [SH01]), h3 (handler [SH01]).
"""

from __future__ import annotations

import os

os.environ["COMPLAINTCTL_LANG"] = "en"  # before complaintctl is imported
os.environ.pop("COMPLAINTCTL_DB", None)
os.environ.pop("COMPLAINTCTL_USER", None)
os.environ.setdefault("COLUMNS", "200")

from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from complaintctl.db import Database, resolve_url  # noqa: E402
from complaintctl.domain.enums import Role  # noqa: E402
from complaintctl.i18n import set_language  # noqa: E402
from complaintctl.services.context import Actor  # noqa: E402

set_language("en")


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


def _seed(database: Database) -> None:
    from complaintctl.services import staff

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
    seeded = Database(resolve_url(str(root / "seeded.db")))
    seeded.create()
    _seed(seeded)
    return {"empty": _settle(empty), "seeded": _settle(seeded)}


def _copy(template: Path, tmp_path: Path) -> Database:
    import shutil

    path = tmp_path / "complaints.db"
    shutil.copyfile(template, path)
    os.chmod(path, 0o600)
    return Database(resolve_url(str(path)))


@pytest.fixture
def db(tmp_path, _templates) -> Database:
    """A new, empty (no staff) complaint database in a real SQLite file."""
    database = _copy(_templates["empty"], tmp_path)
    yield database
    database.engine.dispose()


@pytest.fixture
def seeded(db, _templates) -> Database:
    """The database with an admin and the staff listed in this module's docstring."""
    import shutil

    db.engine.dispose()
    shutil.copyfile(_templates["seeded"], db.path)
    return db


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

        from complaintctl import render
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
    return Cli(seeded)
