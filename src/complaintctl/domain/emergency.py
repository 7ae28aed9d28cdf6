"""The emergency plan at work (CBIRC 2020 Art 29): its triggers evaluated over complaints, and
a level's timetable turned into a checklist. Pure. The plan itself is ``domain/plan.py``.

``evaluate`` runs the triggers over a plain list of complaint facts, so detection is tested
without a database.

The spike statistic: for a cluster (one product, issue or branch) let ``n`` be the complaints
received in the window (default the last 24 h) and ``lam`` the cluster's mean per window over
the baseline (default the 30 days before the window). The spike rule fires when ``n`` is at
least ``min_count`` and the Poisson upper tail ``P(X >= n | lam)`` is at most ``alpha``
(default 0.001): the chance of so many complaints on an ordinary day. With ``gate_counts``
(default on) the fixed count triggers (>= 10, >= 5) must pass the same test when the cluster
has a baseline, so a branch that always gets a dozen complaints a day is not in permanent alarm.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from complaintctl.domain.plan import Level, Plan, cents_text
from complaintctl.i18n import _

# --- triggers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    """What detection needs to know about one complaint."""

    number: str
    received_at: datetime
    registered_at: datetime | None = None
    channel: str = "other"
    group_size: int = 1
    product: str | None = None
    issue: str | None = None
    branch: str | None = None
    amount_cents: int | None = None
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Firing:
    """A trigger that fired: the level, the rule, the cluster and the complaints in it."""

    level: int
    rule: str
    cluster: str
    numbers: tuple[str, ...]
    details: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def describe(self) -> str:
        d = self.details
        if self.rule.startswith("tag:"):
            return _("complaint {number} carries the tag '{tag}'").format(
                number=self.numbers[0], tag=self.rule[4:])
        if self.rule == "group_visit":
            return _("{size} complainants filed {number} jointly in person (threshold {n})")\
                .format(size=d.get("group_size"), number=self.numbers[0], n=d.get("threshold"))
        if self.rule == "amount":
            return _("complaint {number} disputes {amount} (threshold {n})").format(
                number=self.numbers[0], amount=d.get("amount"), n=d.get("threshold"))
        if self.rule == "tag_combination":
            return _("complaint {number} carries the tags {tags}").format(
                number=self.numbers[0], tags=" + ".join(d.get("tags", [])))
        if self.rule == "spike":
            return _("{count} complaints on {cluster} in the window against a baseline of "
                     "{mean:.2f} (p = {p:.2g})").format(count=d.get("count"), cluster=self.cluster,
                                                       mean=d.get("baseline_mean", 0),
                                                       p=d.get("p_value", 0))
        return _("{count} complaints on {cluster} in the window (threshold {n})").format(
            count=d.get("count"), cluster=self.cluster, n=d.get("threshold"))


def poisson_sf(n: int, lam: float) -> float:
    """P(X >= n) for X ~ Poisson(lam), summed in log space (stable for large lam)."""
    if n <= 0:
        return 1.0
    if lam <= 0:
        return 0.0
    log_terms = [-lam + i * math.log(lam) - math.lgamma(i + 1) for i in range(n)]
    top = max(log_terms)
    below = math.exp(top) * sum(math.exp(t - top) for t in log_terms)
    return max(0.0, min(1.0, 1.0 - below))


def _in_window(moment: datetime | None, start: datetime, end: datetime) -> bool:
    return moment is not None and start < moment <= end


def evaluate(plan: Plan, facts: list[Fact], as_of: datetime) -> list[Firing]:
    """Every trigger that fires at ``as_of``: per-complaint rules for complaints received or
    registered in the window, count and spike rules per cluster."""
    start = as_of - plan.window
    firings: list[Firing] = []
    recent = [f for f in facts if _in_window(f.received_at, start, as_of)
              or _in_window(f.registered_at, start, as_of) and f.received_at <= as_of]
    for fact in sorted(recent, key=lambda f: f.number):
        for number in sorted(plan.levels):
            t = plan.levels[number].triggers
            key = f"complaint:{fact.number}"
            for tag in t.tags:
                if tag in fact.tags:
                    firings.append(Firing(number, f"tag:{tag}", key, (fact.number,)))
            if (t.in_person_group_size is not None and fact.channel in plan.in_person_channels
                    and fact.group_size >= t.in_person_group_size):
                firings.append(Firing(number, "group_visit", key, (fact.number,),
                                      {"group_size": fact.group_size,
                                       "threshold": t.in_person_group_size}))
            if (t.amount_at_least_cents is not None and fact.amount_cents is not None
                    and fact.amount_cents >= t.amount_at_least_cents):
                firings.append(Firing(number, "amount", key, (fact.number,),
                                      {"amount": cents_text(fact.amount_cents),
                                       "threshold": cents_text(t.amount_at_least_cents)}))
            for combo in t.tag_combinations:
                if set(combo) <= fact.tags:
                    firings.append(Firing(number, "tag_combination", key, (fact.number,),
                                          {"tags": list(combo)}))
    firings.extend(_cluster_firings(plan, facts, as_of))
    return firings


def _cluster_firings(plan: Plan, facts: list[Fact], as_of: datetime) -> list[Firing]:
    start = as_of - plan.window
    base_start = start - timedelta(days=plan.spike.baseline_days)
    windows_in_baseline = (start - base_start) / plan.window
    current: dict[str, list[str]] = defaultdict(list)
    baseline: dict[str, int] = defaultdict(int)
    for fact in facts:
        for dim in plan.cluster_by:
            value = getattr(fact, dim)
            if not value:
                continue
            key = f"{dim}:{value}"
            if start < fact.received_at <= as_of:
                current[key].append(fact.number)
            elif base_start < fact.received_at <= start:
                baseline[key] += 1
    out = []
    for key in sorted(current):
        numbers = tuple(sorted(current[key]))
        n = len(numbers)
        mean = baseline[key] / windows_in_baseline if windows_in_baseline else 0.0
        p = poisson_sf(n, mean)
        unusual = mean == 0 or p <= plan.spike.alpha
        stats = {"count": n, "baseline_mean": round(mean, 4), "p_value": p}
        for number in sorted(plan.levels):
            threshold = plan.levels[number].triggers.same_cluster
            if threshold is not None and n >= threshold and (unusual or not plan.spike.gate_counts):
                out.append(Firing(number, "same_cluster", key, numbers,
                                  dict(stats, threshold=threshold)))
        if plan.spike.enabled and n >= plan.spike.min_count and p <= plan.spike.alpha:
            out.append(Firing(plan.spike.level, "spike", key, numbers,
                              dict(stats, alpha=plan.spike.alpha)))
    return out


def strongest(firings: list[Firing]) -> list[Firing]:
    """The most severe firing per cluster, most severe clusters first."""
    best: dict[str, Firing] = {}
    for f in firings:
        if f.cluster not in best or f.level < best[f.cluster].level:
            best[f.cluster] = f
    return sorted(best.values(), key=lambda f: (f.level, -len(f.numbers), f.cluster))


# --- the checklist ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedItem:
    key: str
    action: str
    owner: str
    person: str
    due_at: datetime


def checklist(level: Level, start: datetime) -> list[PlannedItem]:
    """The level's timetable as a checklist with due times counted from ``start``."""
    return [PlannedItem(i.key, i.action, i.owner, level.person(i.owner), start + i.within)
            for i in level.timetable]


def item_result(due_at: datetime, done_at: datetime | None, as_of: datetime) -> str:
    """met (done by the due time), late (done after it), missed (not done and past due),
    pending (not done and not yet due)."""
    if done_at is not None:
        return "met" if done_at <= due_at else "late"
    return "missed" if as_of > due_at else "pending"
