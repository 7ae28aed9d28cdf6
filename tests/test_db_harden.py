"""The database enforces it too (issue 18): on PostgreSQL, after `db harden`, the application
role cannot change or remove audit rows (privileges and a trigger), sees only its actor's
branches (row-level security, set per transaction by the services; nothing without an actor),
and purges through the one SECURITY DEFINER erasure, on the chain; `audit verify` passes after
all of it. Run against the real server with psql; the roles and the database are made with
unique names for this run and dropped at the end."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
from sqlalchemy.engine import make_url

from complaintctl.store.db import Database, resolve_url
from conftest import Cli, seed
from importing import csv_text, run_import
from test_retention import closed_long_ago

pytestmark = pytest.mark.skipif(shutil.which("psql") is None, reason="psql is not installed")


class Hardened:
    def __init__(self, server, tmp_path_factory):
        self.server = server
        self.url = server.create("harden")
        self.owner, self.app = f"{server.prefix}_owner", f"{server.prefix}_app"
        database = Database(self.url)
        database.create()
        self.superuser = seed(database)
        self.tmp = tmp_path_factory.mktemp("harden")

    def role_db(self, role: str) -> Database:
        url = make_url(self.url).set(username=role).render_as_string(hide_password=False)
        return Database(resolve_url(url))

    def psql(self, role: str, sql: str) -> subprocess.CompletedProcess:
        url = make_url(self.url)
        return subprocess.run(
            ["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-h", url.host or "127.0.0.1",
             "-p", str(url.port or 5432), "-U", role, "-d", url.database, "-c", sql],
            capture_output=True, text=True, timeout=60,
            env={**os.environ, "PGCONNECT_TIMEOUT": "10"})

    def drop(self) -> None:
        from sqlalchemy import text

        self.superuser.dispose()
        for role in (self.owner, self.app):
            self.role_db(role).dispose()
        self.server.drop(self.url)
        with self.server.engine.connect() as conn:
            for role in (self.owner, self.app):
                conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))


@pytest.fixture(scope="module")
def hardened(pg_server, tmp_path_factory):
    made = Hardened(pg_server, tmp_path_factory)
    # the module's evidence store, given back when the module ends (the tests after it must
    # see their own database's store, not this one)
    patch = pytest.MonkeyPatch()
    if "COMPLAINTCTL_EVIDENCE_DIR" not in os.environ:
        patch.setenv("COMPLAINTCTL_EVIDENCE_DIR", str(made.tmp / "evidence"))
    admin = Cli(made.superuser)
    made.numbers = {branch: [_register(admin, branch) for _ in range(count)]
                    for branch, count in (("BJ01", 2), ("SH01", 3))}
    made.purgeable = closed_long_ago(made.superuser, 1, made.tmp)
    run = admin("db", "harden", "--owner", made.owner, "--app", made.app, "--no-password")
    assert run.exit_code == 0, run.stderr
    made.harden_output = run.stdout + run.stderr
    made.app_cli = Cli(made.role_db(made.app))
    try:
        yield made
    finally:
        patch.undo()
        made.drop()


def _register(cli: Cli, branch: str) -> str:
    run = cli("register", "--channel", "phone", "--customer", "张三", "--phone", "13800138000",
              "--summary", "信用卡年费", "--branch", branch, as_="admin")
    assert run.exit_code == 0, run.stderr
    return run.stdout.strip()


def test_harden_says_where_to_point_the_application_and_names_no_password(hardened):
    app_url = make_url(hardened.url).set(username=hardened.app).render_as_string(
        hide_password=False).replace("postgresql+psycopg://", "postgresql://")
    assert f"Point COMPLAINTCTL_DB at {app_url}" in hardened.harden_output
    roles = hardened.psql("postgres", (
        "SELECT rolname, rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname IN "
        f"('{hardened.owner}', '{hardened.app}') ORDER BY rolname"))
    assert roles.stdout.split() == [f"{hardened.app}|f|f|t", f"{hardened.owner}|f|f|t"]
    owners = hardened.psql("postgres", "SELECT DISTINCT tableowner FROM pg_tables "
                                       "WHERE schemaname = 'public'")
    assert owners.stdout.split() == [hardened.owner]


EDITS = ["UPDATE event SET actor = 'mallory' WHERE seq = 1", "DELETE FROM event WHERE seq = 1",
         "TRUNCATE event"]


@pytest.mark.parametrize("statement", [
    *EDITS, "DELETE FROM audit_head", "UPDATE event SET personal = NULL"])
def test_the_application_role_cannot_change_or_remove_audit_rows(hardened, statement):
    run = hardened.psql(hardened.app, statement)
    table = "audit_head" if "audit_head" in statement else "event"
    assert run.returncode != 0
    assert f"permission denied for table {table}" in run.stderr


@pytest.mark.parametrize("statement", [*EDITS, "UPDATE audit_head SET count = count - 1"])
def test_even_the_owner_is_refused_by_the_triggers(hardened, statement):
    run = hardened.psql(hardened.owner, statement)
    assert run.returncode != 0
    assert ("the audit trail is append-only" in run.stderr
            or "the audit chain head only moves forward" in run.stderr)


def test_the_erasure_function_refuses_without_a_purge_on_the_chain(hardened):
    run = hardened.psql(hardened.app, "SELECT complaintctl_erase_personal(1, ARRAY[1]::bigint[], "
                                      "ARRAY[]::text[], false)")
    assert run.returncode != 0
    assert "event 1 is not a purge or an import undo recorded in this transaction" in run.stderr


def _count(hardened, role: str, setting: str | None) -> int:
    scoped = f"SELECT set_config('complaintctl.branches', '{setting}', true); " if setting else ""
    run = hardened.psql(role, f"BEGIN; {scoped}SELECT count(*) FROM complaint; COMMIT;")
    assert run.returncode == 0, run.stderr
    return int(run.stdout.split()[-1])


def test_row_level_security_hides_other_branches_and_everything_without_an_actor(hardened):
    total = sum(len(n) for n in hardened.numbers.values()) + 1  # and the purgeable one (BJ01)
    assert _count(hardened, hardened.app, "SH01") == 3
    assert _count(hardened, hardened.app, "BJ01") == 3
    assert _count(hardened, hardened.app, "*") == total
    assert _count(hardened, hardened.app, None) == 0  # no actor: nothing
    contacts = hardened.psql(hardened.app, "SELECT count(*) FROM event")
    assert contacts.stdout.split() == ["0"]  # the audit trail's personal data too
    assert _count(hardened, "postgres", None) == total  # the superuser is not the application


def test_a_handler_sees_only_their_branch_through_the_services(hardened):
    cli = hardened.app_cli
    listed = cli("list", "--format", "json", as_="h3")
    assert listed.exit_code == 0, listed.stderr
    assert sorted(r["number"] for r in json.loads(listed.stdout)) == sorted(
        hardened.numbers["SH01"])
    everyone = cli("list", "--format", "json", as_="admin")
    assert {r["number"] for r in json.loads(everyone.stdout)} >= set(
        hardened.numbers["SH01"] + hardened.numbers["BJ01"])
    other = hardened.numbers["BJ01"][0]
    shown = cli("show", other, as_="h3")
    assert shown.exit_code != 0 and other in shown.stderr


def test_purge_as_the_application_role_erases_and_is_on_the_chain(hardened):
    cli = hardened.app_cli
    run = cli("purge", "--format", "json", as_="admin")
    assert run.exit_code == 0, run.stderr
    assert json.loads(run.stdout)["numbers"] == [hardened.purgeable]
    left = hardened.psql("postgres", "SELECT count(*) FROM event WHERE personal IS NOT NULL "
                                     "AND number = '" + hardened.purgeable + "'")
    assert left.stdout.split() == ["0"]
    last = hardened.psql("postgres", "SELECT action, actor FROM event ORDER BY seq DESC LIMIT 1")
    assert last.stdout.split() == ["purge|admin"]
    verify = cli("audit", "verify", as_="aud")
    assert verify.exit_code == 0, verify.stderr
    assert "The audit trail is intact" in verify.stderr


def test_audit_verify_passes_after_all_of_it(hardened):
    for statement in ("UPDATE event SET actor = 'x'", "DELETE FROM event", "TRUNCATE event"):
        hardened.psql(hardened.app, statement)
    run = hardened.app_cli("audit", "verify", as_="aud")
    assert run.exit_code == 0 and "The audit trail is intact" in run.stderr


def test_harden_is_refused_to_a_clerk_and_for_bad_names(hardened):
    admin = Cli(hardened.superuser)
    run = admin("db", "harden", "--owner", "x", "--app", "y", "--no-password", as_="clerk")
    assert run.exit_code == 4 and "`db harden` needs the role admin" in run.stderr
    run = admin("db", "harden", "--owner", "Bad-Name", "--app", "y", "--no-password")
    assert run.exit_code == 5 and "--owner 'Bad-Name' is not a usable role name" in run.stderr
    run = admin("db", "harden", "--owner", "same", "--app", "same", "--no-password")
    assert (run.exit_code, run.stderr) == (
        5, "Error: --owner and --app must be two different roles.\n")


def test_a_handler_works_on_their_own_branch_as_the_application_role(hardened):
    cli = hardened.app_cli
    own, other = hardened.numbers["SH01"][0], hardened.numbers["BJ01"][1]
    run = cli("note", own, "回访客户", as_="h3")
    assert run.exit_code == 0, run.stderr
    refused = cli("note", other, "越权", as_="h3")
    assert refused.exit_code != 0
    notes = hardened.psql("postgres", "SELECT number FROM event WHERE action = 'note' "
                                      "AND actor = 'h3'")
    assert notes.stdout.split() == [own]


def test_harden_again_fits_the_roles_and_grants_again(hardened):
    run = Cli(hardened.superuser)("db", "harden", "--owner", hardened.owner, "--app",
                                  hardened.app, "--no-password")
    assert run.exit_code == 0, run.stderr
    denied = hardened.psql(hardened.app, "DELETE FROM event")
    assert "permission denied for table event" in denied.stderr
    events = hardened.psql("postgres", "SELECT details FROM event WHERE action = 'db harden' AND kind = 'admin' "
                                       "ORDER BY seq")
    details = [json.loads(line) for line in events.stdout.splitlines()]
    assert [d["created"] for d in details] == [[hardened.owner, hardened.app], []]


def test_passwords_come_from_stdin_encrypted_and_never_shown(hardened):
    owner_pw, app_pw = "correct horse battery staple 1", "another long secret 22"
    run = Cli(hardened.superuser)("db", "harden", "--owner", hardened.owner, "--app",
                                  hardened.app, "--password-stdin",
                                  input=f"{owner_pw}\n{app_pw}\n")
    assert run.exit_code == 0, run.stderr
    assert owner_pw not in run.stdout + run.stderr and app_pw not in run.stdout + run.stderr
    stored = hardened.psql("postgres", "SELECT rolpassword FROM pg_authid WHERE rolname IN "
                                       f"('{hardened.owner}', '{hardened.app}')")
    hashes = stored.stdout.split()
    assert len(hashes) == 2 and all(h.startswith("SCRAM-SHA-256$") for h in hashes)
    trail = hardened.psql("postgres", "SELECT details FROM event")
    assert owner_pw not in trail.stdout and app_pw not in trail.stdout
    short = Cli(hardened.superuser)("db", "harden", "--owner", hardened.owner, "--app",
                                    hardened.app, "--password-stdin", input="short\nshort\n")
    assert (short.exit_code, short.stderr) == (5, (
        "Error: Each role needs a password of at least 12 characters (the owner's, then the "
        "application role's).\n"))


def test_row_level_security_also_refuses_changes_outside_the_branches(hardened):
    other, own = hardened.numbers["BJ01"][0], hardened.numbers["SH01"][1]
    scoped = "BEGIN; SELECT set_config('complaintctl.branches', 'SH01', true); "
    hidden = hardened.psql(hardened.app, scoped + (
        "WITH u AS (UPDATE complaint SET summary = 'x' WHERE number = "
        f"'{other}' RETURNING 1) SELECT count(*) FROM u; COMMIT;"))
    assert hidden.returncode == 0 and hidden.stdout.split()[-1] == "0"
    moved = hardened.psql(hardened.app, scoped + (
        f"UPDATE complaint SET branch = 'BJ01' WHERE number = '{own}'; COMMIT;"))
    assert moved.returncode != 0
    assert 'new row violates row-level security policy for table "complaint"' in moved.stderr
    summary = hardened.psql("postgres", f"SELECT summary, branch FROM complaint WHERE number "
                                        f"IN ('{other}', '{own}') ORDER BY number")
    assert summary.stdout.split() == ["信用卡年费|BJ01", "信用卡年费|SH01"]


def test_import_undo_as_the_application_role_detaches_through_the_sanctioned_path(hardened):
    cli = hardened.app_cli
    path = hardened.tmp / "undo.csv"
    path.write_text(csv_text(["channel", "customer_name", "phone", "summary", "branch"],
                             [["phone", "欧阳撤销", "13900001111", "x", "SH01"]]))
    run, summary = run_import(cli, path)
    assert run.exit_code == 0, run.stderr
    undone = cli("import", "undo", str(summary["batch"]), as_="admin")
    assert undone.exit_code == 0, undone.stderr
    left = hardened.psql("postgres", "SELECT count(*) FROM event WHERE action = 'imported' AND "
                                     f"(personal LIKE '%欧阳撤销%' OR complaint_id IS NOT NULL) "
                                     f"AND details LIKE '%\"batch\": {summary['batch']}%'")
    assert left.returncode == 0 and left.stdout.split() == ["0"]
    assert cli("audit", "verify", as_="aud").exit_code == 0


def test_a_complaints_whole_life_runs_as_the_application_role(hardened):
    cli = hardened.app_cli
    register = cli("register", "--channel", "phone", "--customer", "张伟", "--phone",
                   "13800138001", "--summary", "年费", "--branch", "BJ01", as_="clerk")
    assert register.exit_code == 0, register.stderr
    n = register.stdout.strip()
    statement = hardened.tmp / "statement.pdf"
    statement.write_bytes(b"%PDF statement")
    for args, who in (
        (("assign", n, "--to", "h1"), "sup"),
        (("contact", n, "--via", "phone", "--summary", "已回电"), "h1"),
        (("investigate", n), "h1"),
        (("evidence", "add", n, str(statement)), "h1"),
        (("consult", n, "--department", "card_ops", "--question", "扣了两次吗？"), "h1"),
        (("resolve", n,
            "--reasons", "核实结果", "--basis", "合同条款",
            "--outcome", "upheld", "--findings", "属实", "--remedy",
          "fee_refund:300", "--notified-via", "phone", "--proof", "CALL-1"), "h1"),
        (("close", n, "--satisfaction", "5"), "h1"),
        (("archive", n), "sup"),
        (("sla", "check"), "admin"),
        (("report", "summary", "--period", "all", "--format", "json"), "sup"),
        (("export", "--format", "csv"), "admin"),
        (("show", n, "--unmask"), "sup"),
        (("audit", "log", n), "aud"),
    ):
        run = cli(*args, as_=who)
        assert run.exit_code == 0, (args, run.stderr)
    shown = json.loads(cli("show", n, "--format", "json", as_="sup").stdout)
    assert shown["status"] == "archived"
    assert cli("show", n, as_="h3").exit_code != 0  # SH01's handler: not theirs to see
    assert cli("audit", "verify", as_="aud").exit_code == 0
