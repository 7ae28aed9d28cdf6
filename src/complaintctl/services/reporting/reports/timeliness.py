"""Timeliness: the sla report (CBIRC Art 18: decided within 15 days, extensions, late) and the
handlers report (load, speed, on-time rate and satisfaction per handler)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, func, select

from complaintctl.domain.enums import ApprovalKind
from complaintctl.i18n import _
from complaintctl.store.models import Approval, Pause
from complaintctl.services.reporting.reports.base import (
    Chart,
    Column,
    Report,
    Scope,
    Table,
    dim_rows,
    mean,
    merge,
    ratio,
    rounded,
    summed,
    zero,
)
from complaintctl.services.reporting.reports.counts import conditions, dim_columns
from complaintctl.services.reporting.reports.sql import (
    C,
    TOTAL,
    UNDECIDED_STATUSES,
    between,
    check_dimension,
    count_case,
    days_between,
    decision_due,
    decisions,
    dimension,
    grouped,
    int_sum,
    open_at,
)

APPROVAL = Approval.__table__
PAUSE = Pause.__table__


def _extended(decided_at):
    """An extension in force at the decision: one approved (and so applied) by then. A request
    still waiting for its approver, or one granted after a reopen, does not count."""
    return exists().where(APPROVAL.c.complaint_id == C.c.id,
                          APPROVAL.c.kind == ApprovalKind.extension.value,
                          APPROVAL.c.status == "approved", APPROVAL.c.decided_at <= decided_at)


def _pauses(decided_at):
    """Clock stops begun before the decision."""
    return (select(func.count()).where(PAUSE.c.complaint_id == C.c.id,
                                       PAUSE.c.started_at < decided_at).scalar_subquery())


def percentile(session, scope: Scope, by: str | None, percent: int) -> dict[Any, float]:
    """Nearest-rank percentile of days from receipt to first decision, per dimension value,
    with window functions (SQLite 3.25+, PostgreSQL): the smallest value whose row number is at
    least percent% of its group's size."""
    column, join = dimension(by)
    d = decisions()
    days = days_between(C.c.received_at, d.c.decided_at)
    partition = [column] if by else None
    inner = (
        select(*([column.label("dim")] if by else []), days.label("days"),
               func.row_number().over(partition_by=partition, order_by=days).label("rn"),
               func.count().over(partition_by=partition).label("n"))
        .select_from(join(C.join(d, d.c.complaint_id == C.c.id)))
        .where(between(d.c.decided_at, scope.start, scope.end), *conditions(scope))
        .subquery()
    )
    keys = [inner.c.dim] if by else []
    query = select(*keys, func.min(inner.c.days)).where(
        inner.c.rn * 100 >= inner.c.n * percent)
    if by:
        query = query.group_by(inner.c.dim)
    return {(row[0] if by else TOTAL): row[-1] for row in session.execute(query)}


def decision_figures(session, scope: Scope, by: str | None) -> dict[Any, dict[str, Any]]:
    """Counts and day sums over the complaints first decided in the period."""
    d = decisions()
    days = days_between(C.c.received_at, d.c.decided_at)
    on_time = d.c.decided_at <= decision_due()
    extended = _extended(d.c.decided_at)
    pauses = _pauses(d.c.decided_at)
    return grouped(
        session, by, C.join(d, d.c.complaint_id == C.c.id),
        [between(d.c.decided_at, scope.start, scope.end), *conditions(scope)],
        {
            "decided": func.count(),
            "within_15_days": count_case(on_time & ~extended),
            "within_extension": count_case(on_time & extended),
            "late": count_case(~on_time),
            "days_total": func.sum(days),
            "extensions": count_case(extended),
            "pauses": int_sum(pauses),
        },
    )


def overdue_now(session, scope: Scope, by: str | None) -> dict[Any, dict[str, Any]]:
    """Undecided complaints past their due time at --as-of (not bound to the period)."""
    return grouped(
        session, by, C,
        [C.c.status.in_(UNDECIDED_STATUSES), C.c.due_at < scope.as_of, *conditions(scope)],
        {"overdue_now": func.count()})


SLA_COUNTS = ["decided", "within_15_days", "within_extension", "late", "days_total",
              "extensions", "pauses", "overdue_now"]


def _sla_row(f: dict[str, Any], p90: Any) -> dict[str, Any]:
    f = {k: zero(f.get(k)) for k in SLA_COUNTS}
    return {
        "decided": f["decided"], "within_15_days": f["within_15_days"],
        "within_extension": f["within_extension"], "late": f["late"],
        "on_time_rate": ratio(f["within_15_days"] + f["within_extension"], f["decided"]),
        "mean_days_to_decision": mean(f["days_total"], f["decided"]),
        "p90_days_to_decision": rounded(p90),
        "extensions": f["extensions"], "pauses": f["pauses"], "overdue_now": f["overdue_now"],
    }


def sla(session, scope: Scope) -> Report:
    """Complaints first decided in the period: in 15 days, within an extension, or late."""
    by = scope.by
    check_dimension(by)
    data = merge(decision_figures(session, scope, by), overdue_now(session, scope, by))
    p90 = percentile(session, scope, by, 90)
    rows = dim_rows(by, data, lambda f: _sla_row(f, None))
    if by is not None:
        for row in rows:
            row["p90_days_to_decision"] = rounded(p90.get(row[by]))
    else:
        rows[0]["p90_days_to_decision"] = rounded(p90.get(TOTAL))
    if by is None:
        totals = dict(rows[0])
    else:
        whole = summed(data, SLA_COUNTS) if by != "tag" else merge(
            decision_figures(session, scope, None), overdue_now(session, scope, None)
        ).get(TOTAL, {})
        totals = _sla_row(whole, percentile(session, scope, None, 90).get(TOTAL))
    columns = dim_columns(by) + [
        Column("decided", _("Decided")), Column("within_15_days", _("In 15 days")),
        Column("within_extension", _("In extension")), Column("late", _("Late")),
        Column("on_time_rate", _("On time"), "rate"),
        Column("mean_days_to_decision", _("Mean days"), "days"),
        Column("p90_days_to_decision", _("P90 days"), "days"),
        Column("extensions", _("Extended")), Column("pauses", _("Pauses")),
        Column("overdue_now", _("Overdue now")),
    ]
    chart = Chart("bar" if by else "columns", by or "",
                  ("within_15_days", "within_extension", "late"))
    return Report("sla", _("Decision timeliness"), scope.period, by,
                  [Table("sla", _("Decision timeliness"), columns, rows, totals, chart)],
                  scope.as_of)


# --- handlers ------------------------------------------------------------------------------------


def handler_figures(session, scope: Scope, by: str | None) -> dict[Any, dict[str, Any]]:
    where = conditions(scope)
    o = open_at(scope.snapshot, where)
    return merge(
        grouped(session, by, C.join(o, o.c.id == C.c.id), [], {"open": func.count()}),
        decision_figures(session, scope, by),
        grouped(session, by, C, [between(C.c.closed_at, scope.start, scope.end),
                                 C.c.satisfaction.is_not(None), *where],
                {"responses": func.count(), "satisfaction_total": func.sum(C.c.satisfaction)}),
        overdue_now(session, scope, by),
    )


HANDLER_COUNTS = ["open", "overdue_now", "decided", "within_15_days", "within_extension",
                  "responses", "satisfaction_total"]


def _handler_row(f: dict[str, Any], median: Any) -> dict[str, Any]:
    decided = zero(f.get("decided"))
    return {
        "open": zero(f.get("open")), "overdue_now": zero(f.get("overdue_now")),
        "decided": decided,
        "median_days_to_decision": rounded(median),
        "on_time_rate": ratio(zero(f.get("within_15_days")) + zero(f.get("within_extension")),
                              decided),
        "responses": zero(f.get("responses")),
        "mean_satisfaction": mean(zero(f.get("satisfaction_total")), zero(f.get("responses"))),
    }


def handlers(session, scope: Scope) -> Report:
    """Per handler (the complaint's assignee): open load, decisions, speed, satisfaction."""
    check_dimension(scope.by, ("handler",))
    by = "handler"
    data = handler_figures(session, scope, by)
    medians = percentile(session, scope, by, 50)
    rows = [{by: key, **_handler_row(f, medians.get(key))} for key, f in
            sorted(data.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))]
    whole = summed(data, HANDLER_COUNTS)  # each complaint has one assignee (or none)
    totals = _handler_row(whole, percentile(session, scope, None, 50).get(TOTAL))
    columns = dim_columns(by) + [
        Column("open", _("Open")), Column("overdue_now", _("Overdue now")),
        Column("decided", _("Decided")),
        Column("median_days_to_decision", _("Median days"), "days"),
        Column("on_time_rate", _("On time"), "rate"), Column("responses", _("Responses")),
        Column("mean_satisfaction", _("Satisfaction"), "float"),
    ]
    return Report("handlers", _("Handlers"), scope.period, by,
                  [Table("handlers", _("Handlers"), columns, rows, totals,
                         Chart("bar", by, ("open", "decided")))], scope.as_of)
