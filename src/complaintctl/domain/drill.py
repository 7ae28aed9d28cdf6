"""Drills: synthetic complaints that fire a chosen level, simulated delays, and the score. Pure.

The score (0-100) is the mean of components, times 100, rounded:
- each checklist item: met 1, late 0.5, missed 0 (items still pending are left out);
- acknowledgement: the share of drill complaints acknowledged within the level's
  ``acknowledge_within`` of their receipt;
- detection: 1 if the incident was declared within the plan's ``drills.detect_within`` of the
  drill's start, 0.5 within twice that, else 0 (0 when nothing was detected).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from complaintctl.domain.emergency import Fact, evaluate, strongest
from complaintctl.domain.money import parse_amount
from complaintctl.domain.plan import Plan, PlanError, Triggers, locate, roman
from complaintctl.errors import InvalidData
from complaintctl.i18n import _


class Scenario(StrEnum):
    surge = "surge"
    group_visit = "group-visit"
    outage = "outage"
    media = "media"
    regulator = "regulator"


#: the trigger kinds each scenario prefers, in order; any level can be drilled by falling back
PREFERENCES = {
    Scenario.surge: ["same_cluster", "tag:outage", "tag", "group", "combo", "amount"],
    Scenario.group_visit: ["group", "same_cluster", "tag", "combo", "amount"],
    Scenario.outage: ["tag:outage", "same_cluster", "tag", "group", "combo", "amount"],
    Scenario.media: ["combo", "tag:media", "same_cluster", "tag", "group", "amount"],
    Scenario.regulator: ["tag:regulator", "same_cluster", "tag", "group", "combo", "amount"],
}

TEXT = {
    Scenario.surge: ("online", "mobile_banking", "转账失败 transfer failed",
                     "转账失败，资金未到账"),
    Scenario.group_visit: ("counter", "wealth", "理财产品到期未兑付 product not repaid",
                           "多名客户到网点反映理财产品到期未兑付"),
    Scenario.outage: ("self_service", "debit_card", "系统故障 system outage",
                      "系统故障导致无法取款"),
    Scenario.media: ("social_media", "credit_card", "媒体曝光 media exposure",
                     "客户在社交媒体投诉催收行为"),
    Scenario.regulator: ("regulator", "loan", "监管转办 regulator referral",
                         "监管机构转办投诉"),
}


@dataclass(frozen=True)
class Synthetic:
    """One injected complaint."""

    channel: str
    customer: str
    summary: str
    product: str
    issue: str
    branch: str
    received_at: datetime
    group_size: int = 1
    amount: str | None = None
    tags: tuple[str, ...] = ()


def synthesise(plan: Plan, scenario: Scenario, level: int, *, start: datetime, branch: str,
               count: int | None = None) -> list[Synthetic]:
    """Complaints that make detection fire ``level`` (and nothing more severe) at ``start``.

    Raises InvalidData when the plan's level has no trigger the scenario can fire, or when
    ``count`` would fire a more severe level.
    """
    lv = plan.levels[level]
    channel, product, issue, summary = TEXT[scenario]
    kind = _pick(lv.triggers, scenario)
    if kind is None:
        raise InvalidData(_("Level {level} of the plan has no trigger a drill can fire; add one "
                            "to the plan or pick another level.").format(level=roman(level)))
    special: dict[str, Any] = {}
    n = count or 1
    if kind == "same_cluster":
        n = count or lv.triggers.same_cluster
        if n < lv.triggers.same_cluster:
            raise InvalidData(_("Level {level} needs at least {n} complaints; pass --complaints "
                                "{n} or more.").format(level=roman(level),
                                                      n=lv.triggers.same_cluster))
    elif kind.startswith("tag:"):
        special["tags"] = (kind[4:],)
    elif kind == "group":
        special["group_size"] = lv.triggers.in_person_group_size
        channel = plan.in_person_channels[0] if plan.in_person_channels else "counter"
    elif kind == "combo":
        special["tags"] = lv.triggers.tag_combinations[0]
    elif kind == "amount":
        cents = lv.triggers.amount_at_least_cents
        special["amount"] = f"{cents // 100}.{cents % 100:02d}"
    out = []
    for i in range(n):
        extra = special if i == 0 else {}
        out.append(Synthetic(
            channel=channel, customer=f"演练客户 Drill customer {i + 1}",
            summary=f"[drill] {summary}", product=product, issue=issue, branch=branch,
            received_at=start - timedelta(seconds=n - 1 - i),
            group_size=extra.get("group_size", 1), amount=extra.get("amount"),
            tags=tuple(extra.get("tags", ())),
        ))
    fired = strongest(evaluate(plan, [_fact(i, s) for i, s in enumerate(out)], start))
    top = fired[0].level if fired else None
    if top != level:
        raise InvalidData(
            _("{n} injected complaints would fire level {got}, not {level}; change --complaints."
              ).format(n=n, got=roman(top) if top else "-", level=roman(level)))
    return out


def _fact(i: int, s: Synthetic) -> Fact:
    return Fact(number=f"SYN-{i}", received_at=s.received_at, registered_at=s.received_at,
                channel=s.channel, group_size=s.group_size, product=s.product, issue=s.issue,
                branch=s.branch, amount_cents=parse_amount(s.amount), tags=frozenset(s.tags))


def _pick(t: Triggers, scenario: Scenario) -> str | None:
    available = {
        "same_cluster": t.same_cluster is not None,
        "group": t.in_person_group_size is not None,
        "combo": bool(t.tag_combinations),
        "amount": t.amount_at_least_cents is not None,
    }
    for pref in PREFERENCES[scenario]:
        if pref.startswith("tag:"):
            match = next((tag for tag in t.tags if pref[4:] in tag), None)
            if match:
                return f"tag:{match}"
        elif pref == "tag":
            if t.tags:
                return f"tag:{t.tags[0]}"
        elif available[pref]:
            return pref
    return None


# --- simulated delays -------------------------------------------------------------------------


@dataclass(frozen=True)
class Delays:
    """Minutes a simulated team takes: detection after the drill starts; the first customer
    contact after detection, then one more complaint every ``contact_every``; each checklist
    item after it was planned (``None`` in ``items`` = never done, i.e. missed)."""

    detect: int = 10
    first_contact: int = 20
    contact_every: int = 2
    items: dict[str, int | None] = field(default_factory=dict)
    default_item_share: float = 0.5  # items not listed are done at this share of their time

    def to_dict(self) -> dict[str, Any]:
        return {"detect": self.detect, "first_contact": self.first_contact,
                "contact_every": self.contact_every,
                "items": {k: ("miss" if v is None else v) for k, v in self.items.items()}}


def parse_delays(text: str, *, source: str = "delays") -> Delays:
    """TOML (or JSON when it starts with ``{``): ``detect = 12``, ``first_contact = 30``,
    ``contact_every = 5``, ``[items] report_regulator = 150``, ``written_report = "miss"``."""
    try:
        data = json.loads(text) if text.lstrip().startswith("{") else tomllib.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as problem:
        line = getattr(problem, "lineno", None)
        raise PlanError(source, [(line, _("not valid TOML or JSON: {problem}").format(
            problem=problem))]) from None
    problems: list[tuple[int | None, str]] = []

    def minutes(value: Any, path: tuple) -> int | None:
        if value == "miss":
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            problems.append((locate(text, path), _("{key} must be whole minutes (0 or more) or "
                                                   "\"miss\"").format(key=".".join(map(str,
                                                                                      path)))))
            return 0
        return value

    allowed = {"detect", "first_contact", "contact_every", "items"}
    for key in data:
        if key not in allowed:
            problems.append((locate(text, (key,)), _("unknown key '{key}' (allowed: {allowed})")
                             .format(key=key, allowed=", ".join(sorted(allowed)))))
    values = {k: minutes(data[k], (k,)) for k in ("detect", "first_contact", "contact_every")
              if k in data}
    for k, v in values.items():
        if v is None:
            problems.append((locate(text, (k,)), _("{key} cannot be \"miss\"").format(key=k)))
    items_raw = data.get("items", {})
    if not isinstance(items_raw, dict):
        problems.append((locate(text, ("items",)), _("items must be a table")))
        items_raw = {}
    items = {k: minutes(v, ("items", k)) for k, v in items_raw.items()}
    if problems:
        raise PlanError(source, problems)
    return Delays(**{k: v for k, v in values.items() if v is not None}, items=items)


def item_delay(delays: Delays, key: str, within: timedelta) -> int | None:
    """Minutes after planning when the simulated team completes item ``key``."""
    if key in delays.items:
        return delays.items[key]
    return int(within.total_seconds() // 60 * delays.default_item_share)


# --- the score --------------------------------------------------------------------------------


ITEM_POINTS = {"met": 1.0, "late": 0.5, "missed": 0.0}


def detection_points(delay_minutes: int | None, detect_within_minutes: int) -> float:
    if delay_minutes is None:
        return 0.0
    if delay_minutes <= detect_within_minutes:
        return 1.0
    return 0.5 if delay_minutes <= 2 * detect_within_minutes else 0.0


def score(results: list[str], acknowledged_share: float, detection: float) -> int:
    """See the module docstring."""
    points = [ITEM_POINTS[r] for r in results if r in ITEM_POINTS]
    parts = points + [acknowledged_share, detection]
    return round(100 * sum(parts) / len(parts))
