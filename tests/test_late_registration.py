"""Late registration is visible (issue 23): an effective time (``--at``, or the receipt time a
clerk gives to ``register``) more than ``clock.late_window_days`` (default 7) before it is
recorded needs ``--late-reason``; the reason is on the audit event and the complaint, the
complaint is marked late in ``show``, the timeline and the summary report, and purge keeps it.

The suite's databases widen the window (conftest: ``SUITE_LATE_WINDOW_DAYS``); every test here
restores the default first, with ``config set clock.late_window_days ''``. Both back ends."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from complaintctl.domain import late
from complaintctl.domain.enums import Channel, ContactVia, Outcome
from complaintctl.errors import InvalidData
from complaintctl.services.admin import retention
from complaintctl.services.audit import trail as audit
from complaintctl.services.complaints import decisions, handling
from complaintctl.services.complaints import registration as svc
from complaintctl.services.complaints.registration import NewComplaint, RemedyInput
from complaintctl.services.core import lateness
from conftest import actor

SHANGHAI = timezone(timedelta(hours=8))
NEEDS = ("{option} {at} is more than 7 days before now (clock.late_window_days): recording it "
         "this late needs a reason; add --late-reason TEXT.\n")
REGISTER = ("register", "--channel", "phone", "--customer", "Li Na", "--summary", "fee twice",
            "--branch", "BJ01")


@pytest.fixture
def clerk(cli):
    """The CLI with the default window (7 days) in force."""
    assert cli("config", "set", "clock.late_window_days", "").exit_code == 0
    return cli


def _ago(**delta) -> str:
    """A time that far back, to the second, in the bank's zone (as a clerk types it)."""
    return (datetime.now(UTC) - timedelta(**delta)).astimezone(SHANGHAI).replace(
        microsecond=0).isoformat()


def _counts(database) -> tuple[int, int]:
    with database.engine.connect() as conn:
        return (conn.execute(text("SELECT COUNT(*) FROM complaint")).scalar(),
                conn.execute(text("SELECT COUNT(*) FROM event")).scalar())


def _show(cli, number: str) -> dict:
    return json.loads(cli("show", number, "--format", "json").stdout)


# --- the rule --------------------------------------------------------------------------------

RECORDED = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("back, is_late", [
    (timedelta(days=7), False),  # at the window: not late
    (timedelta(days=7) - timedelta(seconds=1), False),  # just inside
    (timedelta(days=7) + timedelta(seconds=1), True),  # just outside
    (timedelta(0), False), (timedelta(days=400), True),
])
def test_the_rule_at_just_inside_and_just_outside_the_window(back, is_late):
    effective = RECORDED - back
    assert late.is_late(effective, recorded=RECORDED, window_days=7) is is_late
    if is_late:
        with pytest.raises(InvalidData, match="more than 7 days before now"):
            late.check(effective, recorded=RECORDED, window_days=7, reason=None)
        note = late.check(effective, recorded=RECORDED, window_days=7, reason=" found late ")
        assert (note.reason, note.window_days, note.days_back) == ("found late", 7, back.days)
    else:
        assert late.check(effective, recorded=RECORDED, window_days=7, reason=None) is None
        with pytest.raises(InvalidData, match="only for a time more than 7 days"):
            late.check(effective, recorded=RECORDED, window_days=7, reason="why")


def test_a_blank_or_too_long_reason_is_refused():
    old = RECORDED - timedelta(days=30)
    with pytest.raises(InvalidData, match="--late-reason cannot be blank"):
        late.check(old, recorded=RECORDED, window_days=7, reason="   ")
    with pytest.raises(InvalidData, match="late_reason is longer than 2,000 characters"):
        late.check(old, recorded=RECORDED, window_days=7, reason="x" * 2001)
    assert late.check(old, recorded=RECORDED, window_days=7, reason="x" * 2000)


# --- registration ----------------------------------------------------------------------------

def test_a_late_registration_without_a_reason_is_refused_and_changes_nothing(clerk):
    before = _counts(clerk.database)
    at = _ago(days=7, minutes=2)
    run = clerk(*REGISTER, "--at", at, as_="clerk")
    assert run.exit_code == 5
    assert run.stderr == "Error: " + NEEDS.format(option="--at", at=at)
    received = _ago(days=30)
    run = clerk(*REGISTER, "--received-at", received, as_="clerk")
    assert (run.exit_code, run.stderr) == (
        5, "Error: " + NEEDS.format(option="--received-at", at=received))
    # the refusals are audited apart; no complaint and no change event was written
    with clerk.database.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM complaint")).scalar() == before[0]
        assert conn.execute(text(
            "SELECT COUNT(*) FROM event WHERE action = 'register'")).scalar() == 0


def test_just_inside_the_window_needs_no_reason_and_is_not_marked(clerk):
    inside = _ago(days=6, hours=23, minutes=58)  # two minutes inside the window
    run = clerk(*REGISTER, "--at", inside, "--received-at", inside, as_="clerk")
    assert run.exit_code == 0, run.stderr
    number = run.stdout.strip()
    assert number.startswith("CMP-")
    shown = _show(clerk, number)
    assert shown["registered_late"] is None
    assert all("late" not in e["details"] for e in shown["events"])
    assert "Registered late" not in clerk("show", number).stdout


def test_a_reason_for_a_time_that_is_not_late_is_refused(clerk):
    run = clerk(*REGISTER, "--late-reason", "just in case", as_="clerk")
    assert (run.exit_code, run.stderr) == (5, (
        "Error: --late-reason is only for a time more than 7 days before now "
        "(clock.late_window_days); this one is not late, so leave it out.\n"))
    assert _counts(clerk.database)[0] == 0


def test_a_late_registration_is_recorded_shown_and_marked_in_the_timeline(clerk):
    reason = "paper form found in the branch's drawer"
    run = clerk(*REGISTER, "--received-at", _ago(days=40), "--at", _ago(days=39),
                "--late-reason", reason, as_="clerk")
    assert run.exit_code == 0, run.stderr
    number = run.stdout.strip()
    with clerk.database.engine.connect() as conn:
        row = conn.execute(text("SELECT late_reason, late_recorded_at FROM complaint "
                                "WHERE number = :n"), {"n": number}).one()
        (details,) = conn.execute(text("SELECT details FROM event WHERE number = :n AND "
                                       "action = 'register'"), {"n": number}).one()
    assert row[0] == reason and row[1] is not None
    assert json.loads(details)["late"] == {"reason": reason, "window_days": 7, "days_back": 40}
    shown = _show(clerk, number)
    today = datetime.now(UTC).astimezone(SHANGHAI).date()
    assert shown["registered_late"]["reason"] == reason
    assert shown["registered_late"]["recorded_at"][:10] == today.isoformat()
    (register,) = shown["events"]
    assert register["details"]["late"]["reason"] == reason
    table = clerk("show", number).stdout
    line = next(li for li in table.splitlines() if li.startswith("Registered late"))
    assert line.split(None, 2)[2].strip() == (
        f"{reason} (recorded {today.day} {today:%b} {today.year})")
    assert "Late, recorded 40 days after: paper form" in table
    with clerk.database.session() as session:
        assert audit.verify(session).ok  # the new columns are in the complaint's state


def test_a_late_step_needs_a_reason_and_its_event_is_marked(clerk):
    number = clerk(*REGISTER, "--at", _ago(days=20), "--late-reason", "from the notebook",
                   as_="clerk").stdout.strip()
    at = _ago(days=19)
    run = clerk("note", number, "called back", "--at", at, as_="sup")
    assert (run.exit_code, run.stderr) == (5, "Error: " + NEEDS.format(option="--at", at=at))
    assert clerk("note", number, "called back", "--at", at, "--late-reason",
                 "typed up late", as_="sup").exit_code == 0
    assert clerk("assign", number, "--to", "h1", as_="sup").exit_code == 0  # now: on time
    events = _show(clerk, number)["events"]
    assert [(e["action"], (e["details"].get("late") or {}).get("reason")) for e in events] == [
        ("register", "from the notebook"), ("note", "typed up late"), ("assign", None)]
    assert events[1]["details"]["late"]["days_back"] == 19
    # a late step does not make the registration late: only register sets the column
    assert _show(clerk, number)["registered_late"]["reason"] == "from the notebook"


def test_the_mailbox_and_platform_receipt_is_a_record_not_a_clerks_word(clerk):
    new = NewComplaint(channel=Channel.email, customer="Wang", summary="late mail",
                       branch="BJ01", received_at=datetime.now(UTC) - timedelta(days=30),
                       receipt_on_record=True)
    with clerk.database.session(write=True) as session:
        complaint = svc.register(session=session, actor=actor("clerk"), new=new)
    assert complaint.late_reason is None and complaint.late_recorded_at is None


# --- the setting -----------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["0", "abc", "1.5", "7 days", "36501"])
def test_the_window_must_be_a_positive_integer(clerk, value):
    run = clerk("config", "set", "clock.late_window_days", value)
    assert run.exit_code == 5
    assert run.stderr.startswith(f"Error: '{value}' is not a valid value for "
                                 "clock.late_window_days: ")
    rows = {r["key"]: r for r in json.loads(clerk("config", "show", "--format", "json").stdout)}
    assert str(rows["clock.late_window_days"]["value"]) == "7"


def test_a_negative_window_is_refused_as_every_invalid_one():
    from complaintctl.services.core import config

    key = config.all_keys()["clock.late_window_days"]
    assert (key.default, config.parse(key, "1"), config.parse(key, "36500")) == ("7", 1, 36500)
    for value in ("-3", "0", "2.0", ""):
        with pytest.raises(InvalidData, match="is not a valid value for clock.late_window_days"):
            config.parse(key, value)


def test_a_wider_window_lets_an_older_time_through(clerk):
    assert clerk("config", "set", "clock.late_window_days", "30").exit_code == 0
    run = clerk(*REGISTER, "--at", _ago(days=29), as_="clerk")
    assert run.exit_code == 0, run.stderr
    at = _ago(days=31)
    run = clerk(*REGISTER, "--at", at, as_="clerk")
    assert run.stderr == "Error: " + NEEDS.format(option="--at", at=at).replace(
        "7 days", "30 days")


# --- reports and purge -----------------------------------------------------------------------

def test_the_summary_counts_the_complaints_registered_late(clerk):
    late_ones = [clerk(*REGISTER, "--at", _ago(days=10 + i), "--late-reason", f"late {i}",
                       as_="clerk").stdout.strip() for i in range(3)]
    on_time = [clerk(*REGISTER, as_="clerk").stdout.strip() for _ in range(2)]
    report = json.loads(clerk("report", "summary", "--period", "all", "--format",
                              "json").stdout)
    counted = sum(1 for n in late_ones + on_time if _show(clerk, n)["registered_late"])
    assert report["totals"]["registered_late"] == counted == 3
    assert report["totals"]["received"] == 5
    by = json.loads(clerk("report", "summary", "--period", "all", "--by", "channel",
                          "--format", "json").stdout)
    assert [(r["channel"], r["registered_late"]) for r in by["rows"]] == [("phone", 3)]
    assert "Registered late" in clerk("report", "summary", "--period", "all").stdout


def _closed(database, reason: str | None) -> str:
    """A complaint resolved and closed four years ago, outside the retention floor (CBIRC Art
    28: purge erases nothing closed within three years); registered four years ago, or with
    ``reason`` six years ago, which the test's window of 2,000 days makes late."""
    back = datetime.now(UTC) - timedelta(days=4 * 366)

    def do(use_case, who, minutes, **kwargs):
        with database.session(write=True) as session:
            return use_case(session=session, actor=actor(who),
                            at=back + timedelta(minutes=minutes), **kwargs)

    new = NewComplaint(channel=Channel.phone, customer="欧阳迟到", summary="年费",
                       branch="BJ01", phone="13911112222")
    with database.session(write=True) as session:
        lateness.allow(session, reason)
        number = svc.register(session=session, actor=actor("clerk"), new=new, at=(
            back - timedelta(days=2 * 366) if reason else back)).number
    do(handling.assign, "sup", 1, number=number, to="h1")
    do(handling.investigate, "h1", 2, number=number)
    do(decisions.resolve, "h1", 3, number=number, outcome=Outcome.upheld, findings="属实",
       reasons="重复扣费", basis="章程第12条", remedies=[RemedyInput.parse("apology")],
       notified_via=ContactVia.phone, proof="CALL-1")
    do(decisions.close, "h1", 4, number=number, satisfaction=4)
    return number


def test_purge_keeps_the_complaints_registered_late_and_says_why(clerk):
    db = clerk.database
    assert clerk("config", "set", "clock.late_window_days", "2000", as_="admin").exit_code == 0
    kept = _closed(db, "found in a closed branch's files")
    erased = _closed(db, None)
    floor = datetime.now(UTC) - timedelta(days=3 * 366)  # both ended before it
    cutoff = ("--closed-before", floor.isoformat())
    dry = json.loads(clerk("purge", *cutoff, "--dry-run", "--format", "json").stdout)
    assert (dry["numbers"], dry["late"]) == (
        [erased], [{"number": kept, "reason": "found in a closed branch's files"}])
    run = clerk("purge", *cutoff)
    assert run.exit_code == 0, run.stderr
    assert run.stderr.splitlines()[-1] == (
        f"Kept {kept}: it was registered late (found in a closed branch's files); purge keeps "
        "the record of a late registration.")
    shown = json.loads(clerk("show", kept, "--unmask", "--format", "json").stdout)
    assert shown["customer"]["name"] == "欧阳迟到" and shown["registered_late"]
    gone = json.loads(clerk("show", erased, "--unmask", "--format", "json").stdout)
    assert gone["customer"]["name"] is None
    with db.session() as session:
        (event,) = [e for e in audit.log(session) if e.action == "purge"]
        details = json.loads(event.details)
        assert (details["numbers"], details["late"]) == ([erased], dry["late"])
        result = retention.purge(session=session, actor=actor("admin"),
                                 closed_before=floor)
        assert (result.purged, [k["number"] for k in result.late]) == ([], [kept])
        session.commit()
