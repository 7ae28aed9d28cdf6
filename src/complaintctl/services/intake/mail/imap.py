"""An IMAP folder as a mail source: TLS (or STARTTLS, required), ``BODY.PEEK[]`` so reading
never marks a message, its ``INTERNALDATE`` as the delivery time, and marking by the keyword
``$Complaintctl`` (or ``\\Seen`` on a server that allows no keywords). The password comes from
``COMPLAINTCTL_IMAP_PASSWORD`` and never appears in a message, a log or the audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import unquote, urlsplit

from complaintctl.errors import MailboxProblem, UsageProblem
from complaintctl.i18n import _
from complaintctl.services.intake.mail.incoming import Incoming

ENV_PASSWORD = "COMPLAINTCTL_IMAP_PASSWORD"
KEYWORD = "$Complaintctl"


@dataclass(frozen=True)
class ImapAddress:
    tls: str  # "ssl" (imaps://, port 993) or "starttls" (imap://, port 143)
    user: str
    host: str
    port: int
    folder: str

    def describe(self) -> str:
        scheme = "imaps" if self.tls == "ssl" else "imap"
        return f"{scheme}://{self.user}@{self.host}:{self.port}/{self.folder}"


def parse_imap_url(url: str) -> ImapAddress:
    """``imaps://user@host[:port]/FOLDER`` (TLS) or ``imap://...`` (STARTTLS, required)."""
    usage = _("--imap must look like imaps://user@host[:port]/FOLDER, with the password in "
              "{env} (never in the URL).").format(env=ENV_PASSWORD)
    parts = urlsplit(url.strip())
    if parts.scheme not in ("imaps", "imap") or not parts.hostname or not parts.username:
        raise UsageProblem(usage)
    if parts.password is not None:
        raise UsageProblem(
            _("Don't put the IMAP password in --imap (it would show in process lists); set "
              "{env} instead.").format(env=ENV_PASSWORD)
        )
    try:
        port = parts.port or (993 if parts.scheme == "imaps" else 143)
    except ValueError:
        raise UsageProblem(usage) from None
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    return ImapAddress("ssl" if parts.scheme == "imaps" else "starttls",
                       unquote(parts.username), parts.hostname, port, folder)


def imap_utf7(name: str) -> str:
    """A folder name in IMAP's modified UTF-7 (RFC 3501 5.1.3): ``投诉`` -> ``&YpWLyQ-``."""
    import base64

    out, run = [], []

    def flush():
        if run:
            data = "".join(run).encode("utf-16-be")
            out.append("&" + base64.b64encode(data).decode().rstrip("=").replace("/", ",") + "-")
            run.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            run.append(ch)
    flush()
    return "".join(out)


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ImapSource:
    def __init__(self, address: ImapAddress, password: str, *, include_seen: bool = False,
                 readonly: bool = False, timeout: float = 30.0):
        import imaplib
        import ssl

        self.address = address
        self.include_seen = include_seen
        self.readonly = readonly
        self._secret = password
        context = ssl.create_default_context()
        try:
            if address.tls == "ssl":
                self.client = imaplib.IMAP4_SSL(address.host, address.port,
                                                ssl_context=context, timeout=timeout)
            else:
                self.client = imaplib.IMAP4(address.host, address.port, timeout=timeout)
                self.client.starttls(ssl_context=context)
        except (OSError, imaplib.IMAP4.error) as error:
            raise MailboxProblem(
                _("Can't reach the IMAP server {where}: {problem}.").format(
                    where=address.describe(), problem=self._scrub(error))
            ) from None
        try:
            self.client.login(address.user, password)
        except imaplib.IMAP4.error as error:
            self._logout()
            raise MailboxProblem(
                _("The IMAP server refused the login of {user}: {problem}. Check the user in "
                  "--imap and {env}.").format(user=address.user, problem=self._scrub(error),
                                              env=ENV_PASSWORD)
            ) from None
        status, data = self.client.select(_quote(imap_utf7(address.folder)), readonly=readonly)
        if status != "OK":
            self._logout()
            raise MailboxProblem(
                _("The IMAP server has no folder {folder}: {problem}.").format(
                    folder=address.folder, problem=self._text(data))
            )
        flags = self.client.untagged_responses.get("PERMANENTFLAGS", [b""])
        self.keywords = b"\\*" in b" ".join(f for f in flags if isinstance(f, bytes))

    def _scrub(self, error) -> str:
        text = str(error)
        if self._secret:
            text = text.replace(self._secret, "***")
        return text[:300]

    @staticmethod
    def _text(data) -> str:
        return " ".join(d.decode("utf-8", "replace") if isinstance(d, bytes) else str(d)
                        for d in data or [])[:300]

    def describe(self) -> str:
        return self.address.describe()

    def _uids(self) -> list[str]:
        if self.include_seen:
            criteria = "ALL"
        elif self.keywords:
            criteria = f"UNKEYWORD {KEYWORD}"
        else:
            criteria = "UNSEEN"
        status, data = self.client.uid("SEARCH", None, criteria)
        if status != "OK":
            raise MailboxProblem(_("The IMAP search failed: {problem}.").format(
                problem=self._text(data)))
        return [uid.decode() for uid in (data[0] or b"").split()]

    def messages(self) -> Iterator[Incoming]:
        import imaplib

        for uid in self._uids():
            status, data = self.client.uid("FETCH", uid, "(INTERNALDATE BODY.PEEK[])")
            if status != "OK":
                raise MailboxProblem(_("The IMAP server did not return message {uid}: "
                                       "{problem}.").format(uid=uid, problem=self._text(data)))
            raw, arrival = None, None
            for item in data:
                if isinstance(item, tuple):
                    raw = item[1]
                    stamp = imaplib.Internaldate2tuple(item[0])
                    if stamp is not None:
                        import time

                        arrival = datetime.fromtimestamp(time.mktime(stamp), timezone.utc)
            if raw is not None:
                yield Incoming(uid, raw, arrival, "imap-internaldate")

    def mark_taken(self, key: str) -> None:
        flags = f"(\\Seen {KEYWORD})" if self.keywords else "(\\Seen)"
        status, data = self.client.uid("STORE", key, "+FLAGS.SILENT", flags)
        if status != "OK":
            raise MailboxProblem(_("The IMAP server did not mark message {uid}: {problem}.")
                                 .format(uid=key, problem=self._text(data)))

    def _logout(self) -> None:
        try:
            self.client.logout()
        except Exception:  # noqa: BLE001 - closing a connection that may be gone
            pass

    def close(self) -> None:
        try:
            self.client.close()
        except Exception:  # noqa: BLE001
            pass
        self._logout()
