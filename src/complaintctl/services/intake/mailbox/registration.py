"""A new message registered as a complaint, and the acknowledgement queued to the customer."""

from __future__ import annotations

from datetime import datetime

from complaintctl.domain.enums import Channel
from complaintctl.i18n import _
from complaintctl.services.complaints import registration as complaints
from complaintctl.services.core.context import timezone_of
from complaintctl.services.intake.mail import parse as mail
from complaintctl.services.intake.mailbox.evidence import keep_evidence
from complaintctl.services.intake.mailbox.lookup import MAIL_SOURCE
from complaintctl.services.intake.mailbox.outcomes import MessageResult
from complaintctl.store.models import Complaint


def _summary_of(record: mail.MailRecord) -> str:
    if record.subject.strip():
        return record.subject.strip()
    first = (record.description or "").strip().split("\n", 1)[0].strip()
    return first[:120] or _("(no subject)")


def register_message(session, actor, store, record: mail.MailRecord, received: datetime,
              outcome: MessageResult, *, repeat_of: Complaint | None) -> None:
    description = record.description
    tags = []
    if repeat_of is not None:
        tags = ["repeat"]
        intro = _("This email replies to {number}, which is {status}; registered as a new "
                  "complaint.").format(number=repeat_of.number, status=repeat_of.status)
        description = intro + ("\n\n" + description if description else "")
    new = complaints.NewComplaint(
        channel=Channel.email,
        customer=(record.sender_name or record.sender_email or "")[:200],
        summary=_summary_of(record),
        email=record.sender_email,
        description=description,
        received_at=received,
        source_ref=record.message_id[:200],
        external_source=MAIL_SOURCE,
        external_ref=record.key,
        tags=tags,
        receipt_on_record=True,  # the mail server's delivery time (domain.late)
    )
    complaint = complaints.register(session=session, actor=actor, new=new)
    outcome.number = complaint.number
    outcome.evidence = len(keep_evidence(session, actor, store, complaint, record,
                                          complaint.registered_at, details=outcome.facts()))
    outcome.acknowledgement = _acknowledge(session, complaint, complaint.registered_at)


def acknowledgement(complaint: Complaint, tz) -> tuple[str, str]:
    """The acknowledgement's subject and body: the number, what happens next, the expected
    decision date, and to keep the number in the subject. No other personal data."""
    due = complaint.due_at.astimezone(tz).strftime("%Y-%m-%d") if complaint.due_at else "-"
    subject = _("[{number}] We have received your complaint").format(number=complaint.number)
    body = "\n\n".join([
        _("Dear customer,"),
        _("We have received your complaint and registered it under the number {number}.").format(
            number=complaint.number),
        _("What happens next: a complaint handler will look into it, may contact you for more "
          "details, and will tell you the decision and the reasons for it."),
        _("We expect to decide by {due}. If it takes longer, we will tell you why and by when.")
        .format(due=due),
        _("When you write to us about this complaint, please keep {number} in the subject of "
          "your email, so that it reaches the right complaint.").format(number=complaint.number),
        _("This message was sent automatically."),
    ]) + "\n"
    return subject, body


def _acknowledge(session, complaint: Complaint, at: datetime) -> int | None:
    """Queue the acknowledgement in the outbox, in the registration's transaction."""
    from complaintctl.services.notify import outbox as notify

    subject, body = acknowledgement(complaint, timezone_of(session))
    note = notify.queue_to_customer(session, complaint=complaint, event=notify.ACKNOWLEDGEMENT,
                                    subject=subject, body=body, at=at)
    if note is None:
        return None
    session.flush()
    return note.id
