"""Regulator referrals (CBIRC 2020 Art 33): the report back to the regulator once a referred
complaint is decided (``report referral NUMBER``) and the list of referrals with their dates
(``report referrals``).

A referral is a complaint of channel ``regulator``: registration requires the regulator's
reference (``source_ref``) and deadline (``regulator_due``). The report back carries the
reference, the facts found, the result with its remedies and the proof that the customer was
told. Producing it is recorded (an event with the report's SHA-256); the first production sets
the complaint's ``referral_reported_at``, the date ``report referrals`` shows as reported back.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from complaintctl.domain import money
from complaintctl.domain.clock import iso
from complaintctl.domain.enums import Channel, EventKind
from complaintctl.domain.permissions import Permission
from complaintctl.errors import TransitionNotAllowed
from complaintctl.i18n import _
from complaintctl.store.models import Complaint, Event, Remedy
from complaintctl.services.core import trail as audit
from complaintctl.services.core.context import Actor, check_reading, timezone_of, use_case
from complaintctl.services.core.kernel import effective_time, get, resolve_number

DECIDED = ("resolved", "closed", "archived", "under_review")
REPORT = "referral_report"


def _decided_at(session: Session, complaint: Complaint) -> datetime | None:
    """When the complaint was last decided (its latest ``resolve`` or ``imported`` decision,
    else its import in a batch with a Merkle root when its leaf records it decided)."""
    from complaintctl.store.models import ImportBatch, ImportLeaf

    decided = session.exec(select(Event.at).where(
        Event.complaint_id == complaint.id, col(Event.action).in_(["resolve", "imported"]),
        col(Event.to_status).in_(DECIDED)).order_by(col(Event.seq).desc())).first()
    if decided is not None:
        return decided
    return session.exec(select(ImportBatch.imported_at).join(
        ImportLeaf, col(ImportLeaf.batch_id) == col(ImportBatch.id)).where(
        ImportLeaf.number == complaint.number, col(ImportLeaf.status).in_(DECIDED))).first()


def report_back(*, session: Session, actor: Actor, number: str,
                at: datetime | None = None) -> dict[str, Any]:
    """The report back to the regulator on a decided referral; its production is recorded."""
    number = resolve_number(session, number)
    with use_case(session, actor, REPORT, number):
        complaint = get(session, number, lock=True)
        actor.check(Permission.resolve, complaint=complaint)
        if complaint.channel != Channel.regulator.value:
            raise TransitionNotAllowed(_("{number} was not referred by the regulator (channel "
                                         "{channel}); there is no report back (CBIRC Art 33).")
                                       .format(number=number, channel=complaint.channel))
        if complaint.status not in DECIDED:
            raise TransitionNotAllowed(_("{number} is {status}: the report back to the regulator "
                                         "follows the decision (CBIRC Art 33).").format(
                                             number=number, status=complaint.status))
        at = effective_time(session, at, complaint)
        report = _contents(session, complaint, at)
        digest = hashlib.sha256(json.dumps(report, sort_keys=True, ensure_ascii=False)
                                .encode()).hexdigest()
        first = complaint.referral_reported_at is None
        if first:
            complaint.referral_reported_at = at
            complaint.last_event_at = at
            session.add(complaint)
        audit.record(session, kind=EventKind.change, action=REPORT, actor=actor.username, at=at,
                     complaint=complaint, from_status=complaint.status,
                     to_status=complaint.status,
                     details={"reference": complaint.source_ref, "sha256": digest,
                              "first": first})
        report["reported_at"] = iso(complaint.referral_reported_at, timezone_of(session))
        report["sha256"] = digest
    return report


def _contents(session: Session, c: Complaint, at: datetime) -> dict[str, Any]:
    tz = timezone_of(session)
    remedies = session.exec(select(Remedy).where(Remedy.complaint_id == c.id)
                            .order_by(col(Remedy.id))).all()
    return {
        "number": c.number, "reference": c.source_ref,
        "received_at": iso(c.received_at, tz), "regulator_due": c.regulator_due,
        "decided_at": iso(_decided_at(session, c), tz), "produced_at": iso(at, tz),
        "branch": c.branch, "product": c.product, "summary": c.summary,
        "facts": c.findings, "result": c.outcome,
        "remedies": [{"kind": r.kind, "amount": money.format_amount(r.amount_cents)}
                     for r in remedies],
        "notice": {"at": iso(c.notified_at, tz), "via": c.notified_via,
                   "proof": c.notice_proof},
    }


def referrals(*, session: Session, actor: Actor, as_of: datetime | None = None
              ) -> list[dict[str, Any]]:
    """Every referral the actor may read, oldest first, with its dates and state: ``open``
    (not decided), ``decided`` (not yet reported back) or ``answered`` (reported back);
    ``overdue`` when the regulator's deadline passed before the report back (or ``as_of``)."""
    check_reading(session, actor, "report referrals")
    tz = timezone_of(session)
    query = select(Complaint).where(Complaint.channel == Channel.regulator.value)
    branches = actor.visible_branches()
    if branches is not None:
        query = query.where(col(Complaint.branch).in_(sorted(branches)))
    today = (as_of or datetime.now(tz)).astimezone(tz).date().isoformat()
    rows = []
    for c in session.exec(query.order_by(col(Complaint.received_at), col(Complaint.id))):
        decided = _decided_at(session, c) if c.status in DECIDED else None
        reported = iso(c.referral_reported_at, tz)
        state = "answered" if reported else "decided" if decided else "open"
        until = reported[:10] if reported else today
        rows.append({
            "number": c.number, "reference": c.source_ref, "status": c.status,
            "received_at": iso(c.received_at, tz), "regulator_due": c.regulator_due,
            "decided_at": iso(decided, tz), "reported_at": reported, "state": state,
            "overdue": bool(c.regulator_due and until > c.regulator_due),
        })
    return rows
