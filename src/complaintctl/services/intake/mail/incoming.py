"""One message as a mail source gives it: its bytes and what the mail store says about it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Incoming:
    key: str  # the source's own id: a Maildir key, an mbox index, an IMAP UID
    raw: bytes
    arrival: datetime | None  # when the mail system got it, if it says
    arrival_kind: str = ""  # what says so: imap-internaldate, maildir-delivery, mbox-from-line
    already_read: str | None = None  # the mbox Status that flagged it as read before intake
