"""The incident response, the use cases that change an incident: declare, link, update,
escalate and de-escalate, close, tick a checklist item off, flag the overdue ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from complaintctl.domain import clock, money
from complaintctl.domain import emergency as rules
from complaintctl.domain.permissions import Permission
from complaintctl.domain.plan import roman, shipped_text
from complaintctl.errors import InvalidData, UsageProblem
from complaintctl.i18n import _
from complaintctl.store.models import ChecklistItem, Complaint, Incident, IncidentRectification
from complaintctl.services.core.context import Actor, now, timezone_of, use_case
from complaintctl.services.emergency.plans import ensure_plan, parsed
from complaintctl.services.emergency.incidents.checklist_items import find_item, flag_overdue_checklist, item_dict, replan
from complaintctl.services.emergency.incidents.links import complaints_named, drill_ids, link_complaints
from complaintctl.services.emergency.incidents.record import (
    ACTIVE,
    CLOSED,
    DESCRIBED,
    effective_time,
    ensure_active,
    get_incident,
    plan_of,
    record_action,
)
from complaintctl.services.emergency.incidents.team import notify_team


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
    items = replan(session, incident, plan, at)
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
    items = replan(session, incident, plan, at)
    record_action(session, incident, by=by, at=at, kind=kind,
         text=_("Level {old} -> {new}: {reason}").format(old=roman(old), new=roman(level),
                                                        reason=reason),
         details={"level": [old, level], "reason": reason, "checklist": [i.key for i in items]})
    notify_team(session, incident, plan, at,
                _("now level {level}: {reason}").format(level=roman(level), reason=reason))
    return items


def declare(*, session: Session, actor: Actor, level: int, title: str, numbers: list[str] = (),
            at: datetime | None = None) -> Incident:
    """Declare an incident by hand at ``level``; its timetable becomes the checklist."""
    with use_case(session, actor, "incident declare"):
        actor.check(Permission.incident)
        title = (title or "").strip()
        if not title:
            raise InvalidData(_("The title (--title) is required and cannot be blank."))
        at = effective_time(session, None, at)
        complaints = complaints_named(session, list(numbers), actor)
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
        ensure_active(incident)
        at = effective_time(session, incident, at)
        linked = link_complaints(session, incident, complaints_named(session, numbers, actor),
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
        ensure_active(incident)
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
        ensure_active(incident)
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
        ensure_active(incident)
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


def done(*, session: Session, actor: Actor, incident_id: int | str, item: str,
         note: str | None = None, at: datetime | None = None) -> ChecklistItem:
    """Mark a checklist item done (by its number or its key)."""
    with use_case(session, actor, "incident done"):
        actor.check(Permission.respond)
        incident = get_incident(session, incident_id)
        ensure_active(incident)
        row = find_item(session, incident, item)
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


def overdue(*, session: Session, actor: Actor, as_of: datetime | None = None) -> list[dict]:
    """Flag overdue checklist items now (for cron until ``sla check`` calls it)."""
    with use_case(session, actor, "incident overdue"):
        actor.check(Permission.incident)
        flagged = flag_overdue_checklist(session, as_of)
        tz = timezone_of(session)
        rows = [dict(item_dict(i, tz, as_of or now()), incident=i.incident_id) for i in flagged]
    return rows
