"""An incident's checklist: the level's timetable planned as items, finding an item, flagging
the overdue ones, and an item as JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from complaintctl.domain import clock
from complaintctl.domain import emergency as rules
from complaintctl.domain.enums import EventKind
from complaintctl.domain.plan import Plan
from complaintctl.errors import NotFound
from complaintctl.i18n import _
from complaintctl.store.models import ChecklistItem, Drill, Incident
from complaintctl.services.core import trail as audit
from complaintctl.services.core.context import now, timezone_of
from complaintctl.services.emergency.incidents.record import ACTIVE
from complaintctl.services.emergency.incidents.team import people, queue


def replan(session: Session, incident: Incident, plan: Plan, at: datetime) -> list[ChecklistItem]:
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


def find_item(session: Session, incident: Incident, item: str) -> ChecklistItem:
    items = session.exec(select(ChecklistItem).where(ChecklistItem.incident_id == incident.id)
                         .order_by(col(ChecklistItem.seq))).all()
    text = item.strip()
    match = [i for i in items if str(i.seq) == text] or [
        i for i in items if i.key == text and i.cancelled_at is None]
    if not match:
        raise NotFound(_("Incident {id} has no checklist item {item}; see `complaintctl "
                         "incident checklist {id}`.").format(id=incident.id, item=item))
    return match[-1]


def flag_overdue_checklist(session: Session, as_of: datetime | None = None) -> list[ChecklistItem]:
    """Mark the open checklist items of active incidents that are past due at ``as_of`` and
    not yet flagged; queue a message to each item's responsible person. Returns the newly
    flagged items. Runs in the caller's transaction (``sla check`` or ``incident overdue``);
    a second run at the same time flags nothing new. Items of simulated drills are left out:
    nobody is waiting for them."""
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
