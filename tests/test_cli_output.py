"""What the CLI prints: the JSON and CSV shapes, masking in every format, customer text that
stays literal, and tables that stay aligned with Chinese text."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from rich.cells import cell_len

from complaintctl.domain.records import CSV_COLUMNS

#: the keys of `show --format json`, as issue 2 lists them, plus overdue, contacts and
#: consultations
SHOW_KEYS = {
    "number", "status", "channel", "source_ref", "received_at", "registered_at",
    "registered_by", "customer", "group_size", "branch", "product", "issue", "summary",
    "description", "amount", "currency", "tags", "priority", "assignee", "due_at",
    "acknowledged_at", "outcome", "findings", "remedies", "notified_at", "notified_via",
    "notice_proof", "satisfaction", "feedback", "disputed", "reopen_count", "closed_at",
    "archived_at", "merged_into", "repeat_of", "external_ref", "events",
    "overdue", "contacts", "consultations",
    # the regulatory clock (issue 4)
    "paused", "clock_profile", "clock", "extension_level", "escalation_level", "warning",
    "seconds_left", "time_left", "review_requested_at", "review_result", "urgency",
    "pauses", "approvals",
    # CBIRC Art 17, 19, 21 (issue 24)
    "needs_reassignment", "reassign_reason", "decision_reasons", "decision_basis",
    "notice_attempts", "notice_unreachable",
    # the CBIRC rules (issue 24): Art 12 representatives, Art 22 identity, Art 33 referrals
    "representatives", "identity", "regulator_due", "referral_reported_at",
    # late registration (issue 23)
    "registered_late",
}
SHOW_ONLY = {"events", "contacts", "consultations", "pauses", "approvals"}
READ_TIME = ("seconds_left", "time_left", "urgency")  # computed at the moment of reading
CUSTOMER_KEYS = {"name", "phone", "email", "id_number", "account", "customer_id"}
EVENT_KEYS = {"at", "recorded_at", "actor", "action", "from_status", "to_status", "details"}

PERSONAL = ["--phone", "13812345678", "--email", "zhang.wei@example.com",
            "--id-number", "110105196001011239", "--account", "6222020200001234"]
CLEAR = ["13812345678", "zhang.wei@example.com", "110105196001011239", "6222020200001234"]
MASKED = ["138****5678", "z***@example.com", "110105********1239", "************1234"]


def register(cli, *extra, summary="信用卡年费重复扣收", customer="张伟") -> str:
    run = cli("register", "--channel", "phone", "--customer", customer, "--summary", summary,
              *PERSONAL, *extra, as_="clerk")
    assert run.exit_code == 0, run.stderr
    return run.stdout.strip()


@pytest.fixture
def worked(cli):
    """A complaint taken to resolved, with a contact, a consultation and a remedy."""
    n = register(cli, "--amount", "300", "--tag", "elderly")
    cli("assign", n, "--to", "h1", as_="sup")
    cli("contact", n, "--via", "phone", "--summary", "已受理", as_="h1")
    cli("investigate", n, as_="h1")
    cli("consult", n, "--department", "ops", "--question", "核实？", as_="h1")
    cli("answer", n, "1", "属实", as_="h1")
    run = cli("resolve", n,
        "--reasons", "核实结果", "--basis", "合同条款",
        "--outcome", "upheld", "--findings", "重复扣费", "--remedy", "apology",
              "--remedy", "fee_refund:300", "--notified-via", "sms", "--proof", "SMS-1", as_="h1")
    assert run.exit_code == 0, run.stderr
    return n


def test_show_json_has_exactly_the_documented_keys(cli, worked):
    run = cli("show", worked, "--format", "json", as_="sup")
    assert run.exit_code == 0 and run.stderr == ""
    data = json.loads(run.stdout)
    assert set(data) == SHOW_KEYS
    assert set(data["customer"]) == CUSTOMER_KEYS
    assert all(set(e) == EVENT_KEYS for e in data["events"])
    assert set(data["contacts"][0]) == {"at", "via", "direction", "summary", "by"}
    assert set(data["consultations"][0]) == {"id", "department", "question", "asked_by",
                                             "asked_at", "answer", "answered_by", "answered_at"}
    assert data["remedies"] == [{"kind": "apology", "amount": None, "note": None},
                                {"kind": "fee_refund", "amount": "300.00", "note": None}]
    assert (data["amount"], data["currency"], data["tags"], data["overdue"]) == (
        "300.00", "CNY", ["elderly"], False)
    assert (data["outcome"], data["notified_via"], data["notice_proof"]) == (
        "upheld", "sms", "SMS-1")
    assert [e["action"] for e in data["events"]] == [
        "register", "assign", "contact", "investigate", "consult", "answer", "resolve"]
    assert data["events"][-1]["from_status"] == "investigating"
    assert data["events"][-1]["to_status"] == "resolved"
    for key in ("received_at", "registered_at", "due_at", "acknowledged_at", "notified_at"):
        assert data[key].endswith("+08:00"), key


README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _readme_json_keys() -> tuple[set[str], dict[str, set[str]]]:
    """The keys README.md documents for `show --format json`: the first column of its "JSON
    output" table, the clock's paragraph "JSON fields added to `show`/`list`", and the fields
    the table gives in braces for the nested objects."""
    table = README.split("\n## JSON output\n", 1)[1].split("\n## ", 1)[0]
    keys: set[str] = set()
    nested: dict[str, set[str]] = {}
    for line in table.splitlines():
        if line.startswith("| `"):
            _, key_cell, meaning, _ = line.split("|", 3)
            names = set(re.findall(r"`(\w+)`", key_cell))
            keys |= names
            braces = re.search(r"`\{([^}]*)\}`|`\{([^}]*)\}", meaning)
            if braces and len(names) == 1:
                nested[names.pop()] = set(re.findall(r"\w+", braces.group(1) or braces.group(2)))
    added = re.search(r"JSON fields added to `show`/`list`:(.*?)\n`notify list", README, re.S)
    keys |= set(re.findall(r"`(\w+)`", added.group(1))) - {"show", "list"}
    return keys, nested


def test_the_readme_documents_exactly_the_keys_show_json_prints(cli, worked):
    """README's JSON section is the contract scripts read: every key `show --format json`
    prints is documented there, and nothing documented is missing from the output."""
    data = json.loads(cli("show", worked, "--format", "json", as_="sup").stdout)
    documented, nested = _readme_json_keys()
    assert documented == set(data)
    assert nested["customer"] == set(data["customer"])
    assert nested["events"] == set(data["events"][0])
    assert nested["remedies"] == set(data["remedies"][0])
    assert nested["contacts"] == set(data["contacts"][0])
    assert nested["consultations"] == set(data["consultations"][0])


def test_show_json_is_plain_json_without_markup(cli):
    n = register(cli, summary="[red]urgent[/red] [bold]fee")
    data = json.loads(cli("show", n, "--format", "json").stdout)
    assert data["summary"] == "[red]urgent[/red] [bold]fee"
    assert "\x1b[" not in cli("show", n, "--format", "json").stdout


def test_list_json_is_an_array_of_show_objects_without_their_timeline(cli, worked):
    other = register(cli)
    run = cli("list", "--format", "json", as_="sup")
    rows = json.loads(run.stdout)
    assert isinstance(rows, list) and [r["number"] for r in rows] == [worked, other]
    assert all(set(r) == SHOW_KEYS - SHOW_ONLY for r in rows)
    shown = json.loads(cli("show", worked, "--format", "json", as_="sup").stdout)
    for key in SHOW_ONLY:
        del shown[key]
    for key in READ_TIME:
        del shown[key], rows[0][key]
    assert rows[0] == shown


def test_list_csv_has_the_documented_columns_and_flattens_the_customer_tags_and_remedies(
    cli, worked
):
    run = cli("list", "--format", "csv", as_="sup")
    assert run.exit_code == 0 and run.stderr == ""
    reader = csv.DictReader(io.StringIO(run.stdout))
    assert reader.fieldnames == CSV_COLUMNS
    (row,) = list(reader)
    assert (row["number"], row["status"], row["customer_name"], row["customer_phone"]) == (
        worked, "resolved", "张伟", "138****5678")
    assert (row["tags"], row["remedies"], row["amount"], row["disputed"]) == (
        "elderly", "apology;fee_refund:300.00", "300.00", "false")
    assert row["merged_into"] == "" and row["reopen_count"] == "0"
    assert "events" not in row and "customer" not in row


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_list_masks_personal_data_in_every_format(cli, fmt, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")
    register(cli)
    out = cli("list", "--format", fmt, as_="sup").stdout
    for clear in CLEAR:
        assert clear not in out
    if fmt != "table":  # the table shows the customer's name, not their contact details
        for masked in MASKED:
            assert masked in out


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_show_masks_personal_data_in_every_format(cli, fmt):
    n = register(cli)
    out = cli("show", n, "--format", fmt, as_="sup").stdout
    for clear, masked in zip(CLEAR, MASKED, strict=True):
        assert clear not in out
        assert masked in out


@pytest.mark.parametrize(("command", "fmt"), [("show", "table"), ("show", "json"),
                                              ("list", "json"), ("list", "csv")])
def test_unmask_shows_personal_data_in_full_and_is_audited(cli, command, fmt):
    n = register(cli)
    args = [command, n] if command == "show" else [command]
    run = cli(*args, "--unmask", "--format", fmt, as_="sup")
    assert run.exit_code == 0, run.stderr
    for clear in CLEAR:
        assert clear in run.stdout
    log = json.loads(cli("audit", "log", "--format", "json", as_="aud").stdout)
    access = [e for e in log if e["kind"] == "access"]
    assert [(e["actor"], e["action"]) for e in access] == [("sup", "unmask")]
    assert access[0]["details"]["complaints"] == [n]


@pytest.mark.parametrize("who", ["clerk", "h1"])
def test_unmask_is_refused_for_clerks_and_handlers(cli, who):
    n = register(cli)
    run = cli("show", n, "--unmask", as_=who)
    role = "clerk" if who == "clerk" else "handler"
    assert (run.exit_code, run.stdout) == (4, "")
    assert run.stderr == (
        f"Error: Permission denied: `show --unmask` needs the role supervisor or auditor or "
        f"admin; {who} is a {role}.\n"
    )
    run = cli("list", "--unmask", "--format", "csv", as_=who)
    assert run.exit_code == 4 and run.stdout == ""
    assert run.stderr.startswith("Error: Permission denied: `list --unmask` needs the role ")


def test_customer_text_with_rich_markup_prints_literally_in_tables(cli):
    n = register(cli, summary="Fee [red]twice[/red] [bold]now", customer="Li Na [red]")
    table = cli("list", as_="clerk", env={"COLUMNS": "200"}).stdout  # the summary unfolded
    assert "Fee [red]twice[/red] [bold]now" in table
    assert "Li Na [red]" in table
    assert "\x1b[" not in table
    details = cli("show", n, as_="clerk").stdout
    assert "Fee [red]twice[/red] [bold]now" in details and "Li Na [red]" in details


def _table_lines(text: str) -> list[str]:
    """The bordered lines of the Rich tables in ``text``."""
    return [line for line in text.splitlines() if line[:1] in "┏┃┡│└┗"]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("columns", ["200", "100", "72"])
def test_chinese_text_lines_up_in_the_list_table(cli, columns, lang):
    numbers = [
        register(cli, summary="信用卡年费重复扣收，客户要求全额退还并道歉", customer="欧阳娜娜"),
        register(cli, summary="ATM swallowed the card", customer="Emily Clark"),
        register(cli, summary="理财产品风险未充分告知 (mixed 中英文 text)", customer="王秀英")]
    run = cli("--lang", lang, "list", as_="clerk", env={"COLUMNS": columns})
    lines = _table_lines(run.stdout)
    assert len(lines) >= 7  # top, header, rule, three rows (or more when folded), bottom
    widths = {cell_len(line) for line in lines}
    assert len(widths) == 1, widths
    assert widths.pop() <= int(columns)
    # a number is never broken across lines, however narrow (it is what a clerk copies and
    # types back); the other columns fold to make room
    assert [n for n in numbers if f"│ {n} │" in run.stdout] == numbers
    assert "欧阳娜娜" in run.stdout or int(columns) < 200  # narrower tables fold the name


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_chinese_text_lines_up_in_the_show_timeline(cli, lang):
    n = register(cli, summary="年费")
    cli("note", n, "客户情绪激动，已安抚并说明处理流程（中文备注）", as_="clerk")
    run = cli("--lang", lang, "show", n, as_="clerk", env={"COLUMNS": "90"})
    assert ("时间线" in run.stdout) == (lang == "zh")
    lines = _table_lines(run.stdout)
    assert len(lines) >= 5
    assert len({cell_len(line) for line in lines}) == 1


def test_an_overdue_complaint_is_flagged_in_the_list_table_and_json(cli):
    n = register(cli, "--received-at", "2026-01-02T09:00")
    table = cli("list", as_="clerk", env={"COLUMNS": "200"}).stdout  # the due time unfolded
    assert re.search(r"│ (2026-)?01-17 −\d+d ! +│", table)  # one cell: the day, days past, !
    assert json.loads(cli("show", n, "--format", "json").stdout)["overdue"] is True
    (due,) = [line for line in cli("show", n).stdout.splitlines() if line.startswith("Due")]
    assert due.split() == ["Due", "2026-01-17", "23:59", "OVERDUE"]


def test_empty_fields_show_a_dash_in_the_details_table(cli):
    n = register(cli)
    lines = {line.split()[0]: line.split()[1:] for line in cli("show", n).stdout.splitlines()
             if line[:1].isalpha() and not line.startswith("CMP-")}
    assert lines["Tags"] == ["-"]
    assert lines["Outcome"] == ["-"]
    assert lines["Remedies"] == ["-"]


def test_list_csv_neutralises_cells_a_spreadsheet_would_run_as_formulas(cli):
    register(cli, summary='=HYPERLINK("http://evil.example","click")', customer="@SUM(A1)")
    register(cli, summary="+1 fee charged twice", customer="-Zhang")
    rows = list(csv.DictReader(io.StringIO(cli("list", "--format", "csv", as_="sup").stdout)))
    assert [r["summary"] for r in rows] == [
        '\'=HYPERLINK("http://evil.example","click")', "'+1 fee charged twice"]
    assert [r["customer_name"] for r in rows] == ["'@SUM(A1)", "'-Zhang"]
    assert rows[0]["group_size"] == "1" and rows[0]["amount"] == ""
    # JSON stays exact: only spreadsheet formats are neutralised
    data = json.loads(cli("list", "--format", "json", as_="sup").stdout)
    assert data[0]["summary"] == '=HYPERLINK("http://evil.example","click")'
