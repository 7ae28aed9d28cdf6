"""Counting reports: summary, trend, aging."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from complaintctl.domain import period as periods
from complaintctl.domain.stats import is_spike
from complaintctl.i18n import _
from complaintctl.services.reporting.reports.base import (
    Chart,
    Column,
    Report,
    Scope,
    Table,
    figure_rows,
    merge,
    ratio,
    sort_key,
    zero,
)
from complaintctl.services.reporting.reports.sql import (
    C,
    TOTAL,
    base_conditions,
    between,
    check_dimension,
    decisions,
    dimension,
    grouped,
    lookup,
    open_at,
)


def conditions(scope: Scope) -> list:
    return base_conditions(branches=scope.branches, include_drills=scope.include_drills)


def dim_header(by: str) -> str:
    return {
        "channel": _("Channel"), "branch": _("Branch"), "product": _("Product"),
        "issue": _("Issue"), "handler": _("Handler"), "priority": _("Priority"),
        "tag": _("Tag"), "outcome": _("Outcome"), "status": _("Status"),
        "bucket": _("Period"), "root_cause": _("Root cause"),
    }.get(by, by)


def dim_columns(by: str | None) -> list[Column]:
    return [Column(by, dim_header(by), "text")] if by else []


# --- summary -------------------------------------------------------------------------------------

SUMMARY_KEYS = ["received", "decided", "closed", "open", "registered_late", "repeats"]
#: the summary's chart: the flow through the period (the late registrations are a table column)
CHART_KEYS = ("received", "decided", "closed", "open")


def summary_figures(session, scope: Scope, by: str | None) -> dict[Any, dict[str, Any]]:
    where = conditions(scope)
    start, end = scope.start, scope.end
    d = decisions()
    o = open_at(scope.snapshot, where)
    return merge(
        grouped(session, by, C, [between(C.c.received_at, start, end), *where],
                {"received": func.count()}),
        grouped(session, by, C.join(d, d.c.complaint_id == C.c.id),
                [between(d.c.decided_at, start, end), *where], {"decided": func.count()}),
        grouped(session, by, C, [between(C.c.closed_at, start, end), *where],
                {"closed": func.count()}),
        grouped(session, by, C.join(o, o.c.id == C.c.id), [], {"open": func.count()}),
        grouped(session, by, C, [between(C.c.received_at, start, end),
                                 C.c.late_recorded_at.is_not(None), *where],
                {"registered_late": func.count()}),
        grouped(session, by, C, [between(C.c.received_at, start, end),
                                 C.c.repeat_of.is_not(None), *where],
                {"repeats": func.count()}),
    )


def _summary_row(f: dict[str, Any]) -> dict[str, Any]:
    """A summary row; the repeat-complaint rate is of those received (issue 21: a complaint
    about a matter already decided, ``repeat_of``)."""
    row = {k: zero(f.get(k)) for k in SUMMARY_KEYS}
    row["repeat_rate"] = ratio(row["repeats"], row["received"])
    return row


def summary(session, scope: Scope) -> Report:
    """Received, decided (first decision), closed in the period; open at its end; of those
    received, how many were registered late (``domain.late``) and how many repeat a decided
    complaint (``repeat_of``), with the repeat rate."""
    by = scope.by
    rows, totals = figure_rows(session, scope, summary_figures, _summary_row, SUMMARY_KEYS)
    columns = dim_columns(by) + [
        Column("received", _("Received")), Column("decided", _("Decided")),
        Column("closed", _("Closed")), Column("open", _("Open at end")),
        Column("registered_late", _("Registered late")),
        Column("repeats", _("Repeats")), Column("repeat_rate", _("Repeat rate"), "rate"),
    ]
    chart = Chart("bar", by, ("received", "open")) if by else Chart("columns", "", CHART_KEYS)
    return Report("summary", _("Complaint summary"), scope.period, by,
                  [Table("summary", _("Complaint summary"), columns, rows, totals, chart)],
                  scope.as_of)


# --- trend ---------------------------------------------------------------------------------------

BASELINE_BUCKETS = 7


def trend(session, scope: Scope) -> Report:
    """Received and decided per day, week or month; a spike is a count well above the mean of
    the 7 buckets before it (see domain.stats.is_spike)."""
    by = scope.by
    check_dimension(by)
    every = scope.every or periods.default_every(scope.period)
    inside = periods.buckets(scope.period, every)
    before = periods.preceding(inside, every, BASELINE_BUCKETS)
    every_bucket = before + inside
    bounds = [periods.local_midnight(b.start, scope.tz) for b in every_bucket]
    bounds.append(periods.local_midnight(every_bucket[-1].end + timedelta(days=1), scope.tz))
    where = conditions(scope)
    column, join = dimension(by)
    d = decisions()

    def per_bucket(time_column, source, extra_where) -> dict[tuple, int]:
        bucket = lookup(time_column, bounds, list(range(len(every_bucket))))
        inner = select(*([column.label("dim")] if by else []), bucket.label("bucket")) \
            .select_from(join(source)) \
            .where(time_column >= bounds[0], time_column < bounds[-1], *extra_where).subquery()
        keys = [inner.c.bucket] + ([inner.c.dim] if by else [])
        out = {}
        for row in session.execute(select(*keys, func.count()).group_by(*keys)):
            out[(row[0], row[1] if by else TOTAL)] = row[-1]
        return out

    received = per_bucket(C.c.received_at, C, where)
    decided = per_bucket(d.c.decided_at, C.join(d, d.c.complaint_id == C.c.id), where)
    values = sorted({k[1] for k in received} | {k[1] for k in decided}, key=sort_key) \
        if by else [TOTAL]
    offset = len(before)
    rows = []
    for value in values:
        series = [received.get((i, value), 0) for i in range(len(every_bucket))]
        for i, b in enumerate(inside, start=offset):
            window = series[max(0, i - BASELINE_BUCKETS):i]
            baseline = round(sum(window) / len(window), 2) if window else None
            row = {"bucket": b.label, "from": b.start.isoformat(), "to": b.end.isoformat()}
            if by:
                row[by] = value
            row.update(received=series[i], decided=decided.get((i, value), 0),
                       baseline=baseline, spike=is_spike(series[i], baseline))
            rows.append(row)
    totals = {"received": sum(received.get((i, v), 0) for v in values
                              for i in range(offset, len(every_bucket))),
              "decided": sum(decided.get((i, v), 0) for v in values
                             for i in range(offset, len(every_bucket))),
              "spikes": sum(1 for r in rows if r["spike"]), "every": every}
    if by == "tag":
        untagged = trend(session, replace(scope, by=None, every=every))
        totals.update({k: untagged.tables[0].totals[k] for k in ("received", "decided")})
    columns = [Column("bucket", dim_header("bucket"), "text")] + dim_columns(by) + [
        Column("received", _("Received")), Column("decided", _("Decided")),
        Column("baseline", _("Baseline"), "float"), Column("spike", _("Spike"), "bool"),
    ]
    chart = Chart("line", "bucket", ("received", "decided"), mark="spike") if not by else None
    return Report("trend", _("Complaints over time"), scope.period, by,
                  [Table("trend", _("Complaints per {every}").format(every=_(every)), columns,
                         rows, totals, chart)], scope.as_of)


# --- aging ---------------------------------------------------------------------------------------

AGE_BUCKETS = [("age_0_3", 0, 3), ("age_4_7", 4, 7), ("age_8_15", 8, 15),
               ("age_16_30", 16, 30), ("age_31_60", 31, 60), ("age_over_60", 61, None)]


def aging(session, scope: Scope) -> Report:
    """Complaints open at the period's end (or now), by age in calendar days and status."""
    by = scope.by or "status"
    check_dimension(by, ("status",) + tuple(d for d in
                                           ("channel", "branch", "product", "issue", "handler",
                                            "priority", "tag", "outcome")))
    t = scope.snapshot
    day = (t - timedelta(microseconds=1)).astimezone(scope.tz).date()
    # ascending receipt boundaries: [D-60, D-30, D-15, D-7, D-3, D+1] local midnights
    edges = [60, 30, 15, 7, 3, -1]
    bounds = [periods.local_midnight(day - timedelta(days=n), scope.tz) for n in edges]
    leaves = ["age_31_60", "age_16_30", "age_8_15", "age_4_7", "age_0_3"]
    o = open_at(t, conditions(scope))
    column, join = dimension(None if by == "status" else by)
    column = o.c.status_at if by == "status" else column
    bucket = lookup(C.c.received_at, bounds, leaves, type_=C.c.status.type,
                    below="age_over_60", above="age_0_3")
    query = select(column, bucket, func.count()).select_from(
        join(C.join(o, o.c.id == C.c.id))).group_by(column, bucket)
    data: dict[Any, dict[str, int]] = {}
    for value, age, count in session.execute(query):
        data.setdefault(value, {k: 0 for k, _lo, _hi in AGE_BUCKETS})[age] += count
    keys = [k for k, _lo, _hi in AGE_BUCKETS]
    rows = []
    for value in sorted(data, key=sort_key):
        figures = data[value]
        rows.append({by: value, **figures, "open": sum(figures.values())})
    if by == "tag":
        untagged = aging(session, replace(scope, by=None))
        totals = untagged.tables[0].totals
    else:
        totals = {k: sum(r[k] for r in rows) for k in keys + ["open"]}
    columns = dim_columns(by) + [Column(k, label) for k, label in zip(keys, [
        _("0-3 days"), _("4-7 days"), _("8-15 days"), _("16-30 days"), _("31-60 days"),
        _("Over 60 days")], strict=True)] + [Column("open", _("Open"))]
    return Report("aging", _("Open complaints by age"), scope.period, by,
                  [Table("aging", _("Open complaints by age"), columns, rows, totals,
                         Chart("bar", by, ("open",)))], scope.as_of)
