"""Drills: inject synthetic complaints through the real register service, let detection and
the checklist run (or a simulated team with configured delays), report, close.

Drill complaints carry the tags ``drill`` and ``drill-<id>``; they are left out of ``list``,
exports, reports and real detection unless asked for.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from complaintctl.domain import clock
from complaintctl.domain import drill as rules
from complaintctl.domain.drill import Delays, Scenario
from complaintctl.domain.enums import Channel, ContactVia, EventKind
from complaintctl.domain.permissions import Permission
from complaintctl.domain.plan import DRILL_TAG, Plan, minutes, roman, shipped_text
from complaintctl.errors import InvalidData, NotFound, TransitionNotAllowed
from complaintctl.i18n import _, machine_text
from complaintctl.store.models import (
    ChecklistItem,
    Complaint,
    ComplaintTag,
    Contact,
    Drill,
    Incident,
    PlanVersion,
)
from complaintctl.services.core import trail as audit
from complaintctl.services.complaints import handling
from complaintctl.services.emergency import plans
from complaintctl.services.complaints import registration as complaint_service
from complaintctl.services.emergency import incidents as em
from complaintctl.services.complaints.registration import NewComplaint
from complaintctl.services.core.context import Actor, now, refusals_recorded, timezone_of, use_case


def get_drill(session: Session, drill_id: int | str) -> Drill:
    text = str(drill_id).strip()
    drill = session.get(Drill, int(text)) if text.isdigit() else None
    if drill is None:
        raise NotFound(_("No drill {id}; see `complaintctl drill list`.").format(id=drill_id))
    return drill


def horizon(plan: Plan, level: int, delays: Delays, count: int) -> timedelta:
    """How long a simulated drill lasts after its start."""
    items = [rules.item_delay(delays, i.key, i.within) for i in plan.levels[level].timetable]
    last_item = max((d for d in items if d is not None), default=0)
    last_contact = delays.first_contact + max(count - 1, 0) * delays.contact_every
    return timedelta(minutes=delays.detect + max(last_item, last_contact) + 1)


def run(*, session: Session, actor: Actor, scenario: Scenario, level: int,
        count: int | None = None, simulate: bool = False, delays: Delays | None = None,
        at: datetime | None = None) -> dict[str, Any]:
    """Start a drill: inject complaints that fire ``level``; with ``simulate``, a team responds
    with ``delays`` at effective times in the past, so the whole drill runs at once."""
    with refusals_recorded(session, actor, "drill run"):
        actor.check(Permission.drill)
        actor.check(Permission.register)
    if count is not None and count < 1:
        raise InvalidData(_("--complaints must be 1 or more."))
    if delays is not None and not simulate:
        raise InvalidData(_("--delays needs --simulate."))
    current = now()
    plan = plans.parsed(plans.stored_plan(session))
    branch = actor.branch or plan.drill_branch
    start = at or current
    if simulate:
        delays = delays or Delays()
        probe = rules.synthesise(plan, scenario, level, start=start, branch=branch, count=count)
        length = horizon(plan, level, delays, len(probe))
        if at is None:
            start = (current - length).replace(second=0, microsecond=0)
        if start + length > current:
            raise InvalidData(_("A simulated drill lasts {n} minutes and must end by now; give "
                                "--at {n} minutes ago or earlier.").format(
                n=minutes(length)))
    clock.check_effective_time(start, now=current, previous=None, tz=timezone_of(session))
    synthetic = rules.synthesise(plan, scenario, level, start=start, branch=branch, count=count)
    with use_case(session, actor, "drill run"):
        version = plans.ensure_plan(session, actor.username, start)
        drill = Drill(scenario=scenario.value, level=level, plan_version_id=version.id,
                      started_at=start, started_by=actor.username, simulated=simulate,
                      delays=json.dumps(delays.to_dict()) if simulate else None,
                      complaints=len(synthetic))
        session.add(drill)
        session.flush()
        audit.record(session, kind=EventKind.change, action="drill run", actor=actor.username,
                     at=start, details={"drill": drill.id, "scenario": scenario.value,
                                        "level": level, "complaints": len(synthetic),
                                        "simulated": simulate})
    numbers = [_inject(session, actor, drill, s, scenario, level) for s in synthetic]
    incident_id = None
    if simulate:
        incident_id = _simulate(session, actor, drill, plan, delays, numbers)
    tz = timezone_of(session)
    return {"drill": drill.id, "scenario": drill.scenario, "level": level,
            "started_at": clock.iso(start, tz), "simulated": simulate, "complaints": numbers,
            "incident": incident_id}


def _inject(session: Session, actor: Actor, drill: Drill, s, scenario: Scenario,
            level: int) -> str:
    """Register one synthetic complaint of the drill through the real service; its number."""
    complaint = complaint_service.register(
        session=session, actor=actor, at=s.received_at,
        new=NewComplaint(
            channel=Channel(s.channel), customer=s.customer, summary=s.summary,
            product=s.product, issue=s.issue, branch=s.branch, group_size=s.group_size,
            amount=s.amount, tags=[DRILL_TAG, f"{DRILL_TAG}-{drill.id}", *s.tags],
            representatives=_representatives(s),
            # a referral carries the regulator's reference and deadline (CBIRC Art 33)
            source_ref=f"DRILL-{drill.id}" if s.channel == "regulator" else None,
            regulator_due=(s.received_at + timedelta(days=15)).date().isoformat()
            if s.channel == "regulator" else None,
            received_at=s.received_at,
            description=_("Drill {id} ({scenario}, level {level}): synthetic complaint.")
            .format(id=drill.id, scenario=scenario.value, level=roman(level)),
        ))
    return complaint.number


def _representatives(s) -> list[dict[str, str]]:
    """A synthetic group visit names its representative, as a real one must (CBIRC Art 12)."""
    return [{"name": s.customer, "phone": "13800000000"}] if s.group_size > 1 else []


def _simulate(session: Session, actor: Actor, drill: Drill, plan: Plan, delays: Delays,
              numbers: list[str]) -> int | None:
    from complaintctl.services.emergency import detection

    detected_at = drill.started_at + timedelta(minutes=delays.detect)
    detection.detect(session=session, actor=actor, as_of=detected_at, drill_id=drill.id)
    incident = drill_incident(session, drill.id)
    steps: list[tuple[datetime, int, Any]] = []
    first = detected_at + timedelta(minutes=delays.first_contact)
    for i, number in enumerate(numbers):
        steps.append((first + timedelta(minutes=i * delays.contact_every), 0, number))
    if incident is not None:
        for item in session.exec(select(ChecklistItem).where(
                ChecklistItem.incident_id == incident.id, col(ChecklistItem.done_at).is_(None),
                col(ChecklistItem.cancelled_at).is_(None))):
            delay = rules.item_delay(delays, item.key, item.due_at - item.planned_at)
            if delay is not None:
                steps.append((item.planned_at + timedelta(minutes=delay), 1, item.seq))
    for at, kind, what in sorted(steps, key=lambda s: (s[0], s[1], str(s[2]))):
        if kind == 0:
            handling.contact(
                session=session, actor=actor, number=what, via=ContactVia.phone, at=at,
                summary=_("[drill] Simulated call: complaint received, process explained."))
        else:
            em.done(session=session, actor=actor, incident_id=incident.id, item=str(what),
                    note=_("simulated"), at=at)
    return incident.id if incident is not None else None


def drill_incident(session: Session, drill_id: int) -> Incident | None:
    return session.exec(select(Incident).where(Incident.drill_id == drill_id)
                        .order_by(col(Incident.id))).first()


def drill_complaints(session: Session, drill_id: int) -> list[Complaint]:
    return list(session.exec(
        select(Complaint).join(ComplaintTag, ComplaintTag.complaint_id == Complaint.id)
        .where(ComplaintTag.tag == f"{DRILL_TAG}-{drill_id}").order_by(col(Complaint.id))).all())


def report(*, session: Session, actor: Actor, drill_id: int | str,
           machine: bool = False) -> dict[str, Any]:
    """Each timetable item met / late / missed with minutes, detection delay, time to first
    customer contact, complaints acknowledged in time, gaps and the score. ``machine``
    (JSON): the gaps are worded in English whatever the interface language."""
    actor.check(Permission.read)
    drill = get_drill(session, drill_id)
    with machine_text(machine):
        return _report(session, actor, drill)


def _report(session: Session, actor: Actor, drill) -> dict[str, Any]:
    tz = timezone_of(session)
    plan = plans.parsed(session.get(PlanVersion, drill.plan_version_id))
    level = plan.levels[drill.level]
    as_of = drill.closed_at or now()
    incident = drill_incident(session, drill.id)
    complaints = drill_complaints(session, drill.id)
    ids = [c.id for c in complaints]
    first_contact = session.exec(
        select(Contact.at).where(col(Contact.complaint_id).in_(ids), Contact.direction == "out")
        .order_by(col(Contact.at))).first() if ids else None
    acknowledged = [c for c in complaints if c.acknowledged_at is not None
                    and c.acknowledged_at <= c.received_at + level.acknowledge_within]
    items = []
    if incident is not None:
        items = [i for i in em.checklist(session=session, actor=actor, incident_id=incident.id,
                                         as_of=as_of) if i["state"] != "superseded"]
    delay = _minutes(incident.declared_at - drill.started_at) if incident else None
    share = len(acknowledged) / len(complaints) if complaints else 0.0
    detect_points = rules.detection_points(delay, minutes(plan.detect_within))
    gaps = []
    if incident is None:
        gaps.append(_("Nothing was detected: no incident was opened for the drill."))
    elif delay > minutes(plan.detect_within):
        gaps.append(_("Detection took {n} min (plan: {m} min).").format(
            n=delay, m=minutes(plan.detect_within)))
    for i in items:
        if i["result"] == "late":
            gaps.append(_("Item {n} '{action}' was late: {minutes} min of {allowed}.").format(
                n=i["item"], action=shipped_text(i["action"]), minutes=i["minutes"],
                allowed=i["allowed_minutes"]))
        elif i["result"] == "missed":
            gaps.append(_("Item {n} '{action}' was missed (due {due}).").format(
                n=i["item"], action=shipped_text(i["action"]), due=i["due"]))
    if len(acknowledged) < len(complaints):
        gaps.append(_("{n} of {total} complaints were not acknowledged within {m} min.").format(
            n=len(complaints) - len(acknowledged), total=len(complaints),
            m=minutes(level.acknowledge_within)))
    return {
        "drill": drill.id, "scenario": drill.scenario, "level": drill.level,
        "level_name": roman(drill.level), "simulated": drill.simulated,
        "delays": json.loads(drill.delays) if drill.delays else None,
        "started_at": clock.iso(drill.started_at, tz), "started_by": drill.started_by,
        "closed_at": clock.iso(drill.closed_at, tz), "plan_version": drill.plan_version_id,
        "incident": incident.id if incident else None,
        "detected_at": clock.iso(incident.declared_at, tz) if incident else None,
        "detection_delay_minutes": delay,
        "first_contact_minutes": _minutes(first_contact - drill.started_at)
        if first_contact else None,
        "complaints": len(complaints),
        "acknowledge_within_minutes": minutes(level.acknowledge_within),
        "acknowledged_in_time": len(acknowledged),
        "items": [{k: i[k] for k in ("item", "key", "action", "person", "due", "done_at",
                                     "result", "minutes", "allowed_minutes")} for i in items],
        "score": rules.score([i["result"] for i in items], share, detect_points),
        "gaps": gaps, "lessons": drill.lessons,
        "revisions": json.loads(drill.revisions) if drill.revisions else [],
    }


def _minutes(delta: timedelta) -> int:
    return round(delta.total_seconds() / 60)


def close(*, session: Session, actor: Actor, drill_id: int | str, lessons: str,
          revisions: list[str] = (), at: datetime | None = None) -> Drill:
    """Close a drill with its lessons and proposed plan revisions; its incident closes too."""
    with use_case(session, actor, "drill close"):
        actor.check(Permission.drill)
        drill = get_drill(session, drill_id)
        if drill.closed_at is not None:
            raise TransitionNotAllowed(_("Drill {id} is already closed.").format(id=drill.id))
        lessons = (lessons or "").strip()
        if not lessons:
            raise InvalidData(_("The lessons (--lessons) are required: what the drill showed."))
        current = now()
        at = at or current
        clock.check_effective_time(at, now=current, previous=drill.started_at,
                                   tz=timezone_of(session))
        for incident in session.exec(select(Incident).where(Incident.drill_id == drill.id,
                                                            Incident.status == em.ACTIVE)):
            at = max(at, incident.last_action_at)
            incident.status, incident.closed_at, incident.closed_by = em.CLOSED, at, actor.username
            incident.review = _("Drill closed: {lessons}").format(lessons=lessons)
            em.record_action(session, incident, by=actor.username, at=at, kind="close",
                    text=incident.review, details={"drill": drill.id})
        drill.closed_at, drill.closed_by, drill.lessons = at, actor.username, lessons
        drill.revisions = json.dumps([r.strip() for r in revisions if r.strip()],
                                     ensure_ascii=False)
        session.add(drill)
        audit.record(session, kind=EventKind.change, action="drill close", actor=actor.username,
                     at=at, details={"drill": drill.id, "lessons": lessons,
                                     "revisions": json.loads(drill.revisions)})
    return drill


def list_drills(*, session: Session, actor: Actor) -> list[dict[str, Any]]:
    actor.check(Permission.read)
    rows = []
    for drill in session.exec(select(Drill).order_by(col(Drill.id))):
        r = report(session=session, actor=actor, drill_id=drill.id)
        rows.append({k: r[k] for k in ("drill", "scenario", "level", "simulated", "started_at",
                                       "closed_at", "complaints", "incident",
                                       "detection_delay_minutes", "score")})
    return rows


def next_drill_due(session: Session) -> dict[str, Any]:
    """When the next drill is due: the last drill's start (or, with none yet, when the plan
    was first stored) plus the plan's ``drills.every_months``. For ``monitor``."""
    from dateutil.relativedelta import relativedelta

    version = plans.stored_plan(session)
    plan = plans.parsed(version)
    last = session.exec(select(Drill.started_at).order_by(col(Drill.started_at).desc())).first()
    first_plan = session.exec(select(PlanVersion.loaded_at).order_by(col(PlanVersion.id))).first()
    base = last or first_plan
    tz = timezone_of(session)
    due = base + relativedelta(months=plan.drill_every_months) if base else None
    return {"last_drill": clock.iso(last, tz), "every_months": plan.drill_every_months,
            "next_due": clock.iso(due, tz), "overdue": bool(due and due < now())}
