"""What a report is (tables of rows and totals, with a chart hint) and what it is asked for."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from complaintctl.domain import money
from complaintctl.domain.period import Period
from complaintctl.services.reporting.reports.sql import TOTAL, check_dimension


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str = "int"  # text, int, float, days, rate, money, bool, list


@dataclass(frozen=True)
class Chart:
    kind: str  # bar (one bar group per row), line (a series over rows), columns (totals' keys)
    label: str  # the row key naming each bar or point
    values: tuple[str, ...]  # the row keys plotted
    mark: str | None = None  # a boolean row key: marked points (spikes)


@dataclass
class Table:
    name: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    totals: dict[str, Any]
    chart: Chart | None = None


@dataclass
class Report:
    name: str
    title: str
    period: Period
    by: str | None
    tables: list[Table]
    as_of: datetime
    branch: str | None = None
    include_drills: bool = False
    notes: list[str] = field(default_factory=list)
    #: the bank's time zone: the subtitle gives ``as_of`` in it (not part of the JSON)
    tz: ZoneInfo | None = None

    def as_json(self) -> dict[str, Any]:
        """The contract: {report, period {from, to}, by, rows, totals}."""
        if len(self.tables) == 1:
            rows = self.tables[0].rows
            totals = self.tables[0].totals
        else:
            rows = [{"section": t.name, **r} for t in self.tables for r in t.rows]
            totals = {t.name: t.totals for t in self.tables}
        return {
            "report": self.name,
            "period": {"from": self.period.start.isoformat(), "to": self.period.end.isoformat()},
            "by": self.by,
            "rows": rows,
            "totals": totals,
        }


@dataclass
class Scope:
    """What a report is computed over: a period in the bank's calendar, a branch, drills or not."""

    period: Period
    tz: ZoneInfo
    as_of: datetime
    branch: str | None = None
    include_drills: bool = False
    by: str | None = None
    every: str | None = None
    #: the branch and every branch below it in the organisation tree (None: every branch)
    branches: frozenset[str] | None = None

    @property
    def start(self) -> datetime:
        return self.period.bounds(self.tz)[0]

    @property
    def end(self) -> datetime:
        return self.period.bounds(self.tz)[1]

    @property
    def snapshot(self) -> datetime:
        """The instant "open at the period's end" is taken: its end, or now if that is sooner."""
        return min(self.end, self.as_of)

    @property
    def today(self) -> date:
        return self.as_of.astimezone(self.tz).date()


# --- assembling rows -------------------------------------------------------------------------------


def merge(*parts: dict[Any, dict[str, Any]]) -> dict[Any, dict[str, Any]]:
    """Figures from several grouped queries, by dimension value."""
    out: dict[Any, dict[str, Any]] = {}
    for part in parts:
        for key, figures in part.items():
            out.setdefault(key, {}).update(figures)
    return out


def zero(value: Any) -> Any:
    return 0 if value is None else value


def ratio(numerator: Any, denominator: Any, digits: int = 4) -> float | None:
    return round(numerator / denominator, digits) if denominator else None


def mean(total: Any, count: Any, digits: int = 2) -> float | None:
    return round(float(total) / count, digits) if count else None


def rounded(value: Any, digits: int = 2) -> float | None:
    return None if value is None else round(float(value), digits)


def amount(cents: Any) -> str:
    return money.format_amount(int(cents or 0)) or "0.00"


def sort_key(value: Any):
    """Rows sorted by dimension value, blanks last."""
    return (value is None or value is TOTAL, str(value) if value is not None else "")


def dim_rows(by: str | None, data: dict[Any, dict[str, Any]], build) -> list[dict[str, Any]]:
    """One row per dimension value (under the dimension's own name), or one row without --by."""
    if by is None:
        return [build(data.get(TOTAL, {}))]
    rows = []
    for key in sorted(data, key=sort_key):
        rows.append({by: key, **build(data[key])})
    return rows


def summed(data: dict[Any, dict[str, Any]], keys: list[str]) -> dict[str, Any]:
    return {k: sum(zero(v.get(k)) for v in data.values()) for k in keys}


def figure_rows(session, scope, figures, build, counts: list[str]
                ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """A table's rows (``dim_rows`` of ``figures(session, scope, by)``) and its totals: the one
    row without --by; by tag, the figures counted once over all tags (a complaint with two
    tags is one complaint); otherwise the ``counts`` summed over the rows."""
    by = scope.by
    check_dimension(by)
    data = figures(session, scope, by)
    rows = dim_rows(by, data, build)
    if by is None:
        totals = dict(rows[0])
    elif by == "tag":
        totals = build(figures(session, scope, None).get(TOTAL, {}))
    else:
        totals = build(summed(data, counts))
    return rows, totals
