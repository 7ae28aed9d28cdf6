"""Personal data inside free text (a description, a note, findings) is shown masked like the
customer fields, in every output, to everyone without --unmask; --unmask shows it in full under
the same rule and the same audit record; the database keeps the text as it was written."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from sqlalchemy import text

NARRATIVE = ("客户张伟手机13812345678，身份证110101199003071234，卡号6222021234567890123 无法转账; "
             "call me on +86 138 1234 5678 or zhang.wei@example.com")
MASKED = ("客户张伟手机138****5678，身份证110101********1234，卡号***************0123 无法转账; "
          "call me on +86 138 **** 5678 or z***@example.com")
NOTE, NOTE_MASKED = "客户回电13812345678", "客户回电138****5678"
#: the hidden parts, as they would be found in any formatting of the clear values
HIDDEN = ["13812345678", "110101199003071234", "6222021234567890123", "zhang.wei"]


def register(cli) -> str:
    run = cli("register", "--channel", "phone", "--customer", "张伟", "--summary", "无法转账",
              "--description", NARRATIVE, as_="clerk")
    assert run.exit_code == 0, run.stderr
    number = run.stdout.strip()
    assert cli("note", number, NOTE, as_="clerk").exit_code == 0
    return number


def hidden_in(output: str) -> list[str]:
    """The hidden digits and address found in ``output``, whatever spaces or dashes split them."""
    flat = re.sub(r"[\s\-]", "", output)
    return [value for value in HIDDEN if value in flat]


def unmaskings(cli) -> list[tuple[str, str]]:
    log = json.loads(cli("audit", "log", "--format", "json", as_="aud").stdout)
    return [(e["actor"], e["details"]["command"]) for e in log
            if e["kind"] == "access" and e["action"] == "unmask"]


@pytest.fixture
def number(cli):
    return register(cli)


def test_a_clerks_show_json_masks_the_description_and_the_timeline(cli, number):
    run = cli("show", number, "--format", "json", as_="clerk")
    assert run.exit_code == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["description"] == MASKED
    assert [e["details"]["text"] for e in data["events"] if e["action"] == "note"] == [NOTE_MASKED]
    assert hidden_in(run.stdout) == []


def test_a_clerks_show_table_masks_the_description_and_the_timeline(cli, number, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")
    run = cli("show", number, as_="clerk")
    assert run.exit_code == 0, run.stderr
    assert MASKED in run.stdout and NOTE_MASKED in run.stdout
    assert hidden_in(run.stdout) == []


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_a_clerks_export_masks_the_description(cli, number, fmt):
    run = cli("export", "--format", fmt, as_="clerk")
    assert run.exit_code == 0, run.stderr
    if fmt == "csv":
        (row,) = csv.DictReader(io.StringIO(run.stdout))
    else:
        (row,) = [json.loads(line) for line in run.stdout.splitlines()]
    assert row["description"] == MASKED
    assert hidden_in(run.stdout) == []


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_a_clerks_list_masks_the_description(cli, number, fmt):
    run = cli("list", "--format", fmt, as_="clerk")
    assert run.exit_code == 0, run.stderr
    out = run.stdout
    rows = json.loads(out) if fmt == "json" else list(csv.DictReader(io.StringIO(out)))
    assert [r["description"] for r in rows] == [MASKED]
    assert hidden_in(run.stdout) == []


def test_xlsx_and_cfpb_exports_mask_the_narrative(cli, number, tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "out.xlsx"
    assert cli("export", "--format", "xlsx", "-o", str(path), as_="clerk").exit_code == 0
    cells = [c.value for row in load_workbook(path).active.iter_rows() for c in row]
    assert MASKED in cells and hidden_in(" ".join(str(c) for c in cells)) == []
    run = cli("export", "--format", "cfpb", as_="clerk")
    (row,) = csv.DictReader(io.StringIO(run.stdout))
    assert row["Consumer complaint narrative"] == MASKED
    assert hidden_in(run.stdout) == []


@pytest.mark.parametrize("command", [["show", "{n}", "--format", "json"],
                                     ["export", "--format", "jsonl"]])
def test_a_supervisor_who_unmasks_sees_the_text_in_full_and_the_unmasking_is_recorded(
        cli, number, command):
    args = [a.format(n=number) for a in command]
    run = cli(*args, "--unmask", as_="sup")
    assert run.exit_code == 0, run.stderr
    data = json.loads(run.stdout.splitlines()[0] if args[0] == "export" else run.stdout)
    assert data["description"] == NARRATIVE
    assert hidden_in(run.stdout) == HIDDEN
    assert unmaskings(cli) == [("sup", args[0])]


def test_a_clerk_may_not_unmask_free_text_either(cli, number):
    run = cli("show", number, "--unmask", "--format", "json", as_="clerk")
    assert (run.exit_code, run.stdout) == (4, "")
    assert unmaskings(cli) == []


def test_free_text_is_masked_the_same_under_chinese(cli, number, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")
    english = cli("show", number, "--format", "json", as_="clerk").stdout
    chinese = cli("--lang", "zh", "show", number, "--format", "json", as_="clerk").stdout
    assert json.loads(chinese)["description"] == MASKED
    table = cli("--lang", "zh", "show", number, as_="clerk").stdout
    assert "描述" in table  # the field's label is in Chinese, the customer's text is as it was
    assert MASKED in table and NOTE_MASKED in table and hidden_in(table) == []
    drop = ("seconds_left", "time_left", "urgency")  # computed at the moment of reading
    assert {k: v for k, v in json.loads(chinese).items() if k not in drop} == \
        {k: v for k, v in json.loads(english).items() if k not in drop}


def test_the_audit_log_masks_the_text_in_event_details_and_the_chain_still_verifies(cli, number):
    run = cli("audit", "log", number, "--format", "json", as_="aud")
    assert run.exit_code == 0, run.stderr
    notes = [e["details"]["text"] for e in json.loads(run.stdout) if e["action"] == "note"]
    assert notes == [NOTE_MASKED]
    assert hidden_in(run.stdout) == []
    assert cli("audit", "verify", as_="aud").exit_code == 0


def test_the_database_keeps_the_text_as_written(cli, number):
    cli("show", number, as_="clerk")
    cli("export", "--format", "csv", as_="clerk")
    with cli.database.engine.connect() as conn:
        stored = conn.execute(text("SELECT description FROM complaint WHERE number = :n"),
                              {"n": number}).scalar_one()
        details = conn.execute(text("SELECT details FROM event WHERE number = :n AND "
                                    "action = 'note'"), {"n": number}).scalar_one()
    assert stored == NARRATIVE
    assert json.loads(details)["text"] == NOTE


def test_the_other_free_text_of_a_complaint_is_masked_too(cli, number):
    cli("assign", number, "--to", "h1", as_="sup")
    cli("contact", number, "--via", "phone", "--summary", "回电13812345678", as_="h1")
    cli("investigate", number, as_="h1")
    cli("consult", number, "--department", "ops", "--question", "卡6222021234567890123？",
        as_="h1")
    cli("answer", number, "1", "是，邮箱zhang.wei@example.com", as_="h1")
    run = cli("resolve", number,
        "--reasons", "核实结果", "--basis", "合同条款",
        "--outcome", "upheld", "--findings",
              "身份证110101199003071234核实", "--remedy", "apology", "--notified-via", "sms",
              "--proof", "SMS to 13812345678", as_="h1")
    assert run.exit_code == 0, run.stderr
    data = json.loads(cli("show", number, "--format", "json", as_="clerk").stdout)
    assert (data["findings"], data["notice_proof"]) == ("身份证110101********1234核实",
                                                        "SMS to 138****5678")
    assert [c["summary"] for c in data["contacts"]] == ["回电138****5678"]
    assert [(q["question"], q["answer"]) for q in data["consultations"]] == [
        ("卡***************0123？", "是，邮箱z***@example.com")]
    assert hidden_in(json.dumps(data, ensure_ascii=False)) == []


def test_evidence_descriptions_are_masked(cli, number, tmp_path):
    scan = tmp_path / "id.jpg"
    scan.write_bytes(b"\xff\xd8 scan")
    cli("assign", number, "--to", "h1", as_="sup")
    run = cli("evidence", "add", number, str(scan), "--description", "身份证110101199003071234",
              as_="h1")
    assert run.exit_code == 0, run.stderr
    (row,) = json.loads(cli("evidence", "list", number, "--format", "json", as_="clerk").stdout)
    assert row["description"] == "身份证110101********1234"


def test_a_masked_cfpb_export_imports_back_with_only_the_personal_data_masked(cli, number,
                                                                            tmp_path):
    from conftest import Cli
    from importing import run_import, stored
    from test_import_files import _fresh

    masked = cli("export", "--format", "cfpb", as_="sup").stdout
    full = cli("export", "--format", "cfpb", "--unmask", as_="sup").stdout
    (masked_row,), (full_row,) = csv.DictReader(io.StringIO(masked)), \
        csv.DictReader(io.StringIO(full))
    narrative = "Consumer complaint narrative"
    assert (masked_row[narrative], full_row[narrative]) == (MASKED, NARRATIVE)
    assert {k: v for k, v in masked_row.items() if k != narrative} == \
        {k: v for k, v in full_row.items() if k != narrative}
    path = tmp_path / "masked.csv"
    path.write_text(masked, encoding="utf-8")
    other = Cli(_fresh(tmp_path / "other.db"))
    run, summary = run_import(other, path)
    assert (run.exit_code, summary["imported"]) == (0, 1), run.stderr
    assert [r["description"] for r in stored(other.database)] == [MASKED]
    # the masked text shown again is the same text: the round trip is stable
    assert other("export", "--format", "cfpb").stdout == masked


def test_an_auditor_unmasks_the_audit_log_and_the_unmasking_is_recorded_first(cli, number):
    run = cli("audit", "log", number, "--unmask", "--format", "json", as_="aud")
    assert run.exit_code == 0, run.stderr
    notes = [e["details"]["text"] for e in json.loads(run.stdout) if e["action"] == "note"]
    assert notes == [NOTE]
    assert unmaskings(cli) == [("aud", "audit log")]
    log = json.loads(cli("audit", "log", "--format", "json", as_="aud").stdout)
    unmasked = [e for e in log if e["action"] == "unmask"]
    assert [e["details"] for e in unmasked] == [{"command": "audit log", "number": number}]
    assert cli("audit", "verify", as_="aud").exit_code == 0


def test_who_may_not_unmask_gets_no_unmasked_audit_log(cli, number):
    # a clerk may not read the trail at all; an admin reads it but unmasking is the matrix's
    run = cli("audit", "log", number, "--unmask", "--format", "json", as_="clerk")
    assert (run.exit_code, run.stdout) == (4, "")
    assert unmaskings(cli) == []
