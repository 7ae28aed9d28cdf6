"""The emergency plan as data: levels (1-4, shown I-IV), their triggers, people and
timetables, the detection settings and the drill schedule; the shipped plan's own words."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from complaintctl.errors import InvalidData
from complaintctl.i18n import N_, _

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
LEVEL_OF = {v: k for k, v in ROMAN.items()}
DIMENSIONS = ("product", "issue", "branch")
DRILL_TAG = "drill"


def roman(level: int) -> str:
    return ROMAN.get(level, str(level))


#: The shipped plan's own words (data/emergency_plan.toml, and the parser's defaults for a plan
#: that names no plan or organisation). A plan that still says exactly this is shown in the
#: interface language; a bank's own wording stays as written. JSON keeps the text as stored.
_SHIPPED_TEXT = frozenset({
    N_("Default complaint emergency plan"), N_("complaint emergency plan"), N_("The bank"),
    N_("特别重大 especially major"), N_("重大 major"), N_("较大 serious"), N_("一般 general"),
    N_("Emergency group convenes"), N_("Report to the regulator (CBIRC/PBoC)"),
    N_("Written report to the regulator"), N_("Branch head on site"),
    N_("Report to head office (and to the PBoC for a group visit)"),
    N_("Written report to head office"), N_("Branch emergency team convened"),
    N_("Daily report to head office"), N_("Supervisor assigned"), N_("Daily review"),
})


def shipped_text(text: str | None) -> str | None:
    """The shipped plan's name, organisation, level name or timetable action in the interface
    language; any other text (a bank's own plan) as it is."""
    return _(text) if text in _SHIPPED_TEXT else text


def parse_level(text: str | int) -> int:
    """``1``..``4`` or ``I``..``IV`` -> 1..4."""
    value = str(text).strip().upper()
    if value in LEVEL_OF:
        return LEVEL_OF[value]
    if value in {"1", "2", "3", "4"}:
        return int(value)
    raise InvalidData(
        _("'{text}' is not a level; use 1-4 or I-IV (1 = I, the most severe).").format(text=text)
    )


# --- the plan ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimetableItem:
    key: str
    action: str
    owner: str
    within: timedelta


@dataclass(frozen=True)
class Triggers:
    tags: tuple[str, ...] = ()
    in_person_group_size: int | None = None
    same_cluster: int | None = None
    amount_at_least_cents: int | None = None
    tag_combinations: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class Level:
    number: int
    name: str
    commander: str
    deputy: str
    notify: tuple[str, ...]
    acknowledge_within: timedelta
    triggers: Triggers
    timetable: tuple[TimetableItem, ...]

    def person(self, owner: str) -> str:
        """The person (user name or role) behind a timetable owner."""
        return {"commander": self.commander, "deputy": self.deputy}.get(owner, owner)


@dataclass(frozen=True)
class Spike:
    enabled: bool = True
    level: int = 4
    baseline_days: int = 30
    alpha: float = 0.001
    min_count: int = 5
    gate_counts: bool = True


@dataclass(frozen=True)
class Plan:
    name: str
    organisation: str
    window: timedelta
    in_person_channels: tuple[str, ...]
    cluster_by: tuple[str, ...]
    spike: Spike
    drill_every_months: int
    detect_within: timedelta
    drill_branch: str
    levels: dict[int, Level] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The plan as JSON (levels as integers; durations in minutes)."""
        return {
            "name": self.name,
            "organisation": self.organisation,
            "detection": {
                "window_minutes": minutes(self.window),
                "in_person_channels": list(self.in_person_channels),
                "cluster_by": list(self.cluster_by),
                "spike": {
                    "enabled": self.spike.enabled, "level": self.spike.level,
                    "baseline_days": self.spike.baseline_days, "alpha": self.spike.alpha,
                    "min_count": self.spike.min_count, "gate_counts": self.spike.gate_counts,
                },
            },
            "drills": {
                "every_months": self.drill_every_months,
                "detect_within_minutes": minutes(self.detect_within),
                "branch": self.drill_branch,
            },
            "levels": [
                {
                    "level": lv.number,
                    "name": lv.name,
                    "commander": lv.commander,
                    "deputy": lv.deputy,
                    "notify": list(lv.notify),
                    "acknowledge_within_minutes": minutes(lv.acknowledge_within),
                    "triggers": {
                        "tags": list(lv.triggers.tags),
                        "in_person_group_size": lv.triggers.in_person_group_size,
                        "same_cluster": lv.triggers.same_cluster,
                        "amount_at_least": cents_text(lv.triggers.amount_at_least_cents),
                        "tag_combinations": [list(c) for c in lv.triggers.tag_combinations],
                    },
                    "timetable": [
                        {"key": i.key, "action": i.action, "owner": i.owner,
                         "within_minutes": minutes(i.within)}
                        for i in lv.timetable
                    ],
                }
                for lv in (self.levels[n] for n in sorted(self.levels))
            ],
        }

    def digest(self) -> str:
        """SHA-256 of the parsed plan: comments and layout do not change it."""
        text = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False,
                          separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def minutes(value: timedelta | None) -> int | None:
    return None if value is None else int(value.total_seconds() // 60)


def cents_text(cents: int | None) -> str | None:
    return None if cents is None else f"{cents // 100}.{cents % 100:02d}"
