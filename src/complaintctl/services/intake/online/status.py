"""What a customer sees and does on the status page, proven by the number and the access code:
the status in plain words, the expected decision date, pauses and extensions with their
reasons, the decision once notified; adding information (an inbound contact), answering the
satisfaction question (an inbound contact the handler closes with) or disputing the decision
(``reviews.review_request``, the review within its window)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from complaintctl.domain.enums import ContactVia, Direction, Status
from complaintctl.domain.permissions import Permission
from complaintctl.errors import InvalidRecord, TransitionNotAllowed
from complaintctl.i18n import N_, _
from complaintctl.services.complaints import handling
from complaintctl.services.core.context import Actor, timezone_of, use_case
from complaintctl.services.core.kernel import effective_time, get
from complaintctl.services.intake.online import codes
from complaintctl.store.models import Approval, Complaint, Pause

#: a status in the customer's words
PLAIN = {
    Status.registered: N_("We have received your complaint and will assign it to a handler."),
    Status.assigned: N_("A complaint handler has your complaint and will look into it."),
    Status.investigating: N_("Your complaint is being looked into."),
    Status.resolved: N_("We have decided on your complaint; see the decision below."),
    Status.closed: N_("Your complaint is closed."),
    Status.archived: N_("Your complaint is closed."),
    Status.withdrawn: N_("Your complaint was withdrawn."),
    Status.merged: N_("Your complaint was joined with another complaint of yours."),
    Status.under_review: N_("You asked for a review of the decision; it is being reviewed."),
}
PAUSE_REASONS = {"appraisal": N_("an appraisal or expert opinion"),
                 "mediation": N_("mediation between you and the bank")}


def _day(moment, tz) -> str | None:
    return moment.astimezone(tz).date().isoformat() if moment is not None else None


def customer_view(*, session: Session, actor: Actor, number: str, code: str) -> dict[str, Any]:
    """The status page's data (no personal data but what the customer gave as the summary)."""
    with use_case(session, actor, "online status"):
        found = codes.check(session, number, code)
        return _view(session, get(session, found))


def _view(session: Session, complaint: Complaint) -> dict[str, Any]:
    tz = timezone_of(session)
    pauses = session.exec(select(Pause).where(Pause.complaint_id == complaint.id)
                          .order_by(col(Pause.started_at))).all()
    extensions = session.exec(select(Approval).where(
        Approval.complaint_id == complaint.id, Approval.kind == "extension",
        Approval.status == "approved").order_by(col(Approval.requested_at))).all()
    notified = complaint.notified_at is not None
    status = Status(complaint.status)
    return {
        "number": complaint.number, "status": status.value, "words": _(PLAIN[status]),
        "summary": complaint.summary, "received": _day(complaint.received_at, tz),
        "acknowledged": _day(complaint.acknowledged_at, tz),
        "expected_decision_by": _day(complaint.due_at, tz), "paused": bool(complaint.paused),
        "pauses": [{"reason": _(PAUSE_REASONS.get(p.reason, p.reason)),
                    "from": _day(p.started_at, tz), "until": _day(p.ended_at, tz)}
                   for p in pauses],
        "extensions": [{"level": a.level, "reason": a.reason,
                        "approved": _day(a.decided_at, tz)} for a in extensions],
        "decision": ({"outcome": complaint.outcome, "findings": complaint.findings,
                      "notified": _day(complaint.notified_at, tz)} if notified else None),
        "can_answer": notified and status in (Status.resolved, Status.closed),
        "satisfaction": complaint.satisfaction, "disputed": bool(complaint.disputed),
        "review_requested": _day(complaint.review_requested_at, tz),
    }


def add_information(*, session: Session, actor: Actor, number: str, code: str,
                    text: str) -> dict[str, Any]:
    """What the customer adds, as an inbound contact on the complaint's timeline."""
    text = (text or "").strip()
    if not text:
        raise InvalidRecord("information", _("please write what you want to add"))
    if len(text) > 20_000:
        raise InvalidRecord("information", _("is longer than 20,000 characters"))
    with use_case(session, actor, "online information"):
        complaint = get(session, codes.check(session, number, code), lock=True)
        _log(session, actor, complaint, _("The customer added information online: {text}")
             .format(text=text))
        return _view(session, complaint)


def answer(*, session: Session, actor: Actor, number: str, code: str,
           satisfaction: int | None = None, dispute: str | None = None) -> dict[str, Any]:
    """After the decision was notified: the customer's satisfaction (1-5), recorded as an
    inbound contact for the handler to close with; or a dispute, a review request
    (``reviews.review_request``: the review clock, head office told) while its window is open."""
    from complaintctl.services.complaints import reviews
    from complaintctl.services.core.context import one_transaction

    if dispute is None and (satisfaction is None or not 1 <= satisfaction <= 5):
        raise InvalidRecord("satisfaction", _("must be a whole number from 1 to 5"))
    with one_transaction(session), use_case(session, actor, "online answer"):
        complaint = get(session, codes.check(session, number, code), lock=True)
        if complaint.notified_at is None or complaint.status not in (Status.resolved,
                                                                     Status.closed):
            raise TransitionNotAllowed(_("You can answer once we have told you our decision."))
        if dispute is not None:
            reason = dispute.strip() or _("(no reason given)")
            _log(session, actor, complaint, _("The customer disputes the decision online: "
                                              "{text}").format(text=reason[:20_000]))
            reviews.review_request(session=session, actor=actor, number=complaint.number,
                                   note=_("disputed by the customer on the online platform"))
        else:
            _log(session, actor, complaint, _("The customer's satisfaction with the decision, "
                                              "given online: {score}/5").format(
                                                  score=satisfaction),
                 details={"satisfaction": satisfaction})
        return _view(session, get(session, complaint.number))


def _log(session: Session, actor: Actor, complaint: Complaint, summary: str,
         details: dict | None = None) -> None:
    actor.check(Permission.contact, complaint=complaint)
    handling.log_contact(session, actor, complaint, via=ContactVia.online,
                         direction=Direction.in_, summary=summary,
                         at=effective_time(session, None, complaint),
                         details={"intake": "online", **(details or {})})
