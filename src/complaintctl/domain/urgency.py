"""The urgency score: a sum of documented terms, each a factor times a coefficient (like
taskwarrior's urgency). Every coefficient is a setting (``urgency.<term>``); these are the
defaults.

| term | factor | default coefficient |
|---|---|---|
| due | 0.2 with 14 or more days left, rising linearly to 1.0 at 7 days overdue | 12.0 |
| priority | 1.0 urgent, 0.65 high, 0.3 normal, 0 low | 6.0 |
| elderly | 1 if tagged ``elderly`` | 3.0 |
| vulnerable | 1 if tagged ``vulnerable`` | 3.0 |
| regulator | 1 if it came from the regulator | 4.0 |
| group | joint complainants beyond the first, up to 19 (so 1.0 at 20, Art 29) / 19 | 5.0 |
| amount | log10(amount / 1,000) clipped to 0..3 (1,000 -> 0; 1,000,000 -> 3) / 3 | 3.0 |
| reopened | reopen count, up to 3, / 3 | 4.0 |
| escalated | escalation level, up to 2, / 2 | 4.0 |
| paused | 1 while the clock is stopped | -3.0 |

Only complaints whose clock runs (registered, assigned, investigating, under review) get the
due term; a decided complaint's score is its other terms.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

DEFAULT_WEIGHTS: dict[str, float] = {
    "due": 12.0,
    "priority": 6.0,
    "elderly": 3.0,
    "vulnerable": 3.0,
    "regulator": 4.0,
    "group": 5.0,
    "amount": 3.0,
    "reopened": 4.0,
    "escalated": 4.0,
    "paused": -3.0,
}
PRIORITY_FACTOR = {"urgent": 1.0, "high": 0.65, "normal": 0.3, "low": 0.0}


@dataclass(frozen=True)
class Term:
    name: str
    factor: float
    coefficient: float
    because: str
    #: what ``because`` is made of (hours left, the priority, the amount and its currency, a
    #: count), so a table can say it in the interface language; JSON keeps ``because``
    detail: Any = field(default=None, compare=False)

    @property
    def value(self) -> float:
        return round(self.factor * self.coefficient, 4)


def due_factor(seconds_left: int | None) -> float:
    """taskwarrior's due curve: 0.2 at 14+ days left, 1.0 at 7+ days overdue, linear between."""
    if seconds_left is None:
        return 0.0
    days = seconds_left / 86400
    if days >= 14:
        return 0.2
    if days <= -7:
        return 1.0
    return round(0.2 + (14 - days) * 0.8 / 21, 4)


def terms(
    *,
    seconds_left: int | None,
    priority: str,
    tags: list[str] | set[str],
    channel: str,
    group_size: int,
    amount: Decimal | None,
    reopen_count: int,
    escalation_level: int,
    paused: bool,
    weights: dict[str, float] | None = None,
    currency: str = "CNY",
) -> list[Term]:
    """The non-zero terms of the score, in the table's order."""
    w = {**DEFAULT_WEIGHTS, **(weights or {})}
    amount_factor = 0.0
    if amount is not None and amount > 1000:
        amount_factor = min(3.0, math.log10(float(amount) / 1000)) / 3
    found = [
        Term("due", due_factor(seconds_left), w["due"],
             "no running clock" if seconds_left is None else f"{seconds_left // 3600}h left",
             seconds_left),
        Term("priority", PRIORITY_FACTOR.get(priority, 0.0), w["priority"], priority, priority),
        Term("elderly", 1.0 if "elderly" in tags else 0.0, w["elderly"], "tag elderly"),
        Term("vulnerable", 1.0 if "vulnerable" in tags else 0.0, w["vulnerable"],
             "tag vulnerable"),
        Term("regulator", 1.0 if channel == "regulator" else 0.0, w["regulator"],
             "channel regulator"),
        Term("group", min(19, max(0, group_size - 1)) / 19, w["group"],
             f"{group_size} complainants", group_size),
        Term("amount", round(amount_factor, 4), w["amount"], f"amount {amount}",
             (amount, currency)),
        Term("reopened", min(3, reopen_count) / 3, w["reopened"], f"reopened {reopen_count}x",
             reopen_count),
        Term("escalated", min(2, escalation_level) / 2, w["escalated"],
             f"escalation level {escalation_level}", escalation_level),
        Term("paused", 1.0 if paused else 0.0, w["paused"], "clock stopped"),
    ]
    return [t for t in found if t.factor and t.coefficient]


def score(found: list[Term]) -> float:
    return round(sum(t.value for t in found), 2)
