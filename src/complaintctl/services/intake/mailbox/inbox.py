"""A mail run: open the mailbox, take each new message in, in a transaction of its own
(register, attach, queue for review, skip, ignore or list as read before), mark it taken after
the commit, record the run. The receipt time comes from the bank's delivery evidence
(``mail.receipt``), never from the sender's Date."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session

from complaintctl.domain import lifecycle
from complaintctl.domain.clock import iso
from complaintctl.domain.enums import Action, EventKind, Status
from complaintctl.domain.masking import mask_email
from complaintctl.domain.permissions import Permission
from complaintctl.errors import ComplaintError
from complaintctl.i18n import _, code
from complaintctl.services.core.context import (
    Actor,
    now,
    one_transaction,
    record_separately,
    refusals_recorded,
    timezone_of,
)
from complaintctl.services.intake.mail import parse as mail
from complaintctl.services.intake.mail import receipt as receipts
from complaintctl.services.intake.mailbox import review
from complaintctl.services.intake.mailbox.lookup import attached_to, reply_target, taken_as
from complaintctl.services.intake.mailbox.outcomes import MailSummary, MessageResult, Result
from complaintctl.services.intake.mailbox.registration import register_message
from complaintctl.services.intake.mailbox.replies import attach_reply

#: what a run does not mark in the mailbox: a failure is read again next time; a message
#: flagged as read by someone else stays as it is
NOT_MARKED = (Result.failed, Result.already_read)


@dataclass(frozen=True)
class Reading:
    """How this bank reads mail (configuration): the trusted hosts, the Date tolerance."""

    trusted: tuple[str, ...] = ()
    tolerance_hours: int = 24

    @classmethod
    def of(cls, session: Session) -> Reading:
        from complaintctl.services.core import config

        cfg = config.load(session)
        return cls(cfg["mail.trusted_hosts"], cfg["mail.date_tolerance_hours"])


def run_mail(
    *, database, username: str, maildir=None, mbox=None, imap=None, include_seen: bool = False,
    dry_run: bool = False, environ=None, command: str = "",
) -> MailSummary:
    """Open the mailbox named and take its new mail in, as ``username`` running ``command``
    (as typed, for a refusal to name)."""
    from complaintctl.infra.evidence import EvidenceStore
    from complaintctl.services.intake.mail.sources import open_source
    from complaintctl.services.core.context import resolve_actor

    with database.session(write=True) as session:
        actor = resolve_actor(session, username, command)
        with refusals_recorded(session, actor, "intake mail"):
            actor.check(Permission.register)
        session.rollback()
        source = open_source(maildir=maildir, mbox=mbox, imap=imap, include_seen=include_seen,
                             readonly=dry_run, environ=environ)
        try:
            return take_in_mail(session=session, actor=actor,
                                store=EvidenceStore(database.evidence_dir), source=source,
                                dry_run=dry_run)
        finally:
            source.close()


def take_in_mail(
    *, session: Session, actor: Actor, store, source, dry_run: bool = False,
) -> MailSummary:
    """Read every new message of ``source``; register, attach, skip or ignore each one."""
    with refusals_recorded(session, actor, "intake mail"):
        actor.check(Permission.register)
    reading = Reading.of(session)
    session.rollback()  # a fresh transaction per message from here
    summary = MailSummary(source.describe(), dry_run)
    for incoming in source.messages():
        record = mail.parse(incoming.raw)
        outcome = _one_message(session, actor, store, record, incoming, reading, dry_run)
        summary.messages.append(outcome)
        if dry_run or outcome.result in NOT_MARKED:
            continue
        try:
            source.mark_taken(incoming.key)
            outcome.marked = True
        except (ComplaintError, OSError, KeyError) as error:
            summary.not_marked.append({"message_id": record.message_id, "reason": str(error)})
    if not dry_run:
        _record_run(session, actor, summary)
    return summary


def _one_message(session, actor, store, record, incoming, reading, dry_run) -> MessageResult:
    outcome = MessageResult(Result.failed, record.message_id, mask_email(record.sender_email),
                            record.subject[:200], decoding=record.decoding)
    try:
        with one_transaction(session, commit=not dry_run):
            _take(session, actor, store, record, incoming, reading, dry_run, outcome)
    except IntegrityError:
        # another intake run took the same message at the same moment (PostgreSQL)
        session.rollback()
        known = _known(session, record, outcome)
        session.rollback()
        if not known:
            outcome.result, outcome.exit_code = Result.failed, 1
            outcome.reason = _("the database refused it as a duplicate; run intake again")
    except ComplaintError as error:
        outcome.result, outcome.reason, outcome.exit_code = (
            Result.failed, str(error), error.exit_code)
    except SQLAlchemyError as error:
        orig = getattr(error, "orig", None)
        outcome.result, outcome.exit_code = Result.failed, 1
        outcome.reason = _("the database failed: {problem}").format(
            problem=str(orig if orig is not None else type(error).__name__).splitlines()[0])
    return outcome


def _receive(session, record: mail.MailRecord, incoming, reading: Reading,
             outcome: MessageResult):
    """When the bank received the message (never its Date), into ``outcome``."""
    receipt = record.receipt(arrival=incoming.arrival, arrival_kind=incoming.arrival_kind,
                             trusted=reading.trusted, now=now())
    tz = timezone_of(session)
    outcome.received_at, outcome.receipt = iso(receipt.at, tz), receipt.evidence
    outcome.sent_at = iso(record.sent_at, tz) if record.sent_at else None
    outcome.date_off_hours = receipts.date_off_by_hours(record.sent_at, receipt.at,
                                                        reading.tolerance_hours)
    return receipt.at


def _known(session, record: mail.MailRecord, outcome: MessageResult) -> bool:
    """Whether the message was taken in already (a complaint, or the review queue)."""
    numbers = (taken_as(session, key) for key in record.keys)
    number = next((n for n in numbers if n is not None), None)
    if number is not None:
        outcome.result, outcome.number = Result.duplicate, number
        outcome.reason = _("already registered as {number}").format(number=number)
        return True
    queued = review.queued_as(session, record.keys)
    if queued is not None:
        outcome.result, outcome.queued = Result.duplicate, queued.id
        outcome.reason = _("already in the review queue as entry {id} ({status})").format(
            id=queued.id, status=code(queued.status))
        return True
    return False


def _take(session, actor, store, record: mail.MailRecord, incoming, reading, dry_run,
          outcome: MessageResult) -> None:
    if record.automatic:
        outcome.result, outcome.reason = Result.automatic, record.automatic
        return
    received = _receive(session, record, incoming, reading, outcome)
    if _known(session, record, outcome):
        return
    if incoming.already_read:
        outcome.result = Result.already_read
        outcome.reason = _("flagged as read ({status}) in the mbox before intake saw it; "
                           "`complaintctl intake mail --all` takes it in").format(
            status=incoming.already_read)
        return
    if record.sender_problem:
        outcome.result = Result.needs_review
        outcome.reason = _("for review: {problem}; see `complaintctl intake review list`").format(
            problem=review.problem_text(record.sender_problem))
        if not dry_run:
            review.queue(session, actor, store, record, received, outcome)
        return
    target, chain = reply_target(session, record)
    if target is not None:
        if attached_to(session, chain, record.key):
            outcome.result, outcome.number = Result.duplicate, target.number
            outcome.reason = _("already attached to {number}").format(number=target.number)
            return
        if Status(target.status) in lifecycle.TRANSITIONS[Action.contact][0]:
            outcome.result, outcome.number = Result.attached, target.number
            if not dry_run:
                attach_reply(session, actor, store, record, target, received, now(), outcome)
            return
    outcome.result = Result.registered
    if not dry_run:
        register_message(session, actor, store, record, received, outcome, repeat_of=target)


def _record_run(session: Session, actor: Actor, summary: MailSummary) -> None:
    """The run on the audit trail: where from (never a password) and what came of it."""
    record_separately(
        session, kind=EventKind.admin, action="intake mail", actor=actor.username, at=now(),
        details={
            "source": summary.source, **summary.counts,
            "numbers": [m.number for m in summary.messages
                        if m.result in (Result.registered, Result.attached)][:1000],
            "ignored": [{"message_id": m.message_id, "reason": m.reason}
                        for m in summary.messages if m.result is Result.automatic][:1000],
            **{key: [{"message_id": m.message_id, "reason": m.reason}
                     for m in summary.messages if m.result is result][:1000]
               for key, result in (("not_taken", Result.already_read),
                                   ("for_review", Result.needs_review),
                                   ("failed", Result.failed))},
        },
    )
