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


@pytest.fixture
def db(tmp_path) -> Database:
    """A new, empty (no staff) complaint database in a real SQLite file."""
    database = Database(resolve_url(str(tmp_path / "complaints.db")))
    database.create()
    yield database
    database.engine.dispose()


@pytest.fixture
def seeded(db) -> Database:
    """The database with an admin and the staff listed in this module's docstring."""
    from complaintctl.services import staff

    with db.session(write=True) as session:
        staff.init_admin(session=session, username="admin", name="Admin")
        admin = actor("admin")
        for username, name, role, branch in STAFF:
            staff.add(session=session, actor=admin, username=username, name=name, role=role,
                      branch=branch, email=f"{username}@bank.example")
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
