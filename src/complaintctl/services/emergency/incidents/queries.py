"""Reading incidents: the list, one incident's checklist, and one incident in full (its
description, checklist, timeline and rectifications)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from complaintctl.domain import clock, money
from complaintctl.domain.permissions import Permission
from complaintctl.domain.plan import roman
from complaintctl.store.models import (
    ChecklistItem,
    Complaint,
    Incident,
    IncidentAction,
    IncidentRectification,
)
from complaintctl.services.core.context import Actor, now, timezone_of
from complaintctl.services.emergency.incidents.checklist_items import item_dict
from complaintctl.services.emergency.incidents.links import linked_complaints
from complaintctl.services.emergency.incidents.record import DESCRIBED, get_incident


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
