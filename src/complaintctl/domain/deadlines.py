"""The regulatory clock: policy profiles and deadline arithmetic. Pure: ``now`` is passed in.

How a deadline is counted (CBIRC 2020 Art 18, 20, 23, 43; the same walk serves every profile):

1. Day 1 is the day after the clock's anchor (receipt, reopening with new facts, or a review
   request), in the bank's time zone. A "day" is a calendar day (Art 43); a rule in business
   days counts only working days (public holidays and weekends skipped, 调休 make-up days
   counted).
2. Each counted day contributes the part of it during which the clock ran: time inside a pause
   (appraisal, testing, valuation, mediation: Art 18, 23) is not counted. The deadline is the
   end (23:59:59) of the day on which the counted time reaches the rule's number of days.
3. A pause still open is left out: the deadline is frozen where it was when the clock stopped,
   and moves later by the pause's length when it resumes.
4. An extension raises the number of days (the ladder counts from the same anchor: 15 -> 30 ->
   60 for CBIRC); it can never move a deadline earlier.
5. If the profile says so, a deadline falling on a non-working day rolls to the end of the next
   working day (default: no; CBIRC counts calendar days).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from complaintctl.domain.calendars import COUNTRIES, WorkCalendar
from complaintctl.errors import InvalidData
from complaintctl.i18n import N_, _

MAX_DAYS = 3660  # a walk never looks further than ten years ahead


class Unit(StrEnum):
    calendar = "calendar"
    business = "business"


class Approver(StrEnum):
    """Who may approve an extension step."""

    supervisor = "supervisor"  # a supervisor of the branch (or an admin), not the assignee
    senior = "senior"  # staff with the senior flag, or an admin; not the assignee


class ClockKind(StrEnum):
    decision = "decision"
    review = "review"


@dataclass(frozen=True)
class Rule:
    days: int
    unit: Unit = Unit.calendar

    def describe(self) -> str:
        from complaintctl.i18n import ngettext

        if self.unit is Unit.business:
            return ngettext("{n} business day", "{n} business days", self.days).format(
                n=self.days)
        return ngettext("{n} calendar day", "{n} calendar days", self.days).format(n=self.days)


@dataclass(frozen=True)
class ExtensionStep:
    level: int
    days: int  # the total allowed from the clock's anchor at this level
    approver: Approver
    customer_notice: bool


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    basis: str
    calendar: str = "CN"
    acknowledgement: Rule = Rule(1, Unit.business)
    decision: Rule = Rule(15)
    summary: Rule | None = None
    extensions: tuple[ExtensionStep, ...] = ()
    review_window: Rule | None = None
    review_decision: Rule | None = None
    pause_reasons: tuple[str, ...] = ()
    roll_to_working_day: bool = False

    def extension(self, level: int) -> ExtensionStep | None:
        for step in self.extensions:
            if step.level == level:
                return step
        return None

    def decision_rule(self, extension_level: int) -> Rule:
        step = self.extension(extension_level) if extension_level else None
        return Rule(step.days, self.decision.unit) if step else self.decision

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["extensions"] = [asdict(s) for s in self.extensions]
        data["pause_reasons"] = list(self.pause_reasons)
        return json.loads(json.dumps(data))


CN_CBIRC_2020 = Profile(
    name="cn-cbirc-2020",
    title="China CBIRC 2020 Order No. 3",
    basis="CBIRC 2020 Order No. 3 Art 18, 20, 23, 43",
    calendar="CN",
    acknowledgement=Rule(1, Unit.business),
    decision=Rule(15),
    extensions=(
        ExtensionStep(1, 30, Approver.supervisor, customer_notice=False),
        ExtensionStep(2, 60, Approver.senior, customer_notice=True),
    ),
    review_window=Rule(30),
    review_decision=Rule(30),
    pause_reasons=("appraisal", "mediation"),
)
UK_FCA = Profile(
    name="uk-fca",
    title="UK FCA DISP 1.6",
    basis="FCA DISP 1.6.1, 1.5 (summary resolution), 1.6.2 (8 weeks)",
    calendar="GB-ENG",
    acknowledgement=Rule(1, Unit.business),
    decision=Rule(56),
    summary=Rule(3, Unit.business),
)
US_CFPB = Profile(
    name="us-cfpb",
    title="US CFPB company portal",
    basis="CFPB: company response within 15 days, closure within 60 days",
    calendar="US",
    acknowledgement=Rule(15),
    decision=Rule(60),
)
BUILTIN: dict[str, Profile] = {p.name: p for p in (CN_CBIRC_2020, UK_FCA, US_CFPB)}
#: The built-in profiles' titles and bases are shipped text, so they are shown in the interface
#: language (a custom profile's own title stays as the bank wrote it).
_SHIPPED_TEXT = frozenset({
    N_("China CBIRC 2020 Order No. 3"), N_("CBIRC 2020 Order No. 3 Art 18, 20, 23, 43"),
    N_("UK FCA DISP 1.6"), N_("FCA DISP 1.6.1, 1.5 (summary resolution), 1.6.2 (8 weeks)"),
    N_("US CFPB company portal"),
    N_("CFPB: company response within 15 days, closure within 60 days"),
})


def shipped_text(text: str) -> str:
    """A built-in profile's title or basis in the interface language; other text as it is."""
    return _(text) if text in _SHIPPED_TEXT else text
DEFAULT_PROFILE = CN_CBIRC_2020.name


def _rule(value: Any, where: str) -> Rule | None:
    """``"15 calendar days"``, ``"3 business days"``, ``15`` or ``{days=15, unit="calendar"}``."""
    if value is None or value is False or value == "":
        return None
    try:
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, int):
            days, unit = value, Unit.calendar
        elif isinstance(value, str):
            parts = value.split()
            days = int(parts[0])
            unit = Unit(parts[1]) if len(parts) > 1 else Unit.calendar
        elif isinstance(value, dict):
            days, unit = int(value["days"]), Unit(value.get("unit", "calendar"))
        else:
            raise ValueError
    except (ValueError, KeyError, IndexError):
        raise InvalidData(
            _("{where}: '{value}' is not a rule; write it like \"15 calendar days\" or "
              "\"3 business days\".").format(where=where, value=value)
        ) from None
    if not 1 <= days <= 3650:
        raise InvalidData(_("{where}: the number of days must be 1 to 3650.").format(where=where))
    return Rule(days, unit)


def profile_from_dict(name: str, data: dict[str, Any], *, known: dict[str, Profile]) -> Profile:
    """A custom profile from a TOML table (or its stored JSON); ``based_on`` inherits a profile."""
    base_name = data.get("based_on", DEFAULT_PROFILE)
    if base_name not in known:
        raise InvalidData(
            _("Profile {name}: based_on '{base}' is not a known profile ({known}).").format(
                name=name, base=base_name, known=", ".join(sorted(known))
            )
        )
    base = known[base_name]
    where = _("profile {name}").format(name=name)
    allowed = {"based_on", "title", "basis", "calendar", "acknowledgement", "decision",
               "summary", "extensions", "review_window", "review_decision", "pause_reasons",
               "roll_to_working_day", "name"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise InvalidData(
            _("{where}: unknown keys {keys}; allowed: {allowed}.").format(
                where=where, keys=", ".join(unknown), allowed=", ".join(sorted(allowed))
            )
        )
    changes: dict[str, Any] = {"name": name, "title": str(data.get("title", name)),
                               "basis": str(data.get("basis", base.basis))}
    if "calendar" in data:
        if data["calendar"] not in COUNTRIES:
            raise InvalidData(
                _("{where}: calendar must be one of {known}.").format(
                    where=where, known=", ".join(COUNTRIES)
                )
            )
        changes["calendar"] = data["calendar"]
    for key in ("acknowledgement", "decision"):
        if key in data:
            changes[key] = _rule(data[key], f"{where}: {key}") or getattr(base, key)
    for key in ("summary", "review_window", "review_decision"):
        if key in data:
            changes[key] = _rule(data[key], f"{where}: {key}")
    if "roll_to_working_day" in data:
        if not isinstance(data["roll_to_working_day"], bool):
            raise InvalidData(_("{where}: roll_to_working_day is true or false.").format(
                where=where))
        changes["roll_to_working_day"] = data["roll_to_working_day"]
    if "pause_reasons" in data:
        changes["pause_reasons"] = tuple(str(r) for r in data["pause_reasons"])
    if "extensions" in data:
        steps = []
        for i, step in enumerate(data["extensions"], start=1):
            try:
                steps.append(ExtensionStep(
                    level=int(step.get("level", i)), days=int(step["days"]),
                    approver=Approver(step.get("approver", "supervisor")),
                    customer_notice=bool(step.get("customer_notice", False)),
                ))
            except (ValueError, KeyError, TypeError, AttributeError):
                raise InvalidData(
                    _("{where}: extension {i} needs days = N and approver = "
                      "\"supervisor\" or \"senior\".").format(where=where, i=i)
                ) from None
        changes["extensions"] = tuple(steps)
    profile = replace(base, **changes)
    previous = profile.decision.days
    for step in profile.extensions:
        if step.days <= previous:
            raise InvalidData(
                _("{where}: each extension must allow more days than the step before it.").format(
                    where=where
                )
            )
        previous = step.days
    return profile


# --- the walk ----------------------------------------------------------------------------------


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


# --- a complaint's clock ------------------------------------------------------------------------


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


def paused_seconds(pauses, start: datetime, end: datetime, *, open_until: datetime | None = None
                   ) -> int:
    """Seconds of pause between ``start`` and ``end``; an open pause runs to ``open_until``."""
    total = 0
    for pause in pauses:
        stop = pause.end or open_until
        if stop is not None:
            total += _overlap(start, end, _second(pause.start), _second(stop))
    return total


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
