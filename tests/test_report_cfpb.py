"""Reports over the real CFPB sample (../shared/data/cfpb), once `complaintctl import` exists:
counts by product and by channel equal a plain csv count of the file, and the timely-response
rate equals the file's "Timely response?" share."""

from __future__ import annotations

import csv
import json
from collections import Counter

import pytest

from conftest import CFPB_DIR

SAMPLE = CFPB_DIR / "complaints_2019_sample.csv"
VIA = {"Web": "online", "Referral": "regulator", "Web Referral": "regulator", "Phone": "phone",
       "Postal mail": "letter", "Fax": "fax", "Email": "email"}


def plain_rows():
    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        lines = handle.read().splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("Date received"))
    return list(csv.DictReader(lines[start:]))


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    if not SAMPLE.exists():
        pytest.skip(f"{SAMPLE} is absent (no ../shared here)")
    from complaintctl.cli import app

    names = {c.name for c in app.registered_commands} | {g.name for g in app.registered_groups}
    if "import" not in names:
        pytest.skip("complaintctl import has not landed yet (issue 3)")
    from complaintctl.store.db import Database, resolve_url
    from complaintctl.services.admin import staff

    from conftest import Cli

    db = Database(resolve_url(str(tmp_path_factory.mktemp("cfpb") / "complaints.db")))
    db.create()
    with db.session(write=True) as session:
        staff.init_admin(session=session, username="admin", name="Admin")
    cli = Cli(db)
    run = cli("import", str(SAMPLE), "--format", "cfpb", "--json")
    assert run.exit_code == 0, run.stderr
    yield cli
    db.engine.dispose()


def report(cli, *args):
    run = cli("report", *args, "--period", "all", "--format", "json")
    assert run.exit_code == 0, run.stderr
    return json.loads(run.stdout)


@pytest.mark.slow
def test_summary_by_product_equals_a_plain_csv_count(imported):
    expected = Counter(row["Product"] or None for row in plain_rows())
    out = report(imported, "summary", "--by", "product")
    assert {r["product"]: r["received"] for r in out["rows"]} == dict(expected)
    assert out["totals"]["received"] == sum(expected.values())


@pytest.mark.slow
def test_summary_by_channel_equals_a_plain_csv_count(imported):
    expected = Counter(VIA[row["Submitted via"]] for row in plain_rows())
    out = report(imported, "summary", "--by", "channel")
    assert {r["channel"]: r["received"] for r in out["rows"]} == dict(expected)


@pytest.mark.slow
def test_the_timely_response_rate_is_the_files_share(imported):
    answers = [row["Timely response?"] for row in plain_rows() if row["Timely response?"]]
    out = report(imported, "regulatory")
    cfpb = out["totals"]["cfpb"]
    assert cfpb["responses"] == len(answers)
    assert cfpb["timely"] == answers.count("Yes")
    assert cfpb["timely_response_rate"] == round(answers.count("Yes") / len(answers), 4)
