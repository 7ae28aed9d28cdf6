"""The database enforces it too, on the paths test_db_harden.py does not walk (issue 18): the
mail intake, the emergency plan and `db migrate-to`, connected as `db harden`'s application
role on the real PostgreSQL server. Each works under row-level security, or is refused with
one clear sentence and changes nothing."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import mailkit
from conftest import Cli
from test_db_harden import hardened, pytestmark  # noqa: F401  (a hardened database per module)
from test_migrate_to import branch, counts

BANK = timezone(timedelta(hours=8))
T0 = (datetime.now(BANK) - timedelta(days=2)).replace(second=0, microsecond=0)


def at(minutes: int) -> str:
    return (T0 + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S")


def stored(hardened, sql: str) -> list[str]:  # noqa: F811
    run = hardened.psql("postgres", sql)
    assert run.returncode == 0, run.stderr
    return run.stdout.split()


def test_the_mail_intake_registers_as_the_application_role(hardened, tmp_path):  # noqa: F811
    cli = hardened.app_cli
    box = mailkit.maildir(tmp_path / "Maildir", [mailkit.plain(), mailkit.utf8_chinese()])
    run = cli("intake", "mail", "--maildir", str(box), "--json", as_="clerk")
    assert run.exit_code == 0, run.stderr
    numbers = [m["number"] for m in json.loads(run.stdout)["messages"] if m.get("number")]
    assert len(numbers) == 2
    listed = ",".join(f"'{n}'" for n in numbers)
    assert stored(hardened, f"SELECT channel FROM complaint WHERE number IN ({listed})") == [
        "email", "email"]
    for number in numbers:  # the clerk's branch sees them; another branch's handler does not
        assert cli("show", number, "--format", "json", as_="clerk").exit_code == 0
        assert cli("show", number, as_="h3").exit_code != 0
    again = cli("intake", "mail", "--maildir", str(box), as_="clerk")
    assert again.exit_code == 0 and "No new mail" in again.stderr


def test_the_emergency_plan_detects_within_the_actors_branches(hardened, tmp_path):  # noqa: F811
    cli = hardened.app_cli
    plan = tmp_path / "plan.yaml"
    assert cli("plan", "init", str(plan), as_="admin").exit_code == 0
    assert cli("plan", "load", str(plan), as_="admin").exit_code == 0
    cluster = []
    for i in range(5):
        run = cli("register", "--channel", "phone", "--customer", f"客户{i}", "--summary",
                  "转账失败", "--product", "card", "--branch", "SH01", "--at", at(0),
                  as_="admin")
        assert run.exit_code == 0, run.stderr
        cluster.append(run.stdout.strip())
    # the fifth registration opened the incident in its own transaction (CBIRC Art 29), under
    # the registering admin's reach; detection after it finds nothing new, in either branch
    for supervisor in ("sup", "sup2"):
        run = cli("incident", "detect", "--as-of", at(5), "--format", "json", as_=supervisor)
        assert run.exit_code == 0 and json.loads(run.stdout) == [], run.stderr
    run = cli("incident", "list", "--format", "json", as_="sup2")
    assert run.exit_code == 0, run.stderr
    [opened] = json.loads(run.stdout)
    assert opened["trigger"] == "same_cluster" and sorted(opened["complaints"]) == sorted(cluster)
    extra = cli("register", "--channel", "phone", "--customer", "客户9", "--summary", "排队",
                "--branch", "SH01", as_="admin").stdout.strip()
    hidden = cli("incident", "declare", "--level", "III", "--title", "越权", "--link", extra,
                 as_="sup")  # Beijing's supervisor cannot see it, so cannot link it
    assert hidden.exit_code == 1 and hidden.stderr.startswith("Error: ") and len(
        hidden.stderr.splitlines()) == 1, hidden.stderr
    declared = cli("incident", "declare", "--level", "III", "--title", "网点群访", "--link",
                   extra, as_="sup2")
    assert declared.exit_code == 0, declared.stderr
    assert stored(hardened, "SELECT count(*) FROM incident_complaint") == [str(len(cluster) + 1)]
    assert cli("audit", "verify", as_="aud").exit_code == 0


def test_migrate_to_refuses_a_connection_row_level_security_limits(hardened, tmp_path):  # noqa: F811
    before = stored(hardened, "SELECT count(*) FROM complaint")
    source = branch(tmp_path)
    into = Cli(source)("db", "migrate-to", hardened.role_db(hardened.app).url)
    assert (into.exit_code, into.stdout) == (4, "")
    assert into.stderr == (
        "Error: The target database limits this connection by row-level security (it is `db "
        "harden`'s application role): migrate into it as the owner role, or before `db "
        "harden`. Nothing was copied.\n")
    assert stored(hardened, "SELECT count(*) FROM complaint") == before
    target = tmp_path / "out.db"
    out = hardened.app_cli("db", "migrate-to", str(target))
    assert (out.exit_code, out.stdout) == (4, "")
    assert out.stderr == (
        "Error: The source database limits this connection by row-level security (it is `db "
        "harden`'s application role, which sees only an actor's branches): connect to it as "
        "the owner role to migrate it. Nothing was copied.\n")
    if target.exists():
        from complaintctl.store.db import Database, resolve_url

        assert set(counts(Database(resolve_url(str(target)))).values()) == {0}
    # the owner role copies the whole database
    whole = tmp_path / "whole.db"
    run = Cli(hardened.role_db(hardened.owner))("db", "migrate-to", str(whole), "--format",
                                                "json")
    assert run.exit_code == 0, run.stderr
    from complaintctl.store.db import Database, resolve_url

    copied = counts(Database(resolve_url(str(whole))))["complaint"]
    assert [str(copied)] == stored(hardened, "SELECT count(*) FROM complaint")
