"""The complaints linked to incidents: reading the ones named, telling drill data from real,
linking (never into two active incidents, never drill and real mixed), and reading the links."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from complaintctl.domain.permissions import Permission
from complaintctl.domain.plan import DRILL_TAG
from complaintctl.errors import InvalidData, UsageProblem
from complaintctl.i18n import _
from complaintctl.store.models import Complaint, ComplaintTag, Incident, IncidentComplaint
from complaintctl.services.core.kernel import get, resolve_number
from complaintctl.services.core.context import Actor
from complaintctl.services.emergency.incidents.record import ACTIVE, record_action


def complaints_named(session: Session, numbers: list[str], actor: Actor) -> list[Complaint]:
    out = []
    for number in dict.fromkeys(resolve_number(session, n) for n in numbers):
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
