"""Formula injection (issue 7, item 8): 60 payloads imported, then exported as CSV (export and
list) and XLSX (read back with openpyxl). Every cell a spreadsheet would run as a formula starts
with ``'``; every other cell is exact; no XLSX cell is a formula."""

from __future__ import annotations

import csv
import io
import json

import pytest

from hostile import HEADER, csv_bytes, formula_payloads
from importing import run_import

DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "\n")
PAYLOADS = formula_payloads()


def expected(stored: str) -> str:
    return "'" + stored if stored.startswith(DANGEROUS) else stored


@pytest.fixture
def stored(cli, tmp_path):
    """The payloads imported as summary, description and product; {number: complaint}."""
    path = tmp_path / "formulas.csv"
    rows = [["phone", "x", p, p, p] for p in PAYLOADS]
    path.write_bytes(csv_bytes(rows, header=HEADER + ["product"], newline="\r\n"))
    run, summary = run_import(cli, path)
    assert run.exit_code == 0 and summary["imported"] == len(PAYLOADS), run.stderr
    listed = json.loads(cli("list", "--all", "--format", "json", as_="aud").stdout)
    return {c["number"]: c for c in listed}


FIELDS = ("summary", "description", "product")


def test_there_are_at_least_fifty_payloads_and_each_is_dangerous_as_stored(stored):
    assert len(PAYLOADS) >= 50 and len(set(PAYLOADS)) == len(PAYLOADS)
    assert all(c["summary"].startswith(DANGEROUS) for c in stored.values())


def _check_rows(rows, stored) -> int:
    neutralised = 0
    for row in rows:
        complaint = stored[row["number"]]
        for field in FIELDS:
            assert row[field] == expected(complaint[field]), (field, row[field])
            neutralised += row[field] != complaint[field]
    return neutralised


@pytest.mark.parametrize("command", [["export", "--format", "csv"],
                                     ["list", "--all", "--format", "csv", "--limit", "1000"]])
def test_csv_cells_that_a_spreadsheet_would_run_start_with_a_quote(cli, stored, command):
    run = cli(*command, as_="aud")
    assert run.exit_code == 0, run.stderr
    rows = list(csv.DictReader(io.StringIO(run.stdout)))
    assert len(rows) == len(PAYLOADS)
    assert _check_rows(rows, stored) == 3 * len(PAYLOADS)
    for row in rows:
        assert not any(value.startswith(DANGEROUS) for value in row.values() if value), row


def test_xlsx_cells_are_text_never_formulas_and_start_with_a_quote(cli, stored, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "out.xlsx"
    run = cli("export", "--format", "xlsx", "-o", str(out), as_="aud")
    assert run.exit_code == 0, run.stderr
    sheet = load_workbook(out).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    rows = []
    for cells in sheet.iter_rows(min_row=2):
        assert all(cell.data_type != "f" for cell in cells)
        rows.append({h: ("" if c.value is None else c.value) for h, c in zip(header, cells)})
    assert len(rows) == len(PAYLOADS)
    assert _check_rows(rows, stored) == 3 * len(PAYLOADS)
    for row in rows:
        assert not any(isinstance(v, str) and v.startswith(DANGEROUS) for v in row.values())
