"""A customer's reply to a complaint: an inbound contact with the message as evidence; within
the review window after a decision, a review request (or a flag for someone who may record one)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from complaintctl.domain import deadlines
from complaintctl.domain.enums import ContactVia, Direction, Status
from complaintctl.domain.permissions import Permission
from complaintctl.errors import ComplaintError
from complaintctl.i18n import _
from complaintctl.services.complaints import handling
from complaintctl.services.core.context import Actor
from complaintctl.services.intake.mail import parse as mail
from complaintctl.services.intake.mailbox.evidence import keep_evidence
from complaintctl.services.intake.mailbox.lookup import MAIL_SOURCE
from complaintctl.services.intake.mailbox.outcomes import MessageResult
from complaintctl.store.models import Complaint, ComplaintTag

#: the tag a reply within the review window puts on a closed complaint
REVIEW_TAG = "review_requested"


def attach_reply(session, actor, store, record: mail.MailRecord, target: Complaint,
            received: datetime, current: datetime, outcome: MessageResult) -> None:
    """A customer's reply: an inbound contact with the message as evidence."""
    at = min(max(received, target.last_event_at), current)
    known = (target.customer_email or "").strip().lower()
    same_sender = bool(known) and known == (record.sender_email or "").lower()
    if not same_sender:
        outcome.reason = _("sent from an address that is not the customer's on record")
    review = target.status == Status.closed.value and _review_window_open(session, target,
                                                                            received)
    handling.log_contact(
        session, actor, target, via=ContactVia.email, direction=Direction.in_,
        summary=_("Email from the customer: {subject}").format(
            subject=record.subject.strip() or _("(no subject)")),
        at=at,
        details={"message_id": record.key, "received_at": received.isoformat(),
                 "intake": MAIL_SOURCE, "same_sender": same_sender},
        personal={"description": record.description},
    )
    outcome.evidence = len(keep_evidence(session, actor, store, target, record, at,
                                         details=outcome.facts()))
    if review:
        outcome.review = _review(session, actor, target, record, at)


def _review_window_open(session: Session, complaint: Complaint, received: datetime) -> bool:
    """Whether ``received`` falls within the review window after the decision notice (CBIRC
    Art 20), by the complaint's clock profile; a profile without a review has no window."""
    from complaintctl.services.core import config

    cfg = config.load(session)
    profile = cfg.profile(complaint.clock_profile)
    notice = complaint.notified_at or complaint.last_event_at
    closes = deadlines.review_window_closes(profile, notice, tz=cfg.tz,
                                            calendar=cfg.calendar(profile))
    return closes is not None and received <= closes


def _review(session, actor: Actor, complaint: Complaint, record: mail.MailRecord,
            at: datetime) -> str:
    """A closed complaint's customer wrote within the review window: a review request (核查).

    Recorded through the clock's ``review request`` (under_review, the review clock, head
    office told). Where the member of staff running intake may not record it for this
    complaint's branch, the complaint is flagged instead (the tag ``review_requested`` and a
    timeline note) for someone who may.
    """
    from complaintctl.services.complaints import reviews

    try:
        actor.check(Permission.contact, complaint=complaint)
    except ComplaintError:
        _flag_review(session, actor, complaint, at)
        return "flagged"
    reviews.review_request(
        session=session, actor=actor, number=complaint.number, at=at,
        note=_("The customer replied by email within the review window (Message-ID {id}).")
        .format(id=record.message_id),
    )
    return "requested"


def _flag_review(session, actor, complaint: Complaint, at: datetime) -> None:
    exists = session.get(ComplaintTag, (complaint.id, REVIEW_TAG))
    if exists is None:
        session.add(ComplaintTag(complaint_id=complaint.id, tag=REVIEW_TAG))
    handling.log_note(
        session, actor, complaint, at=at,
        text=_("The customer wrote by email within the review window after the decision; "
               "someone of branch {branch} should record it with `complaintctl review request "
               "{number}`.").format(branch=complaint.branch or "-", number=complaint.number),
        details={"tag": REVIEW_TAG},
    )
