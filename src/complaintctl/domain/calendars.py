"""Working days: public holidays and make-up working days (调休), with the bank's overrides.

The data comes from the ``holidays`` package (Open World Holidays Framework), which knows
China's public holidays *and* the weekend days that the State Council turns into working days
(``weekend_workdays``), for every year it has an official schedule for. A year whose schedule
was not yet published when the package was released only has the statutory dates worked out
by rule, and no make-up days: ``is_official`` says so, and the bank adds the published dates
with the ``calendar.extra_holidays`` and ``calendar.extra_workdays`` settings.

Pure: no I/O (the package's tables are data). ``holidays`` is imported on first use only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from complaintctl.i18n import N_, language

#: the calendars a profile may name: our code -> (holidays country code, subdivision)
COUNTRIES: dict[str, tuple[str | None, str | None]] = {
    "CN": ("CN", None),
    "GB-ENG": ("GB", "ENG"),
    "US": ("US", None),
    "none": (None, None),
}


@dataclass
class WorkCalendar:
    """Which days are working days, and why a day is not."""

    country: str = "CN"
    extra_holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()
    _data: Any = field(default=None, repr=False, compare=False)
    _years: set[tuple[str, int]] = field(default_factory=set, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.country not in COUNTRIES:
            raise ValueError(f"unknown calendar {self.country!r}")

    def _table(self, year: int):
        code, subdiv = COUNTRIES[self.country]
        if code is None:
            return None
        # the holiday names follow the interface language (国庆节 / National Day), so the table is
        # kept per language: otherwise the first language to load it would name them for good
        lang = language()
        if self._data is None:
            self._data = {}
        if lang not in self._data:
            import holidays

            known = holidays.country_holidays(code, subdiv=subdiv, years=[])
            wanted = next((x for x in known.supported_languages
                           if x.split("_")[0] == lang), known.default_language)
            self._data[lang] = holidays.country_holidays(code, subdiv=subdiv, years=[],
                                                         language=wanted)
        table = self._data[lang]
        if (lang, year) not in self._years:
            _ = date(year, 1, 1) in table  # expand=True: a lookup loads the whole year
            self._years.add((lang, year))
        return table

    def holiday_name(self, day: date) -> str | None:
        """The public holiday on ``day`` (a bank override says "bank holiday"), or None."""
        if day in self.extra_workdays:
            return None
        if day in self.extra_holidays:
            return "bank holiday (configured)"
        table = self._table(day.year)
        if table is None:
            return None
        return table.get(day)

    def is_makeup_workday(self, day: date) -> bool:
        """A Saturday or Sunday that is a working day (调休), by law or by override."""
        if day.weekday() < 5:
            return False
        if day in self.extra_workdays:
            return True
        table = self._table(day.year)
        return table is not None and day in getattr(table, "weekend_workdays", ())

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        if self.holiday_name(day) is not None:
            return False
        return day.weekday() < 5 or self.is_makeup_workday(day)

    def next_working_day(self, day: date, *, limit: int = 366) -> date:
        """``day`` itself if it is a working day, else the first working day after it."""
        for offset in range(limit):
            candidate = day + timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError("no working day within a year; check the calendar overrides")

    def is_official(self, year: int) -> bool:
        """Whether the year's schedule is the published one (China: it names make-up days).

        Every year since 2001 has had make-up working days in China; a year without any in
        the package is one whose schedule the package does not have yet.
        """
        if self.country != "CN":
            return True
        if any(d.year == year for d in self.extra_workdays):
            return True
        table = self._table(year)
        return any(d.year == year for d in getattr(table, "weekend_workdays", ()))

    def notable_days(self, start: date, end: date) -> list[tuple[date, str]]:
        """Holidays and make-up working days from ``start`` to ``end`` inclusive, in order."""
        found: list[tuple[date, str]] = []
        day = start
        while day <= end:
            name = self.holiday_name(day)
            if name is not None:
                found.append((day, name))
            elif self.is_makeup_workday(day):
                found.append((day, MAKEUP_DAY))
            day += timedelta(days=1)
        return found


#: The name ``notable_days`` gives a make-up working day (JSON keeps it; ``due`` shows it in the
#: interface language).
MAKEUP_DAY = N_("working day (调休 make-up day)")


def parse_dates(values: Iterable[str] | str | None) -> frozenset[date]:
    """``"2027-02-05, 2027-02-11"`` or a list of ISO dates -> a set of dates."""
    if values is None:
        return frozenset()
    if isinstance(values, str):
        values = [v for v in values.replace(";", ",").split(",")]
    result = set()
    for value in values:
        value = str(value).strip()
        if value:
            result.add(date.fromisoformat(value))
    return frozenset(result)
