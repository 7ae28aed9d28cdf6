"""Dates as real exports write them, and the refusal of a file whose dates read two ways."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from importing import count, csv_text, run_import, stored

from complaintctl.errors import InvalidData
from complaintctl.services.intake.reading.dates import AmbiguousDates, DateReader
from complaintctl.store.models import Complaint

SH = ZoneInfo("Asia/Shanghai")


def local_day(value: datetime) -> str:
    return value.astimezone(SH).date().isoformat()


@pytest.mark.parametrize("text", [
    "2025-03-24", "2025-03-24T00:00:00", "2025/3/24", "2025.03.24", "2025年3月24日",
    "20250324", "3/24/2025", "03/24/25", "24-03-2025", "24.03.2025", "Mar 24, 2025",
    "24 March 2025",
])
def test_each_date_style_reads_as_the_same_day(text):
    reader = DateReader(tz=SH)
    assert local_day(reader.parse(text, 2)) == "2025-03-24"
    reader.finish()


def test_a_naive_time_is_bank_time_and_an_offset_is_respected():
    reader = DateReader(tz=SH)
    assert reader.parse("2025-03-24 09:30", 2) == datetime(2025, 3, 24, 1, 30, tzinfo=timezone.utc)
    assert reader.parse("2025-03-24T09:30:00+00:00", 3) == datetime(2025, 3, 24, 9, 30,
                                                                    tzinfo=timezone.utc)


def test_an_ambiguous_date_alone_refuses_the_file_naming_its_line():
    reader = DateReader(tz=SH)
    reader.parse("03/04/2025", 7)
    with pytest.raises(AmbiguousDates) as refused:
        reader.finish()
    assert str(refused.value) == (
        "Line 7: the date '03/04/2025' reads two ways (day first or month first) and no date "
        "in the file says which; pass --dayfirst, or --date-format %m/%d/%Y for month first.")


def test_a_later_month_first_date_settles_earlier_ambiguous_ones():
    reader = DateReader(tz=SH)
    assert local_day(reader.parse("03/04/2025", 2)) == "2025-03-04"
    reader.parse("12/25/2025", 3)
    reader.finish()


def test_a_later_day_first_date_after_an_ambiguous_one_refuses_rather_than_guessing_twice():
    reader = DateReader(tz=SH)
    reader.parse("03/04/2025", 2)
    with pytest.raises(AmbiguousDates, match="Line 2: the date '03/04/2025' reads two ways"):
        reader.parse("25/04/2025", 3)


def test_a_day_first_file_settles_on_its_first_unambiguous_date():
    reader = DateReader(tz=SH)
    reader.parse("25/12/2025", 2)
    assert local_day(reader.parse("03/04/2025", 3)) == "2025-04-03"
    with pytest.raises(InvalidData):
        reader.parse("12/25/2025", 4)  # month first now contradicts the file


def test_dayfirst_and_date_format_decide():
    assert local_day(DateReader(tz=SH, dayfirst=True).parse("03/04/2025", 2)) == "2025-04-03"
    reader = DateReader(tz=SH, date_format="%m/%d/%Y")
    assert local_day(reader.parse("03/04/2025", 2)) == "2025-03-04"
    with pytest.raises(InvalidData, match="does not match --date-format %m/%d/%Y"):
        reader.parse("2025-03-04", 3)


def test_not_a_date_says_how_to_write_one():
    with pytest.raises(InvalidData, match="'soon' is not a date; write it like 2026-11-28"):
        DateReader(tz=SH).parse("soon", 2)


HEADER = ["channel", "customer_name", "summary", "received_at", "external_ref"]


def test_the_cli_refuses_an_ambiguous_file_and_imports_it_with_dayfirst(cli, tmp_path):
    path = tmp_path / "dates.csv"
    path.write_text(csv_text(HEADER, [["phone", "A", "x", "2025-01-01", "1"],
                                      ["phone", "B", "y", "03/04/2025", "2"],
                                      ["phone", "C", "z", "05/06/2025", "3"]]))
    run = cli("import", str(path))
    assert run.exit_code == 5
    assert run.stderr.strip() == (
        "Error: Line 3: the date '03/04/2025' reads two ways (day first or month first) and "
        "no date in the file says which; pass --dayfirst, or --date-format %m/%d/%Y for "
        "month first.")
    assert count(cli.database, Complaint) == 0
    run, summary = run_import(cli, path, "--dayfirst")
    assert run.exit_code == 0, run.stderr
    assert [local_day(r["received_at"]) for r in stored(cli.database)] == [
        "2025-01-01", "2025-04-03", "2025-06-05"]


def test_the_cli_takes_a_date_format(cli, tmp_path):
    path = tmp_path / "dates.csv"
    path.write_text(csv_text(HEADER, [["phone", "A", "x", "03/04/25", "1"]]))
    run, summary = run_import(cli, path, "--date-format", "%m/%d/%y")
    assert run.exit_code == 0, run.stderr
    assert local_day(stored(cli.database)[0]["received_at"]) == "2025-03-04"


def test_dayfirst_and_date_format_together_are_a_usage_error(cli, tmp_path):
    path = tmp_path / "dates.csv"
    path.write_text(csv_text(HEADER, [["phone", "A", "x", "03/04/25", "1"]]))
    run = cli("import", str(path), "--dayfirst", "--date-format", "%d/%m/%y")
    assert run.exit_code == 2
    assert "Pass --dayfirst or --date-format, not both." in run.stderr


@pytest.mark.parametrize("fmt", ["%Q", "abc", "%H:%M", "%Y", "%m/%Y"])
def test_a_date_format_that_reads_no_whole_date_is_refused_before_any_row(cli, tmp_path, fmt):
    """A typo in --date-format (or in a mapping's date_format) is one usage error, not every
    row of the file rejected in turn; nothing is written."""
    path = tmp_path / "dates.csv"
    path.write_text(csv_text(HEADER, [["phone", "A", "x", "03/04/25", "1"]]))
    run = cli("--lang", "en", "import", str(path), "--date-format", fmt)
    assert (run.exit_code, run.stdout) == (2, "")
    assert run.stderr == (f"Error: --date-format '{fmt}' does not read a whole date; give a day, "
                          "a month and a year, e.g. %d/%m/%Y or %Y-%m-%d %H:%M.\n")
    mapping = tmp_path / "map.toml"
    mapping.write_text(f'date_format = "{fmt}"\n[columns]\nchannel = "channel"\n'
                       'customer = "customer"\nsummary = "summary"\n')
    run = cli("--lang", "en", "import", str(path), "--mapping", str(mapping))
    assert run.exit_code == 2
    assert run.stderr.startswith(f"Error: The mapping's date_format '{fmt}' does not read")
    assert count(cli.database, Complaint) == 0


@pytest.mark.parametrize("fmt", ["%d/%m/%Y", "%m/%d/%y", "%Y%m%d", "%d.%m.%Y %H:%M", "%j %Y"])
def test_a_date_format_with_a_day_a_month_and_a_year_is_taken(fmt):
    from complaintctl.services.intake.reading.dates import check_format

    assert check_format(fmt, "--date-format") is None


def test_a_future_received_date_is_a_rejected_row(cli, tmp_path):
    path = tmp_path / "dates.csv"
    path.write_text(csv_text(HEADER, [["phone", "A", "x", "2099-01-01", "1"]]))
    run, summary = run_import(cli, path)
    assert run.exit_code == 5
    assert summary["errors"] == [{"line": 2, "reason": "received_at 2099-01-01 is in the future"}]
