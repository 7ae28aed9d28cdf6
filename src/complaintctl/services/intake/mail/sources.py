"""Where mail comes from: a Maildir, an mbox file, or an IMAP folder.

Each source yields the messages not yet marked as taken, and marks one when told to, which
intake does only after the database commit. What counts as "taken":

- Maildir: the message is in ``cur/`` with the Seen flag (``S``); new ones are in ``new/`` or
  in ``cur/`` without ``S``. Marking moves it to ``cur/`` and adds ``S``.
- mbox: the file is never written (the bank's mail is evidence). What intake took is kept
  beside it, in ``FILE.complaintctl-taken``: one line per message, its identity (the digest of
  the normalised message, ``identity``), appended when it is marked. A message that another
  program flagged as read (``Status: R`` or ``RO``) is still yielded, with ``already_read``
  set, so that intake lists it instead of skipping it silently. The file is locked while intake
  runs.
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
from datetime import datetime, timezone
from pathlib import Path

from complaintctl.errors import MailboxProblem, UsageProblem
from complaintctl.i18n import _
from complaintctl.services.intake.mail.imap import (
    ENV_PASSWORD,
    ImapAddress,
    ImapSource,
    imap_utf7,
    parse_imap_url,
)
from complaintctl.services.intake.mail.incoming import Incoming
from complaintctl.settings import from_environ

__all__ = ["ENV_PASSWORD", "ImapAddress", "ImapSource", "Incoming", "MaildirSource",
           "MboxSource", "imap_utf7", "open_source", "parse_imap_url"]

#: the state file beside an mbox: the identities of the messages taken in
STATE_SUFFIX = ".complaintctl-taken"
STATE_HEADER = ("# complaintctl: the messages of this mbox taken in, one SHA-256 of the "
                "normalised message a line\n")


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
            yield Incoming(key, raw, arrival, "maildir-delivery")

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
    """An mbox file, read and never written; what was taken is in the state file beside it."""

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
        self.state = self.path.with_name(self.path.name + STATE_SUFFIX)
        self.taken = self._read_state()
        self._ids: dict[str, str] = {}
        if not readonly:
            try:
                self.box.lock()
            except mailbox.ExternalClashError:
                raise MailboxProblem(
                    _("{path} is locked by another program; try again in a moment.").format(
                        path=self.path)
                ) from None

    def _read_state(self) -> set[str]:
        try:
            text = self.state.read_text(encoding="ascii")
        except FileNotFoundError:
            return set()
        except (OSError, UnicodeDecodeError) as error:
            raise MailboxProblem(_("Can't read the state file {path} ({problem}); move it away "
                                   "only if you mean every message to be read again.").format(
                path=self.state, problem=error)) from None
        return {line.strip() for line in text.splitlines() if line.strip()[:1] not in ("", "#")}

    def describe(self) -> str:
        return f"mbox:{self.path}"

    def messages(self) -> Iterator[Incoming]:
        from complaintctl.services.intake.mail.identity import identity

        for key in list(self.box.keys()):
            raw = self.box.get_bytes(key)
            digest = identity(raw)
            if digest in self.taken and not self.include_seen:
                continue
            self._ids[str(key)] = digest
            message = self.box.get_message(key)
            status = str(message.get("Status", "")).strip()
            read = "R" in message.get_flags() and not self.include_seen
            flagged = f"Status: {status}" if read else None
            yield Incoming(str(key), raw, _from_line_time(message), "mbox-from-line", flagged)

    def mark_taken(self, key: str) -> None:
        """The message's identity appended to the state file (the mbox is not touched)."""
        digest = self._ids[key]
        if digest in self.taken:
            return
        new = not self.state.exists()
        with open(self.state, "a", encoding="ascii") as out:
            if new:
                out.write(STATE_HEADER)
            out.write(digest + "\n")
            out.flush()
            os.fsync(out.fileno())
        self.taken.add(digest)

    def close(self) -> None:
        try:
            if not self.readonly:
                self.box.unlock()
        finally:
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
