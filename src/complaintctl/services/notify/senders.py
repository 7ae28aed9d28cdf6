"""The senders of notifications and their settings: SMTP when
``COMPLAINTCTL_SMTP=smtp://user:pass@host:port?starttls=1`` is set (From:
``COMPLAINTCTL_SMTP_FROM``, else the ``notify.from`` setting); otherwise a log file beside the
database (``notify.log_path``), so nothing is lost when no mail server is configured. The SMTP
password is never printed, logged, stored or audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from complaintctl.errors import InvalidData, UsageProblem
from complaintctl.i18n import _
from complaintctl.settings import from_environ
from complaintctl.services.core.context import now

ENV_SMTP = "COMPLAINTCTL_SMTP"
ENV_FROM = "COMPLAINTCTL_SMTP_FROM"


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
        from complaintctl.infra.files import private_dirs

        private_dirs(self.path.parent)  # 0700, every folder made
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


def check_sender_config(environ=None) -> None:
    """Refuse a malformed COMPLAINTCTL_SMTP before anything is tried."""
    settings = from_environ(environ)
    if settings.smtp_url:
        parse_smtp_url(settings.smtp_url)
    if settings.smtp_from and "@" not in settings.smtp_from:
        raise InvalidData(_("{env} is not an email address.").format(env=ENV_FROM))
