"""The regulatory clock's policy profiles: the rules (days, calendar or business), the
extension ladder and who approves each step, the review window, the pauses allowed; the
built-in profiles and a bank's own (``profile_from_dict``)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from typing import Any

from complaintctl.domain.calendars import COUNTRIES
from complaintctl.errors import InvalidData
from complaintctl.i18n import N_, _, ngettext

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


#: the keys a custom profile's table may have
PROFILE_KEYS = frozenset({"based_on", "title", "basis", "calendar", "acknowledgement", "decision",
                          "summary", "extensions", "review_window", "review_decision",
                          "pause_reasons", "roll_to_working_day", "name"})


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
    unknown = sorted(set(data) - PROFILE_KEYS)
    if unknown:
        raise InvalidData(
            _("{where}: unknown keys {keys}; allowed: {allowed}.").format(
                where=where, keys=", ".join(unknown), allowed=", ".join(sorted(PROFILE_KEYS))
            )
        )
    profile = replace(base, **_changes(name, data, base, where))
    _check_ladder(profile, where)
    return profile


def _changes(name: str, data: dict[str, Any], base: Profile, where: str) -> dict[str, Any]:
    """What the table changes in the profile it is based on, each value checked."""
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
        changes["extensions"] = _extensions(data["extensions"], where)
    return changes


def _extensions(steps_data: list, where: str) -> tuple[ExtensionStep, ...]:
    steps = []
    for i, step in enumerate(steps_data, start=1):
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
    return tuple(steps)


def _check_ladder(profile: Profile, where: str) -> None:
    """Each extension step allows more days than the decision rule or the step before it."""
    previous = profile.decision.days
    for step in profile.extensions:
        if step.days <= previous:
            raise InvalidData(
                _("{where}: each extension must allow more days than the step before it.").format(
                    where=where
                )
            )
        previous = step.days
