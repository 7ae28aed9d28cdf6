"""The walk that finds a deadline: day by day from the anchor, counting the part of each day
the clock ran (pauses left out), the business days only for a business-day rule, then rolling
to a working day if the profile says so. See the package docstring for the count."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

from complaintctl.domain.calendars import WorkCalendar
from complaintctl.domain.deadlines.profiles import Rule, Unit
from complaintctl.errors import InvalidData
from complaintctl.i18n import _

MAX_DAYS = 3660  # a walk never looks further than ten years ahead


@dataclass(frozen=True)
class Pause:
    start: datetime
    end: datetime | None
    reason: str = ""


@dataclass
class Deadline:
    """A computed deadline and everything needed to explain it."""

    rule: Rule
    anchor: datetime
    first_day: date
    due_at: datetime
    base_due_at: datetime  # the same rule without pauses and without rolling
    unrolled_due_at: datetime  # with pauses, before rolling
    pause_effects: list[tuple[Pause, int]] = field(default_factory=list)  # seconds not counted
    skipped_days: list[date] = field(default_factory=list)  # business rules: days not counted
    rolled: bool = False


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return start, end


def end_of_day(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=tz).astimezone(UTC)


def _second(value: datetime) -> datetime:
    """A pause boundary in UTC, to the whole second: every overlap is then a whole number of
    seconds, so the per-day count and a total over any window agree exactly."""
    return _utc(value).replace(microsecond=0)


def _overlap(a0: datetime, a1: datetime, b0: datetime, b1: datetime) -> int:
    return max(0, int((min(a1, b1) - max(a0, b0)).total_seconds()))


def _walk(anchor: datetime, rule: Rule, tz: ZoneInfo, calendar: WorkCalendar,
          pauses: list[Pause]) -> tuple[date, dict[int, int], list[date]]:
    """The day on which the counted time reaches the rule; seconds not counted per pause."""
    day = anchor.astimezone(tz).date()
    needed = Fraction(rule.days)
    counted = Fraction(0)
    effects: dict[int, int] = {}
    skipped: list[date] = []
    for _step in range(MAX_DAYS):
        day += timedelta(days=1)
        if rule.unit is Unit.business and not calendar.is_working_day(day):
            skipped.append(day)
            continue
        start, end = day_bounds(day, tz)
        length = int((end - start).total_seconds())
        paused = 0
        for i, pause in enumerate(pauses):
            if pause.end is None:
                continue
            seconds = _overlap(start, end, pause.start, pause.end)
            if seconds:
                effects[i] = effects.get(i, 0) + seconds
                paused += seconds
        counted += Fraction(max(0, length - paused), length)
        if counted >= needed:
            return day, effects, skipped
    raise InvalidData(_("The deadline is more than ten years away; check the pauses and rules."))


def deadline(
    anchor: datetime,
    rule: Rule,
    *,
    tz: ZoneInfo,
    calendar: WorkCalendar,
    pauses: list[Pause] | tuple[Pause, ...] = (),
    roll: bool = False,
) -> Deadline:
    """The deadline ``rule`` sets from ``anchor``: see the module docstring for the count."""
    anchor = _utc(anchor)
    pauses = sorted((Pause(_second(p.start), _second(p.end) if p.end else None, p.reason)
                     for p in pauses), key=lambda p: p.start)
    base_day, _e, _s = _walk(anchor, rule, tz, calendar, [])
    due_day, effects, skipped = _walk(anchor, rule, tz, calendar, pauses)
    unrolled = end_of_day(due_day, tz)
    rolled = False
    if roll and not calendar.is_working_day(due_day):
        due_day = calendar.next_working_day(due_day)
        rolled = True
    return Deadline(
        rule=rule,
        anchor=anchor,
        first_day=anchor.astimezone(tz).date() + timedelta(days=1),
        due_at=end_of_day(due_day, tz),
        base_due_at=end_of_day(base_day, tz),
        unrolled_due_at=unrolled,
        pause_effects=[(p, effects.get(i, 0)) for i, p in enumerate(pauses)],
        skipped_days=skipped,
        rolled=rolled,
    )


def paused_seconds(pauses, start: datetime, end: datetime, *, open_until: datetime | None = None
                   ) -> int:
    """Seconds of pause between ``start`` and ``end``; an open pause runs to ``open_until``."""
    total = 0
    for pause in pauses:
        stop = pause.end or open_until
        if stop is not None:
            total += _overlap(start, end, _second(pause.start), _second(stop))
    return total
