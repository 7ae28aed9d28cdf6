"""Delivering the outbox (``notify send``): pending notifications that are due go out
through the sender, with retries and exponential backoff, each try on record."""

from __future__ import annotations

import time as _time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from complaintctl.domain.enums import EventKind
from complaintctl.domain.events import CustomerNotified
from complaintctl.domain.masking import mask_emails_in
from complaintctl.domain.permissions import Permission
from complaintctl.settings import from_environ
from complaintctl.store.models import Complaint, Notification, NotificationAttempt
from complaintctl.services.core import bus
from complaintctl.services.core import trail as audit
from complaintctl.services.core.context import now
from complaintctl.services.notify.outbox import (
    ACKNOWLEDGEMENT,
    FAILED,
    PENDING,
    SENT,
    shown_address,
)
from complaintctl.services.notify.senders import (
    DeliveryError,
    Message,
    SmtpSender,
    make_sender,
)


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    retry_later: int = 0
    attempts: int = 0
    sender: str = ""


def send(
    *,
    database,
    actor_name: str,
    sender=None,
    attempts_per_message: int | None = None,
    sleep: Callable[[float], None] = _time.sleep,
    environ=None,
    limit: int | None = None,
    command: str = "",
) -> SendReport:
    """Deliver pending notifications that are due, retrying with exponential backoff.

    Each message gets up to ``attempts_per_message`` tries in this run (default: until it has
    ``notify.max_attempts``), waiting ``notify.backoff_seconds`` x 2^(n-1) between tries. Every
    try is recorded (time, sender, error) in a short write transaction of its own, so no
    database lock is held while a mail server is slow. A permanent refusal (SMTP 5xx, no
    address) fails the message at once; when the attempts run out it is marked failed;
    otherwise it stays pending with its next attempt time, for the next run. ``command``: as
    typed, for a refusal to name.
    """
    run = _prepare(database, actor_name, sender=sender, environ=environ, limit=limit,
                   command=command)
    report = SendReport(sender=run.sender.describe())
    for note_id in run.pending:
        _deliver(database, run, note_id, report, actor_name=actor_name,
                 attempts_per_message=attempts_per_message, sleep=sleep)
    _record_run(database, actor_name, report)
    return report


@dataclass
class _Run:
    """What a ``notify send`` run works with, read in its first (read-only) transaction."""

    sender: Any
    from_address: str
    max_attempts: int
    backoff: float
    pending: list[int]  # the ids of the notifications due, in order


def _prepare(database, actor_name: str, *, sender, environ, limit: int | None,
             command: str) -> _Run:
    """Check that the actor may send, choose the sender, and find the notifications due."""
    from complaintctl.services.core import config
    from complaintctl.services.core.context import refusals_recorded, resolve_actor

    with database.session() as session:
        actor = resolve_actor(session, actor_name, command)
        with refusals_recorded(session, actor, "notify send"):
            actor.check(Permission.database)
        cfg = config.load(session)
        sender = sender or make_sender(cfg, db_path=database.path, environ=environ)
        from_address = from_environ(environ or None).smtp_from or cfg["notify.from"]
        query = (
            select(Notification)
            .where(Notification.status == PENDING,
                   col(Notification.next_attempt_at) <= now())
            .order_by(col(Notification.id))
        )
        if limit:
            query = query.limit(limit)
        pending = [n.id for n in session.exec(query).all()]
    return _Run(sender, from_address, cfg["notify.max_attempts"], cfg["notify.backoff_seconds"],
                pending)


def _message_of(database, note_id: int, from_address: str) -> tuple[Message, int]:
    """The message of notification ``note_id`` and the attempts it has had before this run."""
    with database.session() as session:
        note = session.get(Notification, note_id)
        message = Message(note.address, note.subject, note.body, from_address, note.number,
                          shown_address(note))
        return message, note.attempts


def _deliver(database, run: _Run, note_id: int, report: SendReport, *, actor_name: str,
             attempts_per_message: int | None, sleep: Callable[[float], None]) -> None:
    """Try one notification until it is sent, fails for good, or this run's tries run out
    (then it waits, pending, for the next run); every try is recorded and counted."""
    message, done_before = _message_of(database, note_id, run.from_address)
    tries_left = run.max_attempts - done_before
    if attempts_per_message is not None:
        tries_left = min(tries_left, attempts_per_message)
    for attempt in range(tries_left):
        error = None
        try:
            run.sender.send(message)
        except DeliveryError as failure:
            error = failure
        total = done_before + attempt + 1
        report.attempts += 1
        final = error is None or error.permanent or total >= run.max_attempts
        retry_in = run.backoff * (2 ** (total - 1))
        _record_attempt(database, note_id, run.sender.name, error, total=total, final=final,
                        retry_in=retry_in, actor=actor_name)
        if error is None:
            report.sent += 1
            break
        if final:
            report.failed += 1
            break
        if attempt + 1 < tries_left:
            sleep(retry_in)
    else:
        if tries_left > 0:
            report.retry_later += 1


def _record_run(database, actor_name: str, report: SendReport) -> None:
    """The run itself, on the audit trail."""
    with database.session(write=True) as session:
        audit.record(session, kind=EventKind.admin, action="notify send", actor=actor_name,
                     at=now(), details={"sender": report.sender, "sent": report.sent,
                                        "failed": report.failed,
                                        "retry_later": report.retry_later,
                                        "attempts": report.attempts})
        session.commit()


def error_text(error: DeliveryError | None) -> str | None:
    """A delivery error as stored, listed and audited: a mail server's text may quote the
    recipient's address, so every address in it is masked."""
    return None if error is None else mask_emails_in(str(error))


def _record_attempt(database, note_id: int, sender: str, error: DeliveryError | None, *,
                    total: int, final: bool, retry_in: float, actor: str) -> None:
    with database.session(write=True) as session:
        note = session.get(Notification, note_id)
        at = now()
        note.attempts = total
        session.add(NotificationAttempt(notification_id=note_id, at=at, sender=sender,
                                        ok=error is None,
                                        error=error_text(error)))
        if error is None:
            note.status, note.sent_at, note.last_error = SENT, at, None
            if note.event == ACKNOWLEDGEMENT and sender == SmtpSender.name:
                _acknowledged(session, note, at, actor)
        else:
            note.last_error = error_text(error)
            note.status = FAILED if final else PENDING
            note.next_attempt_at = None if final else at + timedelta(seconds=retry_in)
        session.add(note)
        if error is not None and final:
            audit.record(
                session, kind=EventKind.admin, action="notify failed", actor=actor, at=at,
                number=note.number,
                details={"notification": note_id, "recipient": note.recipient,
                         "attempts": total, "error": error_text(error)[:500]},
            )
        session.commit()


def _acknowledged(session: Session, note: Notification, at: datetime, actor_name: str) -> None:
    """The acknowledgement went out: ``CustomerNotified`` (the lifecycle counts it as the
    first outbound contact)."""
    complaint = session.get(Complaint, note.complaint_id) if note.complaint_id else None
    bus.publish(session, CustomerNotified(complaint, note, actor_name, at))
