"""When the bank received a message: from the delivery evidence the bank controls, never from
the sender's ``Date:``. Pure.

In this order, the first that is sane (after 1990, not after now) decides:

1. the topmost ``Received:`` header added by a trusted host (config ``mail.trusted_hosts``: the
   bank's own mail servers; a name starting with a dot trusts a domain's hosts). Headers below it
   can be written by anyone, so only the first one whose ``by`` host is trusted counts;
2. the mail store's delivery time: IMAP ``INTERNALDATE``, the Maildir file's modification time,
   the date on an mbox ``From `` line;
3. the time of the intake run.

The sender's ``Date:`` is kept as information; when it is further from the receipt than
``mail.date_tolerance_hours`` it is flagged.
"""

from __future__ import annotations

import email.utils
import re
from dataclasses import dataclass
from datetime import datetime, timezone

#: before this a time is taken as absurd
EARLIEST = datetime(1990, 1, 1, tzinfo=timezone.utc)
#: what decided the receipt time (``evidence`` of a Receipt)
RECEIVED_HEADER = "received-header"
INTAKE_TIME = "intake-time"

_BY = re.compile(r"(?i)\bby\s+\[?([^\s;()\]]+)")


@dataclass(frozen=True)
class Receipt:
    at: datetime
    evidence: str  # received-header, imap-internaldate, maildir-delivery, mbox-from-line, ...
    host: str | None = None  # the trusted host of a Received header


def trusts(trusted: tuple[str, ...], host: str) -> bool:
    host = host.lower().rstrip(".")
    return any(host == t or (t.startswith(".") and host.endswith(t)) for t in trusted)


def _stamp(value: str) -> datetime | None:
    try:
        stamp = email.utils.parsedate_to_datetime(value.rpartition(";")[2].strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if stamp is None:
        return None
    return (stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)).astimezone(
        timezone.utc)


def by_trusted_host(received: tuple[str, ...], trusted: tuple[str, ...]
                    ) -> tuple[datetime, str] | None:
    """The time and host of the topmost Received header whose ``by`` host is trusted."""
    for value in received:
        value = re.sub(r"\s+", " ", value)
        match = _BY.search(value.partition(";")[0] if ";" in value else value)
        if match and trusts(trusted, match.group(1)):
            stamp = _stamp(value)
            return (stamp, match.group(1).lower()) if stamp is not None else None
    return None


def sane(value: datetime | None, now: datetime) -> bool:
    return value is not None and EARLIEST <= value <= now


def decide(*, received: tuple[str, ...], trusted: tuple[str, ...], arrival: datetime | None,
           arrival_kind: str, now: datetime) -> Receipt:
    """The receipt time and what it comes from."""
    header = by_trusted_host(received, trusted) if trusted else None
    if header is not None and sane(header[0], now):
        return Receipt(header[0], RECEIVED_HEADER, header[1])
    if sane(arrival, now):
        return Receipt(arrival, arrival_kind or "delivery")
    return Receipt(now, INTAKE_TIME)


def date_off_by_hours(sent_at: datetime | None, receipt: datetime, tolerance: int
                      ) -> float | None:
    """How many hours the sender's Date is from the receipt, when more than ``tolerance``."""
    if sent_at is None:
        return None
    hours = (sent_at - receipt).total_seconds() / 3600
    return round(hours, 1) if abs(hours) > tolerance else None
