"""complaintctl on a central PostgreSQL: URLs, creation, checks, backups, the schema, and
commands that lose a deadlock being run again. Skips without a PostgreSQL server."""

from __future__ import annotations

import json
import shutil
import threading
import time

import pytest

from complaintctl.infra import retry
from complaintctl.store.db import resolve_url


def libpq(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def run_cli(*argv: str):
    """complaintctl with exactly these arguments (no --db added)."""
    from typer.testing import CliRunner

    from complaintctl.present import render
    from complaintctl.cli import app

    render.reset()
    result = CliRunner().invoke(app, list(argv))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def test_postgresql_urls_get_the_psycopg_driver_we_ship():
    assert resolve_url("postgresql://u@h:5432/d") == "postgresql+psycopg://u@h:5432/d"
    assert resolve_url("postgres://u@h/d") == "postgresql+psycopg://u@h/d"
    assert resolve_url("postgresql+psycopg://u@h/d") == "postgresql+psycopg://u@h/d"


def test_an_unreachable_server_is_one_sentence_and_exit_1(tmp_path):
    run = run_cli("--db", "postgresql://postgres@127.0.0.1:1/nowhere", "--as", "admin", "list")
    assert run.exit_code == 1
    assert run.stderr.startswith("Error: Cannot reach the database at "
                                 "postgresql+psycopg://postgres@127.0.0.1:1/nowhere:")
    assert "Check the URL in --db or COMPLAINTCTL_DB and that the server is running." in run.stderr
    assert "Traceback" not in run.stderr


def test_init_creates_the_postgresql_database_when_the_server_lacks_it(pg_server):
    url = pg_server.url(pg_server.new_name("init"))
    try:
        run = run_cli("--db", libpq(url), "init", "--admin", "boss", "--name", "Boss")
        assert run.exit_code == 0, run.stderr
        assert f"Created {url} with admin boss." in run.stderr
        run = run_cli("--db", url, "--as", "boss", "staff", "list", "--format", "json")
        assert [s["username"] for s in json.loads(run.stdout)] == ["boss"]
        again = run_cli("--db", url, "init", "--admin", "other")
        assert again.exit_code == 0 and "is ready; its admin is boss." in again.stderr
    finally:
        pg_server.drop(url)


def test_a_missing_postgresql_database_is_not_created_by_ordinary_commands(pg_server):
    url = pg_server.url(pg_server.new_name("missing"))
    run = run_cli("--db", url, "--as", "admin", "list")
    assert run.exit_code == 1
    assert run.stderr == (f"Error: No complaint database at {url}; create it with `complaintctl "
                          "init --admin USER --name NAME`, or point --db at one.\n")
    assert url.rsplit("/", 1)[1] not in pg_server.leftovers()


def test_db_check_passes_on_a_healthy_postgresql_database_and_names_an_invalid_index(pg_cli):
    from sqlalchemy import text

    run = pg_cli("db", "check", as_="aud")
    assert (run.exit_code, run.stderr) == (0, "Database check passed.\n")
    with pg_cli.database.engine.begin() as conn:
        conn.execute(text("UPDATE pg_index SET indisvalid = false WHERE indexrelid = "
                          "'ix_complaint_channel'::regclass"))
    try:
        run = pg_cli("db", "check", as_="aud")
        assert run.exit_code == 1
        assert "index ix_complaint_channel is invalid; REINDEX it" in run.stderr
    finally:
        with pg_cli.database.engine.begin() as conn:
            conn.execute(text("REINDEX INDEX ix_complaint_channel"))


@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed")
def test_db_backup_on_postgresql_writes_a_pg_dump_archive_only_the_owner_can_read(pg_cli, tmp_path):
    number = pg_cli("register", "--channel", "phone", "--customer", "张伟", "--summary", "s",
                    "--branch", "BJ01").stdout.strip()
    dest = tmp_path / "central.dump"
    run = pg_cli("db", "backup", str(dest))
    assert run.exit_code == 0, run.stderr
    assert dest.read_bytes()[:5] == b"PGDMP"
    assert dest.stat().st_mode & 0o777 == 0o600
    import subprocess

    listing = subprocess.run(["pg_restore", "--list", str(dest)], capture_output=True, text=True)
    assert "TABLE DATA public complaint" in listing.stdout
    assert number.startswith("CMP-")
    again = pg_cli("db", "backup", str(dest))
    assert again.exit_code == 1 and "already exists; choose a new file name." in again.stderr


# --- deadlocks: the command is run again -------------------------------------------------------


def _hold_the_chain_then_deadlock(cli, number: str, *args: str, env=None):
    """Lock the audit chain head, start ``args`` (which locks ``number`` then waits for the
    head), then ask for ``number``'s row: a deadlock the server breaks by aborting the command
    (this connection waits with a longer deadlock_timeout, so it is never the victim)."""
    import psycopg

    result = {}
    with psycopg.connect(libpq(cli.database.url)) as conn:
        conn.execute("SET deadlock_timeout = '30s'")
        conn.execute("SELECT * FROM audit_head WHERE id = 1 FOR UPDATE")
        worker = threading.Thread(target=lambda: result.setdefault("run", cli(*args, env=env)))
        worker.start()
        deadline = time.monotonic() + 20
        while not _someone_waits_for_a_lock(conn):
            assert time.monotonic() < deadline, "the command never waited for the chain head"
            time.sleep(0.01)
        conn.execute("SELECT 1 FROM complaint WHERE number = %s FOR UPDATE", (number,))
        conn.rollback()
    worker.join(30)
    return result["run"]


def _someone_waits_for_a_lock(conn) -> bool:
    conn.execute("SELECT pg_stat_clear_snapshot()")  # the view is cached per transaction
    return conn.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
    ).fetchone()[0] > 0


def _register(cli) -> str:
    run = cli("register", "--channel", "phone", "--customer", "张伟", "--summary", "年费",
              "--branch", "BJ01", as_="clerk")
    assert run.exit_code == 0, run.stderr
    return run.stdout.strip()


def test_a_command_that_loses_a_deadlock_is_run_again_and_the_user_sees_no_error(pg_cli):
    number = _register(pg_cli)
    before = retry.stats.retries
    run = _hold_the_chain_then_deadlock(pg_cli, number, "--as", "sup", "assign", number,
                                        "--to", "h1")
    assert run.exit_code == 0, run.stderr
    assert "Error" not in run.stderr
    assert retry.stats.retries == before + 1
    shown = json.loads(pg_cli("show", number, "--format", "json").stdout)
    assert shown["assignee"] == "h1"
    assert [e["action"] for e in shown["events"]] == ["register", "assign"]
    assert pg_cli("audit", "verify").exit_code == 0


def test_after_the_last_attempt_a_deadlock_is_one_clear_error_and_nothing_changes(pg_cli):
    number = _register(pg_cli)
    gave_up = retry.stats.gave_up
    run = _hold_the_chain_then_deadlock(pg_cli, number, "--as", "sup", "assign", number,
                                        "--to", "h1", env={"COMPLAINTCTL_DB_ATTEMPTS": "1"})
    assert run.exit_code == 1
    assert run.stderr == (
        "Error: The database stayed too busy: 1 attempts ended in a deadlock with other clerks' "
        "work, and nothing was saved. Run the command again in a moment.\n")
    assert retry.stats.gave_up == gave_up + 1
    shown = json.loads(pg_cli("show", number, "--format", "json").stdout)
    assert shown["assignee"] is None and shown["status"] == "registered"
    assert pg_cli("audit", "verify").exit_code == 0
