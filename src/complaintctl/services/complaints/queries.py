"""Reading complaints: ``show`` and ``list`` (their shapes: ``complaints.shapes``), the list
filters, and unmasking on record."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, or_
from sqlmodel import Session, col, select

from complaintctl.domain import money
from complaintctl.domain.clock import iso
from complaintctl.domain.enums import OPEN_STATUSES, QUEUE_STATUSES, EventKind, SortKey
from complaintctl.store.models import Complaint, ComplaintTag, Consultation, Contact, Event, Remedy
from complaintctl.services.core import filter_values
from complaintctl.services.complaints.shapes import complaint_dict, shown_details, shown_text
from complaintctl.services.core.kernel import get
from complaintctl.services.core.context import (
    Actor,
    check_reading,
    now,
    record_unmasking,
    timezone_of,
)


@dataclass
class Filters:
    status: list[str] = field(default_factory=list)
    assignee: str | None = None
    branch: str | None = None
    channel: list[str] = field(default_factory=list)
    product: str | None = None
    tag: list[str] = field(default_factory=list)
    received_since: datetime | None = None
    received_until: datetime | None = None
    overdue: bool = False
    text: str | None = None
    include_drills: bool = False  # drill complaints (tag ``drill``) are left out unless asked
    due_within: timedelta | None = None
    #: the contact searches (``complaints.searches``): normalised stored values, never shown
    phone: str | None = None
    email: str | None = None
    customer: str | None = None


def is_overdue(c: Complaint, at: datetime | None = None,
               paused_since: datetime | None = None) -> bool:
    """Its clock runs (not decided) and its due time has passed; a paused clock is frozen."""
    from complaintctl.services.clock.state import seconds_left

    left = seconds_left(c, paused_since=paused_since, as_of=at or now())
    return left is not None and left < 0


def _unmask(session: Session, actor: Actor, numbers: list[str], what: str, **why) -> None:
    """Put an unmasking of these complaints on record (with the reason given, if any)."""
    record_unmasking(session, actor, what, complaint=numbers[0] if len(numbers) == 1 else None,
                     complaints=numbers[:1000], count=len(numbers), **why)


def children(session: Session, ids: list[int]):
    """The tags and the remedies of the complaints ``ids``, each by complaint id (two queries,
    whatever the number of complaints; a complaint without any maps to an empty list)."""
    tags: dict[int, list[str]] = defaultdict(list)
    remedies: dict[int, list[Remedy]] = defaultdict(list)
    if ids:
        for cid, tag in session.exec(
            select(ComplaintTag.complaint_id, ComplaintTag.tag)
            .where(col(ComplaintTag.complaint_id).in_(ids))
            .order_by(ComplaintTag.complaint_id, ComplaintTag.tag)
        ):
            tags[cid].append(tag)
        for remedy in session.exec(
            select(Remedy).where(col(Remedy.complaint_id).in_(ids)).order_by(Remedy.id)
        ):
            remedies[remedy.complaint_id].append(remedy)
    return tags, remedies


def show(*, session: Session, actor: Actor, number: str, unmask: bool = False,
         reason: str | None = None) -> dict[str, Any]:
    """One complaint with its timeline, contacts and consultations; ``reason``: why it is
    unmasked (the workspace asks for one), kept in the unmask event's details."""
    complaint = get(session, number)
    check_reading(session, actor, "show", unmask=unmask, complaint=complaint)
    if unmask:
        _unmask(session, actor, [complaint.number], "show",
                **({"reason": reason} if reason else {}))
    tz = timezone_of(session)
    tags, remedies = children(session, [complaint.id])
    data = _with_clock(session, [complaint], tags, remedies, unmask=unmask, tz=tz)[0]
    text = shown_text(unmask)
    data["events"] = _timeline(session, complaint, tz, unmask=unmask)
    data["contacts"] = _contacts(session, complaint, tz, text)
    data["consultations"] = _consultations(session, complaint, tz, text)
    data["pauses"] = _pauses(session, complaint, tz, text)
    data["approvals"] = _approvals(session, complaint, tz)
    return data


def _timeline(session: Session, complaint: Complaint, tz, *, unmask: bool
              ) -> list[dict[str, Any]]:
    """The complaint's lifecycle events, in chain order, their details masked unless
    ``unmask``."""
    events = session.exec(
        select(Event)
        .where(Event.complaint_id == complaint.id, Event.kind == EventKind.change.value)
        .order_by(col(Event.seq))
    ).all()
    return _imported_entry(session, complaint, tz) + [
        {
            "at": iso(e.at, tz),
            "recorded_at": iso(e.recorded_at, tz),
            "actor": e.actor,
            "action": e.action,
            "from_status": e.from_status,
            "to_status": e.to_status,
            "details": shown_details(json.loads(e.details), unmask=unmask),
        }
        for e in events
    ]


def _imported_entry(session: Session, complaint: Complaint, tz) -> list[dict[str, Any]]:
    """A complaint imported in a batch with one event (issue 20) has no event of its own: its
    timeline opens with its import, read from its batch and its leaf in the batch's tree."""
    from complaintctl.store.models import ImportBatch, ImportLeaf

    found = session.exec(select(ImportLeaf, ImportBatch).join(
        ImportBatch, col(ImportBatch.id) == col(ImportLeaf.batch_id)).where(
        ImportLeaf.number == complaint.number)).first()
    if found is None:
        return []
    leaf, batch = found
    at = iso(batch.imported_at, tz)
    return [{"at": at, "recorded_at": at, "actor": batch.imported_by, "action": "imported",
             "from_status": None, "to_status": leaf.status,
             "details": {"batch": batch.id, "leaf": leaf.position}}]


def _contacts(session: Session, complaint: Complaint, tz, text) -> list[dict[str, Any]]:
    return [
        {"at": iso(c.at, tz), "via": c.via, "direction": c.direction,
         "summary": text(c.summary), "by": c.by}
        for c in session.exec(
            select(Contact).where(Contact.complaint_id == complaint.id).order_by(Contact.id)
        )
    ]


def _consultations(session: Session, complaint: Complaint, tz, text) -> list[dict[str, Any]]:
    return [
        {"id": q.seq, "department": q.department, "question": text(q.question),
         "asked_by": q.asked_by, "asked_at": iso(q.asked_at, tz), "answer": text(q.answer),
         "answered_by": q.answered_by, "answered_at": iso(q.answered_at, tz)}
        for q in session.exec(
            select(Consultation)
            .where(Consultation.complaint_id == complaint.id)
            .order_by(Consultation.seq)
        )
    ]


def _pauses(session: Session, complaint: Complaint, tz, text) -> list[dict[str, Any]]:
    from complaintctl.services.clock.state import pauses_of

    return [
        {"reason": text(p.reason), "started_at": iso(p.started_at, tz),
         "ended_at": iso(p.ended_at, tz), "started_by": p.started_by, "ended_by": p.ended_by,
         "customer_notified_via": p.customer_notified_via}
        for p in pauses_of(session, complaint)
    ]


def _approvals(session: Session, complaint: Complaint, tz) -> list[dict[str, Any]]:
    from complaintctl.services.complaints.approvals import approvals_of

    return [
        {"id": a.id, "kind": a.kind, "level": a.level,
         "amount": money.format_amount(a.amount_cents), "status": a.status,
         "requested_by": a.requested_by, "requested_at": iso(a.requested_at, tz),
         "decided_by": a.decided_by, "decided_at": iso(a.decided_at, tz)}
        for a in approvals_of(session, complaint)
    ]


_PRIORITY_RANK = case(
    {"urgent": 0, "high": 1, "normal": 2, "low": 3}, value=Complaint.priority, else_=4
)
_SORTS = {
    SortKey.number: [col(Complaint.id)],
    SortKey.received: [col(Complaint.received_at), col(Complaint.id)],
    SortKey.due: [col(Complaint.due_at), col(Complaint.id)],
    SortKey.priority: [_PRIORITY_RANK, col(Complaint.due_at), col(Complaint.id)],
    SortKey.status: [col(Complaint.status), col(Complaint.id)],
}


def filtered(query, filters: Filters, *, at: datetime | None = None):
    """Apply the list filters to a select over Complaint (shared by list, export and reports)."""
    query = _by_fields(query, filters)
    query = _by_clock(query, filters, at)
    if not filters.include_drills and "drill" not in [t.lower() for t in filters.tag]:
        query = query.where(
            ~select(ComplaintTag.complaint_id)
            .where(ComplaintTag.complaint_id == Complaint.id, ComplaintTag.tag == "drill")
            .exists()
        )
    if filters.text:
        query = _by_text(query, filters.text)
    if filters.phone or filters.email or filters.customer:
        from complaintctl.services.complaints.searches import by_contact

        query = by_contact(query, phone=filters.phone, email=filters.email,
                           customer=filters.customer)
    return query


def _by_fields(query, filters: Filters):
    """The filters on the complaint's own fields and tags."""
    if filters.status:
        from complaintctl.services.complaints.searches import rare

        chosen = col(Complaint.status).in_(filters.status)
        few = {s.value for s in QUEUE_STATUSES}.issuperset(filters.status)
        query = query.where(rare(chosen) if few else chosen)  # the queue: a few percent
    if filters.assignee:
        query = query.where(Complaint.assignee == filters.assignee)
    if filters.branch:
        query = query.where(Complaint.branch == filters.branch)
    if filters.channel:
        query = query.where(col(Complaint.channel).in_(filters.channel))
    if filters.product:
        query = query.where(Complaint.product == filters.product)
    for tag in filters.tag:
        query = query.where(
            select(ComplaintTag.complaint_id)
            .where(ComplaintTag.complaint_id == Complaint.id, ComplaintTag.tag == tag.lower())
            .exists()
        )
    if filters.received_since:
        query = query.where(Complaint.received_at >= filters.received_since)
    if filters.received_until:
        query = query.where(Complaint.received_at <= filters.received_until)
    return query


def _by_clock(query, filters: Filters, at: datetime | None):
    """``--overdue`` and ``--due-within``: the running clocks past, or near, their due time at
    ``at`` (default now). A clock paused after its due time stays overdue."""
    if filters.overdue:
        from complaintctl.domain.deadlines import RUNNING
        from complaintctl.store.models import Pause

        frozen_late = (
            select(Pause.id)
            .where(Pause.complaint_id == Complaint.id, col(Pause.ended_at).is_(None),
                   Pause.started_at > Complaint.due_at)
            .exists()
        )
        query = query.where(
            col(Complaint.status).in_(sorted(RUNNING)),
            col(Complaint.due_at) < (at or now()),
            or_(Complaint.paused == False, frozen_late),  # noqa: E712
        )
    if filters.due_within is not None:
        from complaintctl.domain.deadlines import RUNNING

        query = query.where(
            col(Complaint.status).in_(sorted(RUNNING)),
            Complaint.paused == False,  # noqa: E712
            col(Complaint.due_at) <= (at or now()) + filters.due_within,
        )
    return query


def _by_text(query, text: str):
    """``--text``: the words anywhere in the summary, description, customer name, product,
    issue or number (case-insensitive; ``%`` and ``_`` taken literally)."""
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace(
        "_", "\\_"
    ) + "%"
    return query.where(
        or_(
            col(Complaint.summary).ilike(pattern, escape="\\"),
            col(Complaint.description).ilike(pattern, escape="\\"),
            col(Complaint.customer_name).ilike(pattern, escape="\\"),
            col(Complaint.product).ilike(pattern, escape="\\"),
            col(Complaint.issue).ilike(pattern, escape="\\"),
            col(Complaint.number).ilike(pattern, escape="\\"),
        )
    )


#: ``--assignee @me``: the member of staff acting (gh's spelling).
ME = "@me"


def matching(session: Session, actor: Actor, filters: Filters, what: str):
    """The query of the complaints matching ``filters`` within the branches ``actor`` may read,
    and the filters with their branch and assignee checked (``filter_values``, as ``what``)."""
    if filters.assignee is not None and filters.assignee.strip().lower() == ME:
        filters = replace(filters, assignee=actor.username)
    values = filter_values.check(session, actor, action=what, branch=filters.branch,
                                 user=filters.assignee)
    filters = replace(filters, branch=values.branch, assignee=values.user)
    query = filtered(select(Complaint), filters)
    branches = actor.visible_branches()
    if branches is not None:
        query = query.where(col(Complaint.branch).in_(sorted(branches)))
    return query, filters


def list_complaints(
    *,
    session: Session,
    actor: Actor,
    filters: Filters,
    sort: SortKey = SortKey.number,
    limit: int | None = None,
    unmask: bool = False,
) -> list[dict[str, Any]]:
    """Complaints matching the filters, within the branches the actor may read."""
    check_reading(session, actor, "list", unmask=unmask)
    query, filters = matching(session, actor, filters, "list")
    if sort == SortKey.urgency:
        from complaintctl.services.complaints.searches import rank_by_urgency

        complaints = rank_by_urgency(session, query, limit)
    else:
        query = query.order_by(*_SORTS[sort])
        complaints = session.exec(query.limit(limit) if limit else query).all()
    rows = with_clock(session, complaints, unmask=unmask)
    if unmask:
        _unmask(session, actor, [r["number"] for r in rows], "list")
    return rows


def with_clock(session: Session, complaints, *, unmask: bool) -> list[dict[str, Any]]:
    """The shapes of ``complaints`` (``complaint_dict``) with their tags, remedies and clock."""
    tags, remedies = children(session, [c.id for c in complaints])
    return _with_clock(session, complaints, tags, remedies, unmask=unmask,
                       tz=timezone_of(session))


def _with_clock(session: Session, complaints, tags, remedies, *, unmask: bool, tz):
    from complaintctl.services.core import config
    from complaintctl.services.clock.state import open_pauses

    weights = config.load(session).weights
    paused = open_pauses(session, [c.id for c in complaints if c.paused])
    return [
        complaint_dict(c, tags=tags[c.id], remedies=remedies[c.id], unmask=unmask, tz=tz,
                       paused_since=paused.get(c.id), weights=weights)
        for c in complaints
    ]


def count_open(session: Session) -> int:
    return session.exec(
        select(func.count()).select_from(Complaint).where(
            col(Complaint.status).in_([s.value for s in OPEN_STATUSES])
        )
    ).one()


#: How many rows ``list`` shows unless told otherwise.
QUEUE_LIMIT = 30


def page(*, session: Session, actor: Actor, filters: Filters, sort: SortKey = SortKey.urgency,
         limit: int | None = QUEUE_LIMIT, unmask: bool = False) -> dict[str, Any]:
    """``list``: at most ``limit`` of the complaints matching the filters (None: all), within
    the branches the actor may read, and how many matched (``total``), so the front-end can
    say how many more there are."""
    from complaintctl.services.complaints.searches import rank_by_urgency

    check_reading(session, actor, "list", unmask=unmask)
    query, filters = matching(session, actor, filters, "list")
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    if sort == SortKey.urgency:
        chosen = rank_by_urgency(session, query, limit)
    else:
        ordered = query.order_by(*_SORTS[sort])
        chosen = session.exec(ordered.limit(limit) if limit else ordered).all()
    rows = with_clock(session, chosen, unmask=unmask)
    if unmask:
        _unmask(session, actor, [r["number"] for r in rows], "list")
    return {"rows": rows, "total": total, "limit": limit}
