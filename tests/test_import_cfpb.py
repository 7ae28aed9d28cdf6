"""Importing CFPB exports: every header style, the mapping of their values, their quirks."""

from __future__ import annotations

import csv

import pytest
from importing import CFPB, chain_ok, count, csv_text, run_import, stored

from complaintctl.domain.records import CFPB_HEADER
from complaintctl.store.models import Complaint, ComplaintTag, Event, Remedy

ROWS = list(csv.reader(open(CFPB, newline="")))[1:]


def _styled(header_style: str) -> list[str]:
    if header_style == "canonical":
        return CFPB_HEADER
    if header_style == "underscores":
        return [h.replace(" ", "_") for h in CFPB_HEADER]
    if header_style == "snake_case":
        names = [h.lower().replace(" ", "_").replace("-", "_") for h in CFPB_HEADER]
        return [n.replace("zip_code", "zipcode").replace("consumer_consent_provided?",
                                                         "consumer_consent_provided")
                .replace("timely_response?", "timely_response") for n in names]
    raise AssertionError(header_style)


@pytest.mark.parametrize("style", ["canonical", "underscores", "snake_case"])
def test_each_cfpb_header_style_imports_every_row_with_its_fields(cli, tmp_path, style):
    path = tmp_path / f"{style}.csv"
    path.write_text(csv_text(_styled(style), ROWS), encoding="utf-8")
    run, summary = run_import(cli, path)
    assert run.exit_code == 0, run.stderr
    assert summary["format"] == "cfpb" and summary["imported"] == 6 and summary["rejected"] == 0
    rows = {r["external_ref"]: r for r in stored(cli.database)}
    first = rows["3384392"]
    assert first["external_source"] == "cfpb"
    assert first["channel"] == "online"
    assert first["product"] == "Debt collection" and first["sub_product"] == "I do not know"
    assert first["issue"] == "Attempts to collect debt not owed"
    assert first["sub_issue"] == "Debt is not yours"
    assert first["summary"] == "Attempts to collect debt not owed: Debt is not yours"
    assert first["description"].startswith("transworld systems inc. \nis trying")
    assert (first["state"], first["zip_code"]) == ("FL", "335XX")
    assert first["consumer_consent"] == "Consent provided"
    assert first["timely_response"] is True and first["consumer_disputed"] is None
    assert rows["3379500"]["channel"] == "regulator"  # Referral
    assert rows["3420001"]["channel"] == "regulator"  # Web Referral
    assert rows["3430002"]["channel"] == "phone"
    assert rows["3430003"]["channel"] == "letter"  # Postal mail
    assert rows["3430004"]["channel"] == "fax"


def test_older_exports_without_narrative_or_id_import_and_say_they_have_no_key(cli, tmp_path):
    keep = [i for i, h in enumerate(CFPB_HEADER)
            if h not in ("Consumer complaint narrative", "Complaint ID")]
    path = tmp_path / "old.csv"
    path.write_text(csv_text([CFPB_HEADER[i] for i in keep], [[r[i] for i in keep] for r in ROWS]))
    run = cli("import", str(path))
    assert run.exit_code == 0, run.stderr
    assert "The file has no key column" in run.stderr
    assert "importing it again adds its rows again" in run.stderr
    run = cli("import", str(path))
    assert run.exit_code == 0
    assert count(cli.database, Complaint) == 12


def test_the_five_column_subset_imports_open_complaints(cli, tmp_path):
    path = tmp_path / "subset.csv"
    path.write_text("date_received,product,issue,state,date_sent_to_company\n"
                    "2016-10-03,Debt collection,Improper contact or sharing of info,AZ,2016-10-03\n"
                    "2016-10-12,Credit card,Billing disputes,FOO,2016-10-12\n")
    run, summary = run_import(cli, path)
    assert run.exit_code == 0, run.stderr
    assert summary["keyed"] is False and summary["imported"] == 2
    rows = stored(cli.database)
    assert [r["status"] for r in rows] == ["registered", "registered"]
    assert rows[1]["state"] == "FOO"  # kept as text
    assert rows[0]["channel"] == "other"


def test_company_responses_arrive_with_the_matching_status_outcome_and_remedy(cli):
    run, summary = run_import(cli, CFPB)
    assert run.exit_code == 0, run.stderr
    db = cli.database
    rows = {r["external_ref"]: r for r in stored(db)}
    from sqlmodel import select

    with db.session() as session:
        remedies = {}
        for remedy in session.exec(select(Remedy)):
            remedies.setdefault(remedy.complaint_id, []).append(remedy.kind)
        tags = {}
        for tag in session.exec(select(ComplaintTag)):
            tags.setdefault(tag.complaint_id, set()).add(tag.tag)

    def got(ref):
        r = rows[ref]
        return r["status"], r["outcome"], remedies.get(r["id"], []), r["closed_at"] is not None

    assert got("3384392") == ("closed", "not_upheld", ["explanation"], True)
    assert got("3379500") == ("closed", "upheld", ["correction"], True)
    assert got("3420001") == ("closed", "upheld", ["compensation"], True)
    assert got("3430002") == ("registered", None, [], False)  # In progress arrives open
    assert got("3430003") == ("closed", "partially_upheld", ["other"], True)
    assert got("3430004") == ("closed", None, [], True)  # Untimely response
    assert rows["3430004"]["timely_response"] is False
    assert rows["3420001"]["consumer_disputed"] is False
    assert rows["3430003"]["disputed"] is True and rows["3430003"]["consumer_disputed"] is True
    assert tags[rows["3379500"]["id"]] == {"elderly"}
    assert tags[rows["3420001"]["id"]] == {"servicemember"}
    assert tags[rows["3430003"]["id"]] == {"elderly", "servicemember"}
    # closed on the day the complaint was sent to the company
    assert rows["3379500"]["closed_at"].date().isoformat() in ("2019-09-19", "2019-09-20")


def test_every_imported_complaint_gets_a_number_and_a_leaf_under_the_batchs_event(cli):
    """Issue 20: one event for the batch, whose Merkle tree has a leaf per row (its number
    and the status imported); the timeline opens with the import, read from the leaf."""
    run, summary = run_import(cli, CFPB)
    assert run.exit_code == 0
    rows = stored(cli.database)
    numbers = [r["number"] for r in rows]
    assert len(set(numbers)) == 6 and all(n.startswith("CMP-") for n in numbers)
    assert summary["first_number"] == numbers[0] and summary["last_number"] == numbers[-1]
    from sqlmodel import select

    from complaintctl.store.models import ImportLeaf

    with cli.database.session() as session:
        assert session.exec(select(Event).where(Event.action == "imported")).all() == []
        batch_events = session.exec(select(Event).where(Event.action == "import")).all()
        leaves = session.exec(select(ImportLeaf).order_by(ImportLeaf.position)).all()
    assert [e.number for e in batch_events] == [None]
    assert [leaf.number for leaf in leaves] == numbers
    assert {leaf.status for leaf in leaves} == {"closed", "registered"}
    assert chain_ok(cli.database)
    show = cli("show", numbers[0], "--format", "json")
    assert show.exit_code == 0
    import json

    timeline = json.loads(show.stdout)["events"]
    assert [e["action"] for e in timeline] == ["imported"]
    assert timeline[0]["details"] == {"batch": summary["batch"], "leaf": 0}


def test_junk_lines_before_the_header_are_skipped_and_counted(cli, tmp_path):
    path = tmp_path / "zipped.csv"
    path.write_text("Archive:  /Users/hvo/Downloads/complaints.csv.zip\n"
                    "  inflating: complaints.csv          \n" + CFPB.read_text())
    run, summary = run_import(cli, path)
    assert run.exit_code == 0, run.stderr
    assert summary["junk_lines"] == 2 and summary["imported"] == 6
    run = cli("import", str(path), "--dry-run")
    assert "Skipped 2 line(s) before the header." in run.stderr


def test_a_file_without_a_recognisable_header_is_refused_with_what_was_expected(cli, tmp_path):
    path = tmp_path / "nothing.csv"
    path.write_text("a,b,c\n1,2,3\n")
    run = cli("import", str(path))
    assert run.exit_code == 5
    assert "No header found in the first 50 lines; expected the cfpb columns" in run.stderr
    assert "--mapping" in run.stderr


def test_embedded_newlines_with_lf_crlf_and_mixed_line_ends(cli, tmp_path):
    text = CFPB.read_text()
    for name, content in (("lf.csv", text), ("crlf.csv", text.replace("\n", "\r\n")),
                          ("mixed.csv", text)):
        path = tmp_path / name
        path.write_bytes(content.encode())
    run, summary = run_import(cli, tmp_path / "crlf.csv")
    assert run.exit_code == 0, run.stderr
    assert summary["imported"] == 6
    rows = {r["external_ref"]: r for r in stored(cli.database)}
    # CRLF inside a quoted field is data, kept as written; LF too
    assert rows["3384392"]["description"].count("\n") == 1
    assert "twice.\r\n" in rows["3420001"]["description"]
    run, summary = run_import(cli, tmp_path / "mixed.csv")
    assert summary["skipped"] == 6  # the same IDs


def test_blank_na_and_none_are_empty_and_true_false_are_booleans(cli, tmp_path):
    header = CFPB_HEADER
    row = ["2019-11-05", "Mortgage", "None", "Fees", "N/A", "None", "None", "X BANK", "None",
           "None", "None", "N/A", "Web", "None", "Closed with explanation", "true", "false",
           "900001"]
    path = tmp_path / "nones.csv"
    path.write_text(csv_text(header, [row]))
    run, summary = run_import(cli, path)
    assert run.exit_code == 0, run.stderr
    (r,) = stored(cli.database)
    assert r["sub_product"] is None and r["sub_issue"] is None and r["description"] is None
    assert r["state"] is None and r["zip_code"] is None and r["consumer_consent"] is None
    assert r["timely_response"] is True and r["consumer_disputed"] is False


def test_a_cut_off_last_record_is_rejected_not_a_crash(cli, tmp_path):
    text = CFPB.read_text()
    cut = text[: text.index("They charged me twice.") + 10]  # inside the quoted narrative
    path = tmp_path / "cut.csv"
    path.write_text(cut)
    rejects = tmp_path / "rejects.csv"
    run, summary = run_import(cli, path, "--max-errors", "1", "--rejects", str(rejects))
    assert run.exit_code == 0, run.stderr
    assert summary["read"] == 3 and summary["imported"] == 2 and summary["rejected"] == 1
    line = summary["errors"][0]
    assert line["line"] == 5
    assert "the file ends inside a quoted field: the record is cut off" in line["reason"]
    rejected = list(csv.DictReader(open(rejects, newline="", encoding="utf-8-sig")))
    assert rejected[0]["line"] == "5" and rejected[0]["Date received"] == "2019-10-25"
    assert rejected[0]["Consumer complaint narrative"].startswith("They charg")


def test_an_unknown_company_response_is_a_rejected_row_naming_the_values(cli, tmp_path):
    row = list(ROWS[0])
    row[14] = "Closed with cookies"
    path = tmp_path / "bad.csv"
    path.write_text(csv_text(CFPB_HEADER, [row]))
    run, summary = run_import(cli, path)
    assert run.exit_code == 5
    assert summary["errors"] == [{"line": 2, "reason": (
        "Company response to consumer 'Closed with cookies' is not one of: Closed with monetary "
        "relief, Closed with non-monetary relief, Closed with relief, Closed with explanation, "
        "Closed without relief, Closed, Untimely response, In progress")}]
