"""Notifications: an outbox written in the transaction of the event that causes it, and a
sender that delivers it later with retries and exponential backoff.

Who is told: registered -> the branch supervisors; assigned -> the assignee; a 50%/80% warning
or overdue -> the assignee and the branch supervisors; escalation to head office -> head-office
supervisors and admins; extension, pause and review -> the people involved; an approval request
-> the approvers. "The branch supervisors" are the active supervisors of the complaint's branch;
a branch without any falls back to head-office supervisors (no branch), then admins.

Messages carry the complaint number, what happened, the status and the due time: never the
customer's name, contact details or the complaint's text (personal data stays in the system).

Senders: SMTP when ``COMPLAINTCTL_SMTP=smtp://user:pass@host:port?starttls=1`` is set (From:
``COMPLAINTCTL_SMTP_FROM``, else the ``notify.from`` setting); otherwise a log file beside the
database (``notify.log_path``), so nothing is lost when no mail server is configured. The SMTP
password is never printed, logged, stored or audited.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from sqlmodel import Session, col, select

from complaintctl.domain.clock import iso
from complaintctl.domain.enums import EventKind, Role
from complaintctl.domain.masking import mask_email, mask_emails_in
from complaintctl.domain.permissions import Permission
from complaintctl.errors import InvalidData, UsageProblem
from complaintctl.i18n import _
from complaintctl.settings import from_environ
from complaintctl.store.models import Complaint, Notification, NotificationAttempt, Staff
from complaintctl.services.audit import trail as audit
from complaintctl.services.core.context import Actor, now, timezone_of

ENV_SMTP = "COMPLAINTCTL_SMTP"
ENV_FROM = "COMPLAINTCTL_SMTP_FROM"
PENDING, SENT, FAILED = "pending", "sent", "failed"
#: the recipient of a message to the complainant; the event of the acknowledgement
CUSTOMER, ACKNOWLEDGEMENT = "customer", "acknowledgement"


# --- recipients --------------------------------------------------------------------------------


def _active(session: Session, *conditions) -> list[Staff]:
    query = select(Staff).where(Staff.active == True, *conditions)
    return list(session.exec(query.order_by(col(Staff.username))).all())


def head_office(session: Session) -> list[Staff]:
    """Head-office supervisors (no branch), else the admins."""
    found = _active(session, Staff.role == Role.supervisor.value, col(Staff.branch).is_(None))
    return found or _active(session, Staff.role == Role.admin.value)


def branch_supervisors(session: Session, branch: str | None) -> list[Staff]:
    """The supervisors of ``branch``; none there: head office."""
    if branch is not None:
        found = _active(session, Staff.role == Role.supervisor.value, Staff.branch == branch)
        if found:
            return found
    return head_office(session)


def staff_named(session: Session, *usernames: str | None) -> list[Staff]:
    names = [u for u in usernames if u]
    if not names:
        return []
    return _active(session, col(Staff.username).in_(names))


# --- the outbox --------------------------------------------------------------------------------


def queue(
    session: Session,
    *,
    complaint: Complaint | None,
    event: str,
    recipients: list[Staff],
    what: str,
    at: datetime,
    skip: set[str] | None = None,
) -> list[Notification]:
    """Queue one message per recipient (each once), in the caller's transaction."""
    tz = timezone_of(session)
    number = complaint.number if complaint is not None else None
    subject = f"[complaintctl] {number}: {what}" if number else f"[complaintctl] {what}"
    lines = []
    if complaint is not None:
        due = iso(complaint.due_at, tz)
        lines += [
            _("Complaint: {number}").format(number=number),
            _("What happened: {what}").format(what=what),
            _("Status: {status}").format(status=complaint.status),
            _("Branch: {branch}").format(branch=complaint.branch or "-"),
            _("Priority: {priority}").format(priority=complaint.priority),
            _("Assignee: {assignee}").format(assignee=complaint.assignee or "-"),
            _("Due: {due}").format(due=(due or "-").replace("T", " ")),
            _("Paused: {paused}").format(paused=_("yes") if complaint.paused else _("no")),
            "",
            _("See it with: complaintctl show {number}").format(number=number),
        ]
    else:
        lines.append(what)
    body = "\n".join(lines) + "\n"
    made = []
    seen = set(skip or ())
    for person in recipients:
        if person.username in seen:
            continue
        seen.add(person.username)
        note = Notification(
            complaint_id=complaint.id if complaint is not None else None, number=number,
            event=event, recipient=person.username, address=person.email,
            subject=subject[:300], body=body, status=PENDING, attempts=0, created_at=at,
            next_attempt_at=at,
        )
        session.add(note)
        made.append(note)
    return made


def queue_to_customer(
    session: Session, *, complaint: Complaint, event: str, subject: str, body: str, at: datetime,
) -> Notification | None:
    """Queue a message to the complainant's email address (none on record: nothing queued).

    Unlike staff notices, this one is for the customer: it may say what the customer told us,
    and it goes to their address. Mail intake queues the acknowledgement this way.
    """
    if not complaint.customer_email:
        return None
    note = Notification(
        complaint_id=complaint.id, number=complaint.number, event=event, recipient=CUSTOMER,
        address=complaint.customer_email, subject=subject[:300], body=body, status=PENDING,
        attempts=0, created_at=at, next_attempt_at=at,
    )
    session.add(note)
    return note


def _acknowledged(session: Session, note: Notification, at: datetime, actor_name: str) -> None:
    """The acknowledgement went out: the first outbound contact, so ``acknowledged_at``."""
    from complaintctl.domain import lifecycle
    from complaintctl.domain.enums import Action, ContactVia, Direction, Status
    from complaintctl.services.complaints import handling
    from complaintctl.services.core.context import resolve_actor

    complaint = session.get(Complaint, note.complaint_id) if note.complaint_id else None
    if complaint is None or complaint.acknowledged_at is not None:
        return
    if Status(complaint.status) not in lifecycle.TRANSITIONS[Action.contact][0]:
        return
    handling.log_contact(
        session, resolve_actor(session, actor_name), complaint, via=ContactVia.email,
        direction=Direction.out, at=max(at, complaint.last_event_at),
        summary=_("Acknowledgement emailed to the customer (notification {id})").format(
            id=note.id),
        details={"notification": note.id},
    )


def shown_address(n: Notification) -> str:
    """Where a message goes, as shown and logged: a customer's address masked (personal data:
    ``show --unmask`` tells it, on the audit trail), a member of staff's in full."""
    if n.recipient == CUSTOMER:
        return mask_email(n.address) or CUSTOMER
    return n.address or n.recipient


def notification_dict(n: Notification, tz=None) -> dict[str, Any]:
    return {
        "id": n.id,
        "to": shown_address(n),
        "recipient": n.recipient,
        "number": n.number,
        "event": n.event,
        "subject": n.subject,
        "status": n.status,
        "attempts": n.attempts,
        "created_at": iso(n.created_at, tz),
        "next_attempt_at": iso(n.next_attempt_at, tz) if n.status == PENDING else None,
        "sent_at": iso(n.sent_at, tz),
        "last_error": n.last_error,
    }


def list_notifications(
    *, session: Session, actor: Actor, status: str | None = None, number: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """The outbox, newest last (auditors and admins)."""
    from complaintctl.services.core.context import refusals_recorded

    from complaintctl.services.core import filter_values

    with refusals_recorded(session, actor, "notify list"):
        actor.check(Permission.audit)
    number = filter_values.check(session, actor, action="notify list", number=number).number
    query = select(Notification)
    if status:
        query = query.where(Notification.status == status)
    if number:
        query = query.where(Notification.number == number)
    query = query.order_by(col(Notification.id))
    if limit:
        query = query.order_by(None).order_by(col(Notification.id).desc()).limit(limit)
    rows = list(session.exec(query).all())
    if limit:
        rows.reverse()
    tz = timezone_of(session)
    return [notification_dict(n, tz) for n in rows]


def attempts_of(session: Session, notification_id: int) -> list[NotificationAttempt]:
    return list(session.exec(
        select(NotificationAttempt)
        .where(NotificationAttempt.notification_id == notification_id)
        .order_by(col(NotificationAttempt.id))
    ).all())


# --- senders -----------------------------------------------------------------------------------


class DeliveryError(Exception):
    """A delivery failed; ``permanent`` failures are not retried."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


@dataclass
class Message:
    to: str | None
    subject: str
    body: str
    sender: str
    number: str | None = None  # put in the Message-ID, so a reply finds its complaint
    shown_to: str | None = None  # the address as logs may show it (a customer's masked)


class LogSender:
    """Appends each message to a local file: nothing is lost without a mail server."""

    name = "log"

    def __init__(self, path: Path):
        self.path = Path(path)

    def describe(self) -> str:
        return _("log file {path}").format(path=self.path)

    def send(self, message: Message) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        block = (
            f"From: {message.sender}\nTo: {message.shown_to or message.to or '-'}\n"
            f"Subject: {message.subject}\n"
            f"Date: {now().isoformat()}\n\n{message.body}\n"
        )
        from complaintctl.infra.files import open_private

        with open_private(self.path, "a", encoding="utf-8") as handle:
            handle.write(block + "-" * 72 + "\n")


@dataclass
class SmtpSettings:
    host: str
    port: int
    username: str | None
    password: str | None
    starttls: bool
    ssl: bool
    timeout: float = 10.0

    def __repr__(self) -> str:  # never show the password
        return (f"SmtpSettings(host={self.host!r}, port={self.port}, "
                f"username={self.username!r}, starttls={self.starttls}, ssl={self.ssl})")


def parse_smtp_url(url: str) -> SmtpSettings:
    """``smtp://user:pass@host:port?starttls=1`` (or ``smtps://`` for TLS from the start)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise UsageProblem(
            _("{env} must look like smtp://user:pass@host:587?starttls=1 (the value given is "
              "not shown, it may hold a password).").format(env=ENV_SMTP)
        )
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 25)
        timeout = float(query.get("timeout", 10))
    except ValueError:
        raise UsageProblem(_("{env} has a bad port or timeout.").format(env=ENV_SMTP)) from None
    return SmtpSettings(
        host=parts.hostname,
        port=port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        starttls=query.get("starttls", "0").lower() in ("1", "true", "yes"),
        ssl=parts.scheme == "smtps",
        timeout=timeout,
    )


class SmtpSender:
    name = "smtp"

    def __init__(self, settings: SmtpSettings):
        self.settings = settings

    def describe(self) -> str:
        return f"smtp://{self.settings.host}:{self.settings.port}"

    def _scrub(self, text: str) -> str:
        if self.settings.password:
            text = text.replace(self.settings.password, "***")
        return text

    def send(self, message: Message) -> None:
        import smtplib
        import ssl

        if not message.to:
            raise DeliveryError(_("the recipient has no email address"), permanent=True)
        email = EmailMessage()
        email["From"] = message.sender
        email["To"] = message.to
        email["Subject"] = message.subject
        email["Message-ID"] = message_id(message)
        email.set_content(message.body)
        s = self.settings
        try:
            if s.ssl:
                client = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout,
                                          context=ssl.create_default_context())
            else:
                client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            with client:
                if s.starttls:
                    client.starttls(context=ssl.create_default_context())
                if s.username:
                    client.login(s.username, s.password or "")
                client.send_message(email)
        except smtplib.SMTPResponseException as error:
            detail = error.smtp_error.decode(errors="replace") if isinstance(
                error.smtp_error, bytes) else str(error.smtp_error)
            raise DeliveryError(
                self._scrub(f"SMTP {error.smtp_code} {detail}".strip()),
                permanent=500 <= error.smtp_code < 600,
            ) from None
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _msg in error.recipients.values()]
            raise DeliveryError(
                self._scrub(f"recipient refused: {error.recipients}"),
                permanent=all(500 <= c < 600 for c in codes),
            ) from None
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryError(
                self._scrub(f"{type(error).__name__}: {error}".strip())
            ) from None


def message_id(message: Message) -> str:
    """``<...CMP-2026-000042@bank.example>``: a customer's reply quotes it in In-Reply-To, and
    mail intake finds the complaint by the number inside."""
    from email.utils import make_msgid, parseaddr

    domain = parseaddr(message.sender)[1].rpartition("@")[2] or None
    return make_msgid(idstring=message.number, domain=domain)


def default_log_path(db_path: Path | None) -> Path:
    if db_path is not None:
        return db_path.with_name(db_path.name + ".notifications.log")
    from complaintctl.store.db import default_path

    return default_path().with_name("notifications.log")


def make_sender(cfg, *, db_path: Path | None, environ=None):
    """SMTP if COMPLAINTCTL_SMTP is set, else the log file."""
    url = from_environ(environ).smtp_url
    if url:
        return SmtpSender(parse_smtp_url(url))
    configured = cfg["notify.log_path"]
    return LogSender(Path(configured) if configured else default_log_path(db_path))


# --- delivery ----------------------------------------------------------------------------------


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
    from complaintctl.services.admin import config
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
    max_attempts = cfg["notify.max_attempts"]
    backoff = cfg["notify.backoff_seconds"]
    report = SendReport(sender=sender.describe())
    for note_id in pending:
        with database.session() as session:
            note = session.get(Notification, note_id)
            message = Message(note.address, note.subject, note.body, from_address, note.number,
                              shown_address(note))
            done_before = note.attempts
        tries_left = max_attempts - done_before
        if attempts_per_message is not None:
            tries_left = min(tries_left, attempts_per_message)
        for attempt in range(tries_left):
            error = None
            try:
                sender.send(message)
            except DeliveryError as failure:
                error = failure
            total = done_before + attempt + 1
            report.attempts += 1
            final = error is None or error.permanent or total >= max_attempts
            retry_in = backoff * (2 ** (total - 1))
            _record_attempt(database, note_id, sender.name, error, total=total, final=final,
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
    with database.session(write=True) as session:  # the run itself, on the audit trail
        audit.record(session, kind=EventKind.admin, action="notify send", actor=actor_name,
                     at=now(), details={"sender": report.sender, "sent": report.sent,
                                        "failed": report.failed,
                                        "retry_later": report.retry_later,
                                        "attempts": report.attempts})
        session.commit()
    return report


def _error_text(error: DeliveryError | None) -> str | None:
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
                                        error=_error_text(error)))
        if error is None:
            note.status, note.sent_at, note.last_error = SENT, at, None
            if note.event == ACKNOWLEDGEMENT and sender == SmtpSender.name:
                _acknowledged(session, note, at, actor)
        else:
            note.last_error = _error_text(error)
            note.status = FAILED if final else PENDING
            note.next_attempt_at = None if final else at + timedelta(seconds=retry_in)
        session.add(note)
        if error is not None and final:
            audit.record(
                session, kind=EventKind.admin, action="notify failed", actor=actor, at=at,
                number=note.number,
                details={"notification": note_id, "recipient": note.recipient,
                         "attempts": total, "error": _error_text(error)[:500]},
            )
        session.commit()


def check_sender_config(environ=None) -> None:
    """Refuse a malformed COMPLAINTCTL_SMTP before anything is tried."""
    settings = from_environ(environ)
    if settings.smtp_url:
        parse_smtp_url(settings.smtp_url)
    if settings.smtp_from and "@" not in settings.smtp_from:
        raise InvalidData(_("{env} is not an email address.").format(env=ENV_FROM))
