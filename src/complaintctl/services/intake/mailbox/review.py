"""The review queue: mail that is a complaint but whose sender cannot be told.

A bank may not drop a complaint because its From header is odd (none, several addresses, a name
without an address, ``guest@localhost``, a message that cannot be parsed). Such a message is
queued (``mail_review``) with the message as received kept in the evidence store, and the real
reason; a member of staff who may register complaints then accepts it, giving the customer's
name (and address, if known), which registers it through the normal registration path with the
bank's receipt time, or rejects it with a reason. Each step is on the audit trail.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlmodel import Session, col, select

from complaintctl.domain.clock import iso
from complaintctl.domain.enums import EventKind
from complaintctl.domain.masking import mask_email, mask_emails_in, mask_text
from complaintctl.domain.permissions import Permission
from complaintctl.errors import InvalidData, NotFound, TransitionNotAllowed
from complaintctl.i18n import _, code
from complaintctl.services.core import trail as audit
from complaintctl.services.core.context import (
    Actor,
    now,
    one_transaction,
    refusals_recorded,
    timezone_of,
)
from complaintctl.services.intake.mail import parse as mail
from complaintctl.services.intake.mailbox.outcomes import MessageResult, Result
from complaintctl.services.intake.mailbox.registration import register_message
from complaintctl.store.models import MailReview

PENDING, ACCEPTED, REJECTED = "pending", "accepted", "rejected"
STATUSES = (PENDING, ACCEPTED, REJECTED)


def problem_text(problem: str | None) -> str:
    """The reason a message waits for review, in a sentence a clerk can act on."""
    texts = {
        "no-from": _("the message has no From header"),
        "several-addresses": _("From names several addresses; which one is the customer's is "
                               "for a person to decide"),
        "no-address": _("From holds no usable email address"),
        "no-domain": _("the sender's address has no domain a reply could reach (like "
                       "guest@localhost)"),
        "unreadable": _("the message could not be parsed; read the kept copy"),
    }
    return texts.get(problem or "", problem or "-")


def queued_as(session: Session, keys: tuple[str, ...]) -> MailReview | None:
    return session.exec(select(MailReview).where(col(MailReview.message_key).in_(keys))).first()


def queue(session: Session, actor: Actor, store, record: mail.MailRecord, received: datetime,
          outcome: MessageResult) -> MailReview:
    """Queue the message (in the caller's transaction) with its copy kept as evidence."""
    at = now()
    stamp = received.astimezone(timezone_of(session)).strftime("%Y%m%d-%H%M%S")
    stored = store.put_bytes(record.raw, f"email-{stamp}.eml")
    row = MailReview(
        message_key=record.key, message_id=record.message_id[:200],
        problem=record.sender_problem or "unreadable", sender=record.sender_header,
        subject=record.subject, received_at=received, receipt=outcome.receipt or "-",
        sent_at=record.sent_at, sha256=stored.sha256, size=stored.size, status=PENDING,
        queued_by=actor.username, queued_at=at)
    session.add(row)
    session.flush()
    audit.record(session, kind=EventKind.admin, action="intake review queue",
                 actor=actor.username, at=at,
                 details={"review": row.id, "message_id": record.key, "problem": row.problem,
                          "sha256": row.sha256, **outcome.facts()},
                 personal={"sender": row.sender, "subject": row.subject})
    outcome.queued = row.id
    return row


def reviews(*, session: Session, actor: Actor, status: str | None = PENDING) -> list[dict]:
    """The queue (pending entries unless told otherwise), oldest receipt first; the sender's
    addresses masked."""
    with refusals_recorded(session, actor, "intake review list"):
        actor.check(Permission.register)
    query = select(MailReview).order_by(col(MailReview.received_at), col(MailReview.id))
    if status:
        query = query.where(MailReview.status == status)
    tz = timezone_of(session)
    return [{
        "id": row.id, "status": row.status, "received_at": iso(row.received_at, tz),
        "receipt": row.receipt, "sent_at": iso(row.sent_at, tz) if row.sent_at else None,
        "problem": row.problem, "reason": problem_text(row.problem),
        "sender": mask_emails_in(row.sender), "subject": mask_text(row.subject),
        "message_id": row.message_id, "sha256": row.sha256, "number": row.number,
        "decided_by": row.decided_by, "note": row.note,
    } for row in session.exec(query).all()]


def _pending(session: Session, review_id: int) -> MailReview:
    row = session.get(MailReview, review_id, with_for_update=True)
    if row is None:
        raise NotFound(_("There is no review entry {id}; see `complaintctl intake review list`.")
                       .format(id=review_id))
    if row.status != PENDING:
        raise TransitionNotAllowed(
            _("Review entry {id} is {status} already{number}; only a pending entry can be "
              "accepted or rejected.").format(
                id=review_id, status=code(row.status),
                number=f" ({row.number})" if row.number else ""))
    return row


def accept(*, session: Session, actor: Actor, evidence_dir, review_id: int, customer: str,
           email: str | None = None) -> dict:
    """Register the queued message as a complaint of ``customer`` (received when the bank
    received the message); with ``email``, the acknowledgement goes to that address."""
    from complaintctl.infra.evidence import EvidenceStore

    store = EvidenceStore(evidence_dir)
    with one_transaction(session):
        with refusals_recorded(session, actor, "intake review accept"):
            actor.check(Permission.register)
            row = _pending(session, review_id)
        if not customer.strip():
            raise InvalidData(_("Give the customer's name with --customer (read it in the kept "
                                "message)."))
        raw = store.path_for(row.sha256).read_bytes()
        record = replace(mail.parse(raw), sender_name=customer.strip(),
                         sender_email=(email or "").strip() or None)
        tz = timezone_of(session)
        outcome = MessageResult(Result.registered, record.message_id, mask_email(email),
                                record.subject[:200], received_at=iso(row.received_at, tz),
                                receipt=row.receipt, queued=row.id)
        register_message(session, actor, store, record, row.received_at, outcome,
                         repeat_of=None)
        at = now()
        row.status, row.number, row.decided_by, row.decided_at = (
            ACCEPTED, outcome.number, actor.username, at)
        session.add(row)
        audit.record(session, kind=EventKind.admin, action="intake review accept",
                     actor=actor.username, at=at, number=outcome.number,
                     details={"review": row.id, "message_id": row.message_key,
                              "number": outcome.number})
    return {"review": review_id, "number": outcome.number,
            "acknowledgement": outcome.acknowledgement}


def reject(*, session: Session, actor: Actor, review_id: int, reason: str) -> dict:
    """Close a queue entry without a complaint, with the reason (kept on the audit trail)."""
    with one_transaction(session):
        with refusals_recorded(session, actor, "intake review reject"):
            actor.check(Permission.register)
            row = _pending(session, review_id)
        if not reason.strip():
            raise InvalidData(_("Say why with --reason (for example: spam, not a complaint)."))
        at = now()
        row.status, row.note, row.decided_by, row.decided_at = (
            REJECTED, reason.strip(), actor.username, at)
        session.add(row)
        audit.record(session, kind=EventKind.admin, action="intake review reject",
                     actor=actor.username, at=at,
                     details={"review": row.id, "message_id": row.message_key},
                     personal={"reason": row.note})
    return {"review": review_id, "status": REJECTED}
