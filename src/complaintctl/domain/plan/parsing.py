"""Parsing and checking a plan: every problem is named with its line (``PlanError``); the
documented default plan (``data/emergency_plan.toml``)."""

from __future__ import annotations

import re
import tomllib
from datetime import timedelta
from importlib import resources
from typing import Any

from complaintctl.domain import money
from complaintctl.domain.plan.checker import TAG, KEY, Checker, dotted
from complaintctl.domain.plan.location import locate
from complaintctl.domain.plan.model import (
    DIMENSIONS,
    LEVEL_OF,
    ROMAN,
    Level,
    Plan,
    Spike,
    TimetableItem,
    Triggers,
    roman,
)
from complaintctl.errors import InvalidData
from complaintctl.i18n import _


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


def parse_plan(text: str, *, source: str = "plan") -> Plan:
    """Parse and check a plan; raise PlanError naming the line of every problem."""
    data = _toml(text, source)
    c = Checker()
    c.table(data, (), {"name", "organisation", "detection", "drills", "levels"}, {"levels"})
    detection = c.table(data.get("detection", {}), ("detection",),
                        {"window", "in_person_channels", "cluster_by", "spike"})
    cluster_by = _cluster_by(c, detection)
    spike = _spike(c, detection)
    drills = c.table(data.get("drills", {}), ("drills",),
                     {"every_months", "detect_within", "branch"})
    levels_data = c.table(data.get("levels", {}), ("levels",), set(LEVEL_OF), set(LEVEL_OF))
    levels = {}
    for name, number in LEVEL_OF.items():
        if name in levels_data:
            levels[number] = _level(c, levels_data[name], ("levels", name), number)
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


def _toml(text: str, source: str) -> dict[str, Any]:
    """The TOML read, or a PlanError naming the line where it is not valid TOML."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as problem:
        line = getattr(problem, "lineno", None)
        if line is None:
            m = re.search(r"at line (\d+)", str(problem))
            line = int(m.group(1)) if m else None
        message = getattr(problem, "msg", None) or re.sub(r"\s*\(at line.*\)$", "", str(problem))
        raise PlanError(source, [(line, _("not valid TOML: {problem}").format(
            problem=message))]) from None


def _cluster_by(c: Checker, detection: dict) -> tuple[str, ...]:
    cluster_by = c.strings(detection, "cluster_by", ("detection",), DIMENSIONS)
    for i, dim in enumerate(cluster_by):
        if dim not in DIMENSIONS:
            c.fail(("detection", "cluster_by", i), _("cluster_by accepts {dims}, not '{dim}'")
                   .format(dims=", ".join(DIMENSIONS), dim=dim))
    return cluster_by


def _spike(c: Checker, detection: dict) -> Spike:
    """``[detection.spike]``: the statistical test for an unusual day."""
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
    return Spike(
        enabled=sp.get("enabled", True) is True,
        level=spike_level,
        baseline_days=c.integer(sp, "baseline_days", spike_path, 30),
        alpha=float(alpha),
        min_count=c.integer(sp, "min_count", spike_path, 5),
        gate_counts=sp.get("gate_counts", True) is True,
    )


def _level(c: Checker, data: Any, path: tuple, number: int) -> Level:
    """One ``[levels.X]`` table: its people, triggers and timetable."""
    data = c.table(data, path, {"name", "commander", "deputy", "notify", "acknowledge_within",
                                "triggers", "timetable"},
                   {"commander", "deputy", "timetable"})
    triggers = _triggers(c, data, path)
    items = _timetable(c, data, path, number)
    return Level(
        number=number,
        name=c.string(data, "name", path, roman(number)),
        commander=c.string(data, "commander", path, ""),
        deputy=c.string(data, "deputy", path, ""),
        notify=c.strings(data, "notify", path),
        acknowledge_within=c.duration(data, "acknowledge_within", path, "24h"),
        triggers=triggers,
        timetable=items,
    )


def _triggers(c: Checker, data: dict, path: tuple) -> Triggers:
    """A level's ``triggers`` table."""
    tr = c.table(data.get("triggers", {}), path + ("triggers",),
                 {"tags", "in_person_group_size", "same_cluster", "amount_at_least",
                  "tag_combinations"})
    tpath = path + ("triggers",)
    amount = None
    if "amount_at_least" in tr:
        try:
            amount = money.parse_amount(str(tr["amount_at_least"]))
        except InvalidData as problem:
            c.fail(tpath + ("amount_at_least",), str(problem).rstrip("."))
    combos = _tag_combinations(c, tr, tpath)
    return Triggers(
        tags=c.tags(tr, "tags", tpath),
        in_person_group_size=c.integer(tr, "in_person_group_size", tpath),
        same_cluster=c.integer(tr, "same_cluster", tpath),
        amount_at_least_cents=amount,
        tag_combinations=combos,
    )


def _tag_combinations(c: Checker, tr: dict, tpath: tuple) -> tuple[tuple[str, ...], ...]:
    combos = []
    raw_combos = tr.get("tag_combinations", [])
    if not isinstance(raw_combos, list):
        c.fail(tpath + ("tag_combinations",), _("tag_combinations must be a list of lists of "
                                                 "tags"))
        raw_combos = []
    for i, combo in enumerate(raw_combos):
        if not isinstance(combo, list) or not combo or not all(
            isinstance(t, str) and TAG.match(t) for t in combo
        ):
            c.fail(tpath + ("tag_combinations", i),
                   _("tag_combinations must be a list of lists of tags"))
        else:
            combos.append(tuple(t.lower() for t in combo))
    return tuple(combos)


def _timetable(c: Checker, data: dict, path: tuple, number: int) -> tuple[TimetableItem, ...]:
    """A level's ``[[levels.X.timetable]]`` items; keys unique within the level."""
    items = []
    raw_items = data.get("timetable", [])
    if not isinstance(raw_items, list):
        c.fail(path + ("timetable",), _("{key} must be an array of tables ([[{key}]])").format(
            key=dotted(path + ("timetable",))))
        raw_items = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_items):
        ipath = path + ("timetable", i)
        item = c.table(raw, ipath, {"key", "action", "owner", "within"},
                       {"key", "action", "owner", "within"})
        if not item:
            continue
        key = c.string(item, "key", ipath, "")
        if key and not KEY.match(key):
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
    return tuple(items)


def default_text() -> str:
    """The documented default plan (``complaintctl/data/emergency_plan.toml``)."""
    return resources.files("complaintctl.data").joinpath("emergency_plan.toml").read_text(
        "utf-8")


def default_plan() -> Plan:
    return parse_plan(default_text(), source="default plan")
