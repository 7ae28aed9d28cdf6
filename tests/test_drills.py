"""Drills: injected complaints, a simulated team, the scored report, and drill data kept out
of everything unless asked for."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select
from tests.conftest import actor

from complaintctl.domain import drill as rules
from complaintctl.domain.drill import Delays, Scenario
from complaintctl.domain.plan import PlanError, default_plan
from complaintctl.errors import InvalidData, PermissionDenied, TransitionNotAllowed
from complaintctl.store.models import Complaint, Incident
from complaintctl.services.emergency import detection, drills, incidents as emergency
from complaintctl.services.complaints import queries

NOW = datetime.now(timezone.utc).replace(microsecond=0)
START = NOW - timedelta(days=2)


def run(db, **kw):
    with db.session(write=True) as s:
        return drills.run(session=s, actor=actor(kw.pop("who", "sup")), **kw)


def report(db, drill_id):
    with db.session() as s:
        return drills.report(session=s, actor=actor("aud"), drill_id=drill_id)


def test_a_simulated_drill_is_scored_from_the_injected_delays(seeded):
    delays = Delays(detect=12, first_contact=30, contact_every=5,
                    items={"on_site": 45, "report_head_office": 150, "written_report": None})
    result = run(seeded, scenario=Scenario.group_visit, level=2, simulate=True, delays=delays,
                 at=START)
    r = report(seeded, result["drill"])
    assert r["incident"] == result["incident"] is not None
    assert r["detection_delay_minutes"] == 12
    assert r["first_contact_minutes"] == 12 + 30
    assert [(i["key"], i["result"], i["minutes"], i["allowed_minutes"]) for i in r["items"]] == [
        ("on_site", "met", 45, 60), ("report_head_office", "late", 150, 120),
        ("written_report", "missed", None, 1440)]
    assert (r["complaints"], r["acknowledged_in_time"]) == (1, 1)
    # score: items 1 + 0.5 + 0, acknowledgement 1/1, detection 12 <= 15 min -> 1
    assert r["score"] == round(100 * (1 + 0.5 + 0 + 1 + 1) / 5)
    assert len(r["gaps"]) == 2 and "late" in r["gaps"][0] and "missed" in r["gaps"][1]


def test_acknowledgements_in_time_follow_the_contact_delays(seeded):
    delays = Delays(detect=20, first_contact=200, contact_every=10)
    result = run(seeded, scenario=Scenario.surge, level=3, count=12, simulate=True,
                 delays=delays, at=START)
    r = report(seeded, result["drill"])
    within = default_plan().levels[3].acknowledge_within
    with seeded.session() as s:
        received = [s.exec(select(Complaint).where(Complaint.number == n)).one().received_at
                    for n in result["complaints"]]
    contacts = [START + timedelta(minutes=20 + 200 + 10 * i) for i in range(12)]
    expected = sum(1 for got, sent in zip(received, contacts, strict=True) if sent - got <= within)
    assert expected == 2  # 220 and 230 min; the third is 240 min + 9 s after receipt
    assert (r["complaints"], r["acknowledged_in_time"]) == (12, expected)
    assert r["detection_delay_minutes"] == 20 and r["first_contact_minutes"] == 220
    # detection took 20 min against 15 allowed (within twice: half a point); items done at
    # half their time (met); 2/12 acknowledged
    assert r["score"] == round(100 * (1 + 1 + 2 / 12 + 0.5) / 4)


def test_a_simulated_drill_without_at_ends_before_now_and_runs_at_once(seeded):
    result = run(seeded, scenario=Scenario.regulator, level=1, simulate=True)
    r = report(seeded, result["drill"])
    started = datetime.fromisoformat(r["started_at"])
    assert started < NOW and r["detection_delay_minutes"] == Delays().detect
    assert all(i["result"] == "met" for i in r["items"])
    assert r["score"] == 100


def test_a_simulated_drill_too_recent_to_finish_is_refused(seeded):
    with pytest.raises(InvalidData, match="must end by now"):
        run(seeded, scenario=Scenario.surge, level=4, simulate=True,
            at=datetime.now(timezone.utc) - timedelta(minutes=5))


def test_drill_complaints_carry_the_drill_tags_and_stay_out_of_list_unless_asked(seeded):
    from complaintctl.domain.enums import Channel
    from complaintctl.services.complaints.registration import NewComplaint, register

    with seeded.session(write=True) as s:
        real = register(session=s, actor=actor("clerk"),
                        new=NewComplaint(channel=Channel.phone, customer="真", summary="real"))
    result = run(seeded, scenario=Scenario.surge, level=4)
    with seeded.session() as s:
        def numbers(**kw):
            return [r["number"] for r in queries.list_complaints(
                session=s, actor=actor("sup"), filters=queries.Filters(**kw))]

        assert numbers() == [real.number]
        assert numbers(include_drills=True) == [real.number] + result["complaints"]
        assert numbers(tag=["drill"]) == result["complaints"]
        tags = queries.show(session=s, actor=actor("sup"), number=result["complaints"][0])["tags"]
    assert tags == ["drill", f"drill-{result['drill']}"]


def test_a_live_drill_is_detected_by_normal_detection_but_never_as_a_real_incident(seeded):
    result = run(seeded, scenario=Scenario.surge, level=3, at=START)
    at = START + timedelta(minutes=7)
    with seeded.session(write=True) as s:
        found = detection.detect(session=s, actor=actor("sup"), as_of=at)
        assert [(f["drill"], f["action"], f["level"]) for f in found] == [
            (result["drill"], "opened", 3)]
        assert detection.detect(session=s, actor=actor("sup"), as_of=at) == []
        assert emergency.list_incidents(session=s, actor=actor("sup")) == []
        [listed] = emergency.list_incidents(session=s, actor=actor("sup"), include_drills=True)
    assert listed["drill"] == result["drill"] and listed["complaints"] == result["complaints"]
    r = report(seeded, result["drill"])
    assert r["detection_delay_minutes"] == 7
    assert [i["result"] for i in r["items"]] == ["missed", "missed"]
    assert r["first_contact_minutes"] is None and r["acknowledged_in_time"] == 0


def test_overdue_items_of_a_simulated_drill_notify_nobody(seeded):
    delays = Delays(items={"supervisor_assigned": None, "daily_review": None})
    run(seeded, scenario=Scenario.surge, level=4, simulate=True, delays=delays, at=START)
    with seeded.session(write=True) as s:
        assert emergency.flag_overdue_checklist(s, NOW) == []


def test_closing_a_drill_records_lessons_and_closes_its_incident(seeded):
    result = run(seeded, scenario=Scenario.media, level=4, simulate=True, at=START)
    with seeded.session(write=True) as s:
        with pytest.raises(InvalidData, match="lessons"):
            drills.close(session=s, actor=actor("sup"), drill_id=result["drill"], lessons=" ")
        with pytest.raises(PermissionDenied):
            drills.close(session=s, actor=actor("h1"), drill_id=result["drill"], lessons="x")
        drills.close(session=s, actor=actor("sup"), drill_id=result["drill"],
                     lessons="Contact faster", revisions=["Name a deputy", " "])
        with pytest.raises(TransitionNotAllowed):
            drills.close(session=s, actor=actor("sup"), drill_id=result["drill"], lessons="x")
        incident = s.get(Incident, result["incident"])
        assert incident.status == "closed"
    r = report(seeded, result["drill"])
    assert (r["lessons"], r["revisions"]) == ("Contact faster", ["Name a deputy"])
    assert r["closed_at"] is not None


def test_the_next_drill_is_due_a_year_after_the_last(seeded):
    result = run(seeded, scenario=Scenario.surge, level=4, at=START)
    with seeded.session() as s:
        due = drills.next_drill_due(s)
        rows = drills.list_drills(session=s, actor=actor("clerk"))
    assert due["every_months"] == 12
    started = datetime.fromisoformat(due["last_drill"])
    assert datetime.fromisoformat(due["next_due"]).date() == started.date().replace(
        year=started.year + 1)
    assert [r["drill"] for r in rows] == [result["drill"]]


def test_drills_need_a_supervisor_or_admin(seeded):
    with pytest.raises(PermissionDenied):
        run(seeded, who="h1", scenario=Scenario.surge, level=4)


def test_delays_files_are_checked_with_line_numbers():
    text = 'detect = 5\nfirst_contact = -1\n[items]\non_site = "soon"\nwritten_report = "miss"\n'
    with pytest.raises(PlanError) as caught:
        rules.parse_delays(text, source="d.toml")
    assert [line for line, _m in caught.value.problems] == [2, 4]
    ok = rules.parse_delays('{"detect": 3, "items": {"x": "miss"}}')
    assert (ok.detect, ok.items) == (3, {"x": None})


def test_the_score_formula():
    assert rules.score(["met", "late", "missed", "pending"], 0.5, 1.0) == round(
        100 * (1 + 0.5 + 0 + 0.5 + 1) / 5)
    assert rules.detection_points(None, 15) == 0
    assert [rules.detection_points(m, 15) for m in (15, 16, 30, 31)] == [1, 0.5, 0.5, 0]


def test_monitor_shows_active_incidents_and_when_the_next_drill_is_due(seeded):
    from complaintctl.services.reporting import monitor

    with seeded.session() as s:
        assert monitor.snapshot(session=s, actor=actor("sup"))["next_drill_due"] is None
    result = run(seeded, scenario=Scenario.surge, level=4, simulate=True, at=START,
                 delays=Delays(items={"daily_review": None}))
    with seeded.session(write=True) as s:
        real = emergency.declare(session=s, actor=actor("sup"), level=2, title="群访",
                                 at=NOW - timedelta(hours=3))
    with seeded.session() as s:
        plain = monitor.snapshot(session=s, actor=actor("sup"))
        with_drills = monitor.snapshot(session=s, actor=actor("sup"), include_drills=True)
    assert [(i["id"], i["level"], i["overdue_items"]) for i in plain["incidents"]] == [
        (real.id, 2, 2)]  # on site (1 h) and report to head office (2 h) are past due
    assert [i["id"] for i in with_drills["incidents"]] == [result["incident"], real.id]
    assert plain["next_drill_due"] == (START.astimezone(timezone(timedelta(hours=8))).date()
                                       .replace(year=START.year + 1).isoformat())
