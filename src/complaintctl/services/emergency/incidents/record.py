"""One incident's record: finding it, whether it may still change, its effective time and
its timeline (every entry with its audit event), and the plan version it runs under."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlmodel import Session

from complaintctl.domain import clock
from complaintctl.domain.enums import EventKind, IncidentStatus
from complaintctl.domain.plan import Plan
from complaintctl.errors import NotFound, TransitionNotAllowed
from complaintctl.i18n import _
from complaintctl.store.models import Incident, IncidentAction, PlanVersion
from complaintctl.services.core import trail as audit
from complaintctl.services.core.context import now, timezone_of
from complaintctl.services.emergency.plans import parsed

ACTIVE, CLOSED = IncidentStatus.active.value, IncidentStatus.closed.value
#: the incident fields a responder may set with ``incident update``
DESCRIBED = ("place", "cause", "nature", "harm", "customer_reaction", "trend",
             "planned_measures", "reporter")


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


def ensure_active(incident: Incident) -> None:
    if incident.status != ACTIVE:
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
