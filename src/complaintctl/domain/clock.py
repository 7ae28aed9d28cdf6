"""Time: parsing what users type, and deadline arithmetic. Pure: ``now`` is always passed in.

Everything is stored in UTC and shown in the bank's time zone (default Asia/Shanghai).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from complaintctl.errors import InvalidData
from complaintctl.i18n import _

DEFAULT_TZ = "Asia/Shanghai"
DECISION_DAYS = 15  # CBIRC 2020 Art 18: decision and notice within 15 days of receipt
_YEAR_FIRST = re.compile(r"\d{4}[-/. ]")
_DATE_ONLY = re.compile(r"\d{4}(?:-\d{2}-\d{2}|\d{4}|[-/.]\d{1,2}[-/.]\d{1,2})")


def bank_tz(name: str | None = None) -> ZoneInfo:
    return ZoneInfo(name or DEFAULT_TZ)


def parse_timestamp(text: str, *, tz: ZoneInfo) -> datetime:
    """An ISO-like date or time typed by a user; a naive value is in the bank's time zone.

    ISO 8601 first; otherwise only year-first text (``2026/03/01 9:30``) is read, so a bare
    ``1`` or an ambiguous ``03/04/2025`` is refused rather than guessed.
    """
    from dateutil import parser

    raw = text.strip()
    try:
        try:
            value = parser.isoparse(raw)
        except ValueError:
            if not _YEAR_FIRST.match(raw):
                raise
            value = parser.parse(raw, yearfirst=True, dayfirst=False)
        if value.tzinfo is None:
            value = value.replace(tzinfo=tz)
        return value.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise InvalidData(
            _("'{text}' is not a date or time; use ISO 8601, e.g. 2026-11-28T09:30.").format(
                text=text
            )
        ) from None


def parse_period_end(text: str, *, tz: ZoneInfo) -> datetime:
    """The inclusive end of a period typed by a user (``--received-until``, ``--to``).

    A bare date means the whole of that day in the bank's time zone; a time means that instant.
    """
    value = parse_timestamp(text, tz=tz)
    if not _DATE_ONLY.fullmatch(text.strip()):
        return value
    day = value.astimezone(tz).date()
    return datetime.combine(day, time.max, tzinfo=tz).astimezone(timezone.utc)


def check_effective_time(at: datetime, *, now: datetime, previous: datetime | None,
                         tz: tzinfo = timezone.utc) -> None:
    """An action's effective time is never in the future and never before the previous event.
    The refusal names both times in ``tz`` (the bank's time zone), to the second, as typed."""
    def shown(value: datetime) -> str:
        return value.astimezone(tz).isoformat(timespec="seconds")

    if at > now + timedelta(seconds=1):
        raise InvalidData(
            _("--at {at} is in the future; give the time the action really happened.").format(
                at=shown(at)
            )
        )
    if previous is not None and at < previous:
        raise InvalidData(
            _(
                "--at {at} is before the complaint's previous event ({previous}); "
                "give a later time."
            ).format(at=shown(at), previous=shown(previous))
        )


def end_of_day(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=tz).astimezone(timezone.utc)


def decision_due(received_at: datetime, *, tz: ZoneInfo, days: int = DECISION_DAYS) -> datetime:
    """Received date (bank time) + ``days`` calendar days, ending 23:59:59 bank time.

    Counting starts the day after receipt (CBIRC Art 43: a "day" is a calendar day).
    """
    local_day = received_at.astimezone(tz).date()
    return end_of_day(local_day + timedelta(days=days), tz)


def to_local(value: datetime | None, tz: ZoneInfo) -> datetime | None:
    return None if value is None else value.astimezone(tz)


def iso(value: datetime | None, tz: ZoneInfo | None = None) -> str | None:
    """ISO 8601 with its offset, in the bank's time zone when given."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return (value.astimezone(tz) if tz else value).isoformat()
