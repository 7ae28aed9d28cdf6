"""CLI transcripts for every complaint command: exit code, exact stderr, and a stdout that
carries only results (so it can be piped)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone

import pytest

UTC = timezone.utc


def register(cli, *extra, as_="clerk", summary="信用卡年费重复扣收") -> str:
    run = cli("register", "--channel", "phone", "--customer", "张伟", "--phone", "13812345678",
              "--summary", summary, *extra, as_=as_)
    assert run.exit_code == 0, run.stderr
    return run.stdout.strip()


def ok(run, stderr: str, stdout: str = "") -> None:
    """Exit 0, exactly this confirmation on stderr and this (usually nothing) on stdout."""
    assert (run.exit_code, run.stderr, run.stdout) == (0, stderr + "\n", stdout)


def show(cli, number, as_="admin") -> dict:
    run = cli("show", number, "--format", "json", as_=as_)
    assert run.exit_code == 0, run.stderr
    return json.loads(run.stdout)


def test_register_prints_only_the_new_number_on_stdout_and_the_due_date_on_stderr(cli):
    run = cli("register", "--channel", "counter", "--customer", "张伟", "--summary", "年费",
              "--received-at", "2026-03-01T20:00", "--at", "2026-03-02T09:00", as_="clerk")
    number = run.stdout.strip()
    assert run.stdout == number + "\n"
    assert number.startswith("CMP-2026-")
    assert run.stderr == f"Registered {number}; decision due 2026-03-16 23:59.\n"
    assert run.exit_code == 0


def test_register_takes_every_field_as_an_option(cli):
    run = cli(
        "register", "--channel", "regulator", "--customer", "陈明", "--phone", "13500004444",
        "--email", "chen@example.com", "--id-number", "110105196001011239",
        "--account", "6222020200001234", "--customer-id", "C-7", "--group-size", "3",
        "--branch", "BJ01", "--product", "loan", "--issue", "prepayment_fee",
        "--summary", "提前还款违约金争议", "--description", "客户认为违约金过高",
        "--amount", "12,000.5", "--currency", "cny", "--tag", "Repeat", "--tag", "elderly",
        "--received-at", "2026-11-20T10:00", "--source-ref", "CBIRC-BJ-2026-0815",
        "--regulator-due", "2026-11-27",
        "--external-ref", "EXT-1", "--at", "2026-11-21T09:00", as_="sup",
    )
    assert run.exit_code == 0, run.stderr
    data = show(cli, run.stdout.strip(), as_="sup")
    assert {k: data[k] for k in (
        "status", "channel", "source_ref", "external_ref", "received_at", "registered_at",
        "registered_by", "group_size", "branch", "product", "issue", "summary", "description",
        "amount", "currency", "tags", "priority", "due_at")} == {
        "status": "registered", "channel": "regulator", "source_ref": "CBIRC-BJ-2026-0815",
        "external_ref": "EXT-1", "received_at": "2026-11-20T10:00:00+08:00",
        "registered_at": "2026-11-21T09:00:00+08:00", "registered_by": "sup", "group_size": 3,
        "branch": "BJ01", "product": "loan", "issue": "prepayment_fee",
        "summary": "提前还款违约金争议", "description": "客户认为违约金过高", "amount": "12000.50",
        "currency": "CNY", "tags": ["elderly", "repeat"], "priority": "high",
        "due_at": "2026-12-05T23:59:59+08:00",
    }
    assert data["customer"] == {"name": "陈明", "phone": "135****4444", "email": "c***@example.com",
                                "id_number": "110105********1239",
                                "account": "************1234", "customer_id": "C-7"}


def test_register_with_an_explicit_priority(cli):
    number = register(cli, "--priority", "urgent")
    assert show(cli, number)["priority"] == "urgent"


def test_a_complaint_is_worked_through_every_command_with_a_confirmation_each(cli, tmp_path):
    n = register(cli)
    ok(cli("assign", n, "--to", "h1", as_="sup"), f"{n} assigned to h1.")
    ok(cli("assign", n, "--to", "h2", as_="sup"), f"{n} assigned to h2.")
    ok(cli("assign", n, "--to", "h1", as_="sup"), f"{n} assigned to h1.")
    ok(cli("contact", n, "--via", "phone", "--summary", "已受理，15日内答复", as_="h1"),
       f"Contact logged on {n}.")
    ok(cli("contact", n, "--via", "email", "--summary", "客户补充材料", "--direction", "in",
           as_="clerk"), f"Contact logged on {n}.")
    ok(cli("investigate", n, as_="h1"), f"{n} is now investigating.")
    ok(cli("note", n, "已调取交易流水", as_="h1"), f"Note added to {n}.")
    run = cli("consult", n, "--department", "card_ops", "--question", "扣了两次吗？", as_="h1")
    qid = run.stdout.strip()
    ok(run, f"Consultation {qid} sent to card_ops; record the reply with "
            f"`complaintctl answer {n} {qid} TEXT`.", f"{qid}\n")
    ok(cli("answer", n, qid, "是，重复入账", as_="h1"), "Answer from card_ops recorded.")
    statement = tmp_path / "statement.pdf"
    statement.write_bytes(b"%PDF statement")
    digest = hashlib.sha256(b"%PDF statement").hexdigest()
    ok(cli("evidence", "add", n, str(statement), "--description", "Card statement", as_="h1"),
       f"Evidence 1 kept: statement.pdf, 14 bytes, sha256 {digest}.")
    ok(cli("resolve", n,
        "--reasons", "核实结果", "--basis", "合同条款",
        "--outcome", "upheld", "--findings", "Fee charged twice",
           "--remedy", "apology", "--remedy", "fee_refund:300", "--notified-via", "phone",
           "--proof", "CALL-7781", as_="h1"),
       f"{n} resolved; the customer's notice is on record.")
    ok(cli("close", n, "--satisfaction", "2", "--disputed", "--feedback", "金额不够", as_="h1"),
       f"{n} closed.")
    ok(cli("reopen", n, "--reason", "客户又发现一笔", as_="sup"),
       f"{n} reopened; it is investigating again.")
    cli("resolve", n,
        "--reasons", "核实结果", "--basis", "合同条款",
        "--outcome", "not_upheld", "--findings", "已解释", "--notified-via", "letter", "--proof", "CALL-1",
        as_="h1")
    ok(cli("close", n, "--satisfaction", "5", as_="h1"), f"{n} closed.")
    ok(cli("archive", n, as_="sup"), f"{n} archived.")

    data = show(cli, n, as_="sup")
    assert [e["action"] for e in data["events"]] == [
        "register", "assign", "reassign", "reassign", "contact", "contact", "investigate",
        "note", "consult", "answer", "evidence", "resolve", "close", "reopen", "resolve", "close",
        "archive"]
    assert (data["status"], data["reopen_count"], data["satisfaction"], data["disputed"]) == (
        "archived", 1, 5, False)
    assert data["contacts"][0] == {"at": data["acknowledged_at"], "via": "phone",
                                   "direction": "out", "summary": "已受理，15日内答复", "by": "h1"}
    assert data["consultations"][0]["answer"] == "是，重复入账"
    assert data["outcome"] == "not_upheld" and data["remedies"] == []


def test_withdraw_and_merge_confirm_on_stderr(cli):
    a, b, c = register(cli), register(cli), register(cli)
    ok(cli("withdraw", a, "--reason", "客户来电撤回", as_="sup"),
       f"{a} withdrawn; handling ends today.")
    ok(cli("merge", b.lower(), "--into", c, as_="sup"), f"{b} merged into {c}.")
    assert show(cli, b)["merged_into"] == c
    assert show(cli, c)["events"][-1]["details"] == {"merged_from": b}
    assert show(cli, a)["status"] == "withdrawn"


def test_evidence_list_shows_each_file_in_json_and_in_a_table(cli, tmp_path):
    n = register(cli)
    cli("assign", n, "--to", "h1", as_="sup")
    run = cli("evidence", "list", n, as_="h1")
    assert (run.exit_code, run.stdout, run.stderr) == (0, "", f"No evidence on {n}.\n")
    for name, body in (("a.txt", b"alpha"), ("b.txt", b"bravo")):
        (tmp_path / name).write_bytes(body)
        assert cli("evidence", "add", n, str(tmp_path / name), as_="h1").exit_code == 0
    rows = json.loads(cli("evidence", "list", n, "--format", "json", as_="clerk").stdout)
    assert [(r["id"], r["filename"], r["size"], r["sha256"], r["added_by"]) for r in rows] == [
        (1, "a.txt", 5, hashlib.sha256(b"alpha").hexdigest(), "h1"),
        (2, "b.txt", 5, hashlib.sha256(b"bravo").hexdigest(), "h1")]
    assert rows[0]["added_at"].endswith("+08:00")  # bank time, like every other output
    wide = {"COLUMNS": "200"}  # the whole digest fits on one line
    table = cli("evidence", "list", n, as_="clerk", env=wide).stdout
    assert "a.txt" in table and hashlib.sha256(b"bravo").hexdigest() in table


EVIDENCE_CLEAR = ("13812345678", "110105196001011000", "zhang.wei@example.com")
EVIDENCE_MASKED = ("138****5678", "110105********1000", "z***@example.com")


def _evidence_naming_the_customer(cli, tmp_path) -> str:
    """A complaint of BJ01 with a file whose name and description carry the customer's data."""
    n = register(cli)
    cli("assign", n, "--to", "h1", as_="sup")
    cli("investigate", n, as_="h1")
    path = tmp_path / "13812345678身份证.jpg"
    path.write_bytes(b"jpeg")
    run = cli("evidence", "add", n, str(path), "--description",
              "身份证 110105196001011000 复印件，邮箱 zhang.wei@example.com", as_="h1")
    assert run.exit_code == 0, run.stderr
    return n


def _access_events(cli) -> list[dict]:
    return [e for e in json.loads(cli("audit", "log", "--format", "json", as_="aud").stdout)
            if e["kind"] in ("access", "refusal")]


@pytest.mark.parametrize("who", ["clerk", "h1", "sup", "aud", "admin"])
@pytest.mark.parametrize("fmt", ["table", "json"])
def test_evidence_list_masks_the_personal_data_in_file_names_and_descriptions(cli, tmp_path,
                                                                              who, fmt):
    n = _evidence_naming_the_customer(cli, tmp_path)
    run = cli("evidence", "list", n, "--format", fmt, as_=who)
    assert run.exit_code == 0, run.stderr
    for clear, masked in zip(EVIDENCE_CLEAR, EVIDENCE_MASKED, strict=True):
        assert clear not in run.stdout
    if fmt == "json":
        [row] = json.loads(run.stdout)
        assert (row["filename"], row["description"]) == (
            "138****5678身份证.jpg", "身份证 110105********1000 复印件，邮箱 z***@example.com")
    assert _access_events(cli) == []  # masked reads leave no trace


@pytest.mark.parametrize("who", ["sup", "aud", "admin"])
def test_evidence_list_unmask_shows_them_in_full_after_putting_it_on_the_audit_trail(
        cli, tmp_path, who):
    n = _evidence_naming_the_customer(cli, tmp_path)
    run = cli("evidence", "list", f" {n.lower()}", "--unmask", "--format", "json", as_=who)
    assert run.exit_code == 0, run.stderr
    [row] = json.loads(run.stdout)
    assert (row["filename"], row["description"]) == (
        "13812345678身份证.jpg", "身份证 110105196001011000 复印件，邮箱 zhang.wei@example.com")
    table = cli("evidence", "list", n, "--unmask", as_=who, env={"COLUMNS": "200"}).stdout
    assert "110105196001011000" in table
    events = _access_events(cli)
    assert [(e["kind"], e["actor"], e["action"], e["number"], e["details"]) for e in events] \
        == 2 * [("access", who, "unmask", n,
                 {"command": "evidence list", "complaints": [n], "count": 1})]


@pytest.mark.parametrize(("who", "message"), [
    ("clerk", ("Permission denied: `evidence list --unmask` needs the role supervisor or "
               "auditor or admin; clerk is a clerk.")),
    ("h1", ("Permission denied: `evidence list --unmask` needs the role supervisor or auditor "
            "or admin; h1 is a handler.")),
    ("sup2", ("Permission denied: {n} belongs to branch BJ01; sup2 works for branch SH01. Ask a "
             "supervisor of that branch or an admin.")),
])
def test_evidence_list_unmask_is_refused_to_roles_and_branches_that_may_not(cli, tmp_path, who,
                                                                             message):
    n = _evidence_naming_the_customer(cli, tmp_path)
    run = cli("evidence", "list", n, "--unmask", "--format", "json", as_=who)
    assert (run.exit_code, run.stdout, run.stderr) == (
        4, "", f"Error: {message.format(n=n)}\n")
    events = _access_events(cli)
    assert [(e["kind"], e["actor"], e["action"], e["number"]) for e in events] == [
        ("refusal", who, "evidence list", n)]


def test_show_draws_the_details_and_the_timeline(cli):
    n = register(cli, "--amount", "300", "--tag", "elderly")
    cli("assign", n, "--to", "h1", as_="sup")
    run = cli("show", n, as_="clerk")
    assert run.exit_code == 0 and run.stderr == ""
    assert run.stdout.splitlines()[0].strip() == n
    for text in ("assigned", "138****5678", "300.00 CNY", "elderly", "Timeline",
                 "assignee: - → h1"):
        assert text in run.stdout
    assert "13812345678" not in run.stdout


def test_list_prints_a_table_of_complaints_with_its_count(cli):
    a, b = register(cli), register(cli, summary="ATM 吞卡")
    run = cli("list", as_="clerk", env={"COLUMNS": "200"})  # each number on one line
    assert run.exit_code == 0 and run.stderr == ""
    assert "Complaints (2)" in run.stdout
    assert a in run.stdout and b in run.stdout and "ATM 吞卡" in run.stdout


def test_an_empty_list_says_so_on_stderr_and_prints_nothing(cli):
    run = cli("list", "--status", "closed", as_="clerk")
    assert (run.exit_code, run.stdout, run.stderr) == (0, "", "No complaints match.\n")
    run = cli("list", "--status", "closed", "--format", "json", as_="clerk")
    assert (run.exit_code, run.stdout) == (0, "[]\n")


def test_list_filters_sorts_and_limits_from_the_command_line(cli):
    now = datetime.now(UTC)
    old = register(cli, "--received-at", (now - timedelta(days=30)).isoformat(), "--tag", "media",
                   "--product", "loan")
    new = register(cli, "--channel", "email", "--product", "card", summary="年费多扣")
    cli("assign", new, "--to", "h1", as_="sup")

    def numbers(*args):
        run = cli("list", *args, "--format", "json", as_="sup")
        assert run.exit_code == 0, run.stderr
        return [r["number"] for r in json.loads(run.stdout)]

    assert numbers("--status", "assigned") == [new]
    assert numbers("--status", "assigned", "--status", "registered") == [old, new]
    assert numbers("--assignee", "h1") == [new]
    assert numbers("--branch", "BJ01") == [old, new]
    assert numbers("--channel", "email") == [new]
    assert numbers("--product", "loan") == [old]
    assert numbers("--tag", "MEDIA") == [old]
    assert numbers("--received-since", (now - timedelta(days=1)).date().isoformat()) == [new]
    assert numbers("--received-until", (now - timedelta(days=1)).date().isoformat()) == [old]
    assert numbers("--overdue") == [old]
    assert numbers("--text", "多扣") == [new]
    assert numbers("--sort", "priority") == [old, new]
    assert numbers("--sort", "received", "--limit", "1") == [old]


def test_received_until_a_date_includes_the_whole_of_that_day_in_bank_time(cli):
    # registered at 23:30 Shanghai time on 2 March: "until 2026-03-02" must include it
    late = register(cli, "--received-at", "2026-03-02T23:30", "--at", "2026-03-02T23:40")
    early = register(cli, "--received-at", "2026-03-03T00:10", "--at", "2026-03-03T00:20")
    run = cli("list", "--received-until", "2026-03-02", "--format", "json", as_="sup")
    assert [r["number"] for r in json.loads(run.stdout)] == [late]
    run = cli("list", "--received-since", "2026-03-03", "--format", "json", as_="sup")
    assert [r["number"] for r in json.loads(run.stdout)] == [early]
    run = cli("list", "--received-until", "2026-03-02T23:00", "--format", "json", as_="sup")
    assert json.loads(run.stdout) == []


@pytest.mark.parametrize("args", [
    ("--format", "json"), ("--format", "csv"), ("--format", "table")])
def test_list_output_goes_to_stdout_and_nothing_to_stderr(cli, args):
    register(cli)
    run = cli("list", *args, as_="clerk")
    assert run.exit_code == 0 and run.stderr == "" and run.stdout
