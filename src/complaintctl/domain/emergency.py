"""The complaint emergency plan (CBIRC 2020 Art 29): levels, triggers, timetables. Pure.

A plan is TOML (``DEFAULT_PLAN`` is the documented default). ``parse_plan`` checks it and
names the line of every problem; ``evaluate`` runs the triggers over a plain list of
complaint facts, so detection is tested without a database.

Levels are integers 1-4 (1 = I, the most severe) in JSON and Roman numerals in tables.

The spike statistic: for a cluster (one product, issue or branch) let ``n`` be the complaints
received in the window (default the last 24 h) and ``lam`` the cluster's mean per window over
the baseline (default the 30 days before the window). The spike rule fires when ``n`` is at
least ``min_count`` and the Poisson upper tail ``P(X >= n | lam)`` is at most ``alpha``
(default 0.001): the chance of so many complaints on an ordinary day. With ``gate_counts``
(default on) the fixed count triggers (>= 10, >= 5) must pass the same test when the cluster
has a baseline, so a branch that always gets a dozen complaints a day is not in permanent alarm.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from complaintctl.errors import InvalidData
from complaintctl.i18n import _

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
LEVEL_OF = {v: k for k, v in ROMAN.items()}
DIMENSIONS = ("product", "issue", "branch")
DRILL_TAG = "drill"


def roman(level: int) -> str:
    return ROMAN.get(level, str(level))


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


DEFAULT_PLAN = '''\
# complaintctl emergency plan (客户投诉应急预案), CBIRC 2020 Art 29.
# Edit, check with `complaintctl plan validate FILE`, store with `complaintctl plan load FILE`.
# Levels: I (1) is the most severe. Durations: "15m", "2h", "1d".
# People (commander, deputy, notify, timetable owner): a staff user name, or a staff role
# (clerk, handler, supervisor, auditor, admin) meaning every active member with that role.

name = "Default complaint emergency plan"
organisation = "The bank"

[detection]
window = "24h"                     # complaints counted together
in_person_channels = ["counter"]   # where a group files jointly in person
cluster_by = ["product", "issue", "branch"]

[detection.spike]                  # the last window against the trailing baseline
enabled = true
level = 4
baseline_days = 30
alpha = 0.001                      # Poisson upper tail P(X >= n | baseline mean)
min_count = 5
gate_counts = true                 # count triggers must also be unusual for the cluster

[drills]
every_months = 12                  # no frequency is mandated; yearly by default
detect_within = "15m"              # detection counts as prompt within this
branch = "DRILL"                   # drill complaints go here for head-office staff

[levels.I]
name = "特别重大 especially major"
commander = "admin"
deputy = "supervisor"
notify = ["auditor"]
acknowledge_within = "1h"
[levels.I.triggers]
tags = ["regulator_designated", "outage_multi_region"]
in_person_group_size = 50
[[levels.I.timetable]]
key = "convene"
action = "Emergency group convenes"
owner = "commander"
within = "15m"
[[levels.I.timetable]]
key = "report_regulator"
action = "Report to the regulator (CBIRC/PBoC)"
owner = "commander"
within = "2h"
[[levels.I.timetable]]
key = "written_report"
action = "Written report to the regulator"
owner = "deputy"
within = "24h"

[levels.II]
name = "重大 major"
commander = "supervisor"
deputy = "handler"
notify = ["admin"]
acknowledge_within = "2h"
[levels.II.triggers]
tags = ["disaster", "accident", "public_health", "national_media"]
in_person_group_size = 20          # Art 29: 20 or more joint complainants in person
[[levels.II.timetable]]
key = "on_site"
action = "Branch head on site"
owner = "commander"
within = "1h"
[[levels.II.timetable]]
key = "report_head_office"
action = "Report to head office (and to the PBoC for a group visit)"
owner = "commander"
within = "2h"
[[levels.II.timetable]]
key = "written_report"
action = "Written report to head office"
owner = "deputy"
within = "24h"

[levels.III]
name = "较大 serious"
commander = "supervisor"
deputy = "handler"
notify = ["admin"]
acknowledge_within = "4h"
[levels.III.triggers]
tags = ["social_media_spread", "local_media"]
same_cluster = 10                  # complaints with one product, issue or branch in the window
[[levels.III.timetable]]
key = "branch_team"
action = "Branch emergency team convened"
owner = "commander"
within = "4h"
[[levels.III.timetable]]
key = "daily_report"
action = "Daily report to head office"
owner = "deputy"
within = "24h"

[levels.IV]
name = "一般 general"
commander = "supervisor"
deputy = "handler"
notify = []
acknowledge_within = "24h"
[levels.IV.triggers]
same_cluster = 5
amount_at_least = "500000"         # one complaint at or above (Art 43: 以上 includes it)
tag_combinations = [["vulnerable", "media"], ["elderly", "media"]]
[[levels.IV.timetable]]
key = "supervisor_assigned"
action = "Supervisor assigned"
owner = "commander"
within = "2h"
[[levels.IV.timetable]]
key = "daily_review"
action = "Daily review"
owner = "commander"
within = "24h"
'''


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
                        "amount_at_least": _cents_text(lv.triggers.amount_at_least_cents),
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


def _cents_text(cents: int | None) -> str | None:
    return None if cents is None else f"{cents // 100}.{cents % 100:02d}"


# --- parsing with line-precise errors ---------------------------------------------------------


class PlanError(InvalidData):
    """The plan file breaks the format; ``problems`` lists (line, message)."""

    def __init__(self, source: str, problems: list[tuple[int | None, str]]):
        self.source = source
        self.problems = problems
        lines = [f"{source}:{line or '?'}: {text}" for line, text in problems]
        super().__init__(
            _("The plan has {n} problem(s); fix them and run `complaintctl plan validate` "
              "again:\n{lines}").format(n=len(problems), lines="\n".join(lines))
        )


_DURATION = re.compile(r"^\s*(\d+)\s*(m|min|h|d)\s*$")
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_TAG = re.compile(r"^[\w.-]{1,40}$")


def parse_duration(text: Any) -> timedelta:
    """``"15m"``, ``"2h"``, ``"1d"``."""
    m = _DURATION.match(str(text)) if isinstance(text, str) else None
    if not m:
        raise ValueError(_("'{text}' is not a duration; write 15m, 2h or 1d").format(text=text))
    n, unit = int(m.group(1)), m.group(2)
    return timedelta(minutes=n) if unit in ("m", "min") else (
        timedelta(hours=n) if unit == "h" else timedelta(days=n))


def _split_key(text: str) -> tuple[str, ...]:
    parts, buf, quote = [], "", None
    for ch in text.strip():
        if quote:
            if ch == quote:
                quote = None
            else:
                buf += ch
        elif ch in "\"'":
            quote = ch
        elif ch == ".":
            parts.append(buf.strip())
            buf = ""
        else:
            buf += ch
    parts.append(buf.strip())
    return tuple(parts)


def locate(text: str, path: tuple) -> int | None:
    """The 1-based line that defines ``path`` (keys and array-of-table indexes), or the line
    of its nearest enclosing key or table header (or, for a table only defined implicitly, the
    first line inside it)."""
    header: tuple = ()
    counts: dict[tuple, int] = {}
    best, best_len, inside = None, -1, None
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^\[\[\s*(.+?)\s*\]\]", line)
        if m:
            keys = _split_key(m.group(1))
            idx = counts.get(keys, -1) + 1
            counts[keys] = idx
            for other in [k for k in counts if len(k) > len(keys) and k[: len(keys)] == keys]:
                del counts[other]
            header = keys + (idx,)
            full = header
        else:
            m = re.match(r"^\[\s*(.+?)\s*\]", line)
            if m:
                keys = _split_key(m.group(1))
                header = _with_indexes(keys, counts)
                full = header
            else:
                m = re.match(r"^((?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+"
                             r"|\"[^\"]*\"|'[^']*'))*)\s*=", line)
                if not m:
                    continue
                full = header + _split_key(m.group(1))
        if tuple(path[: len(full)]) == full and len(full) > best_len:
            best, best_len = lineno, len(full)
        if inside is None and len(full) > len(path) and full[: len(path)] == tuple(path):
            inside = lineno
    return best if best is not None and (best_len == len(path) or inside is None) else (
        inside if inside is not None else best)


def _with_indexes(keys: tuple, counts: dict[tuple, int]) -> tuple:
    """``levels.I.timetable.x`` under ``[[levels.I.timetable]]`` -> with the element index."""
    out: tuple = ()
    for i, key in enumerate(keys):
        out += (key,)
        if keys[: i + 1] in counts and i + 1 < len(keys):
            out += (counts[keys[: i + 1]],)
    return out


class _Checker:
    """Collects (path, message) problems while reading the parsed TOML."""

    def __init__(self) -> None:
        self.problems: list[tuple[tuple, str]] = []

    def fail(self, path: tuple, message: str) -> None:
        self.problems.append((path, message))

    def table(self, data: Any, path: tuple, allowed: set[str], required: set[str] = frozenset()):
        if not isinstance(data, dict):
            self.fail(path, _("{key} must be a table").format(key=_dotted(path)))
            return {}
        for key in data:
            if key not in allowed:
                self.fail(path + (key,), _("unknown key '{key}' in {table} (allowed: {allowed})")
                          .format(key=key, table=_dotted(path) or _("the plan"),
                                  allowed=", ".join(sorted(allowed))))
        for key in sorted(required - set(data)):
            self.fail(path, _("{table} needs '{key}'").format(
                table=_dotted(path) or _("the plan"), key=key))
        return data

    def string(self, data: dict, key: str, path: tuple, default: str | None = None) -> str:
        value = data.get(key, default)
        if not isinstance(value, str) or not value.strip():
            if key in data or default is None:
                self.fail(path + (key,), _("{key} must be a non-empty string").format(
                    key=_dotted(path + (key,))))
            return default or ""
        return value.strip()

    def integer(self, data: dict, key: str, path: tuple, default: int | None = None,
                minimum: int = 1) -> int | None:
        if key not in data:
            return default
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.fail(path + (key,), _("{key} must be a whole number of at least {min}").format(
                key=_dotted(path + (key,)), min=minimum))
            return default
        return value

    def duration(self, data: dict, key: str, path: tuple, default: str | None = None):
        value = data.get(key, default)
        if value is None:
            self.fail(path, _("{table} needs '{key}'").format(table=_dotted(path), key=key))
            return timedelta(0)
        try:
            result = parse_duration(value)
        except ValueError as problem:
            self.fail(path + (key,), f"{_dotted(path + (key,))}: {problem}")
            return timedelta(0)
        return result

    def strings(self, data: dict, key: str, path: tuple, default=()) -> tuple[str, ...]:
        value = data.get(key, list(default))
        if not isinstance(value, list):
            self.fail(path + (key,), _("{key} must be a list of strings").format(
                key=_dotted(path + (key,))))
            return tuple(default)
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.fail(path + (key, i), _("{key} must be a list of strings").format(
                    key=_dotted(path + (key,))))
            else:
                out.append(item.strip())
        return tuple(out)

    def tags(self, data: dict, key: str, path: tuple) -> tuple[str, ...]:
        out = []
        for i, tag in enumerate(self.strings(data, key, path)):
            if not _TAG.match(tag):
                self.fail(path + (key, i), _("tag '{tag}' must be 1-40 letters, digits, '_', '.' "
                                             "or '-'").format(tag=tag))
            out.append(tag.lower())
        return tuple(out)


def _dotted(path: tuple) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else ("." if i else "") + str(p)
                   for i, p in enumerate(path))


def parse_plan(text: str, *, source: str = "plan") -> Plan:
    """Parse and check a plan; raise PlanError naming the line of every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as problem:
        line = getattr(problem, "lineno", None)
        if line is None:
            m = re.search(r"at line (\d+)", str(problem))
            line = int(m.group(1)) if m else None
        message = getattr(problem, "msg", None) or re.sub(r"\s*\(at line.*\)$", "", str(problem))
        raise PlanError(source, [(line, _("not valid TOML: {problem}").format(
            problem=message))]) from None
    c = _Checker()
    c.table(data, (), {"name", "organisation", "detection", "drills", "levels"}, {"levels"})
    detection = c.table(data.get("detection", {}), ("detection",),
                        {"window", "in_person_channels", "cluster_by", "spike"})
    cluster_by = c.strings(detection, "cluster_by", ("detection",), DIMENSIONS)
    for i, dim in enumerate(cluster_by):
        if dim not in DIMENSIONS:
            c.fail(("detection", "cluster_by", i), _("cluster_by accepts {dims}, not '{dim}'")
                   .format(dims=", ".join(DIMENSIONS), dim=dim))
    sp = c.table(detection.get("spike", {}), ("detection", "spike"),
                 {"enabled", "level", "baseline_days", "alpha", "min_count", "gate_counts"})
    spike_path = ("detection", "spike")
    alpha = sp.get("alpha", 0.001)
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
        c.fail(spike_path + ("alpha",), _("detection.spike.alpha must be a number between 0 "
                                           "and 1"))
        alpha = 0.001
    for key in ("enabled", "gate_counts"):
        if key in sp and not isinstance(sp[key], bool):
            c.fail(spike_path + (key,), _("detection.spike.{key} must be true or false").format(
                key=key))
    spike_level = c.integer(sp, "level", spike_path, 4)
    if spike_level not in ROMAN:
        c.fail(spike_path + ("level",), _("detection.spike.level must be 1-4"))
        spike_level = 4
    spike = Spike(
        enabled=sp.get("enabled", True) is True,
        level=spike_level,
        baseline_days=c.integer(sp, "baseline_days", spike_path, 30),
        alpha=float(alpha),
        min_count=c.integer(sp, "min_count", spike_path, 5),
        gate_counts=sp.get("gate_counts", True) is True,
    )
    drills = c.table(data.get("drills", {}), ("drills",),
                     {"every_months", "detect_within", "branch"})
    levels_data = c.table(data.get("levels", {}), ("levels",), set(LEVEL_OF), set(LEVEL_OF))
    levels = {}
    for name, number in LEVEL_OF.items():
        if name in levels_data:
            levels[number] = _parse_level(c, levels_data[name], ("levels", name), number)
    plan = Plan(
        name=c.string(data, "name", (), "complaint emergency plan"),
        organisation=c.string(data, "organisation", (), "The bank"),
        window=c.duration(detection, "window", ("detection",), "24h"),
        in_person_channels=c.strings(detection, "in_person_channels", ("detection",),
                                     ("counter",)),
        cluster_by=cluster_by,
        spike=spike,
        drill_every_months=c.integer(drills, "every_months", ("drills",), 12),
        detect_within=c.duration(drills, "detect_within", ("drills",), "15m"),
        drill_branch=c.string(drills, "branch", ("drills",), "DRILL"),
        levels=levels,
    )
    if plan.window <= timedelta(0) and not c.problems:
        c.fail(("detection", "window"), _("detection.window must be longer than 0"))
    if c.problems:
        located = [(locate(text, path), message) for path, message in c.problems]
        raise PlanError(source, sorted(located, key=lambda p: p[0] or 0))
    return plan


def _parse_level(c: _Checker, data: Any, path: tuple, number: int) -> Level:
    data = c.table(data, path, {"name", "commander", "deputy", "notify", "acknowledge_within",
                                "triggers", "timetable"},
                   {"commander", "deputy", "timetable"})
    tr = c.table(data.get("triggers", {}), path + ("triggers",),
                 {"tags", "in_person_group_size", "same_cluster", "amount_at_least",
                  "tag_combinations"})
    tpath = path + ("triggers",)
    amount = None
    if "amount_at_least" in tr:
        from complaintctl.domain import money

        try:
            amount = money.parse_amount(str(tr["amount_at_least"]))
        except InvalidData as problem:
            c.fail(tpath + ("amount_at_least",), str(problem).rstrip("."))
    combos = []
    raw_combos = tr.get("tag_combinations", [])
    if not isinstance(raw_combos, list):
        c.fail(tpath + ("tag_combinations",), _("tag_combinations must be a list of lists of "
                                                 "tags"))
        raw_combos = []
    for i, combo in enumerate(raw_combos):
        if not isinstance(combo, list) or not combo or not all(
            isinstance(t, str) and _TAG.match(t) for t in combo
        ):
            c.fail(tpath + ("tag_combinations", i),
                   _("tag_combinations must be a list of lists of tags"))
        else:
            combos.append(tuple(t.lower() for t in combo))
    triggers = Triggers(
        tags=c.tags(tr, "tags", tpath),
        in_person_group_size=c.integer(tr, "in_person_group_size", tpath),
        same_cluster=c.integer(tr, "same_cluster", tpath),
        amount_at_least_cents=amount,
        tag_combinations=tuple(combos),
    )
    items = []
    raw_items = data.get("timetable", [])
    if not isinstance(raw_items, list):
        c.fail(path + ("timetable",), _("{key} must be an array of tables ([[{key}]])").format(
            key=_dotted(path + ("timetable",))))
        raw_items = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_items):
        ipath = path + ("timetable", i)
        item = c.table(raw, ipath, {"key", "action", "owner", "within"},
                       {"key", "action", "owner", "within"})
        if not item:
            continue
        key = c.string(item, "key", ipath, "")
        if key and not _KEY.match(key):
            c.fail(ipath + ("key",), _("key '{key}' must be lower-case letters, digits and _")
                   .format(key=key))
        if key in seen:
            c.fail(ipath + ("key",), _("key '{key}' appears twice in level {level}").format(
                key=key, level=roman(number)))
        seen.add(key)
        items.append(TimetableItem(
            key=key, action=c.string(item, "action", ipath, ""),
            owner=c.string(item, "owner", ipath, ""),
            within=c.duration(item, "within", ipath),
        ))
    if not raw_items and "timetable" in data:
        c.fail(path + ("timetable",), _("level {level} needs at least one timetable item")
               .format(level=roman(number)))
    return Level(
        number=number,
        name=c.string(data, "name", path, roman(number)),
        commander=c.string(data, "commander", path, ""),
        deputy=c.string(data, "deputy", path, ""),
        notify=c.strings(data, "notify", path),
        acknowledge_within=c.duration(data, "acknowledge_within", path, "24h"),
        triggers=triggers,
        timetable=tuple(items),
    )


def default_plan() -> Plan:
    return parse_plan(DEFAULT_PLAN, source="default plan")


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
                                      {"amount": _cents_text(fact.amount_cents),
                                       "threshold": _cents_text(t.amount_at_least_cents)}))
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
