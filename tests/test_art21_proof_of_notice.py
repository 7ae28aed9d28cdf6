"""CBIRC Art 21 (proof of notice): the decision notice is its own recorded step
(``notify-decision``): the method, the time it really happened (not the resolve time), and a
proof reference required for phone, SMS, email and letter (blank refused, exit 5 naming Art 21);
a customer who cannot be reached: each attempt recorded, and after ``notice.unreachable_attempts``
of them (the bank's rule, configurable) the notice counts as given. ``resolve --notified-via``
still records a notice at the resolve time, with its proof. Effective times with --at."""

from __future__ import annotations

import json

import pytest

AT = ["--received-at", "2026-09-30T10:00", "--at", "2026-09-30T10:05"]
DECIDE = ["--outcome", "not_upheld", "--findings", "One posting only",
          "--reasons", "The fee was charged once", "--basis", "Card agreement art. 5"]
ART21 = ("needs its proof reference (--proof: the call record, SMS or email id, letter or "
         "postal receipt number); CBIRC Art 21 requires proof of notice.")


def decided(cli, *extra):
    run = cli("register", "--channel", "phone", "--customer", "张伟", "--summary", "年费重复扣收",
              *AT, as_="clerk")
    assert run.exit_code == 0, run.stderr
    number = run.stdout.strip()
    for args, who in ((["assign", number, "--to", "h1", "--at", "2026-09-30T11:00"], "sup"),
                      (["investigate", number, "--at", "2026-09-30T11:30"], "h1"),
                      (["resolve", number, *DECIDE, "--at", "2026-10-08T10:00", *extra], "h1")):
        run = cli(*args, as_=who)
        assert run.exit_code == 0, (args, run.stderr)
    return number


READ_TIME = ("seconds_left", "time_left", "urgency")  # computed at the moment of reading


def show(cli, number):
    data = json.loads(cli("show", number, "--format", "json").stdout)
    return {k: v for k, v in data.items() if k not in READ_TIME}


def notify(cli, number, *args, as_="h1"):
    return cli("notify-decision", number, *args, as_=as_)


def test_the_notice_is_recorded_at_the_time_it_really_happened_with_its_proof(cli):
    number = decided(cli)
    assert show(cli, number)["notified_at"] is None
    run = notify(cli, number, "--method", "sms", "--proof", "SMS-20261009-0042",
                 "--at", "2026-10-09T15:30")
    assert (run.exit_code, run.stderr) == (0, f"{number}: the decision notice is on record.\n")
    data = show(cli, number)
    assert (data["notified_at"], data["notified_via"], data["notice_proof"]) == (
        "2026-10-09T15:30:00+08:00", "sms", "SMS-20261009-0042")
    (event,) = [e for e in data["events"] if e["action"] == "notify-decision"]
    assert (event["at"], event["actor"], event["details"]["method"],
            event["details"]["proof"]) == ("2026-10-09T15:30:00+08:00", "h1", "sms",
                                           "SMS-20261009-0042")
    again = notify(cli, number, "--method", "letter", "--proof", "EMS-1",
                   "--at", "2026-10-10T10:00")
    assert (again.exit_code, again.stderr) == (3, (
        f"Error: The decision notice of {number} was already given on "
        "2026-10-09 15:30 by sms; it is on record.\n"))


@pytest.mark.parametrize("method", ["phone", "sms", "email", "letter"])
def test_phone_sms_email_and_letter_need_a_proof_and_a_blank_one_is_refused(cli, method):
    number = decided(cli)
    before = show(cli, number)
    for proof in ([], ["--proof", ""], ["--proof", "   "]):
        run = notify(cli, number, "--method", method, *proof, "--at", "2026-10-09T10:00")
        assert (run.exit_code, run.stderr) == (5, f"Error: A notice by {method} {ART21}\n")
    assert show(cli, number) == before


def test_a_notice_in_person_may_have_no_proof_and_cannot_precede_the_decision(cli):
    number = decided(cli)
    early = notify(cli, number, "--method", "in_person", "--at", "2026-10-08T09:00")
    assert early.exit_code == 5 and "before the complaint's previous event" in early.stderr
    assert notify(cli, number, "--method", "in_person", "--at", "2026-10-08T16:00").exit_code == 0
    assert show(cli, number)["notified_via"] == "in_person"


def test_an_undecided_complaint_has_no_notice_to_record(cli):
    run = cli("register", "--channel", "phone", "--customer", "张伟", "--summary", "x", *AT,
              as_="clerk")
    number = run.stdout.strip()
    refused = notify(cli, number, "--method", "sms", "--proof", "S-1", as_="sup")
    assert (refused.exit_code, refused.stderr) == (3, (
        f"Error: Can't record the decision notice of {number} when it is registered: there "
        "is no decision yet; resolve it first.\n"))


def test_an_unreachable_customer_counts_as_told_after_the_banks_number_of_attempts(cli):
    assert cli("config", "set", "notice.unreachable_attempts", "2").exit_code == 0
    number = decided(cli)
    first = notify(cli, number, "--method", "phone", "--proof", "CALL-1", "--unreachable",
                   "--at", "2026-10-09T10:00")
    assert first.stderr == (f"{number}: attempt 1 to tell the customer recorded; they were "
                            "not reached.\n")
    data = show(cli, number)
    assert (data["notice_attempts"], data["notice_unreachable"], data["notified_at"]) == (
        1, False, None)
    second = notify(cli, number, "--method", "letter", "--proof", "EMS-998877", "--unreachable",
                    "--at", "2026-10-11T09:00")
    assert second.stderr == (f"{number}: the customer could not be reached after 2 attempts; "
                             "the decision notice counts as given (CBIRC Art 21).\n")
    data = show(cli, number)
    assert (data["notice_attempts"], data["notice_unreachable"], data["notified_at"],
            data["notified_via"], data["notice_proof"]) == (
        2, True, "2026-10-11T09:00:00+08:00", "letter", "EMS-998877")
    attempts = [e["details"] for e in data["events"] if e["action"] == "notify-decision"]
    assert [(d["attempt"], d["needed"], d.get("counts_as_given")) for d in attempts] == [
        (1, 2, None), (2, 2, True)]
    # the review window (Art 20) now runs from the notice the rule counts as given
    late = cli("review", "request", number, "--at", "2026-11-10T12:00", as_="clerk")
    assert late.exit_code == 0, late.stderr


def test_the_attempts_rule_is_configuration_within_bounds(cli):
    assert cli("config", "set", "notice.unreachable_attempts", "0").exit_code == 5
    assert cli("config", "set", "notice.unreachable_attempts", "3").exit_code == 0
    number = decided(cli)
    for day in (9, 10):
        notify(cli, number, "--method", "phone", "--proof", f"CALL-{day}", "--unreachable",
               "--at", f"2026-10-{day}T10:00")
    assert show(cli, number)["notified_at"] is None  # two of three: not yet


def test_resolve_with_notified_via_still_records_the_notice_at_the_resolve_time(cli):
    number = decided(cli, "--notified-via", "phone", "--proof", "CALL-7781")
    data = show(cli, number)
    assert (data["notified_at"], data["notified_via"], data["notice_proof"]) == (
        "2026-10-08T10:00:00+08:00", "phone", "CALL-7781")
    missing = cli("register", "--channel", "phone", "--customer", "李", "--summary", "y", *AT,
                  as_="clerk").stdout.strip()
    cli("assign", missing, "--to", "h1", "--at", "2026-09-30T11:00", as_="sup")
    cli("investigate", missing, "--at", "2026-09-30T11:30", as_="h1")
    run = cli("resolve", missing, *DECIDE, "--notified-via", "phone", "--proof", "",
              "--at", "2026-10-08T10:00", as_="h1")
    assert (run.exit_code, run.stderr) == (5, f"Error: A notice by phone {ART21}\n")
    alone = cli("resolve", missing, *DECIDE, "--proof", "CALL-1", as_="h1")
    assert alone.exit_code == 2 and "needs --notified-via" in alone.stderr
