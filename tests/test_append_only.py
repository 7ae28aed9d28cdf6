"""SQLite's share of "the database enforces it too" (issue 18): triggers refuse UPDATE and DELETE
of audit events, and moving the chain head back, so a casual `sqlite3` edit fails loudly; the
one sanctioned erasure (purge, import undo) still works and leaves the triggers armed; `db
harden` says what SQLite does instead of roles."""

from __future__ import annotations

import sqlite3

import pytest

from conftest import BACKEND
from test_retention import closed_long_ago
from tampering import SQLITE_TRIGGERS

pytestmark = pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's triggers")

REFUSED = ("the audit trail is append-only: events cannot be changed or deleted "
           "(complaintctl purge is the one sanctioned erasure)")


def _edit(db, statement: str) -> None:
    db.dispose()
    conn = sqlite3.connect(db.path)
    try:
        with conn:
            conn.execute(statement)
    finally:
        conn.close()


def _rows(db, query: str) -> list[tuple]:
    conn = sqlite3.connect(db.path)
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


@pytest.mark.parametrize("statement", [
    "UPDATE event SET actor = 'mallory' WHERE seq = 1",
    "UPDATE event SET personal = NULL",
    "DELETE FROM event WHERE seq = 1",
    "DELETE FROM event",
])
def test_a_plain_sqlite3_edit_of_the_audit_trail_fails_with_the_triggers_message(cli, statement):
    before = _rows(cli.database, "SELECT * FROM event ORDER BY seq")
    with pytest.raises(sqlite3.IntegrityError, match="^" + REFUSED.replace("(", r"\(")
                       .replace(")", r"\)") + "$"):
        _edit(cli.database, statement)
    assert _rows(cli.database, "SELECT * FROM event ORDER BY seq") == before
    assert cli("audit", "verify", as_="aud").exit_code == 0


@pytest.mark.parametrize("statement", [
    "UPDATE audit_head SET count = count - 1", "DELETE FROM audit_head"])
def test_the_chain_head_only_moves_forward(cli, statement):
    with pytest.raises(sqlite3.IntegrityError,
                       match="^the audit chain head only moves forward and cannot be deleted$"):
        _edit(cli.database, statement)


def test_a_guard_row_left_by_hand_does_not_open_the_hashed_columns(cli):
    _edit(cli.database, "INSERT INTO setting (key, value) VALUES ('audit.erasing', 'on')")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        _edit(cli.database, "UPDATE event SET actor = 'mallory' WHERE seq = 1")


def test_purge_still_erases_through_the_sanctioned_path_and_the_triggers_stay(cli, tmp_path):
    number = closed_long_ago(cli.database, 7, tmp_path)
    assert _rows(cli.database, "SELECT count(*) FROM event WHERE number = '" + number
                 + "' AND personal IS NOT NULL") != [(0,)]
    run = cli("purge", as_="admin")
    assert run.exit_code == 0, run.stderr
    assert _rows(cli.database, "SELECT count(*) FROM event WHERE number = '" + number
                 + "' AND personal IS NOT NULL") == [(0,)]
    assert _rows(cli.database, "SELECT action FROM event ORDER BY seq DESC LIMIT 1") == [
        ("purge",)]
    assert _rows(cli.database, "SELECT count(*) FROM setting WHERE key = 'audit.erasing'") == [
        (0,)]
    assert sorted(r[0] for r in _rows(cli.database, "SELECT name FROM sqlite_master WHERE "
                                      "type = 'trigger'")) == sorted(SQLITE_TRIGGERS)
    assert cli("audit", "verify", as_="aud").exit_code == 0
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        _edit(cli.database, "UPDATE event SET personal = NULL")


def test_db_harden_on_sqlite_says_what_sqlite_does_instead(cli):
    run = cli("db", "harden", "--owner", "o", "--app", "a", "--no-password")
    assert (run.exit_code, run.stdout) == (3, "")
    assert run.stderr == (
        "Error: db harden is for PostgreSQL: SQLite has no roles. A SQLite database is kept "
        "private by its file modes (0600, directory 0700), its triggers refuse edits of the "
        "audit trail, and `audit verify --anchor` detects a rewrite; see the README's threat "
        "model.\n")
