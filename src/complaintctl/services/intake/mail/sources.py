"""Where mail comes from: a Maildir, an mbox file, or an IMAP folder.

Each source yields the messages not yet marked as taken, and marks one when told to, which
intake does only after the database commit. What counts as "taken":

- Maildir: the message is in ``cur/`` with the Seen flag (``S``); new ones are in ``new/`` or
  in ``cur/`` without ``S``. Marking moves it to ``cur/`` and adds ``S``.
- mbox: the ``Status`` header carries ``R`` (read); marking adds ``R`` and ``O``. The file is
  locked while intake runs and rewritten once, when the source closes.
- IMAP: the message has the keyword ``$Complaintctl`` (or, on a server that allows no
  keywords, ``\\Seen``); marking adds ``\\Seen`` and the keyword. Messages are fetched with
  ``BODY.PEEK[]`` so reading never marks them.

``include_seen`` (``--all``) also yields messages already marked (or read by a person in a mail
client): intake skips the ones it has taken by their Message-ID, so this is safe, only slower.
The IMAP password comes from ``COMPLAINTCTL_IMAP_PASSWORD``, is never part of the URL and never
appears in a message, a log or the audit trail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote, urlsplit

from complaintctl.errors import MailboxProblem, UsageProblem
from complaintctl.i18n import _
from complaintctl.settings import from_environ

ENV_PASSWORD = "COMPLAINTCTL_IMAP_PASSWORD"
KEYWORD = "$Complaintctl"


@dataclass(frozen=True)
class Incoming:
    key: str  # the source's own id: a Maildir key, an mbox index, an IMAP UID
    raw: bytes
    arrival: datetime | None  # when the mail system got it, if it says


class MaildirSource:
    """A Maildir read file by file; marking renames ``new/KEY`` to ``cur/KEY:2,S`` (atomic,
    and the message's bytes are never rewritten)."""

    colon = ":"

    def __init__(self, path: str | Path, *, include_seen: bool = False, readonly: bool = False):
        self.path = Path(path)
        if not all((self.path / sub).is_dir() for sub in ("new", "cur", "tmp")):
            raise MailboxProblem(
                _("{path} is not a Maildir (it needs cur/, new/ and tmp/); check --maildir.")
                .format(path=self.path)
            )
        self.include_seen = include_seen
        self.readonly = readonly
        self._names: dict[str, tuple[str, str]] = {}

    def describe(self) -> str:
        return f"maildir:{self.path}"

    def _flags(self, name: str) -> str:
        _key, sep, info = name.partition(self.colon + "2,")
        return info if sep else ""

    def messages(self) -> Iterator[Incoming]:
        entries = []
        for sub in ("new", "cur"):
            for entry in os.scandir(self.path / sub):
                if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
                    continue
                key = entry.name.split(self.colon, 1)[0]
                try:
                    delivered = entry.stat(follow_symlinks=False).st_mtime
                except FileNotFoundError:
                    continue
                entries.append((delivered, key, sub, entry.name))
        for _delivered, key, sub, name in sorted(entries):  # in delivery order
            if "S" in self._flags(name) and not self.include_seen:
                continue
            path = self.path / sub / name
            try:
                raw = path.read_bytes()
                arrival = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
            except FileNotFoundError:  # moved by someone else meanwhile
                continue
            self._names[key] = (sub, name)
            yield Incoming(key, raw, arrival)

    def mark_taken(self, key: str) -> None:
        sub, name = self._names[key]
        flags = "".join(sorted(set(self._flags(name)) | {"S"}))
        target = f"{key}{self.colon}2,{flags}"
        try:
            os.rename(self.path / sub / name, self.path / "cur" / target)
        except FileNotFoundError:
            if not self._seen_in_cur(key):  # another intake run marked it meanwhile: fine
                raise
        self._names[key] = ("cur", target)

    def _seen_in_cur(self, key: str) -> bool:
        prefix = f"{key}{self.colon}2,"
        return any(entry.name.startswith(prefix) and "S" in self._flags(entry.name)
                   for entry in os.scandir(self.path / "cur"))

    def close(self) -> None:
        pass


class MboxSource:
    def __init__(self, path: str | Path, *, include_seen: bool = False, readonly: bool = False):
        import mailbox

        from complaintctl.infra.files import file_to_read

        self.path = Path(path)
        file_to_read(self.path, error=MailboxProblem,
                     folder=_("{path} is a folder; give an mbox file to --mbox (a Maildir folder "
                              "goes to --maildir)."),
                     missing=_("No mbox file at {path}; check --mbox."))
        self.box = mailbox.mbox(str(self.path), factory=None, create=False)
        self.include_seen = include_seen
        self.readonly = readonly
        self.changed = False
        if not readonly:
            try:
                self.box.lock()
            except mailbox.ExternalClashError:
                raise MailboxProblem(
                    _("{path} is locked by another program; try again in a moment.").format(
                        path=self.path)
                ) from None

    def describe(self) -> str:
        return f"mbox:{self.path}"

    def messages(self) -> Iterator[Incoming]:
        for key in list(self.box.keys()):
            message = self.box.get_message(key)
            if "R" in message.get_flags() and not self.include_seen:
                continue
            yield Incoming(str(key), self.box.get_bytes(key), _from_line_time(message))

    def mark_taken(self, key: str) -> None:
        message = self.box.get_message(int(key))
        message.add_flag("RO")
        self.box[int(key)] = message
        self.changed = True

    def close(self) -> None:
        try:
            if self.changed:
                self.box.flush()
        finally:
            if not self.readonly:
                self.box.unlock()
            self.box.close()


def _from_line_time(message) -> datetime | None:
    """The delivery time on an mbox ``From `` line (``From sender Tue Nov 24 10:00:00 2026``)."""
    from email.utils import parsedate_to_datetime

    parts = (message.get_from() or "").split(None, 1)
    if len(parts) < 2:
        return None
    try:
        value = datetime.strptime(" ".join(parts[1].split()[:5]), "%a %b %d %H:%M:%S %Y")
    except ValueError:
        try:
            value = parsedate_to_datetime(parts[1])
        except (TypeError, ValueError):
            return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


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
                yield Incoming(uid, raw, arrival)

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


def open_source(*, maildir: str | None = None, mbox: str | None = None, imap: str | None = None,
                include_seen: bool = False, readonly: bool = False, environ=None):
    """The one source named (exactly one of ``maildir``, ``mbox``, ``imap``)."""
    given = [name for name, value in (("--maildir", maildir), ("--mbox", mbox), ("--imap", imap))
             if value]
    if len(given) != 1:
        raise UsageProblem(_("Give exactly one of --maildir DIR, --mbox FILE or --imap URL."))
    if maildir:
        return MaildirSource(maildir, include_seen=include_seen, readonly=readonly)
    if mbox:
        return MboxSource(mbox, include_seen=include_seen, readonly=readonly)
    address = parse_imap_url(imap or "")
    password = from_environ(environ).imap_password
    if not password:
        raise UsageProblem(
            _("Set {env} to the IMAP password of {user} (it is never taken from the command "
              "line).").format(env=ENV_PASSWORD, user=address.user)
        )
    return ImapSource(address, password, include_seen=include_seen, readonly=readonly)
