"""The emergency plan's incidents: declare, link, update, escalate, de-escalate and close;
the level's timetable as a checklist; overdue items.

Plan versions live in ``services.plans``, detection in ``services.detection``, drills in
``services.drills``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from complaintctl.domain import clock, money
from complaintctl.domain import emergency as rules
from complaintctl.domain.enums import EventKind
from complaintctl.domain.permissions import Permission
from complaintctl.domain.plan import DRILL_TAG, Plan, roman, shipped_text
from complaintctl.errors import InvalidData, NotFound, UsageProblem
from complaintctl.i18n import _
from complaintctl.store.models import (
    ChecklistItem,
    Complaint,
    ComplaintTag,
    Incident,
    IncidentAction,
    IncidentComplaint,
    IncidentRectification,
    PlanVersion,
    Staff,
)
from complaintctl.services.core import trail as audit
from complaintctl.services.core.kernel import normalise_number
from complaintctl.services.core.context import Actor, now, timezone_of, use_case
from complaintctl.services.emergency.plans import ensure_plan, parsed

ACTIVE, CLOSED = "active", "closed"
#: the incident fields a responder may set with ``incident update``
DESCRIBED = ("place", "cause", "nature", "harm", "customer_reaction", "trend",
             "planned_measures", "reporter")


# --- incidents: helpers -------------------------------------------------------------------------


def get_incident(session: Session, incident_id: int | str) -> Incident:
    text = str(incident_id).strip().upper().removeprefix("INC-")
    incident = session.get(Incident, int(text)) if text.isdigit() else None
    if incident is None:
        raise NotFound(_("No incident {id}; see `complaintctl incident list`.").format(
            id=incident_id))
    return incident


def effective_time(session: Session, incident: Incident | None,
                   at: datetime | None) -> datetime:
    current = now()
    at = at or current
    clock.check_effective_time(at, now=current,
                               previous=incident.last_action_at if incident else None,
                               tz=timezone_of(session))
    return at


def _active(incident: Incident) -> None:
    if incident.status != ACTIVE:
        from complaintctl.errors import TransitionNotAllowed

        raise TransitionNotAllowed(_("Incident {id} is closed; nothing can change it now.")
                                   .format(id=incident.id))


def record_action(session: Session, incident: Incident, *, by: str, at: datetime, kind: str,
                  text: str, details: dict[str, Any] | None = None) -> IncidentAction:
    """One entry on the incident's timeline and the matching audit event."""
    entry = IncidentAction(incident_id=incident.id, at=at, recorded_at=now(), by=by, kind=kind,
                           text=text, details=json.dumps(details or {}, ensure_ascii=False,
                                                         default=str))
    session.add(entry)
    incident.last_action_at = max(incident.last_action_at, at)
    session.add(incident)
    audit.record(session, kind=EventKind.change, action=f"incident {kind}", actor=by, at=at,
                 details=dict(details or {}, incident=incident.id, text=text))
    return entry


def plan_of(session: Session, incident: Incident) -> Plan:
    return parsed(session.get(PlanVersion, incident.plan_version_id))


def _replan(session: Session, incident: Incident, plan: Plan, at: datetime) -> list[ChecklistItem]:
    """Cancel the open items and plan the current level's timetable from ``at``."""
    items = session.exec(select(ChecklistItem).where(ChecklistItem.incident_id == incident.id)
                         ).all()
    for item in items:
        if item.done_at is None and item.cancelled_at is None:
            item.cancelled_at = at
            session.add(item)
    seq = max((i.seq for i in items), default=0)
    new = []
    for planned in rules.checklist(plan.levels[incident.level], at):
        seq += 1
        new.append(ChecklistItem(
            incident_id=incident.id, seq=seq, key=planned.key, action=planned.action,
            owner=planned.owner, person=planned.person, level=incident.level, planned_at=at,
            due_at=planned.due_at,
        ))
    session.add_all(new)
    return new


def _complaints(session: Session, numbers: list[str], actor: Actor) -> list[Complaint]:
    from complaintctl.services.core.kernel import get

    out = []
    for number in dict.fromkeys(normalise_number(n) for n in numbers):
        complaint = get(session, number)
        actor.check(Permission.read, complaint=complaint)
        out.append(complaint)
    return out


def drill_ids(session: Session, complaint_ids: list[int]) -> dict[int, int]:
    """complaint id -> drill id, for drill complaints (tagged ``drill-<id>``)."""
    out: dict[int, int] = {}
    if complaint_ids:
        for cid, tag in session.exec(
            select(ComplaintTag.complaint_id, ComplaintTag.tag).where(
                col(ComplaintTag.complaint_id).in_(complaint_ids),
                col(ComplaintTag.tag).like(f"{DRILL_TAG}-%"))
        ):
            suffix = tag[len(DRILL_TAG) + 1:]
            if suffix.isdigit():
                out[cid] = int(suffix)
    return out


def link_complaints(session: Session, incident: Incident, complaints: list[Complaint], *,
                    by: str, at: datetime, via: str) -> list[str]:
    """Link complaints not yet linked to this incident; refuse ones in another active
    incident, and mixing drill and real data. Returns the numbers linked."""
    if not complaints:
        return []
    ids = [c.id for c in complaints]
    drills = drill_ids(session, ids)
    existing = {cid: iid for cid, iid in session.exec(
        select(IncidentComplaint.complaint_id, IncidentComplaint.incident_id)
        .join(Incident, Incident.id == IncidentComplaint.incident_id)
        .where(col(IncidentComplaint.complaint_id).in_(ids), Incident.status == ACTIVE))}
    linked = []
    for c in complaints:
        if drills.get(c.id) != incident.drill_id:
            raise InvalidData(
                _("{number} is drill data and incident {id} is not its drill's (or the other "
                  "way round); drill and real complaints are never mixed.").format(
                    number=c.number, id=incident.id))
        other = existing.get(c.id)
        if other == incident.id:
            continue
        if other is not None:
            raise UsageProblem(_("{number} already belongs to active incident {other}.").format(
                number=c.number, other=other))
        session.add(IncidentComplaint(incident_id=incident.id, complaint_id=c.id, linked_at=at,
                                      linked_by=by, via=via))
        linked.append(c.number)
    if linked:
        record_action(session, incident, by=by, at=at, kind="link",
             text=_("Linked {numbers}").format(numbers=", ".join(linked)),
             details={"complaints": linked, "via": via})
    return linked


def open_incident(session: Session, *, by: str, at: datetime, level: int, title: str,
                  trigger: str, cluster: str | None = None, drill_id: int | None = None,
                  complaints: list[Complaint] = (), via: str = "manual",
                  detected: bool = False) -> Incident:
    """Declare an incident in the caller's transaction: plan its checklist, link complaints."""
    version = ensure_plan(session, by, at)
    plan = parsed(version)
    incident = Incident(status=ACTIVE, level=level, detected_level=level if detected else None,
                        title=title[:300], trigger=trigger[:64], cluster_key=cluster,
                        plan_version_id=version.id, drill_id=drill_id, declared_at=at,
                        declared_by=by, last_action_at=at)
    session.add(incident)
    session.flush()
    items = _replan(session, incident, plan, at)
    record_action(session, incident, by=by, at=at, kind="declare",
         text=_("Declared level {level}: {title}").format(level=roman(level), title=title),
         details={"level": level, "trigger": trigger, "cluster": cluster, "drill": drill_id,
                  "plan_version": version.id, "checklist": [i.key for i in items]})
    link_complaints(session, incident, list(complaints), by=by, at=at, via=via)
    notify_team(session, incident, plan, at,
                _("declared at level {level}: {title}").format(level=roman(level), title=title))
    return incident


def set_level(session: Session, incident: Incident, level: int, *, by: str, at: datetime,
              reason: str, kind: str) -> list[ChecklistItem]:
    """Change the level and re-plan the checklist from ``at`` (caller's transaction)."""
    old = incident.level
    incident.level = level
    plan = plan_of(session, incident)
    items = _replan(session, incident, plan, at)
    record_action(session, incident, by=by, at=at, kind=kind,
         text=_("Level {old} -> {new}: {reason}").format(old=roman(old), new=roman(level),
                                                        reason=reason),
         details={"level": [old, level], "reason": reason, "checklist": [i.key for i in items]})
    notify_team(session, incident, plan, at,
                _("now level {level}: {reason}").format(level=roman(level), reason=reason))
    return items


# --- notifications ------------------------------------------------------------------------------


def people(session: Session, spec: str) -> list[Staff]:
    """A plan's person: a staff user name, or a role meaning every active member with it."""
    one = session.exec(select(Staff).where(Staff.username == spec, Staff.active == True)  # noqa: E712
                       ).first()
    if one is not None:
        return [one]
    return list(session.exec(select(Staff).where(Staff.role == spec, Staff.active == True)  # noqa: E712
                             .order_by(Staff.username)).all())


def notify_team(session: Session, incident: Incident, plan: Plan, at: datetime,
                subject: str) -> list[str]:
    """Queue a message to the level's commander, deputy and notification list."""
    level = plan.levels[incident.level]
    users: list[str] = []
    for spec in (level.commander, level.deputy, *level.notify):
        users.extend(s.username for s in people(session, spec))
    return queue(session, list(dict.fromkeys(users)), subject, incident, at)


def queue(session: Session, usernames: list[str], subject: str, incident: Incident,
          at: datetime, *, event: str = "incident") -> list[str]:
    """Queue ``subject`` for each user in the notification outbox (``services.notify``, sent
    by ``notify send``) and note on the incident's timeline who was told (kind ``notify``).
    Returns the users told."""
    from complaintctl.services.notify import outbox as notify

    if not usernames:
        return []
    recipients = notify.staff_named(session, *usernames)
    notify.queue(session, complaint=None, event=event, recipients=recipients,
                 what=_("Incident {id}: {subject}").format(id=incident.id, subject=subject),
                 at=at)
    session.add(IncidentAction(incident_id=incident.id, at=at, recorded_at=now(), by="system",
                               kind="notify", text=subject,
                               details=json.dumps({"to": usernames, "event": event},
                                                  ensure_ascii=False)))
    return usernames


# --- incident use cases ---------------------------------------------------------------------------


def declare(*, session: Session, actor: Actor, level: int, title: str, numbers: list[str] = (),
            at: datetime | None = None) -> Incident:
    """Declare an incident by hand at ``level``; its timetable becomes the checklist."""
    with use_case(session, actor, "incident declare"):
        actor.check(Permission.incident)
        title = (title or "").strip()
        if not title:
            raise InvalidData(_("The title (--title) is required and cannot be blank."))
        at = effective_time(session, None, at)
        complaints = _complaints(session, list(numbers), actor)
        drills = set(drill_ids(session, [c.id for c in complaints]).values())
        drill = drills.pop() if len(drills) == 1 else None  # mixed data is refused when linking
        incident = open_incident(session, by=actor.username, at=at, level=level, title=title,
                                 trigger="manual", complaints=complaints, drill_id=drill)
    return incident


def link(*, session: Session, actor: Actor, incident_id: int | str, numbers: list[str],
         at: datetime | None = None) -> list[str]:
    with use_case(session, actor, "incident link"):
        actor.check(Permission.incident)
        incident = get_incident(session, incident_id)
        _active(incident)
        at = effective_time(session, incident, at)
        linked = link_complaints(session, incident, _complaints(session, numbers, actor),
                       by=actor.username, at=at, via="manual")
        if not linked:
            raise UsageProblem(_("Those complaints are already linked to incident {id}.").format(
                id=incident.id))
    return linked


def update(*, session: Session, actor: Actor, incident_id: int | str, action: str | None = None,
           fields: dict[str, Any] | None = None, at: datetime | None = None) -> Incident:
    """Record what was done (the timeline) and/or describe the incident for its report."""
    with use_case(session, actor, "incident update"):
        actor.check(Permission.respond)
        incident = get_incident(session, incident_id)
        _active(incident)
        fields = {k: v for k, v in (fields or {}).items() if v is not None}
        if not action and not fields:
            raise UsageProblem(_("Nothing to record: pass --action TEXT or a field such as "
                                 "--cause."))
        at = effective_time(session, incident, at)
        changes = {}
        for key, value in fields.items():
            if key == "amount":
                value, key = money.parse_amount(value), "amount_cents"
            elif key == "people":
                if int(value) < 1:
                    raise InvalidData(_("--people must be 1 or more."))
            elif key not in DESCRIBED:
                raise UsageProblem(f"unknown incident field {key}")
            else:
                value = str(value).strip() or None
            old = getattr(incident, key)
            if old != value:
                changes[key] = [old, value]
                setattr(incident, key, value)
        if changes:
            record_action(session, incident, by=actor.username, at=at, kind="update",
                 text=_("Described: {keys}").format(keys=", ".join(changes)),
                 details={"changes": changes})
        if action and action.strip():
            record_action(session, incident, by=actor.username, at=at, kind="action",
                          text=action.strip())
    return incident


def change_level(*, session: Session, actor: Actor, incident_id: int | str, level: int,
                 reason: str, escalate: bool, at: datetime | None = None) -> Incident:
    """Escalate (to a more severe level, a smaller number) or de-escalate; re-plans."""
    kind = "escalate" if escalate else "deescalate"
    with use_case(session, actor, f"incident {kind}"):
        actor.check(Permission.incident)
        incident = get_incident(session, incident_id)
        _active(incident)
        reason = (reason or "").strip()
        if not reason:
            raise InvalidData(_("The reason (--reason) is required and cannot be blank."))
        if escalate and level >= incident.level:
            raise UsageProblem(_("Incident {id} is level {cur}; escalate to a more severe level "
                                 "(I is the most severe), or use deescalate.").format(
                id=incident.id, cur=roman(incident.level)))
        if not escalate and level <= incident.level:
            raise UsageProblem(_("Incident {id} is level {cur}; de-escalate to a less severe "
                                 "level (IV is the least), or use escalate.").format(
                id=incident.id, cur=roman(incident.level)))
        at = effective_time(session, incident, at)
        set_level(session, incident, level, by=actor.username, at=at, reason=reason, kind=kind)
    return incident


@dataclass(frozen=True)
class Rectification:
    action: str
    owner: str
    due: datetime | None = None

    @classmethod
    def parse(cls, text: str, tz) -> Rectification:
        """``ACTION|OWNER|DUE`` (DUE a date, optional)."""
        parts = [p.strip() for p in text.split("|")]
        if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
            raise InvalidData(_("--rectify '{text}' must be ACTION|OWNER or ACTION|OWNER|DUE, "
                                "e.g. 'Retrain counter staff|wangfang|2026-12-31'.").format(
                text=text))
        due = None
        if len(parts) == 3 and parts[2]:
            value = clock.parse_timestamp(parts[2], tz=tz)
            due = clock.end_of_day(value.astimezone(tz).date(), tz) if len(parts[2]) <= 10 \
                else value
        return cls(parts[0], parts[1], due)


def close(*, session: Session, actor: Actor, incident_id: int | str, review: str,
          root_cause: str | None = None, rectifications: list[Rectification] = (),
          at: datetime | None = None) -> Incident:
    """Close with a review, the root cause and rectification actions (owner, due). Items not
    done stay on the checklist: missed if they were due before the close, else pending."""
    with use_case(session, actor, "incident close"):
        actor.check(Permission.incident)
        incident = get_incident(session, incident_id)
        _active(incident)
        review = (review or "").strip()
        if not review:
            raise InvalidData(_("The review (--review) is required: what happened, what "
                                "worked, what did not."))
        at = effective_time(session, incident, at)
        for r in rectifications:
            session.add(IncidentRectification(incident_id=incident.id, action=r.action,
                                              owner=r.owner, due_at=r.due))
        incident.status, incident.closed_at, incident.closed_by = CLOSED, at, actor.username
        incident.review, incident.root_cause = review, (root_cause or "").strip() or None
        record_action(session, incident, by=actor.username, at=at, kind="close", text=review,
             details={"root_cause": incident.root_cause,
                      "rectifications": [{"action": r.action, "owner": r.owner,
                                          "due": r.due.isoformat() if r.due else None}
                                         for r in rectifications]})
    return incident


def _item(session: Session, incident: Incident, item: str) -> ChecklistItem:
    items = session.exec(select(ChecklistItem).where(ChecklistItem.incident_id == incident.id)
                         .order_by(col(ChecklistItem.seq))).all()
    text = item.strip()
    match = [i for i in items if str(i.seq) == text] or [
        i for i in items if i.key == text and i.cancelled_at is None]
    if not match:
        raise NotFound(_("Incident {id} has no checklist item {item}; see `complaintctl "
                         "incident checklist {id}`.").format(id=incident.id, item=item))
    return match[-1]


def done(*, session: Session, actor: Actor, incident_id: int | str, item: str,
         note: str | None = None, at: datetime | None = None) -> ChecklistItem:
    """Mark a checklist item done (by its number or its key)."""
    with use_case(session, actor, "incident done"):
        actor.check(Permission.respond)
        incident = get_incident(session, incident_id)
        _active(incident)
        row = _item(session, incident, item)
        if row.done_at is not None:
            raise UsageProblem(_("Item {seq} of incident {id} was already done at {at}.").format(
                seq=row.seq, id=incident.id, at=clock.iso(row.done_at, timezone_of(session))))
        if row.cancelled_at is not None:
            raise UsageProblem(_("Item {seq} of incident {id} was superseded when the level "
                                 "changed; see `complaintctl incident checklist {id}`.").format(
                seq=row.seq, id=incident.id))
        at = effective_time(session, incident, at)
        if at < row.planned_at:
            raise InvalidData(_("--at is before the item was planned; give a later time."))
        row.done_at, row.done_by, row.note = at, actor.username, (note or "").strip() or None
        session.add(row)
        result = rules.item_result(row.due_at, at, at)
        record_action(session, incident, by=actor.username, at=at, kind="done",
             text=_("Done: {action}").format(action=shipped_text(row.action)),
             details={"item": row.seq, "key": row.key, "result": result, "note": row.note})
    return row


def flag_overdue_checklist(session: Session, as_of: datetime | None = None) -> list[ChecklistItem]:
    """Mark the open checklist items of active incidents that are past due at ``as_of`` and
    not yet flagged; queue a message to each item's responsible person. Returns the newly
    flagged items. Runs in the caller's transaction (``sla check`` or ``incident overdue``);
    a second run at the same time flags nothing new. Items of simulated drills are left out:
    nobody is waiting for them."""
    from sqlalchemy import or_

    from complaintctl.store.models import Drill

    as_of = as_of or now()
    rows = session.exec(
        select(ChecklistItem, Incident).join(Incident, Incident.id == ChecklistItem.incident_id)
        .outerjoin(Drill, Drill.id == Incident.drill_id)
        .where(or_(col(Incident.drill_id).is_(None), Drill.simulated == False),  # noqa: E712
               Incident.status == ACTIVE, col(ChecklistItem.done_at).is_(None),
               col(ChecklistItem.cancelled_at).is_(None), col(ChecklistItem.overdue_at).is_(None),
               col(ChecklistItem.due_at) < as_of)
        .order_by(col(ChecklistItem.due_at), col(ChecklistItem.id))
    ).all()
    flagged = []
    for item, incident in rows:
        item.overdue_at = as_of
        session.add(item)
        users = [s.username for s in people(session, item.person)]
        queue(session, users, _("overdue: item {seq} '{action}' was due {due}").format(
            seq=item.seq, action=item.action,
            due=(clock.iso(item.due_at, timezone_of(session)) or "")[:16].replace("T", " ")),
            incident, as_of, event="incident_overdue")
        audit.record(session, kind=EventKind.change, action="incident overdue", actor="system",
                     at=as_of, details={"incident": incident.id, "item": item.seq,
                                        "key": item.key, "to": users})
        flagged.append(item)
    return flagged


def overdue(*, session: Session, actor: Actor, as_of: datetime | None = None) -> list[dict]:
    """Flag overdue checklist items now (for cron until ``sla check`` calls it)."""
    with use_case(session, actor, "incident overdue"):
        actor.check(Permission.incident)
        flagged = flag_overdue_checklist(session, as_of)
        tz = timezone_of(session)
        rows = [dict(item_dict(i, tz, as_of or now()), incident=i.incident_id) for i in flagged]
    return rows


# --- reading ----------------------------------------------------------------------------------


def item_dict(item: ChecklistItem, tz, as_of: datetime) -> dict[str, Any]:
    if item.cancelled_at is not None and item.done_at is None:
        state = "superseded"
    elif item.done_at is not None:
        state = "done"
    else:
        state = "overdue" if as_of > item.due_at else "open"
    return {
        "item": item.seq, "key": item.key, "action": item.action, "owner": item.owner,
        "person": item.person, "level": item.level, "planned_at": clock.iso(item.planned_at, tz),
        "due": clock.iso(item.due_at, tz), "done_at": clock.iso(item.done_at, tz),
        "done_by": item.done_by, "note": item.note, "state": state,
        "result": None if state == "superseded" else rules.item_result(
            item.due_at, item.done_at, as_of),
        "minutes": None if item.done_at is None else round(
            (item.done_at - item.planned_at).total_seconds() / 60),
        "allowed_minutes": round((item.due_at - item.planned_at).total_seconds() / 60),
        "flagged_overdue_at": clock.iso(item.overdue_at, tz),
    }


def linked_complaints(session: Session, incident_ids: list[int]) -> dict[int, list[Complaint]]:
    out: dict[int, list[Complaint]] = {i: [] for i in incident_ids}
    if incident_ids:
        for iid, c in session.exec(
            select(IncidentComplaint.incident_id, Complaint)
            .join(Complaint, Complaint.id == IncidentComplaint.complaint_id)
            .where(col(IncidentComplaint.incident_id).in_(incident_ids))
            .order_by(col(Complaint.id))
        ):
            out[iid].append(c)
    return out


def incident_dict(incident: Incident, complaints: list[Complaint], tz) -> dict[str, Any]:
    return {
        "id": incident.id, "level": incident.level, "level_name": roman(incident.level),
        "status": incident.status, "title": incident.title, "trigger": incident.trigger,
        "cluster": incident.cluster_key, "complaints": [c.number for c in complaints],
        "declared_at": clock.iso(incident.declared_at, tz), "declared_by": incident.declared_by,
        "closed_at": clock.iso(incident.closed_at, tz), "drill": incident.drill_id,
        "plan_version": incident.plan_version_id,
    }


def list_incidents(*, session: Session, actor: Actor, status: str | None = None,
                   include_drills: bool = False) -> list[dict[str, Any]]:
    actor.check(Permission.read)
    query = select(Incident).order_by(col(Incident.id))
    if status:
        query = query.where(Incident.status == status)
    if not include_drills:
        query = query.where(col(Incident.drill_id).is_(None))
    incidents = session.exec(query).all()
    tz = timezone_of(session)
    linked = linked_complaints(session, [i.id for i in incidents])
    return [incident_dict(i, linked[i.id], tz) for i in incidents]


def checklist(*, session: Session, actor: Actor, incident_id: int | str,
              as_of: datetime | None = None) -> list[dict[str, Any]]:
    actor.check(Permission.read)
    incident = get_incident(session, incident_id)
    as_of = as_of or incident.closed_at or now()
    tz = timezone_of(session)
    return [item_dict(i, tz, as_of) for i in session.exec(
        select(ChecklistItem).where(ChecklistItem.incident_id == incident.id)
        .order_by(col(ChecklistItem.seq)))]


def show(*, session: Session, actor: Actor, incident_id: int | str) -> dict[str, Any]:
    actor.check(Permission.read)
    incident = get_incident(session, incident_id)
    tz = timezone_of(session)
    complaints = linked_complaints(session, [incident.id])[incident.id]
    data = incident_dict(incident, complaints, tz)
    data.update({k: getattr(incident, k) for k in DESCRIBED})
    data.update({
        "amount": money.format_amount(incident.amount_cents), "people": incident.people,
        "review": incident.review, "root_cause": incident.root_cause,
        "closed_by": incident.closed_by,
        "checklist": checklist(session=session, actor=actor, incident_id=incident.id),
        "timeline": [
            {"at": clock.iso(a.at, tz), "by": a.by, "kind": a.kind, "text": a.text,
             "details": json.loads(a.details)}
            for a in session.exec(select(IncidentAction).where(
                IncidentAction.incident_id == incident.id).order_by(col(IncidentAction.id)))
        ],
        "rectifications": [
            {"action": r.action, "owner": r.owner, "due": clock.iso(r.due_at, tz),
             "done_at": clock.iso(r.done_at, tz)}
            for r in session.exec(select(IncidentRectification).where(
                IncidentRectification.incident_id == incident.id)
                .order_by(col(IncidentRectification.id)))
        ],
    })
    return data
