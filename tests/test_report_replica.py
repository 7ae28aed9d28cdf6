"""COMPLAINTCTL_REPORT_DB: lists, exports, reports and the monitor read a read-only replica;
what the audit trail must record (unmasking, refusals) still goes to the primary."""

from __future__ import annotations

import json
import shutil

import pytest
import sqlalchemy as sa

from complaintctl.store.db import Database, resolve_url


def register(cli, summary="年费") -> str:
    run = cli("register", "--channel", "phone", "--customer", "张伟", "--phone", "13812345678",
              "--summary", summary, "--branch", "BJ01", as_="clerk")
    assert run.exit_code == 0, run.stderr
    return run.stdout.strip()


def last_event(cli) -> dict:
    return json.loads(cli("audit", "log", "--limit", "1", "--format", "json").stdout)[0]


def test_the_report_engine_refuses_writes(cli):
    replica = Database(cli.database.url, read_only=True)
    with replica.session() as session, pytest.raises(sa.exc.DBAPIError) as raised:
        session.execute(sa.text("UPDATE setting SET value = value"))
        session.flush()
    assert "read" in str(raised.value.orig).lower()  # read-only transaction / readonly database
    replica.close()


def test_with_a_report_database_unmasking_and_refusals_are_still_audited(cli, monkeypatch):
    number = register(cli)
    monkeypatch.setenv("COMPLAINTCTL_REPORT_DB", cli.database.url)
    run = cli("list", "--unmask", "--format", "json", as_="sup")
    assert run.exit_code == 0, run.stderr
    assert json.loads(run.stdout)[0]["customer"]["phone"] == "13812345678"
    monkeypatch.delenv("COMPLAINTCTL_REPORT_DB")
    event = last_event(cli)
    assert (event["kind"], event["action"], event["actor"]) == ("access", "unmask", "sup")
    monkeypatch.setenv("COMPLAINTCTL_REPORT_DB", cli.database.url)
    refused = cli("list", "--unmask", as_="clerk")
    assert refused.exit_code == 4
    report = cli("report", "summary", "--format", "json", as_="sup")
    assert report.exit_code == 0, report.stderr
    monkeypatch.delenv("COMPLAINTCTL_REPORT_DB")
    event = last_event(cli)
    assert (event["kind"], event["action"], event["actor"]) == ("refusal", "list", "clerk")
    assert cli("audit", "verify").exit_code == 0
    assert number


@pytest.mark.sqlite_only("the replica is a copy of the SQLite file")
def test_lists_and_reports_read_the_replica_while_commands_use_the_primary(cli, tmp_path,
                                                                            monkeypatch):
    first = register(cli, "first")
    replica = tmp_path / "replica.db"
    assert cli("db", "backup", str(replica)).exit_code == 0
    second = register(cli, "second")
    monkeypatch.setenv("COMPLAINTCTL_REPORT_DB", str(replica))
    listed = json.loads(cli("list", "--format", "json", as_="sup").stdout)
    assert [c["number"] for c in listed] == [first]  # the replica lags: it has only the first
    summary = json.loads(cli("report", "summary", "--format", "json", as_="sup").stdout)
    assert json.dumps(summary).count("second") == 0
    shown = json.loads(cli("show", second, "--format", "json", as_="sup").stdout)
    assert shown["number"] == second  # show reads the primary
    monkeypatch.delenv("COMPLAINTCTL_REPORT_DB")
    assert len(json.loads(cli("list", "--format", "json", as_="sup").stdout)) == 2


@pytest.mark.sqlite_only("the replica is a copy of the SQLite file, taken back one schema")
def test_a_replica_behind_the_schema_is_one_clear_error(cli, tmp_path, monkeypatch):
    from alembic import command

    cli.database.engine.dispose()
    replica = tmp_path / "old.db"
    shutil.copyfile(cli.database.path, replica)
    old = Database(resolve_url(str(replica)))
    command.downgrade(old.alembic_config(), "-1")
    revision = old.current_revision()
    old.close()
    monkeypatch.setenv("COMPLAINTCTL_REPORT_DB", str(replica))
    run = cli("list", as_="sup")
    assert run.exit_code == 1
    assert run.stderr.startswith(f"Error: The report database at {replica} is at schema "
                                 f"{revision}, not ")
    assert "unset COMPLAINTCTL_REPORT_DB" in run.stderr
