"""Plan versions, detection, incidents, the checklist and the incident report, on a real
database."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select
from tests.conftest import actor

from complaintctl.domain import plan as rules
from complaintctl.domain.enums import Channel
from complaintctl.domain.incident_report import ELEMENTS
from complaintctl.errors import InvalidData, PermissionDenied, TransitionNotAllowed, UsageProblem
from complaintctl.store.models import ChecklistItem, Event, Incident, IncidentAction, PlanVersion
from complaintctl.services.audit import trail as audit
from complaintctl.services.emergency import (
    detection,
    incidents as emergency,
    incident_report,
    plans,
)
from complaintctl.services.complaints.registration import NewComplaint, register

T0 = (datetime.now(timezone.utc) - timedelta(days=3)).replace(microsecond=0)


def reg(session, n: int = 1, *, at=T0, who="clerk", **kw) -> list[str]:
    out = []
    for i in range(n):
        new = NewComplaint(channel=kw.pop("channel", Channel.phone), customer=f"客户{i}",
                           summary=kw.get("summary", "转账失败"), product=kw.get("product", "card"),
                           issue=kw.get("issue"), branch="BJ01",
                           group_size=kw.get("group_size", 1), tags=list(kw.get("tags", [])),
                           amount=kw.get("amount"), received_at=at + timedelta(seconds=i),
                           representatives=kw.get("representatives", [
                               {"name": f"代表{i}", "phone": "13800138000"}]))
        out.append(register(session=session, actor=actor(who), new=new,
                            at=at + timedelta(seconds=i)).number)
    return out


def detect(session, at):
    return detection.detect(session=session, actor=actor("sup"), as_of=at)


def incidents(session) -> list[Incident]:
    return list(session.exec(select(Incident).order_by(Incident.id)).all())


def em_numbers(session, incident) -> list[str]:
    """The numbers of the complaints linked to ``incident``."""
    from complaintctl.store.models import Complaint, IncidentComplaint

    return list(session.exec(select(Complaint.number).join(
        IncidentComplaint, IncidentComplaint.complaint_id == Complaint.id).where(
        IncidentComplaint.incident_id == incident.id)))


def open_items(session, incident_id):
    return [i for i in session.exec(select(ChecklistItem).where(
        ChecklistItem.incident_id == incident_id).order_by(ChecklistItem.seq))
        if i.cancelled_at is None and i.done_at is None]


# --- the plan ---------------------------------------------------------------------------------


def test_a_new_database_starts_with_the_default_plan_stored_on_first_use(seeded):
    with seeded.session() as s:
        assert s.exec(select(PlanVersion)).all() == []
        shown = plans.show_plan(session=s, actor=actor("clerk"))
    assert shown["version"] == 1 and shown["source"] == "default"
    assert shown["text"] == rules.default_text()
    assert shown["digest"] == rules.default_plan().digest()
    with seeded.session() as s:
        assert [v.id for v in s.exec(select(PlanVersion))] == [1]
        assert [e.action for e in s.exec(select(Event).where(Event.action == "plan load"))] == [
            "plan load"]


def test_loading_a_plan_stores_a_version_and_an_incident_keeps_the_one_it_ran_under(seeded):
    with seeded.session(write=True) as s:
        first = emergency.declare(session=s, actor=actor("sup"), level=4, title="first")
        text = rules.default_text().replace('key = "supervisor_assigned"\naction = "Supervisor '
                                          'assigned"\nowner = "commander"\nwithin = "2h"',
                                          'key = "supervisor_assigned"\naction = "Supervisor '
                                          'assigned"\nowner = "commander"\nwithin = "30m"')
        version, stored = plans.load_plan(session=s, actor=actor("admin"), text=text,
                                              source="plan.toml")
        assert stored and version.id == 2
        again, stored_again = plans.load_plan(session=s, actor=actor("admin"), text=text,
                                                  source="plan.toml")
        assert (again.id, stored_again) == (2, False)
        second = emergency.declare(session=s, actor=actor("sup"), level=4, title="second")
        history = plans.plan_history(session=s, actor=actor("aud"))
    assert (first.plan_version_id, second.plan_version_id) == (1, 2)
    assert [(h["version"], h["incidents"]) for h in history] == [(1, 1), (2, 1)]
    with seeded.session() as s:
        items = {i.incident_id: i for i in s.exec(select(ChecklistItem).where(
            ChecklistItem.key == "supervisor_assigned"))}
    assert items[first.id].due_at - items[first.id].planned_at == timedelta(hours=2)
    assert items[second.id].due_at - items[second.id].planned_at == timedelta(minutes=30)


def test_only_an_admin_loads_a_plan_and_a_bad_plan_changes_nothing(seeded):
    with seeded.session(write=True) as s:
        with pytest.raises(PermissionDenied):
            plans.load_plan(session=s, actor=actor("sup"), text=rules.default_text(),
                                source="x")
        with pytest.raises(rules.PlanError):
            plans.load_plan(session=s, actor=actor("admin"), text="levels = 1", source="x")
        assert s.exec(select(PlanVersion)).all() == []


# --- detection ---------------------------------------------------------------------------------


def test_the_fifth_registration_opens_one_incident_and_detect_opens_no_duplicate(seeded):
    # detection runs in each registration's transaction (CBIRC Art 29, issue 24)
    with seeded.session(write=True) as s:
        numbers = reg(s, 4)
        assert incidents(s) == []
        numbers += reg(s, 1, at=T0 + timedelta(seconds=4))
        [incident] = incidents(s)
        assert (incident.level, incident.trigger, incident.declared_at) == (
            4, "same_cluster", T0 + timedelta(seconds=4))
        assert sorted(em_numbers(s, incident)) == numbers
        at = T0 + timedelta(minutes=5)
        assert detect(s, at) == []
        assert detect(s, at + timedelta(minutes=30)) == []
        assert len(incidents(s)) == 1


def test_four_complaints_open_nothing(seeded):
    with seeded.session(write=True) as s:
        reg(s, 4)
        assert detect(s, T0 + timedelta(minutes=5)) == []
        assert incidents(s) == []


def test_new_complaints_join_the_open_incident_and_a_higher_trigger_escalates_it(seeded):
    with seeded.session(write=True) as s:
        reg(s, 5)
        [incident] = incidents(s)
        assert [i.key for i in open_items(s, incident.id)] == ["supervisor_assigned",
                                                              "daily_review"]
        more = reg(s, 2, at=T0 + timedelta(minutes=10))
        assert set(more) <= set(em_numbers(s, incident))  # joined at their registration
        assert detect(s, T0 + timedelta(minutes=15)) == []
        reg(s, 3, at=T0 + timedelta(minutes=20))
        t_escalate = T0 + timedelta(minutes=20, seconds=2)  # the tenth one's registration
        assert len(incidents(s)) == 1
        s.refresh(incident)
        assert incident.level == 3
        items = open_items(s, incident.id)
        assert [(i.key, i.level, i.planned_at, i.due_at - t_escalate) for i in items] == [
            ("branch_team", 3, t_escalate, timedelta(hours=4)),
            ("daily_report", 3, t_escalate, timedelta(hours=24))]
        cancelled = s.exec(select(ChecklistItem).where(
            ChecklistItem.incident_id == incident.id, ChecklistItem.cancelled_at != None)  # noqa
        ).all()
        assert sorted(i.key for i in cancelled) == ["daily_review", "supervisor_assigned"]
        assert detect(s, T0 + timedelta(minutes=25)) == []


def test_a_regulator_designated_complaint_opens_a_level_one_incident_per_complaint(seeded):
    with seeded.session(write=True) as s:
        [number] = reg(s, 1, tags=["regulator_designated"])
        [incident] = incidents(s)  # opened by the registration
        assert (incident.level, incident.trigger, incident.cluster_key) == (
            1, "tag:regulator_designated", f"complaint:{number}")
        assert detect(s, T0 + timedelta(minutes=1)) == []


def test_a_manual_deescalation_is_not_undone_by_the_same_trigger(seeded):
    with seeded.session(write=True) as s:
        reg(s, 10)
        [incident] = incidents(s)
        assert incident.level == 3
        emergency.change_level(session=s, actor=actor("sup"), incident_id=incident.id, level=4,
                               reason="calmer", escalate=False, at=T0 + timedelta(minutes=6))
        assert detect(s, T0 + timedelta(minutes=7)) == []
        s.refresh(incident)
        assert incident.level == 4


def test_complaints_of_a_closed_incident_do_not_open_a_new_one(seeded):
    with seeded.session(write=True) as s:
        reg(s, 5)
        [incident] = incidents(s)
        emergency.close(session=s, actor=actor("sup"), incident_id=incident.id, review="done",
                        at=T0 + timedelta(minutes=6))
        assert detect(s, T0 + timedelta(minutes=7)) == []
        reg(s, 1, at=T0 + timedelta(minutes=8))  # its registration opens a new one
        assert [i.id != incident.id for i in incidents(s)] == [False, True]
        assert detect(s, T0 + timedelta(minutes=9)) == []


# --- incidents by hand -------------------------------------------------------------------------


def test_declare_link_update_escalate_close_with_the_timeline_and_audit(seeded):
    with seeded.session(write=True) as s:
        # 15 each: below the plan's group trigger, so no incident opens at registration
        numbers = reg(s, 3, group_size=15, channel=Channel.counter)
        t = T0 + timedelta(minutes=1)
        inc = emergency.declare(session=s, actor=actor("sup"), level=3, title="网点群访",
                                numbers=numbers[:1], at=t)
        assert emergency.link(session=s, actor=actor("sup"), incident_id=inc.id,
                              numbers=numbers[1:], at=t) == numbers[1:]
        with pytest.raises(UsageProblem, match="already linked"):
            emergency.link(session=s, actor=actor("sup"), incident_id=inc.id, numbers=numbers,
                           at=t)
        emergency.update(session=s, actor=actor("h1"), incident_id=inc.id,
                         action="Branch head met the group", fields={"cause": "理财到期未兑付"},
                         at=t + timedelta(minutes=5))
        with pytest.raises(UsageProblem, match="more severe"):
            emergency.change_level(session=s, actor=actor("sup"), incident_id=inc.id, level=4,
                                   reason="x", escalate=True)
        emergency.change_level(session=s, actor=actor("sup"), incident_id=inc.id, level=2,
                               reason="25 people", escalate=True, at=t + timedelta(minutes=6))
        with pytest.raises(PermissionDenied):
            emergency.close(session=s, actor=actor("h1"), incident_id=inc.id, review="x")
        emergency.close(session=s, actor=actor("sup"), incident_id=inc.id, review="Calmed",
                        root_cause="Sales", at=t + timedelta(minutes=9),
                        rectifications=[emergency.Rectification("Retrain", "sup", None)])
        with pytest.raises(TransitionNotAllowed):
            emergency.update(session=s, actor=actor("sup"), incident_id=inc.id, action="late")
        data = emergency.show(session=s, actor=actor("aud"), incident_id=inc.id)
        assert audit.verify(s).ok
    assert [e["kind"] for e in data["timeline"] if e["kind"] != "notify"] == [
        "declare", "link", "link", "update", "action", "escalate", "close"]
    assert data["complaints"] == numbers and data["status"] == "closed"
    assert data["cause"] == "理财到期未兑付" and data["root_cause"] == "Sales"
    assert data["rectifications"] == [{"action": "Retrain", "owner": "sup", "due": None,
                                       "done_at": None}]
    # the level III items were superseded at the escalation; level II's were not due yet when
    # the incident closed, 3 minutes later
    assert [(i["level"], i["state"], i["result"]) for i in data["checklist"]] == [
        (3, "superseded", None)] * 2 + [(2, "open", "pending")] * 3


def test_a_refused_incident_action_changes_nothing_and_is_on_the_audit_trail(seeded):
    with seeded.session(write=True) as s:
        with pytest.raises(PermissionDenied):
            emergency.declare(session=s, actor=actor("clerk"), level=2, title="x")
        assert incidents(s) == []
        refusal = s.exec(select(Event).where(Event.kind == "refusal")).one()
    assert refusal.action == "incident declare" and refusal.actor == "clerk"


def test_drill_and_real_complaints_are_never_linked_together(seeded):
    from complaintctl.domain.drill import Scenario
    from complaintctl.services.emergency import drills

    with seeded.session(write=True) as s:
        real = reg(s, 1)
        run = drills.run(session=s, actor=actor("sup"), scenario=Scenario.media, level=4)
        inc = emergency.declare(session=s, actor=actor("sup"), level=4, title="real",
                                numbers=real)
        with pytest.raises(InvalidData, match="drill data"):
            emergency.link(session=s, actor=actor("sup"), incident_id=inc.id,
                           numbers=run["complaints"])


def test_done_marks_an_item_by_number_or_key_and_refuses_twice(seeded):
    with seeded.session(write=True) as s:
        inc = emergency.declare(session=s, actor=actor("sup"), level=2, title="x", at=T0)
        row = emergency.done(session=s, actor=actor("h1"), incident_id=inc.id, item="on_site",
                             at=T0 + timedelta(minutes=50))
        assert (row.seq, row.done_by) == (1, "h1")
        row2 = emergency.done(session=s, actor=actor("h1"), incident_id=inc.id, item="2",
                              at=T0 + timedelta(hours=3))
        with pytest.raises(UsageProblem, match="already done"):
            emergency.done(session=s, actor=actor("h1"), incident_id=inc.id, item="1")
        rows = emergency.checklist(session=s, actor=actor("clerk"), incident_id=inc.id,
                                   as_of=T0 + timedelta(hours=25))
    assert row2.key == "report_head_office"
    assert [(r["item"], r["state"], r["result"], r["minutes"]) for r in rows] == [
        (1, "done", "met", 50), (2, "done", "late", 180), (3, "overdue", "missed", None)]


# --- overdue checklist items ---------------------------------------------------------------------


def test_overdue_items_are_flagged_once_and_notified_to_the_responsible_people(seeded):
    from complaintctl.store.models import Notification

    with seeded.session(write=True) as s:
        inc = emergency.declare(session=s, actor=actor("sup"), level=2, title="x", at=T0)
        emergency.done(session=s, actor=actor("sup"), incident_id=inc.id, item="on_site",
                       at=T0 + timedelta(minutes=30))
        s.commit()
        flagged = emergency.flag_overdue_checklist(s, T0 + timedelta(hours=3))
        s.commit()
        assert [(i.key, i.person) for i in flagged] == [("report_head_office", "supervisor")]
        assert emergency.flag_overdue_checklist(s, T0 + timedelta(hours=3)) == []
        later = emergency.flag_overdue_checklist(s, T0 + timedelta(hours=25))
        s.commit()
        assert [i.key for i in later] == ["written_report"]
        notes = [json.loads(a.details)["to"] for a in s.exec(select(IncidentAction).where(
            IncidentAction.kind == "notify", IncidentAction.text.like("overdue%")).order_by(IncidentAction.id))]
        outbox = s.exec(select(Notification).order_by(Notification.id)).all()
    # report_head_office: the commander (role supervisor: sup, sup2); written_report: deputy
    assert notes == [["sup", "sup2"], ["h1", "h2", "h3"]]
    overdue = [(n.recipient, n.address, n.status) for n in outbox
               if n.event == "incident_overdue"]
    assert overdue == [("sup", "sup@bank.example", "pending"),
                       ("sup2", "sup2@bank.example", "pending"),
                       ("h1", "h1@bank.example", "pending"), ("h2", "h2@bank.example", "pending"),
                       ("h3", "h3@bank.example", "pending")]
    first = next(n for n in outbox if n.event == "incident_overdue")
    assert first.subject.startswith(f"[complaintctl] Incident {inc.id}: overdue: item 2 ")
    # the declaration told the level II team: commander (supervisors), deputy (handlers),
    # notification list (admins)
    assert sorted(n.recipient for n in outbox if n.event == "incident") == [
        "admin", "h1", "h2", "h3", "sup", "sup2"]


def test_sla_check_runs_detection_and_flags_overdue_items_once(seeded):
    from complaintctl.services.clock import sla

    with seeded.session(write=True) as s:
        numbers = reg(s, 5)
        [incident] = incidents(s)  # declared at the fifth registration, T0 + 4 s
        assert sorted(em_numbers(s, incident)) == numbers
        at = T0 + timedelta(hours=1)
        report = sla.check(session=s, actor=actor("admin"), as_of=at)
        part = report.hooks["emergency"]
        assert part["detected"] == [] and part["overdue_items"] == []
        later = sla.check(session=s, actor=actor("admin"), as_of=T0 + timedelta(hours=2, seconds=5))
        assert later.hooks["emergency"]["detected"] == []
        assert [(i["incident"], i["key"]) for i in later.hooks["emergency"]["overdue_items"]] == [
            (incident.id, "supervisor_assigned")]
        assert later.hooks["emergency"]["notifications"] == 2  # sup and sup2 (supervisors)
        again = sla.check(session=s, actor=actor("admin"), as_of=T0 + timedelta(hours=2, seconds=5))
        assert again.hooks["emergency"] == {"detected": [], "overdue_items": [],
                                            "notifications": 0}


def test_a_closed_incident_has_nothing_overdue(seeded):
    with seeded.session(write=True) as s:
        inc = emergency.declare(session=s, actor=actor("sup"), level=4, title="x", at=T0)
        emergency.close(session=s, actor=actor("sup"), incident_id=inc.id, review="ok",
                        at=T0 + timedelta(minutes=1))
        assert emergency.flag_overdue_checklist(s, T0 + timedelta(days=2)) == []


# --- the incident report --------------------------------------------------------------------------


def test_the_report_names_every_required_element_and_each_missing_one(seeded):
    with seeded.session(write=True) as s:
        numbers = reg(s, 2, amount="1200.50", group_size=3, channel=Channel.counter)
        inc = emergency.declare(session=s, actor=actor("sup"), level=3, title="x",
                                numbers=numbers, at=T0 + timedelta(minutes=1))
        bare = incident_report.report(session=s, actor=actor("aud"), incident_id=inc.id)
        assert set(bare["elements"]) == set(ELEMENTS)
        assert bare["missing"] == ["cause", "nature", "harm_scope", "customer_reaction", "trend",
                                   "measures_taken", "report_times.first"]
        assert bare["elements"]["amount"] == "2401.00"
        assert bare["elements"]["people"] == 6
        assert bare["elements"]["place"] == "BJ01"
        assert bare["elements"]["reporter"] == "王芳 (sup)"
        assert bare["elements"]["organisation"] == "The bank"
        emergency.update(session=s, actor=actor("sup"), incident_id=inc.id,
                         action="Called every complainant", at=T0 + timedelta(minutes=2),
                         fields={"cause": "c", "nature": "n", "harm": "h",
                                 "customer_reaction": "r", "trend": "t"})
        first = incident_report.report(session=s, actor=actor("sup"), incident_id=inc.id,
                                       issue="first", at=T0 + timedelta(minutes=3))
        assert first["missing"] == []
        assert first["elements"]["report_times"]["first"] is not None
        emergency.close(session=s, actor=actor("sup"), incident_id=inc.id, review="ok",
                        at=T0 + timedelta(minutes=4))
        closed = incident_report.report(session=s, actor=actor("aud"), incident_id=inc.id)
        assert closed["missing"] == ["report_times.final"]
        with pytest.raises(UsageProblem, match="already issued"):
            incident_report.report(session=s, actor=actor("sup"), incident_id=inc.id,
                                   issue="first")


def test_the_markdown_and_html_reports_name_every_element_and_mark_missing_ones(seeded):
    from complaintctl.present import incident_views

    with seeded.session(write=True) as s:
        inc = emergency.declare(session=s, actor=actor("sup"), level=2, title="<b>x</b> | y")
        data = incident_report.report(session=s, actor=actor("aud"), incident_id=inc.id)
    labels = incident_views.element_labels()
    md = incident_views.report_document(data, "md")
    page = incident_views.report_document(data, "html")
    for name in ELEMENTS:
        assert f"| {labels[name]} |" in md
        assert f"<th>{labels[name]}</th>" in page
    assert "| Cause | [MISSING: cause] |" in md
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x" not in page
    assert "\\| y" in md
