"""Report periods and time buckets, in the bank's calendar. Pure: ``today`` is always passed in.

A period is a range of whole local days, both ends inclusive. Reports turn it into UTC instants
(local midnight of the first day, local midnight after the last day) and compare stored UTC
times with those: range predicates that run the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from complaintctl.errors import UsageProblem
from complaintctl.i18n import _

PERIOD_FORMS = ("2026-11", "2026-Q3", "2026-H1", "2026", "2026-W45", "2026-11-05", "all")


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) as UTC instants: local midnight to the local midnight after ``end``."""
        return local_midnight(self.start, tz), local_midnight(self.end + timedelta(days=1), tz)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=tz).astimezone(timezone.utc)


def _month_end(year: int, month: int) -> date:
    first_next = date(year + (month == 12), month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def parse_period(text: str) -> Period | None:
    """``2026-11``, ``2026-Q3``, ``2026-H1``, ``2026``, ``2026-W45``, ``2026-11-05``; ``all`` is None."""
    value = text.strip().upper()
    if value == "ALL":
        return None
    try:
        if m := re.fullmatch(r"(\d{4})", value):
            year = int(m[1])
            return Period(date(year, 1, 1), date(year, 12, 31))
        if m := re.fullmatch(r"(\d{4})-H([12])", value):
            year, half = int(m[1]), int(m[2])
            return Period(date(year, 6 * half - 5, 1), _month_end(year, 6 * half))
        if m := re.fullmatch(r"(\d{4})-Q([1-4])", value):
            year, quarter = int(m[1]), int(m[2])
            return Period(date(year, 3 * quarter - 2, 1), _month_end(year, 3 * quarter))
        if m := re.fullmatch(r"(\d{4})-W(\d{1,2})", value):
            start = date.fromisocalendar(int(m[1]), int(m[2]), 1)
            return Period(start, start + timedelta(days=6))
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})", value):
            year, month = int(m[1]), int(m[2])
            return Period(date(year, month, 1), _month_end(year, month))
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", value):
            day = date(int(m[1]), int(m[2]), int(m[3]))
            return Period(day, day)
    except ValueError:
        pass
    raise UsageProblem(
        _("'{text}' is not a period; use {forms}, or --from/--to dates.").format(
            text=text, forms=_(", ").join(PERIOD_FORMS[:-1]) + _(" or ") + PERIOD_FORMS[-1]
        )
    )


def parse_day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageProblem(
            _("{option} '{text}' is not a date; write it as YYYY-MM-DD.").format(
                option=option, text=text
            )
        ) from None


def current(kind: str, today: date) -> Period:
    """The period containing ``today``: ``month`` or ``quarter``."""
    if kind == "quarter":
        quarter = (today.month - 1) // 3 + 1
        return parse_period(f"{today.year}-Q{quarter}")  # type: ignore[return-value]
    return Period(date(today.year, today.month, 1), _month_end(today.year, today.month))


def resolve(
    *, period: str | None, date_from: str | None, date_to: str | None, today: date,
    default: str = "month", earliest: date | None = None,
) -> Period:
    """The period asked for: --period, or --from/--to (inclusive dates), else the default."""
    if period and (date_from or date_to):
        raise UsageProblem(_("Give either --period or --from/--to, not both."))
    if date_from or date_to:
        start = parse_day(date_from, "--from") if date_from else (earliest or today)
        end = parse_day(date_to, "--to") if date_to else today
        if end < start:
            raise UsageProblem(
                _("--to {end} is before --from {start}; swap them.").format(end=end, start=start)
            )
        return Period(start, end)
    if period:
        parsed = parse_period(period)
        if parsed is None:  # all
            return Period(min(earliest or today, today), today)
        return parsed
    return current(default, today)


# --- buckets -------------------------------------------------------------------------------------

EVERY = ("day", "week", "month")


@dataclass(frozen=True)
class Bucket:
    label: str
    start: date
    end: date  # inclusive


def default_every(period: Period) -> str:
    if period.days <= 62:
        return "day"
    if period.days <= 190:
        return "week"
    return "month"


def buckets(period: Period, every: str) -> list[Bucket]:
    """Consecutive buckets covering the period; the first and last are clipped to it."""
    out: list[Bucket] = []
    day = period.start
    while day <= period.end:
        if every == "day":
            start, end, label = day, day, day.isoformat()
        elif every == "week":
            start = day - timedelta(days=day.weekday())
            end = start + timedelta(days=6)
            year, week, _d = start.isocalendar()
            label = f"{year}-W{week:02d}"
        elif every == "month":
            start = day.replace(day=1)
            end = _month_end(day.year, day.month)
            label = f"{day.year}-{day.month:02d}"
        else:
            raise UsageProblem(_("--every must be day, week or month."))
        clipped = Bucket(label, max(start, period.start), min(end, period.end))
        out.append(clipped)
        day = clipped.end + timedelta(days=1)
    return out


def preceding(bucket_list: list[Bucket], every: str, count: int) -> list[Bucket]:
    """``count`` whole buckets before the first one (the trailing baseline of a trend)."""
    if not bucket_list:
        return []
    first = bucket_list[0].start
    if every == "week":
        first -= timedelta(days=first.weekday())
    elif every == "month":
        first = first.replace(day=1)
    out: list[Bucket] = []
    for _i in range(count):
        end = first - timedelta(days=1)
        if every == "day":
            start = end
        elif every == "week":
            start = end - timedelta(days=end.weekday())
        else:
            start = end.replace(day=1)
        out.insert(0, buckets(Period(start, end), every)[0])
        first = start
    return out


# --- business days (FCA: "by the end of the third business day after receipt") --------------------


def add_business_days(day: date, count: int, holidays: frozenset[date] = frozenset()) -> date:
    """The ``count``-th business day after ``day`` (Saturdays, Sundays and holidays skipped)."""
    current_day = day
    added = 0
    while added < count:
        current_day += timedelta(days=1)
        if current_day.weekday() < 5 and current_day not in holidays:
            added += 1
    return current_day
