"""Dates as real exports write them, read one way for the whole file.

ISO (``2019-09-24``, with or without a time), ``YYYY/M/D``, ``YYYY.M.D``, ``YYYY年M月D日``,
``YYYYMMDD``, and the two orders of ``A/B/YYYY``, ``A-B-YYYY``, ``A.B.YY``: month first
(``M/D/YYYY``, ``MM/DD/YY``) or day first (``DD-MM-YYYY``). Month names (``Sep 24, 2019``) go to
dateutil. A file's order is fixed by ``--dayfirst``, by ``--date-format``, or by its first date
whose day is above 12; a file whose dates read two ways (``03/04/2025``) and say nothing else is
refused, naming the first such line. Naive values are in the bank's time zone; results are UTC.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

from complaintctl.errors import InvalidData, UsageProblem
from complaintctl.i18n import _

_TIME = r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?"
_YMD = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})" + _TIME + r"$")
_ABY = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})" + _TIME + r"$")
_CJK = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日" + _TIME + r"$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}")


def check_format(fmt: str, name: str) -> None:
    """Refuse (exit 2) a strptime format that cannot read back a whole date: a typo such as
    ``%Q`` or ``abc`` would otherwise reject every row of the file, one by one."""
    sample = datetime(2026, 3, 4, 5, 6, 7)
    try:
        back = datetime.strptime(sample.strftime(fmt), fmt).date()
    except ValueError:
        back = None
    if back != sample.date():
        raise UsageProblem(_(
            "{name} '{fmt}' does not read a whole date; give a day, a month and a year, e.g. "
            "%d/%m/%Y or %Y-%m-%d %H:%M."
        ).format(name=name, fmt=fmt))


class AmbiguousDates(InvalidData):
    """The file's dates can be read day first or month first and nothing says which."""


class DateReader:
    """Parses a file's dates; remembers the order it found and the first ambiguous line."""

    def __init__(self, *, tz: ZoneInfo, dayfirst: bool = False, date_format: str | None = None):
        self.tz = tz
        self.date_format = date_format
        self.order: str | None = "dmy" if dayfirst else ("fmt" if date_format else None)
        self.first_ambiguous: tuple[int, str] | None = None
        self._cache: dict[str, datetime] = {}

    def parse(self, text: str, line: int) -> datetime:
        value = self._cache.get(text)
        if value is not None:
            return value
        value, ambiguous = self._parse(text.strip(), line)
        if ambiguous and self.first_ambiguous is None:
            self.first_ambiguous = (line, text)
        if not ambiguous:
            if len(self._cache) > 50_000:
                self._cache.clear()
            self._cache[text] = value
        return value

    def finish(self) -> None:
        """At the end of the file: refuse it if its dates read two ways and nothing decided."""
        if self.first_ambiguous is not None and self.order is None:
            line, text = self.first_ambiguous
            raise self._ambiguous(line, text)

    def _ambiguous(self, line: int, text: str) -> AmbiguousDates:
        return AmbiguousDates(
            _(
                "Line {line}: the date '{text}' reads two ways (day first or month first) and "
                "no date in the file says which; pass --dayfirst, or --date-format %m/%d/%Y "
                "for month first."
            ).format(line=line, text=text)
        )

    def _local(self, y: int, m: int, d: int, hh=None, mm=None, ss=None, us=None) -> datetime:
        micro = int((us or "0").ljust(6, "0")) if us else 0
        clock = time(int(hh or 0), int(mm or 0), int(ss or 0), micro)
        return datetime(y, m, d, clock.hour, clock.minute, clock.second, clock.microsecond,
                        tzinfo=self.tz).astimezone(timezone.utc)

    def _parse(self, text: str, line: int) -> tuple[datetime, bool]:
        try:
            if self.date_format:
                return self._aware(datetime.strptime(text, self.date_format)), False
            if _ISO.match(text):
                return self._aware(datetime.fromisoformat(text.replace("Z", "+00:00"))), False
            match = _YMD.match(text) or _CJK.match(text)
            if match:
                y, m, d, *rest = match.groups()
                return self._local(int(y), int(m), int(d), *rest), False
            match = _COMPACT.match(text)
            if match:
                return self._local(*(int(g) for g in match.groups())), False
            match = _ABY.match(text)
            if match:
                return self._day_month(match, text, line)
            from dateutil import parser

            value = parser.parse(text, dayfirst=self.order == "dmy")
            if value.year < 1900:
                raise ValueError
            return self._aware(value), False
        except (ValueError, OverflowError):
            raise InvalidData(self._bad(text)) from None

    def _day_month(self, match, text: str, line: int) -> tuple[datetime, bool]:
        a, _sep, b, y, *rest = match.groups()
        a, b, year = int(a), int(b), int(y)
        if len(y) == 2:
            year += 2000 if year < 69 else 1900  # as strptime's %y
        ambiguous = False
        if a > 12 and b <= 12:
            order = "dmy"
        elif b > 12 and a <= 12:
            order = "mdy"
        else:
            order = self.order or "mdy"
            ambiguous = a != b and self.order is None
        if not ambiguous and self.order is None and (a > 12 or b > 12):
            self.order = order
            if order == "dmy" and self.first_ambiguous is not None:
                # earlier lines were read month first: refuse rather than guess twice
                raise self._ambiguous(*self.first_ambiguous)
        if self.order == "dmy" and order == "mdy" and not ambiguous and b > 12:
            raise InvalidData(self._bad(text))
        if self.order == "mdy" and order == "dmy" and a > 12:
            raise InvalidData(self._bad(text))
        day, month = (a, b) if order == "dmy" else (b, a)
        return self._local(year, month, day, *rest), ambiguous

    def _aware(self, value: datetime) -> datetime:
        if value.tzinfo is None:
            value = value.replace(tzinfo=self.tz)
        return value.astimezone(timezone.utc)

    def _bad(self, text: str) -> str:
        if self.date_format:
            return _("the date '{text}' does not match --date-format {fmt}").format(
                text=text, fmt=self.date_format
            )
        return _(
            "'{text}' is not a date; write it like 2026-11-28 (or pass --date-format)"
        ).format(text=text)
