"""CBIRC 2020 Art 33: a complaint the regulator refers carries the regulator's reference and
deadline; once decided, the report back to the regulator (reference, facts, result, proof of
notice) is produced and recorded, and ``report referrals`` lists open and answered referrals
with their dates."""

from __future__ import annotations

import hashlib
import json

from sqlmodel import select

from complaintctl.store.models import Complaint, Event

REF = ["--source-ref", "CBIRC-BJ-2026-0815"]
AT = ["--received-at", "2026-09-30T10:00", "--at", "2026-09-30T10:05"]


def referral(cli, *extra):
    return cli("register", "--channel", "regulator", "--customer", "陈明", "--summary",
               "提前还款违约金争议", *AT, *extra, as_="clerk")


def decided(cli, number):
    for args, who in (
        (["assign", number, "--to", "h1", "--at", "2026-09-30T11:00"], "sup"),
        (["investigate", number, "--at", "2026-09-30T11:30"], "h1"),
        (["resolve", number, "--outcome", "upheld", "--findings", "违约金计算有误",
          "--reasons", "违约金计算有误", "--basis", "贷款合同第8条",
          "--remedy", "fee_refund:300", "--notified-via", "phone", "--proof", "CALL-7781",
          "--at", "2026-10-09T15:00"], "h1"),
    ):
        run = cli(*args, as_=who)
        assert run.exit_code == 0, run.stderr


def test_a_referral_needs_the_regulators_reference_and_deadline(cli, seeded):
    run = referral(cli, "--regulator-due", "2026-10-14")
    assert run.exit_code == 5
    assert run.stderr == ("Error: A regulator referral needs the regulator's reference "
                          "(--source-ref) (CBIRC Art 33).\n")
    run = referral(cli, *REF)
    assert run.exit_code == 5
    assert run.stderr == ("Error: A regulator referral needs the regulator's deadline "
                          "(--regulator-due DATE) (CBIRC Art 33).\n")
    run = referral(cli, *REF, "--regulator-due", "14 Oct")
    assert run.exit_code == 5
    assert run.stderr == "Error: --regulator-due 14 Oct is not a date (YYYY-MM-DD).\n"
    other = cli("register", "--channel", "phone", "--customer", "c", "--summary", "s",
                "--regulator-due", "2026-10-14", *AT, as_="clerk")
    assert other.exit_code == 5
    assert other.stderr == ("Error: --regulator-due is for a complaint the regulator referred "
                            "(--channel regulator) (CBIRC Art 33).\n")
    with seeded.session() as s:
        assert s.exec(select(Complaint)).all() == []
    ok = referral(cli, *REF, "--regulator-due", "2026-10-14")
    assert ok.exit_code == 0, ok.stderr
    shown = json.loads(cli("show", ok.stdout.strip(), "--format", "json").stdout)
    assert (shown["source_ref"], shown["regulator_due"]) == ("CBIRC-BJ-2026-0815", "2026-10-14")


def test_the_report_back_follows_the_decision_and_is_recorded(cli, seeded):
    number = referral(cli, *REF, "--regulator-due", "2026-10-14").stdout.strip()
    early = cli("report", "referral", number, "--as-of", "2026-10-01T09:00", as_="sup")
    assert early.exit_code == 3
    assert early.stderr == (f"Error: {number} is registered: the report back to the regulator "
                            "follows the decision (CBIRC Art 33).\n")
    decided(cli, number)
    run = cli("report", "referral", number, "--format", "json", "--as-of", "2026-10-10T09:00",
              as_="sup")
    assert run.exit_code == 0, run.stderr
    report = json.loads(run.stdout)
    assert {k: report[k] for k in ("reference", "number", "received_at", "regulator_due",
                                   "decided_at", "facts", "result", "remedies", "notice",
                                   "reported_at")} == {
        "reference": "CBIRC-BJ-2026-0815", "number": number,
        "received_at": "2026-09-30T10:00:00+08:00", "regulator_due": "2026-10-14",
        "decided_at": "2026-10-09T15:00:00+08:00", "facts": "违约金计算有误",
        "result": "upheld", "remedies": [{"kind": "fee_refund", "amount": "300.00"}],
        "notice": {"at": "2026-10-09T15:00:00+08:00", "via": "phone", "proof": "CALL-7781"},
        "reported_at": "2026-10-10T09:00:00+08:00"}
    body = {k: v for k, v in report.items() if k not in ("sha256", "reported_at")}
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False)
                            .encode()).hexdigest()
    assert report["sha256"] == digest
    with seeded.session() as s:
        [event] = s.exec(select(Event).where(Event.number == number,
                                             Event.action == "referral_report",
                                             Event.kind == "change")).all()
        assert json.loads(event.details)["sha256"] == digest
    html = cli("report", "referral", number, "--format", "html", "--as-of", "2026-10-11T09:00",
               as_="sup")
    assert html.exit_code == 0 and "<h1>Report back to the regulator on referral " \
        "CBIRC-BJ-2026-0815</h1>" in html.stdout and "CALL-7781" in html.stdout
    text = cli("report", "referral", number, "--as-of", "2026-10-11T09:00", as_="sup")
    assert "Proof of notice: CALL-7781" in text.stdout
    # the first production is the date reported back
    assert json.loads(cli("show", number, "--format", "json").stdout)[
        "referral_reported_at"] == "2026-10-10T09:00:00+08:00"
    assert cli("audit", "verify").exit_code == 0


def test_only_a_referral_has_a_report_back(cli):
    number = cli("register", "--channel", "phone", "--customer", "c", "--summary", "s", *AT,
                 as_="clerk").stdout.strip()
    run = cli("report", "referral", number, as_="sup")
    assert run.exit_code == 3
    assert run.stderr == (f"Error: {number} was not referred by the regulator (channel phone); "
                          "there is no report back (CBIRC Art 33).\n")
    assert cli("report", "referral", as_="sup").exit_code == 2


def test_report_referrals_lists_open_decided_and_answered_with_their_dates(cli):
    answered = referral(cli, *REF, "--regulator-due", "2026-10-14").stdout.strip()
    decided(cli, answered)
    assert cli("report", "referral", answered, "--as-of", "2026-10-10T09:00",
               as_="sup").exit_code == 0
    late = referral(cli, "--source-ref", "CBIRC-BJ-2026-0901", "--regulator-due",
                    "2026-10-08").stdout.strip()
    rows = json.loads(cli("report", "referrals", "--format", "json", "--as-of",
                          "2026-10-12T09:00", as_="sup").stdout)
    assert rows == [
        {"number": answered, "reference": "CBIRC-BJ-2026-0815", "status": "resolved",
         "received_at": "2026-09-30T10:00:00+08:00", "regulator_due": "2026-10-14",
         "decided_at": "2026-10-09T15:00:00+08:00",
         "reported_at": "2026-10-10T09:00:00+08:00", "state": "answered", "overdue": False},
        {"number": late, "reference": "CBIRC-BJ-2026-0901", "status": "registered",
         "received_at": "2026-09-30T10:00:00+08:00", "regulator_due": "2026-10-08",
         "decided_at": None, "reported_at": None, "state": "open", "overdue": True},
    ]
    table = cli("report", "referrals", "--as-of", "2026-10-12T09:00", as_="sup")
    assert table.exit_code == 0 and "CBIRC-BJ-2026-0901" in table.stdout
    assert cli("report", "referrals", "--format", "xlsx", "-o", "x.xlsx").exit_code == 2
