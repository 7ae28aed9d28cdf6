"""CBIRC Art 17 (recusal, 回避): whoever verifies a complaint has no direct interest in it. A
recorded conflict refuses its holder at every action on the complaint, at the moment of the
action (exit 4, naming Art 17, nothing changed); a conflict recorded for the current assignee
flags the complaint for reassignment and tells the branch supervisors. Effective times with
--at, as the clock tests."""

from __future__ import annotations

import json

from sqlmodel import select

from complaintctl.store.models import Event, Notification

AT = ["--received-at", "2026-09-30T10:00", "--at", "2026-09-30T10:05"]
ACCOUNT = "6222020200001234"
DECIDE = ["--reasons", "The annual fee was posted twice", "--basis", "Card agreement art. 5"]


def new(cli, *extra):
    run = cli("register", "--channel", "phone", "--customer", "张伟", "--summary", "年费重复扣收",
              "--account", ACCOUNT, *AT, *extra, as_="clerk")
    assert run.exit_code == 0, run.stderr
    return run.stdout.strip()


def show(cli, number):
    run = cli("show", number, "--format", "json")
    assert run.exit_code == 0, run.stderr
    return json.loads(run.stdout)


def conflict(cli, user, kind="account", value=ACCOUNT, at="2026-09-30T11:15"):
    run = cli("staff", "conflict", "add", user, "--kind", kind, "--value", value, "--at", at)
    assert run.exit_code == 0, run.stderr
    return run


def refused(run, user, number, action, reason="a recorded conflict with the account "
            "************1234"):
    assert run.exit_code == 4, (run.exit_code, run.stderr)
    assert run.stderr == (
        f"Error: Permission denied: {user} is recused from {number} ({reason}) and cannot "
        f"{action} it (CBIRC Art 17); a colleague without a conflict must act.\n")


def events(cli, number):
    return [e["action"] for e in show(cli, number)["events"]]


def test_a_supervisor_with_a_conflict_cannot_investigate_or_resolve_the_complaint_herself(cli):
    number = new(cli)
    assert cli("assign", number, "--to", "sup", "--at", "2026-09-30T11:00",
               as_="sup").exit_code == 0
    conflict(cli, "sup")
    before = show(cli, number)
    refused(cli("investigate", number, "--at", "2026-09-30T11:30", as_="sup"), "sup", number,
            "investigate")
    after = show(cli, number)
    assert (after["status"], after["events"]) == (before["status"], before["events"])
    # a colleague takes it over; the supervisor still cannot act on it, not even to decide
    assert cli("assign", number, "--to", "h1", "--at", "2026-09-30T12:00",
               as_="admin").exit_code == 0
    assert cli("investigate", number, "--at", "2026-09-30T12:30", as_="h1").exit_code == 0
    refused(cli("resolve", number, "--outcome", "upheld", "--findings", "Twice", *DECIDE,
                "--remedy", "apology", "--at", "2026-10-01T10:00", as_="sup"),
            "sup", number, "resolve")
    refused(cli("assign", number, "--to", "h2", "--at", "2026-10-01T10:00", as_="sup"),
            "sup", number, "assign")
    assert show(cli, number)["status"] == "investigating"


def test_a_conflict_recorded_after_assignment_stops_the_handler_at_the_next_action(cli):
    number = new(cli)
    assert cli("assign", number, "--to", "h1", "--at", "2026-09-30T11:00",
               as_="sup").exit_code == 0
    assert cli("investigate", number, "--at", "2026-09-30T11:30", as_="h1").exit_code == 0
    added = conflict(cli, "h1", at="2026-09-30T12:00")
    assert added.stderr.endswith(
        f"Flagged for reassignment (CBIRC Art 17), supervisors notified: {number}.\n")
    data = show(cli, number)
    assert data["needs_reassignment"] is True
    assert data["reassign_reason"] == ("h1 is recused: a recorded conflict with the account "
                                       "************1234 (CBIRC Art 17)")
    listed = json.loads(cli("list", "--format", "json").stdout)
    assert [c["needs_reassignment"] for c in listed if c["number"] == number] == [True]
    for args, action in (
        (["consult", number, "--department", "ops", "--question", "Twice?"], "consult"),
        (["resolve", number, "--outcome", "upheld", "--findings", "Twice", *DECIDE,
          "--remedy", "apology"], "resolve"),
        (["pause", number, "--reason", "appraisal", "--customer-notified-via", "phone"],
         "pause"),
        (["note", number, "checked"], "note"),
        (["contact", number, "--via", "phone", "--summary", "called"], "contact"),
    ):
        refused(cli(*args, "--at", "2026-10-01T10:00", as_="h1"), "h1", number, action)
    # the supervisor reassigns: the flag is answered and the new handler decides
    assert cli("assign", number, "--to", "h2", "--at", "2026-10-01T11:00",
               as_="sup").exit_code == 0
    assert show(cli, number)["needs_reassignment"] is False
    assert cli("resolve", number, "--outcome", "upheld", "--findings", "Twice", *DECIDE,
               "--remedy", "apology", "--at", "2026-10-02T10:00", as_="h2").exit_code == 0
    conflict(cli, "h2", "colleague", "h1", at="2026-10-02T11:00")  # h1 registered nothing
    assert cli("close", number, "--satisfaction", "4", "--at", "2026-10-03T10:00",
               as_="h2").exit_code == 0
    assert events(cli, number) == ["register", "assign", "investigate", "recusal flag",
                                   "reassign", "resolve", "close"]


def test_the_flag_is_audited_and_the_supervisor_notified_in_the_outbox(cli):
    number = new(cli)
    assert cli("assign", number, "--to", "h1", "--at", "2026-09-30T11:00",
               as_="sup").exit_code == 0
    conflict(cli, "h1")
    with cli.database.session() as session:
        (flag,) = session.exec(select(Event).where(Event.action == "recusal flag")).all()
        told = session.exec(select(Notification).where(Notification.event == "recusal")).all()
    details = json.loads(flag.details) if isinstance(flag.details, str) else flag.details
    assert (flag.actor, flag.kind, flag.from_status, flag.to_status) == (
        "admin", "change", "assigned", "assigned")
    assert (details["staff"], details["reassign"]) == ("h1", True)
    assert [(n.recipient, n.number) for n in told] == [("sup", number)]
    assert "CBIRC Art 17" in told[0].subject
    verified = cli("audit", "verify", as_="aud")
    assert verified.exit_code == 0, verified.stderr


def test_a_conflict_elsewhere_flags_nothing_and_review_and_approval_refuse_the_recused(cli):
    other = new(cli)
    assert cli("assign", other, "--to", "h1", "--at", "2026-09-30T11:00",
               as_="sup").exit_code == 0
    quiet = conflict(cli, "h1", "account", "6222029999990000")
    assert "Flagged" not in quiet.stderr and show(cli, other)["needs_reassignment"] is False
    number = new(cli)
    assert cli("assign", number, "--to", "h2", "--at", "2026-09-30T11:00",
               as_="sup").exit_code == 0
    assert cli("investigate", number, "--at", "2026-09-30T11:30", as_="h2").exit_code == 0
    conflict(cli, "sup", at="2026-09-30T11:45")
    refused(cli("extend", number, "--level", "1", "--reason", "complex",
                "--at", "2026-10-01T10:00", as_="sup"), "sup", number, "extend")
    refused(cli("approve", number, "--compensation", "5000", "--at", "2026-10-01T10:00",
                as_="sup"), "sup", number, "approve")
    assert cli("resolve", number, "--outcome", "not_upheld", "--findings", "Once", *DECIDE,
               "--notified-via", "phone", "--proof", "CALL-1", "--at", "2026-10-02T10:00",
               as_="h2").exit_code == 0
    assert cli("review", "request", number, "--at", "2026-10-03T10:00",
               as_="clerk").exit_code == 0
    conflict(cli, "admin", "branch", "BJ01", at="2026-10-03T11:00")
    refused(cli("review", "decide", number, "--result", "upheld", "--findings", "Right",
                "--at", "2026-10-04T10:00", as_="admin"), "admin", number, "review decide",
            reason="a recorded conflict with branch BJ01")
