"""A complaint's clock: what it needs to know of the complaint (``ClockState``), the rule that
applies, the current deadline, how much of it is used, the review window, and durations as
people write them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from complaintctl.domain.calendars import WorkCalendar
from complaintctl.domain.deadlines.profiles import ClockKind, Profile, Rule
from complaintctl.domain.deadlines.walk import Deadline, Pause, deadline, paused_seconds
from complaintctl.errors import InvalidData
from complaintctl.i18n import _


@dataclass(frozen=True)
class ClockState:
    """What the clock needs to know about one complaint."""

    received_at: datetime
    status: str
    kind: ClockKind = ClockKind.decision
    started_at: datetime | None = None  # the anchor; None means received_at
    extension_level: int = 0
    pauses: tuple[Pause, ...] = ()
    paused: bool = False
    notified_at: datetime | None = None
    acknowledged_at: datetime | None = None

    @property
    def anchor(self) -> datetime:
        return self.started_at or self.received_at


#: the statuses in which a clock runs against the bank
RUNNING = frozenset({"registered", "assigned", "investigating", "under_review"})


def rule_for(profile: Profile, state: ClockState) -> Rule:
    if state.kind is ClockKind.review:
        return profile.review_decision or profile.decision
    return profile.decision_rule(state.extension_level)


def due(profile: Profile, state: ClockState, *, tz: ZoneInfo, calendar: WorkCalendar) -> Deadline:
    """The complaint's current deadline (what ``due_at`` stores)."""
    return deadline(
        state.anchor, rule_for(profile, state), tz=tz, calendar=calendar,
        pauses=state.pauses, roll=profile.roll_to_working_day,
    )


@dataclass(frozen=True)
class Progress:
    budget: int  # counted seconds the rule allows
    used: int  # counted seconds used by ``as_of``
    left: int  # budget - used (negative: overdue)

    @property
    def percent(self) -> float:
        return 100.0 * self.used / self.budget if self.budget > 0 else 100.0


def progress(state: ClockState, due_at: datetime, as_of: datetime) -> Progress:
    """How much of the clock is used at ``as_of``; paused time (open pauses too) is not used."""
    start = state.anchor
    budget = int((due_at - start).total_seconds()) - paused_seconds(state.pauses, start, due_at)
    used = int((as_of - start).total_seconds()) - paused_seconds(
        state.pauses, start, as_of, open_until=as_of
    )
    used = max(0, used)
    return Progress(budget=budget, used=used, left=budget - used)


def review_window_closes(profile: Profile, notified_at: datetime, *, tz: ZoneInfo,
                         calendar: WorkCalendar) -> datetime | None:
    """The last moment a review may be requested (Art 20: 30 days from the decision notice)."""
    if profile.review_window is None:
        return None
    return deadline(notified_at, profile.review_window, tz=tz, calendar=calendar).due_at


def humanize(seconds: int) -> str:
    """``273600`` -> ``3d 4h``; negative values get a minus sign."""
    sign = "-" if seconds < 0 else ""
    seconds = abs(int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{sign}{days}d {hours}h"
    if hours:
        return f"{sign}{hours}h {minutes}m"
    return f"{sign}{minutes}m"


def parse_duration(text: str) -> timedelta:
    """``2d``, ``36h``, ``90m``, ``1w`` -> a timedelta (for ``list --due-within``)."""
    value = text.strip().lower()
    units = {"w": 604800, "d": 86400, "h": 3600, "m": 60}
    try:
        if value and value[-1] in units:
            return timedelta(seconds=float(value[:-1]) * units[value[-1]])
        return timedelta(days=float(value))
    except ValueError:
        raise InvalidData(
            _("'{text}' is not a duration; write it like 2d, 36h, 90m or 1w.").format(text=text)
        ) from None
