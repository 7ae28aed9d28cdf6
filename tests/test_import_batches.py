"""Batches: idempotency, dry runs, all or nothing, rejects, secrets, undo, permissions."""

from __future__ import annotations

import csv
import json

import pytest

from importing import CFPB, chain_ok, count, csv_text, run_import, stored

from complaintctl.domain.records import CFPB_HEADER
from complaintctl.store.models import Complaint, ComplaintTag, Counter, Event, ImportBatch

ROWS = list(csv.reader(open(CFPB, newline="")))[1:]


def _with_bad_rows(tmp_path, *bad: int):
    rows = [list(r) for r in ROWS]
    for i in bad:
        rows[i][0] = "not a date"
    path = tmp_path / "some_bad.csv"
    path.write_text(csv_text(CFPB_HEADER, rows))
    return path


def test_the_json_summary_has_the_documented_keys(cli):
    run, summary = run_import(cli, CFPB)
    assert run.exit_code == 0, run.stderr
    assert {"batch", "read", "imported", "skipped", "rejected", "dry_run"} <= set(summary)
    assert (summary["read"], summary["imported"], summary["skipped"], summary["rejected"],
            summary["dry_run"]) == (6, 6, 0, 0, False)
    assert isinstance(summary["batch"], int)


def test_the_text_summary_names_the_new_numbers(cli, tmp_path):
    one = tmp_path / "one.csv"
    one.write_text(csv_text(CFPB_HEADER, ROWS[:1]))
    run = cli("--lang", "en", "import", str(one), as_="admin")
    assert run.exit_code == 0, run.stderr
    assert run.stderr.splitlines() == [
        "Batch 1 (one.csv): 1 read, 1 imported, 0 skipped (already stored), 0 rejected.",
        f"Number {stored(cli.database)[0]['number']}."]
    run = cli("--lang", "en", "import", str(CFPB), as_="admin")
    numbers = [c["number"] for c in stored(cli.database)]
    assert run.stderr.splitlines()[1] == f"Numbers {numbers[1]} to {numbers[-1]}."
    assert len(numbers) == 6  # the first row was stored already: five new ones


def test_importing_the_same_file_twice_adds_nothing(cli):
    run_import(cli, CFPB)
    complaints, events = count(cli.database, Complaint), count(cli.database, Event)
    run, summary = run_import(cli, CFPB)
    assert run.exit_code == 0
    assert (summary["imported"], summary["skipped"]) == (0, 6)
    assert count(cli.database, Complaint) == complaints
    assert count(cli.database, Event) == events + 1  # only the batch's own record
    assert "0 imported, 6 skipped" in cli("import", str(CFPB)).stderr


def test_a_row_already_registered_by_hand_with_its_external_ref_is_skipped(cli, tmp_path):
    header = ["channel", "customer_name", "summary", "external_ref"]
    path = tmp_path / "n.csv"
    path.write_text(csv_text(header, [["phone", "A", "x", "REF-1"], ["phone", "B", "y", "REF-2"],
                                      ["phone", "B", "y", "REF-2"]]))
    cli("register", "--channel", "phone", "--customer", "A", "--summary", "x",
        "--external-ref", "REF-1", as_="clerk")
    run, summary = run_import(cli, path)
    assert (summary["imported"], summary["skipped"]) == (1, 2)  # one stored, one repeated


def test_dry_run_writes_nothing_and_reports_what_would_happen(cli, tmp_path):
    before = {m: count(cli.database, m) for m in (Complaint, Event, ImportBatch, Counter)}
    rejects = tmp_path / "r.csv"
    run, summary = run_import(cli, _with_bad_rows(tmp_path, 2), "--dry-run", "--rejects",
                              str(rejects))
    assert run.exit_code == 5  # it would be refused: one bad row, --max-errors 0
    assert summary["dry_run"] is True and summary["batch"] is None
    assert (summary["imported"], summary["rejected"]) == (5, 1)
    assert {m: count(cli.database, m) for m in before} == before
    assert len(list(csv.reader(open(rejects, encoding="utf-8-sig")))) == 2
    run, summary = run_import(cli, CFPB, "--dry-run")
    assert run.exit_code == 0 and summary["imported"] == 6 and summary["committed"] is False
    assert {m: count(cli.database, m) for m in before} == before
    assert "would import 6" in cli("import", str(CFPB), "--dry-run").stderr


def test_one_bad_row_refuses_the_whole_file_by_default(cli, tmp_path):
    run, summary = run_import(cli, _with_bad_rows(tmp_path, 1))
    assert run.exit_code == 5
    assert summary["committed"] is False and summary["batch"] is None
    assert count(cli.database, Complaint) == 0 and count(cli.database, ImportBatch) == 0
    plain = cli("import", str(_with_bad_rows(tmp_path, 1)))
    assert plain.stderr.strip().splitlines()[-1] == (
        "Error: 1 row(s) rejected (more than --max-errors 0), so nothing was imported; line 4: "
        "received_at: 'not a date' is not a date; write it like 2026-11-28 (or pass "
        "--date-format). Fix the rows (pass --rejects FILE to get them all) or pass "
        "--max-errors N to import the good ones.")
    assert chain_ok(cli.database)


def test_max_errors_commits_the_good_rows_when_few_enough_fail(cli, tmp_path):
    path = _with_bad_rows(tmp_path, 1, 4)
    run, summary = run_import(cli, path, "--max-errors", "1")
    assert run.exit_code == 5 and count(cli.database, Complaint) == 0
    run, summary = run_import(cli, path, "--max-errors", "2")
    assert run.exit_code == 0, run.stderr
    assert (summary["imported"], summary["rejected"], summary["committed"]) == (4, 2, True)
    assert count(cli.database, Complaint) == 4
    assert chain_ok(cli.database)


def test_the_rejects_file_holds_the_original_fields_the_line_and_the_reason(cli, tmp_path):
    rejects = tmp_path / "rejects.csv"
    run, summary = run_import(cli, _with_bad_rows(tmp_path, 1, 4), "--max-errors", "5",
                              "--rejects", str(rejects))
    assert run.exit_code == 0
    assert rejects.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads the Chinese right
    rows = list(csv.reader(open(rejects, newline="", encoding="utf-8-sig")))
    assert rows[0] == CFPB_HEADER + ["line", "reason"]
    bad = [list(ROWS[1]), list(ROWS[4])]
    for expected, got, line in zip(bad, rows[1:], (4, 9), strict=True):
        expected[0] = "not a date"
        assert got[:18] == expected
        assert got[18] == str(line)
        assert got[19] == ("received_at: 'not a date' is not a date; write it like 2026-11-28 "
                           "(or pass --date-format)")
    # the rejects file, fixed, imports (the line and reason columns are ignored)
    fixed = tmp_path / "fixed.csv"
    fixed.write_bytes(rejects.read_bytes().replace(b"not a date", b"2019-09-19"))
    run, summary = run_import(cli, fixed)
    assert run.exit_code == 0, run.stderr
    assert summary["imported"] == 2 and summary["ignored_columns"] == ["line", "reason"]


def test_rows_carrying_passwords_pins_or_card_security_codes_are_refused(cli, tmp_path):
    header = ["channel", "customer_name", "summary", "description", "CVV", "external_ref"]
    path = tmp_path / "secrets.csv"
    path.write_text(csv_text(header, [
        ["phone", "A", "card fee", "", "123", "S-1"],
        ["phone", "B", "card fee", "my PIN: 4321 was used", "", "S-2"],
        ["phone", "C", "login", "密码：abc123", "", "S-3"],
        ["phone", "D", "a PIN was stolen last week", "", "", "S-4"],
    ]))
    rejects = tmp_path / "rejects.csv"
    run, summary = run_import(cli, path, "--max-errors", "10", "--rejects", str(rejects))
    assert run.exit_code == 0, run.stderr
    assert summary["imported"] == 1 and summary["rejected"] == 3
    assert [e["line"] for e in summary["errors"]] == [2, 3, 4]
    assert summary["errors"][0]["reason"].startswith(
        "column 'CVV' holds a password, PIN or card security code; such data is never stored")
    assert summary["errors"][1]["reason"].startswith(
        "the description holds what looks like a password, PIN or card security code")
    text = rejects.read_text(encoding="utf-8-sig")
    assert "123" not in text.split("\n")[1].split(",")[4]
    assert "4321" not in text and "abc123" not in text and "[removed]" in text
    assert [r["external_ref"] for r in stored(cli.database)] == ["S-4"]


def test_tag_marks_every_imported_complaint_for_example_as_a_drill(cli):
    run, summary = run_import(cli, CFPB, "--tag", "drill")
    assert run.exit_code == 0
    from sqlmodel import select

    with cli.database.session() as session:
        tagged = session.exec(select(ComplaintTag.complaint_id).where(
            ComplaintTag.tag == "drill")).all()
    assert len(tagged) == 6
    listed = json.loads(cli("list", "--tag", "drill", "--all", "--format", "json").stdout)
    assert len(listed) == 6
    assert cli("export", "--format", "jsonl").stdout == ""  # drills are left out of exports
    assert len(cli("export", "--format", "jsonl", "--include-drills").stdout.splitlines()) == 6
    assert json.loads(cli("import", "list", "--format", "json").stdout)[0]["tag"] == "drill"


def test_undo_removes_an_untouched_batch_and_keeps_the_chain_valid(cli):
    run, summary = run_import(cli, CFPB)
    batch = summary["batch"]
    numbers = [r["number"] for r in stored(cli.database)]
    run = cli("import", "undo", str(batch), as_="sup")
    assert run.exit_code == 4  # sup works for BJ01; the CFPB rows have no branch
    run = cli("import", "undo", str(batch))
    assert run.exit_code == 0, run.stderr
    assert run.stderr.strip() == f"Batch {batch} undone: 6 complaint(s) removed."
    assert count(cli.database, Complaint) == 0
    assert chain_ok(cli.database)
    assert cli("show", numbers[0]).exit_code == 1
    log = json.loads(cli("audit", "log", "--format", "json").stdout)
    assert log[-1]["action"] == "import undo" and log[-1]["details"]["removed"] == 6
    from sqlmodel import select

    from complaintctl.store.models import ImportLeaf

    with cli.database.session() as session:  # the batch's tree stays: its event's root holds
        assert session.exec(select(Event).where(Event.action == "imported")).all() == []
        leaves = session.exec(select(ImportLeaf).where(ImportLeaf.batch_id == batch)).all()
    assert sorted(leaf.number for leaf in leaves) == sorted(numbers)
    listed = json.loads(cli("import", "list", "--format", "json").stdout)
    assert listed[0]["undone_by"] == "admin" and listed[0]["undone_at"]
    again = cli("import", "undo", str(batch))
    assert again.exit_code == 2 and f"Batch {batch} was already undone" in again.stderr
    run, summary = run_import(cli, CFPB)  # the rows can come in again, with new numbers
    assert summary["imported"] == 6
    assert not set(numbers) & {r["number"] for r in stored(cli.database)}


def test_undo_refuses_a_batch_whose_complaints_were_touched(cli, tmp_path):
    header = ["channel", "customer_name", "summary", "external_ref", "branch"]
    path = tmp_path / "n.csv"
    path.write_text(csv_text(header, [["phone", "A", "x", "R1", "BJ01"],
                                      ["phone", "B", "y", "R2", "BJ01"]]))
    run, summary = run_import(cli, path, as_="clerk")
    assert run.exit_code == 0, run.stderr
    first = summary["first_number"]
    assert cli("assign", first, "--to", "h1", as_="sup").exit_code == 0
    run = cli("import", "undo", str(summary["batch"]), as_="sup")
    assert run.exit_code == 2
    assert run.stderr.strip() == (
        f"Error: Batch {summary['batch']} can't be undone: {first} changed since the import. "
        "Withdraw or handle those complaints one by one instead.")
    assert count(cli.database, Complaint) == 2
    assert cli("import", "undo", "999").exit_code == 1


def test_undo_refuses_a_batch_linked_to_an_incident_or_action_and_keeps_other_branches(
        cli, tmp_path):
    """The import's own detection linked its complaints to an incident (5 of one cluster):
    undo used to fail on the foreign key (exit 1, "the database failed")."""
    header = ["channel", "customer_name", "summary", "external_ref", "branch"]
    path = tmp_path / "n.csv"
    path.write_text(csv_text(header, [["phone", f"C{i}", "年费", f"R{i}", "BJ01"]
                                      for i in range(5)]))
    run, summary = run_import(cli, path, as_="clerk")
    assert run.exit_code == 0 and summary["incidents"], run.stderr
    numbers = [r["number"] for r in stored(cli.database)]
    incident = summary["incidents"][0]["incident"]
    undo = cli("import", "undo", str(summary["batch"]), as_="sup")
    assert (undo.exit_code, undo.stderr) == (2, (
        f"Error: Batch {summary['batch']} can't be undone: "
        + ", ".join(f"{n} (incident {incident})" for n in numbers)
        + " linked since the import. Withdraw or handle those complaints one by one instead.\n"))
    assert count(cli.database, Complaint) == 5
    # a supervisor of another branch is refused as for any of those complaints
    other = cli("import", "undo", str(summary["batch"]), as_="sup2")
    assert (other.exit_code, other.stderr) == (4, (
        f"Error: Permission denied: {numbers[0]} belongs to branch BJ01; sup2 works for branch "
        "SH01. Ask a supervisor of that branch or an admin.\n"))


def test_a_clerk_imports_for_their_own_branch_only(cli, tmp_path):
    header = ["channel", "customer_name", "summary", "external_ref", "branch"]
    path = tmp_path / "n.csv"
    path.write_text(csv_text(header, [["phone", "A", "x", "R1", ""],
                                      ["phone", "B", "y", "R2", "SH01"]]))
    run, summary = run_import(cli, path, "--max-errors", "1", as_="clerk")
    assert run.exit_code == 0, run.stderr
    assert summary["errors"] == [{"line": 3, "reason":
                                  "branch SH01: clerk imports complaints for branch BJ01 only"}]
    assert [r["branch"] for r in stored(cli.database)] == ["BJ01"]  # the clerk's by default
    assert stored(cli.database)[0]["registered_by"] == "clerk"


def test_an_auditor_may_not_import_and_the_refusal_is_on_record(cli):
    run = cli("import", str(CFPB), as_="aud")
    assert run.exit_code == 4
    assert "Permission denied: `import file` needs the role" in run.stderr
    log = json.loads(cli("audit", "log", "--format", "json").stdout)
    assert log[-1]["kind"] == "refusal" and log[-1]["action"] == "import"
    assert count(cli.database, Complaint) == 0


def test_a_missing_file_is_an_error_not_a_traceback(cli, tmp_path):
    run = cli("import", str(tmp_path / "nope.csv"))
    assert run.exit_code == 1
    assert "No file" in run.stderr and "check the name" in run.stderr


def test_no_progress_bar_when_stderr_is_not_a_terminal(cli):
    run = cli("import", str(CFPB))
    assert "Importing" not in run.stderr
    assert run.stderr.strip().splitlines()[0].startswith("Batch ")


def test_import_list_shows_batches_newest_first(cli, tmp_path):
    run_import(cli, CFPB)
    run_import(cli, CFPB)
    rows = json.loads(cli("import", "list", "--format", "json", as_="clerk").stdout)
    assert [r["batch"] for r in rows] == sorted((r["batch"] for r in rows), reverse=True)
    assert [(r["imported"], r["skipped"]) for r in rows] == [(0, 6), (6, 0)]
    assert cli("import", "list").exit_code == 0


def _many_rows(tmp_path, n: int, *, bad_last: bool = False):
    id_column = CFPB_HEADER.index("Complaint ID")
    rows = []
    for i in range(n):
        row = list(ROWS[i % len(ROWS)])
        row[id_column] = str(90_000_000 + i)
        rows.append(row)
    if bad_last:
        rows[-1][0] = "not a date"
    path = tmp_path / f"many_{n}.csv"
    path.write_text(csv_text(CFPB_HEADER, rows))
    return path


def _indexes(db) -> list[str]:
    with db.session() as session:
        return session.connection().exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "ORDER BY name").scalars().all()


@pytest.mark.sqlite_only("the deferred indexes are SQLite's; PostgreSQL keeps its own")
def test_a_large_import_rebuilds_the_indexes_it_deferred_and_a_failed_one_keeps_them(
        cli, tmp_path, monkeypatch):
    from complaintctl.store import bulk
    from complaintctl.services.intake.imports import importer

    monkeypatch.setattr(importer, "CHUNK", 100)
    monkeypatch.setattr(importer, "ESTIMATE_AFTER", 200)
    # the estimate is 200 rows: this small file is read whole with the encoding sample
    monkeypatch.setattr(importer, "DEFER_INDEXES_FROM", 150)
    dropped = []
    real_drop = bulk.DeferredIndexes.drop
    monkeypatch.setattr(bulk.DeferredIndexes, "drop",
                        lambda self, c, *a: dropped.append(real_drop(self, c, *a)) or dropped[-1])
    before = _indexes(cli.database)
    assert any(" INDEX ix_complaint_" in sql for sql in before)

    run, summary = run_import(cli, _many_rows(tmp_path, 1500, bad_last=True))
    assert run.exit_code == 5 and dropped and dropped[0] > 10
    assert _indexes(cli.database) == before and count(cli.database, Complaint) == 0

    dropped.clear()
    run, summary = run_import(cli, _many_rows(tmp_path, 1500))
    assert run.exit_code == 0, run.stderr
    assert summary["imported"] == 1500 and dropped and dropped[0] > 10
    assert _indexes(cli.database) == before
    assert cli("db", "check").exit_code == 0  # integrity_check: every index matches its table
    assert chain_ok(cli.database)
    # a second file smaller than what is stored keeps the indexes as they are
    dropped.clear()
    run, summary = run_import(cli, _many_rows(tmp_path, 1200))
    assert run.exit_code == 0 and summary["skipped"] == 1200 and dropped == []


def test_a_large_import_on_postgresql_refreshes_the_planners_statistics(cli, tmp_path,
                                                                        monkeypatch):
    """Inside the import's transaction PostgreSQL would plan each chunk's key look-ups for the
    tables as small as they were (whole-table scans: 7x slower at 50,000 rows)."""
    if not cli.database.is_postgresql:
        pytest.skip("PostgreSQL only: SQLite's planner has no statistics to refresh here")
    from complaintctl.services.intake.imports import importer

    monkeypatch.setattr(importer, "CHUNK", 100)
    monkeypatch.setattr(importer, "ESTIMATE_AFTER", 200)

    run, summary = run_import(cli, _many_rows(tmp_path, 500))
    assert run.exit_code == 0, run.stderr
    assert summary["imported"] == 500 and count(cli.database, Complaint) == 500
    assert chain_ok(cli.database)
    # ANALYZE ran when 200 rows had been read: the first chunk of 100 was in, the second not yet
    with cli.database.session() as session:
        assert session.connection().exec_driver_sql(
            "SELECT reltuples FROM pg_class WHERE oid = 'complaint'::regclass").scalar_one() == 100


@pytest.mark.sqlite_only("typeof() and the sqlite3 module's adapters are SQLite's")
def test_nulls_and_booleans_are_stored_as_sql_null_and_integers(cli):
    # db.py registers adapters so that binding None and bools skips the sqlite3 module's slow
    # look-up; the stored values must be exactly what they were without them
    from sqlalchemy import text

    run, summary = run_import(cli, CFPB)
    assert run.exit_code == 0, run.stderr
    with cli.database.session() as session:
        rows = session.execute(text(
            "SELECT typeof(assignee), typeof(findings), typeof(paused), paused, "
            "typeof(priority_set), priority_set, typeof(timely_response), timely_response "
            "FROM complaint ORDER BY id")).all()
        flags = session.execute(text(
            "SELECT DISTINCT timely_response FROM complaint WHERE timely_response IS NOT NULL"
        )).scalars().all()
    assert len(rows) == summary["imported"] > 0
    for row in rows:
        assert row[:6] == ("null", "null", "integer", 0, "integer", 0)
        assert row[6] in ("integer", "null") and row[7] in (0, 1, None)
    assert set(flags) <= {0, 1} and flags  # Yes/No arrive as 1/0, never as text
