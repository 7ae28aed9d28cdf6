"""Export: CSV, JSON Lines, XLSX and the CFPB's layout; formula neutralisation; masking."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile

import pytest
from importing import CFPB, chain_ok, run_import, stored

from complaintctl.domain.records import CFPB_HEADER, CSV_COLUMNS

DANGEROUS = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "\nLF"]


@pytest.fixture
def dangerous(cli):
    """Complaints whose text starts with every formula trigger."""
    numbers = []
    for i, text in enumerate(DANGEROUS):
        run = cli("register", "--channel", "phone", "--customer", f"客户{i}", "--summary",
                  text.strip(), "--description", text, "--phone", "13812345678",
                  "--amount", "12.50", "--tag", "elderly",
                  "--external-ref", f"D-{i}", as_="clerk")
        assert run.exit_code == 0, run.stderr
        numbers.append(run.stdout.strip())
    return numbers


def test_csv_export_neutralises_formula_cells_and_masks_personal_data(cli, dangerous):
    run = cli("export", "--format", "csv", as_="clerk")
    assert run.exit_code == 0, run.stderr
    assert run.stderr.strip() == f"Exported {len(DANGEROUS)} complaint(s)."
    rows = list(csv.DictReader(io.StringIO(run.stdout)))
    assert list(rows[0]) == CSV_COLUMNS
    assert [r["description"] for r in rows] == ["'" + text for text in DANGEROUS]
    assert [r["summary"] for r in rows][:4] == ["'" + text for text in DANGEROUS[:4]]
    assert {r["customer_phone"] for r in rows} == {"138****5678"}
    assert rows[0]["amount"] == "12.50" and rows[0]["tags"] == "elderly"


def test_csv_export_reimports_as_native_with_the_formulas_restored(cli, dangerous, tmp_path):
    from conftest import Cli
    from test_import_files import _fresh

    path = tmp_path / "export.csv"
    assert cli("export", "-o", str(path), "--unmask", as_="sup").exit_code == 0
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads the Chinese right
    other = _fresh(tmp_path / "other.db")
    run, summary = run_import(Cli(other), path)
    assert run.exit_code == 0, run.stderr
    assert [r["summary"] for r in stored(other)] == [t.strip() for t in DANGEROUS]
    # the leading ' is taken off again, so even a leading tab or line break survives
    assert [r["description"] for r in stored(other)] == DANGEROUS
    assert {r["customer_phone"] for r in stored(other)} == {"13812345678"}


def test_unmask_needs_a_permitted_role_and_is_audited(cli, dangerous):
    refused = cli("export", "--unmask", as_="clerk")
    assert refused.exit_code == 4 and "Permission denied: `export --unmask` needs the role" in refused.stderr
    assert refused.stdout == ""
    run = cli("export", "--format", "jsonl", "--unmask", as_="sup")
    assert run.exit_code == 0
    assert json.loads(run.stdout.splitlines()[0])["customer"]["phone"] == "13812345678"
    log = json.loads(cli("audit", "log", "--format", "json").stdout)
    unmask = [e for e in log if e["action"] == "unmask"][-1]
    assert unmask["actor"] == "sup" and unmask["kind"] == "access"
    assert unmask["details"]["command"] == "export"
    assert unmask["details"]["count"] == len(DANGEROUS)
    assert chain_ok(cli.database)


def test_jsonl_export_is_one_complaint_object_per_line(cli, dangerous):
    run = cli("export", "--format", "jsonl", "--status", "registered")
    lines = run.stdout.splitlines()
    assert len(lines) == len(DANGEROUS)
    first = json.loads(lines[0])
    assert first["number"] == dangerous[0] and first["customer"]["phone"] == "138****5678"
    assert first["summary"] == DANGEROUS[0]  # JSON is data: not neutralised
    assert json.loads(lines[4])["description"] == "\tTAB"
    assert "sub_product" in first and "events" not in first


def test_export_takes_the_list_filters(cli, dangerous):
    cli("withdraw", dangerous[0], "--reason", "customer withdrew", as_="sup")
    run = cli("export", "--format", "jsonl", "--status", "withdrawn")
    assert [json.loads(line)["number"] for line in run.stdout.splitlines()] == [dangerous[0]]
    run = cli("export", "--format", "jsonl", "--text", "SUM")
    assert len(run.stdout.splitlines()) == 1
    assert cli("export", "--branch", "SH01", "--format", "jsonl").stdout == ""


def _sheet(path):
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        strings = z.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in \
            z.namelist() else ""
        styles = z.read("xl/styles.xml").decode()
    return sheet, strings, styles


def test_xlsx_export_has_a_frozen_bold_header_widths_real_types_and_no_formulas(
        cli, dangerous, tmp_path):
    path = tmp_path / "complaints.xlsx"
    run = cli("export", "--format", "xlsx", "-o", str(path))
    assert run.exit_code == 0, run.stderr
    sheet, strings, styles = _sheet(path)
    assert '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>' in sheet
    assert "<cols>" in sheet and 'width="' in sheet
    assert "<f>" not in sheet  # nothing is a formula
    assert "<b/>" in styles  # the bold header
    assert 'numFmt numFmtId="164" formatCode="#,##0.00"' in styles or "#,##0.00" in styles
    texts = re.findall(r"<t[^>]*>([^<]*)</t>", sheet + strings)
    for text in DANGEROUS:
        escaped = text.replace('"', "&quot;").replace("\r", "_x000D_")
        assert "'" + escaped in texts or "'" + text in texts, repr(text)
    assert not any(t[:1] in ("=", "+", "-", "@", "\t", "\r", "\n") for t in texts
                   if not re.match(r"^-?\d", t))
    row2 = re.search(r'<row r="2".*?</row>', sheet).group(0)
    col = {name: i for i, name in enumerate(CSV_COLUMNS)}

    def cell(name):
        letter = _letter(col[name])
        return re.search(rf'<c r="{letter}2"[^>]*?(?:/>|>.*?</c>)', row2).group(0)

    assert 't="' not in cell("received_at") and "<v>" in cell("received_at")  # a date number
    assert 't="' not in cell("amount") and "<v>12.5</v>" in cell("amount")
    assert 't="' not in cell("group_size") and "<v>1</v>" in cell("group_size")
    assert 't="b"' in cell("disputed")


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def test_xlsx_to_a_terminal_is_refused_and_to_a_pipe_is_written(monkeypatch, tmp_path):
    import sys

    from complaintctl.present import render
    from complaintctl.errors import UsageProblem

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(sys, "stdout", Terminal())
    with pytest.raises(UsageProblem, match="XLSX is a binary file; pass -o FILE.xlsx."):
        render.export_target(None, "xlsx").__enter__()

    class Pipe(io.StringIO):
        def __init__(self):
            super().__init__()
            self.buffer = io.BytesIO()

    pipe = Pipe()
    monkeypatch.setattr(sys, "stdout", pipe)
    with render.export_target(None, "xlsx") as path:
        with open(path, "wb") as f:
            f.write(b"PK-workbook")
    assert pipe.buffer.getvalue() == b"PK-workbook"
    import os

    assert not os.path.exists(path)  # the temporary file is gone


def test_cfpb_export_then_import_round_trips(cli, tmp_path):
    from conftest import Cli
    from test_import_files import _fresh

    run, summary = run_import(cli, CFPB)
    path, again = tmp_path / "cfpb.csv", tmp_path / "again.csv"
    first = cli("export", "--format", "cfpb", "-o", str(path))
    assert first.exit_code == 0, first.stderr
    rows = list(csv.reader(open(path, newline="", encoding="utf-8-sig")))
    assert rows[0] == CFPB_HEADER
    original = [[v.replace("Web Referral", "Referral") for v in r]  # one word for a channel
                for r in csv.reader(open(CFPB, newline=""))]
    assert sorted(rows[1:]) == sorted(original[1:])  # the very same records
    other_db = _fresh(tmp_path / "other.db")
    other = Cli(other_db)
    run, summary = run_import(other, path)
    assert run.exit_code == 0 and summary["imported"] == 6
    assert other("export", "--format", "cfpb", "-o", str(again)).exit_code == 0
    assert again.read_bytes() == path.read_bytes()
    keys = ("status", "outcome", "channel", "product", "sub_issue", "state", "zip_code",
            "timely_response", "consumer_disputed", "company_response", "external_ref")
    assert [{k: r[k] for k in keys} for r in stored(cli.database)] == [
        {k: r[k] for k in keys} for r in stored(other_db)]
    # and into the same database again: nothing new
    run, summary = run_import(cli, path)
    assert (summary["imported"], summary["skipped"]) == (0, 6)


def _counter_complaints(cli, *received: str) -> list[str]:
    """Complaints registered at the counter (no external reference), received at ``received``."""
    numbers = []
    for i, at in enumerate(received):
        run = cli("register", "--channel", "counter", "--customer", f"王{i}", "--summary",
                  f"柜台投诉 {i}", "--received-at", at, as_="clerk")
        assert run.exit_code == 0, run.stderr
        numbers.append(run.stdout.strip())
    return numbers


def test_a_native_export_imported_again_adds_nothing_here_or_elsewhere(cli, tmp_path):
    """A native file's rows are known by their numbers: imported back into the database they
    came from they are the complaints already stored; into another database they are new, keep
    their first number as external_ref, and a second import of the file adds nothing."""
    from conftest import Cli
    from test_import_files import _fresh

    numbers = _counter_complaints(cli, "2026-03-02T09:15", "2026-03-03T10:40")
    path = tmp_path / "native.csv"
    assert cli("export", "-o", str(path), "--unmask", as_="sup").exit_code == 0
    run, summary = run_import(cli, path)
    assert run.exit_code == 0, run.stderr
    assert (summary["keyed"], summary["imported"], summary["skipped"]) == (True, 0, 2)
    assert [r["number"] for r in stored(cli.database)] == numbers
    other_db = _fresh(tmp_path / "other.db")
    other = Cli(other_db)
    run, summary = run_import(other, path)
    assert (summary["imported"], summary["skipped"]) == (2, 0), run.stderr
    assert [(r["external_ref"], r["summary"]) for r in stored(other_db)] == [
        (numbers[0], "柜台投诉 0"), (numbers[1], "柜台投诉 1")]
    run, summary = run_import(other, path)
    assert (summary["imported"], summary["skipped"]) == (0, 2), run.stderr
    assert len(stored(other_db)) == 2


@pytest.mark.parametrize("fmt", ["csv", "cfpb"])
def test_another_database_s_complaints_with_numbers_used_here_are_imported(cli, tmp_path, fmt):
    """Every database numbers from CMP-YYYY-000001: a file from another database whose numbers
    this one uses too, for complaints received at other times, is imported in full (the
    numbers matched alone had skipped them all as already stored)."""
    from conftest import Cli
    from test_import_files import _fresh

    here = _counter_complaints(cli, "2026-03-02T09:15", "2026-03-03T10:40")
    other_db = _fresh(tmp_path / "other.db")
    other = Cli(other_db)
    assert other("staff", "add", "clerk", "--name", "C", "--role", "clerk").exit_code == 0
    there = _counter_complaints(other, "2026-04-07T11:00", "2026-04-09T15:30")
    assert there == here  # the same numbers, other complaints
    path = tmp_path / f"other.{fmt}.csv"
    assert other("export", "--format", fmt, "-o", str(path), "--unmask").exit_code == 0
    run, summary = run_import(cli, path)
    assert run.exit_code == 0, run.stderr
    assert (summary["imported"], summary["skipped"]) == (2, 0)
    assert [r["external_ref"] for r in stored(cli.database)][2:] == there
    run, summary = run_import(cli, path)
    assert (summary["imported"], summary["skipped"]) == (0, 2), run.stderr


def test_native_complaints_export_to_cfpb_with_the_mapped_response(cli, tmp_path):
    from conftest import Cli
    from test_import_files import _fresh

    number = cli("register", "--channel", "online", "--customer", "张伟", "--summary", "年费",
                 "--product", "credit_card", "--issue", "fees", "--tag", "elderly",
                 as_="clerk").stdout.strip()
    cli("assign", number, "--to", "h1", as_="sup")
    cli("investigate", number, as_="h1")
    cli("resolve", number,
        "--reasons", "核实结果", "--basis", "合同条款",
        "--outcome", "upheld", "--findings", "charged twice",
        "--remedy", "fee_refund:300", "--notified-via", "phone", "--proof", "CALL-1", as_="h1")
    cli("close", number, "--satisfaction", "5", as_="h1")
    open_one = cli("register", "--channel", "counter", "--customer", "李", "--summary", "排队",
                   as_="clerk").stdout.strip()
    rows = list(csv.DictReader(io.StringIO(cli("export", "--format", "cfpb").stdout)))
    closed = next(r for r in rows if r["Complaint ID"] == number)
    assert closed["Company response to consumer"] == "Closed with monetary relief"
    assert closed["Submitted via"] == "Web" and closed["Tags"] == "Older American"
    assert closed["Timely response?"] == "Yes"
    still_open = next(r for r in rows if r["Complaint ID"] == open_one)
    assert still_open["Company response to consumer"] == "In progress"
    assert still_open["Submitted via"] == "counter"  # no CFPB word: the channel's own
    path = tmp_path / "out.csv"
    path.write_text(cli("export", "--format", "cfpb").stdout)
    other_db = _fresh(tmp_path / "other.db")
    run, summary = run_import(Cli(other_db), path)
    assert run.exit_code == 0, run.stderr
    mine = {r["external_ref"]: r for r in stored(other_db)}
    assert (mine[number]["status"], mine[number]["outcome"], mine[number]["channel"]) == (
        "closed", "upheld", "online")
    assert (mine[open_one]["status"], mine[open_one]["channel"]) == ("registered", "counter")
    # the same database: the CFPB file's IDs are our own numbers, so nothing is duplicated
    run, summary = run_import(cli, path)
    assert (summary["imported"], summary["skipped"]) == (0, 2)
