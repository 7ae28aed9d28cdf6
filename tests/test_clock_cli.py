"""CLI transcripts for the clock's commands: output, messages and exit codes."""

from __future__ import annotations

import json
import re

import pytest

AT = ["--received-at", "2026-09-30T10:00", "--at", "2026-09-30T10:05"]


def new(cli, *extra, as_="clerk"):
    run = cli("register", "--channel", "phone", "--customer", "张伟", "--summary", "年费重复扣收",
              *AT, *extra, as_=as_)
    assert run.exit_code == 0, run.stderr
    return run.stdout.strip()


def working(cli, *extra):
    number = new(cli, *extra)
    assert cli("assign", number, "--to", "h1", "--at", "2026-09-30T11:00", as_="sup").exit_code == 0
    assert cli("investigate", number, "--at", "2026-09-30T11:30", as_="h1").exit_code == 0
    return number


def show(cli, number):
    run = cli("show", number, "--format", "json")
    assert run.exit_code == 0, run.stderr
    return json.loads(run.stdout)


def test_register_reports_the_clock_due_time_and_show_carries_the_contract_fields(cli):
    number = new(cli)
    data = show(cli, number)
    assert data["due_at"] == "2026-10-15T23:59:59+08:00"
    assert (data["paused"], data["extension_level"], data["escalation_level"]) == (False, 0, 0)
    assert data["overdue"] is True  # received in September: long past its due time now
    assert data["clock_profile"] == "cn-cbirc-2020"


def test_due_explains_every_step_in_a_table_and_in_json(cli):
    number = new(cli)
    table = cli("due", number)
    assert table.exit_code == 0
    for word in ("received", "profile", "rule", "counted days", "holidays", "roll", "due",
                 "acknowledgement", "National Day", "2026-10-15"):
        assert word in table.stdout
    data = json.loads(cli("due", number, "--format", "json").stdout)
    assert data["due_at"] == data["stored_due_at"] == "2026-10-15T23:59:59+08:00"
    assert data["agrees"] is True and data["first_day"] == "2026-10-01"
    assert cli("due", "CMP-2026-999999").exit_code == 1


def test_pause_and_resume_transcript(cli):
    number = working(cli)
    run = cli("pause", number, "--reason", "appraisal", "--customer-notified-via", "phone",
              "--at", "2026-10-03T10:00", as_="h1")
    assert run.exit_code == 0 and "paused for appraisal" in run.stderr
    assert show(cli, number)["paused"] is True
    again = cli("pause", number, "--reason", "mediation", "--customer-notified-via", "sms",
                "--at", "2026-10-03T11:00", as_="h1")
    assert again.exit_code == 3
    assert "already paused since 2026-10-03T10:00:00+08:00; resume it first" in again.stderr
    denied = cli("pause", number, "--reason", "appraisal", "--customer-notified-via", "sms",
                 as_="clerk")
    assert denied.exit_code == 4
    bad = cli("pause", number, "--reason", "holiday", "--customer-notified-via", "sms", as_="h1")
    assert bad.exit_code == 2
    run = cli("resume", number, "--at", "2026-10-05T15:00", as_="h1")
    assert run.exit_code == 0 and "now due 2026-10-18 23:59:59" in run.stderr
    assert cli("resume", number, as_="h1").exit_code == 3


def test_extend_request_and_approval_transcript_with_the_self_approval_refusal(cli):
    number = working(cli)
    run = cli("extend", number, "--level", "1", "--reason", "Card records",
              "--at", "2026-10-08T10:00", as_="h1")
    assert run.exit_code == 0
    assert "requested; waiting for admin, sup" in run.stderr
    own = cli("approve", number, "--at", "2026-10-08T11:00", as_="h1")
    assert own.exit_code == 4 and "needs the role supervisor or admin" in own.stderr
    ok = cli("approve", number, "--at", "2026-10-08T11:00", as_="sup")
    assert ok.exit_code == 0 and "Approved extension" in ok.stderr
    assert show(cli, number)["extension_level"] == 1
    none = cli("approve", number, as_="sup")
    assert none.exit_code == 2 and "no request waiting" in none.stderr
    level2 = cli("extend", number, "--level", "2", "--reason", "x", as_="sup")
    assert level2.exit_code == 5 and "--customer-notified-via" in level2.stderr


def test_staff_senior_flag_and_a_level_2_extension_transcript(cli):
    assert cli("staff", "add", "boss", "--name", "Head", "--role", "supervisor",
               "--senior").exit_code == 0
    staff = json.loads(cli("staff", "list", "--format", "json").stdout)
    assert {s["username"]: s["senior"] for s in staff}["boss"] is True
    number = working(cli)
    assert cli("extend", number, "--level", "1", "--reason", "a", "--at", "2026-10-08T10:00",
               as_="sup").exit_code == 0
    run = cli("extend", number, "--level", "2", "--reason", "b", "--approved-by", "boss",
              "--customer-notified-via", "letter", "--at", "2026-10-20T10:00", as_="sup")
    assert run.exit_code == 0 and "waiting for boss" in run.stderr
    assert cli("approve", number, "--at", "2026-10-20T11:00", as_="boss").exit_code == 0
    data = show(cli, number)
    assert data["extension_level"] == 2 and data["due_at"] == "2026-11-29T23:59:59+08:00"
    assert cli("staff", "senior", "boss", "--off").exit_code == 0
    assert cli("staff", "senior", "boss", as_="sup").exit_code == 4


def test_compensation_approval_transcript(cli):
    number = working(cli)
    resolve = ["resolve", number,
        "--reasons", "核实结果", "--basis", "合同条款",
        "--outcome", "upheld", "--findings", "Twice",
               "--remedy", "compensation:1500", "--notified-via", "phone", "--proof", "CALL-1",
               "--at", "2026-10-09T12:00"]
    refused = cli(*resolve, as_="h1")
    assert refused.exit_code == 4
    assert "above the 1000.00 threshold" in refused.stderr
    asked = cli("request-approval", number, "--compensation", "1500", "--reason", "Interest",
                "--at", "2026-10-09T10:00", as_="h1")
    assert asked.exit_code == 0 and "waiting for admin, sup" in asked.stderr
    assert cli("approve", number, "--at", "2026-10-09T11:00", as_="sup").exit_code == 0
    assert cli(*resolve, as_="h1").exit_code == 0


def test_review_request_and_decide_transcript(cli):
    number = working(cli)
    assert cli("resolve", number,
        "--reasons", "核实结果", "--basis", "合同条款",
        "--outcome", "not_upheld", "--findings", "Rules applied",
               "--notified-via", "letter", "--proof", "CALL-1", "--at", "2026-10-10T10:00", as_="h1").exit_code == 0
    late = cli("review", "request", number, "--at", "2026-11-10T09:00", as_="clerk")
    assert late.exit_code == 3 and "review window closed 2026-11-09T23:59:59+08:00" in late.stderr
    run = cli("review", "request", number, "--at", "2026-10-20T09:00", as_="clerk")
    assert run.exit_code == 0 and "decide by 2026-11-19 23:59:59" in run.stderr
    assert show(cli, number)["status"] == "under_review"
    branch = cli("review", "decide", number, "--result", "upheld", "--findings", "ok",
                 as_="sup")
    assert branch.exit_code == 4 and "head office" in branch.stderr
    done = cli("review", "decide", number, "--result", "changed", "--findings", "Refund due",
               "--at", "2026-10-21T09:00")
    assert done.exit_code == 0 and "it is investigating" in done.stderr


def test_urgency_explains_its_terms(cli):
    number = new(cli, "--tag", "elderly", "--channel", "regulator", "--amount", "20000",
                 "--source-ref", "CBIRC-BJ-2026-0815", "--regulator-due", "2026-10-14")
    data = json.loads(cli("urgency", number, "--format", "json").stdout)
    terms = {t["term"]: t for t in data["terms"]}
    assert set(terms) >= {"due", "priority", "elderly", "regulator", "amount"}
    assert terms["elderly"]["value"] == 3.0 and terms["regulator"]["value"] == 4.0
    assert data["urgency"] == pytest.approx(sum(t["value"] for t in data["terms"]), abs=0.01)
    table = cli("urgency", number)
    assert table.exit_code == 0 and "elderly" in table.stdout


def test_list_sorts_by_urgency_and_filters_due_within(cli):
    calm = new(cli)
    hot = new(cli, "--tag", "elderly", "--tag", "vulnerable")
    rows = json.loads(cli("list", "--sort", "urgency", "--format", "json").stdout)
    assert [r["number"] for r in rows] == [hot, calm]
    assert rows[0]["urgency"] > rows[1]["urgency"]
    bad = cli("list", "--due-within", "soon")
    assert bad.exit_code == 5 and "not a duration" in bad.stderr


def test_due_within_and_overdue_pick_exactly_the_running_clocks_they_name(cli):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    today = datetime.now(ZoneInfo("Asia/Shanghai"))

    def received(days_ago: int) -> str:
        when = (today - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M")
        run = cli("register", "--channel", "phone", "--customer", "x", "--summary", "y",
                  "--received-at", when, as_="clerk")
        assert run.exit_code == 0, run.stderr
        return run.stdout.strip()

    # due at the end of (the day received + 15): tomorrow, in ten days, two weeks ago
    soon, later, late = received(14), received(5), received(30)
    paused, decided = received(14), received(14)
    for number in (paused, decided):
        assert cli("assign", number, "--to", "h1", as_="sup").exit_code == 0
        assert cli("investigate", number, as_="h1").exit_code == 0
    assert cli("pause", paused, "--reason", "mediation", "--customer-notified-via", "phone",
               as_="h1").exit_code == 0
    assert cli("resolve", decided,
        "--reasons", "核实结果", "--basis", "合同条款",
        "--outcome", "not_upheld", "--findings", "checked",
               "--notified-via", "phone", "--proof", "CALL-1", as_="h1").exit_code == 0

    def numbers(*args):
        run = cli("list", *args, "--sort", "number", "--format", "json")
        assert run.exit_code == 0, run.stderr
        return [r["number"] for r in json.loads(run.stdout)]

    assert numbers("--due-within", "2d") == [soon, late]  # overdue ones are due already
    assert numbers("--due-within", "11d") == [soon, later, late]
    assert numbers("--overdue") == [late]
    rows = {r["number"]: r for r in json.loads(cli("list", "--format", "json").stdout)}
    assert [rows[n]["overdue"] for n in (soon, later, late, paused, decided)] == [
        False, False, True, False, False]
    assert rows[paused]["paused"] is True
    table = cli("list", "--overdue", env={"COLUMNS": "200"})  # the number and "overdue" whole
    assert table.exit_code == 0 and late in table.stdout and re.search(r"−\d+[dhm] ! ", table.stdout)
    assert soon not in table.stdout


def test_sla_check_transcript_is_idempotent(cli):
    number = working(cli)
    # registered now (received earlier): its state at --as-of is not what is stored now
    later = cli("register", "--channel", "phone", "--customer", "x", "--summary", "y",
                "--received-at", "2026-10-01T09:00", as_="clerk").stdout.strip()
    first = cli("sla", "check", "--as-of", "2026-10-16T09:00", "--format", "json")
    assert first.exit_code == 0
    data = json.loads(first.stdout)
    assert data["warnings"] == [{"number": number, "level": "overdue"}]
    assert data["escalations"] == [{"number": number, "level": 1}]
    assert (data["checked"], data["skipped"]) == (2, [later])
    second = cli("sla", "check", "--as-of", "2026-10-16T09:00")
    assert second.exit_code == 0 and "Nothing new." in second.stderr
    assert "0 warnings, 0 escalations, 0 notifications" in second.stderr
    assert f"Not checked (each has an event after --as-of): {later}." in second.stderr
    assert show(cli, later)["escalation_level"] == 0
    assert show(cli, number)["escalation_level"] == 1
    assert cli("sla", "check", as_="h1").exit_code == 4
    assert cli("sla", "check", "--as-of", "2999-01-01").exit_code == 5


def test_notify_list_and_send_transcript(cli, monkeypatch):
    monkeypatch.delenv("COMPLAINTCTL_SMTP", raising=False)
    number = new(cli)
    rows = json.loads(cli("notify", "list", "--format", "json").stdout)
    assert rows == [{
        "id": 1, "to": "sup@bank.example", "recipient": "sup", "number": number,
        "event": "registered", "subject": f"[complaintctl] {number}: registered (channel phone)",
        "status": "pending", "attempts": 0, "created_at": rows[0]["created_at"],
        "next_attempt_at": rows[0]["next_attempt_at"], "sent_at": None, "last_error": None}]
    sent = cli("notify", "send")
    assert sent.exit_code == 0 and "Sent 1, failed 0" in sent.stderr
    after = json.loads(cli("notify", "list", "--status", "sent", "--format", "json").stdout)
    assert [(r["status"], r["attempts"]) for r in after] == [("sent", 1)]
    assert cli("notify", "list", as_="clerk").exit_code == 4
    assert cli("notify", "send", as_="sup").exit_code == 4
    assert cli("notify", "list", "--status", "lost").exit_code == 2


def test_notify_send_exits_1_when_a_message_fails(cli):
    import socket

    new(cli)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cli("config", "set", "notify.max_attempts", "1")
    run = cli("notify", "send", env={"COMPLAINTCTL_SMTP": f"smtp://u:pw123@127.0.0.1:{port}"})
    assert run.exit_code == 1 and "failed 1" in run.stderr and "pw123" not in run.stderr


def test_config_show_set_and_load_transcripts(cli, tmp_path):
    rows = {r["key"]: r for r in json.loads(cli("config", "show", "--format", "json").stdout)}
    assert rows["profile"]["value"] == "cn-cbirc-2020" and rows["profile"]["source"] == "default"
    assert "chain_key" not in rows
    assert "profiles.uk-fca" in rows
    run = cli("config", "set", "compensation.threshold", "2000")
    assert run.exit_code == 0 and "compensation.threshold = 2000" in run.stderr
    assert cli("config", "set", "compensation.threshold", "lots").exit_code == 5
    assert cli("config", "set", "no.such.key", "1").exit_code == 2
    assert cli("config", "set", "profile", "mars").exit_code == 5
    assert cli("config", "set", "profile", "uk-fca", as_="sup").exit_code == 4
    rules = tmp_path / "rules.toml"
    rules.write_text('profile = "bank-10"\n[compensation]\nthreshold = 500\n'
                     '[profiles.bank-10]\ndecision = "10 calendar days"\n', encoding="utf-8")
    loaded = cli("config", "load", str(rules))
    assert loaded.exit_code == 0 and "Loaded 2 settings and 1 profiles" in loaded.stderr
    number = new(cli)
    assert show(cli, number)["due_at"] == "2026-10-10T23:59:59+08:00"
    broken = tmp_path / "broken.toml"
    broken.write_text("profile = \n", encoding="utf-8")
    assert cli("config", "load", str(broken)).exit_code == 5
    assert cli("config", "load", str(tmp_path / "missing.toml")).exit_code == 2
    assert cli("config", "set", "compensation.threshold", "").exit_code == 0  # back to default


def test_staff_conflicts_and_recusal_transcript(cli):
    run = cli("staff", "conflict", "add", "h1", "--kind", "account", "--value",
              "6222020200001234", "--note", "Her brother")
    assert run.exit_code == 0
    listed = json.loads(cli("staff", "conflict", "list", "--format", "json").stdout)
    assert [(c["staff"], c["kind"], c["value"]) for c in listed] == [
        ("h1", "account", "************1234")]
    number = new(cli, "--account", "6222020200001234")
    refused = cli("assign", number, "--to", "h1", as_="sup")
    assert refused.exit_code == 4
    assert f"h1 is recused from {number}: a recorded conflict with the account" in refused.stderr
    auto = cli("assign", number, "--auto", as_="sup")
    assert auto.exit_code == 0 and "assigned to h2" in auto.stderr
    assert cli("staff", "conflict", "add", "h1", "--kind", "mood", "--value", "x").exit_code == 5
    assert cli("staff", "conflict", "remove", str(listed[0]["id"])).exit_code == 0
    assert cli("staff", "conflict", "remove", "99").exit_code == 1


def test_assign_needs_exactly_one_of_to_and_auto(cli):
    number = new(cli)
    assert cli("assign", number, as_="sup").exit_code == 2
    assert cli("assign", number, "--to", "h1", "--auto", as_="sup").exit_code == 2
