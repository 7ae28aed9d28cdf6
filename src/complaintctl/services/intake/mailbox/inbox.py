"""A mail run: open the mailbox, take each new message in, in a transaction of its own
(register, attach, skip or ignore), mark it taken after the commit, record the run."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session

from complaintctl.domain import lifecycle
from complaintctl.domain.clock import iso
from complaintctl.domain.enums import Action, EventKind, Status
from complaintctl.domain.masking import mask_email
from complaintctl.domain.permissions import Permission
from complaintctl.errors import ComplaintError, InvalidData
from complaintctl.i18n import _
from complaintctl.services.core.context import (
    Actor,
    now,
    one_transaction,
    record_separately,
    refusals_recorded,
    timezone_of,
)
from complaintctl.services.intake.mail import parse as mail
from complaintctl.services.intake.mailbox.lookup import attached_to, reply_target, taken_as
from complaintctl.services.intake.mailbox.outcomes import MailSummary, MessageResult, Result
from complaintctl.services.intake.mailbox.registration import register_message
from complaintctl.services.intake.mailbox.replies import attach_reply


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
    session.rollback()  # a fresh transaction per message from here
    summary = MailSummary(source.describe(), dry_run)
    for incoming in source.messages():
        record = mail.parse(incoming.raw)
        outcome = _one_message(session, actor, store, record, incoming.arrival, dry_run)
        summary.messages.append(outcome)
        if dry_run or outcome.result is Result.failed:
            continue
        try:
            source.mark_taken(incoming.key)
            outcome.marked = True
        except (ComplaintError, OSError, KeyError) as error:
            summary.not_marked.append({"message_id": record.message_id, "reason": str(error)})
    if not dry_run:
        _record_run(session, actor, summary)
    return summary


def _one_message(session, actor, store, record, arrival, dry_run) -> MessageResult:
    outcome = MessageResult(Result.failed, record.message_id, mask_email(record.sender_email),
                            record.subject[:200])
    try:
        with one_transaction(session, commit=not dry_run):
            _take(session, actor, store, record, arrival, dry_run, outcome)
    except IntegrityError:
        # another intake run took the same message at the same moment (PostgreSQL)
        session.rollback()
        number = taken_as(session, record.key)
        session.rollback()
        if number is None:
            outcome.result, outcome.exit_code = Result.failed, 1
            outcome.reason = _("the database refused it as a duplicate; run intake again")
        else:
            outcome.result, outcome.number = Result.duplicate, number
            outcome.reason = _("already registered as {number}").format(number=number)
    except ComplaintError as error:
        outcome.result, outcome.reason, outcome.exit_code = (
            Result.failed, str(error), error.exit_code)
    except SQLAlchemyError as error:
        orig = getattr(error, "orig", None)
        outcome.result, outcome.exit_code = Result.failed, 1
        outcome.reason = _("the database failed: {problem}").format(
            problem=str(orig if orig is not None else type(error).__name__).splitlines()[0])
    return outcome


def _take(session, actor, store, record: mail.MailRecord, arrival, dry_run,
          outcome: MessageResult) -> None:
    if record.automatic:
        outcome.result, outcome.reason = Result.automatic, record.automatic
        return
    if record.sender_email is None:
        raise InvalidData(
            _("the message has no sender address in From ({problems}); read it and register it "
              "by hand with `complaintctl register --channel email ...`.").format(
                problems=", ".join(record.problems) or "From")
        )
    current = now()
    received = record.received_at(arrival=arrival, now=current)
    outcome.received_at = iso(received, timezone_of(session))
    number = taken_as(session, record.key)
    if number is not None:
        outcome.result, outcome.number = Result.duplicate, number
        outcome.reason = _("already registered as {number}").format(number=number)
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
                attach_reply(session, actor, store, record, target, received, current, outcome)
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
            "failed": [{"message_id": m.message_id, "reason": m.reason}
                       for m in summary.messages if m.result is Result.failed][:1000],
        },
    )
