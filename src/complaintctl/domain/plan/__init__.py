"""The complaint emergency plan (CBIRC 2020 Art 29) as data: levels, triggers, people,
timetables and the drill schedule, read from TOML. Pure.

``default_text()`` is the documented default (``data/emergency_plan.toml``). ``parse_plan``
checks a plan and names the line of every problem. Levels are integers 1-4 (1 = I, the most
severe) in JSON and Roman numerals in tables.

``model`` holds the plan's data classes and level names, ``parsing`` the parser and the
default plan, ``checker`` the problem-collecting reader of the TOML, ``location`` the line of
a key.
"""

from complaintctl.domain.plan.checker import parse_duration
from complaintctl.domain.plan.location import locate
from complaintctl.domain.plan.model import (
    DIMENSIONS,
    DRILL_TAG,
    LEVEL_OF,
    ROMAN,
    Level,
    Plan,
    Spike,
    TimetableItem,
    Triggers,
    cents_text,
    minutes,
    parse_level,
    roman,
    shipped_text,
)
from complaintctl.domain.plan.parsing import PlanError, default_plan, default_text, parse_plan

__all__ = [
    "DIMENSIONS", "DRILL_TAG", "LEVEL_OF", "ROMAN", "Level", "Plan", "PlanError", "Spike",
    "TimetableItem", "Triggers", "cents_text", "default_plan", "default_text", "locate",
    "minutes", "parse_duration", "parse_level", "parse_plan", "roman", "shipped_text",
]
