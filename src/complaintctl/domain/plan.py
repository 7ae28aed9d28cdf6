"""The complaint emergency plan (CBIRC 2020 Art 29) as data: levels, triggers, people,
timetables and the drill schedule, read from TOML. Pure.

``default_text()`` is the documented default (``data/emergency_plan.toml``). ``parse_plan``
checks a plan and names the line of every problem. Levels are integers 1-4 (1 = I, the most
severe) in JSON and Roman numerals in tables.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from importlib import resources
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


def default_text() -> str:
    """The documented default plan (``complaintctl/data/emergency_plan.toml``)."""
    return resources.files("complaintctl.data").joinpath("emergency_plan.toml").read_text(
        "utf-8")


def default_plan() -> Plan:
    return parse_plan(default_text(), source="default plan")
