"""What the decisions were and what customers thought: outcomes and satisfaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import distinct, func, select

from complaintctl.domain.enums import MONETARY_REMEDIES, Outcome, RemedyKind
from complaintctl.i18n import _, term
from complaintctl.services.reporting.reports.base import (
    Chart,
    Column,
    Report,
    Scope,
    Table,
    figure_rows,
    amount,
    mean,
    merge,
    ratio,
    zero,
)
from complaintctl.services.reporting.reports.counts import conditions, dim_columns
from complaintctl.services.reporting.reports.sql import (
    C,
    E,
    REMEDY,
    TOTAL,
    between,
    count_case,
    decisions,
    dimension,
    grouped,
    int_sum,
)

REMEDY_KINDS = [k.value for k in RemedyKind]
MONETARY = sorted(k.value for k in MONETARY_REMEDIES)
REVIEW_ACTIONS = ("review_request", "review request")


# --- outcomes ------------------------------------------------------------------------------------


def outcome_figures(session, scope: Scope, by: str | None) -> dict[Any, dict[str, Any]]:
    d = decisions()
    source = C.join(d, d.c.complaint_id == C.c.id)
    where = [between(d.c.decided_at, scope.start, scope.end), *conditions(scope)]
    data = grouped(session, by, source, where, {
        "decided": func.count(),
        "upheld": count_case(C.c.outcome == Outcome.upheld.value),
        "partially_upheld": count_case(C.c.outcome == Outcome.partially_upheld.value),
        "not_upheld": count_case(C.c.outcome == Outcome.not_upheld.value),
    })
    column, join = dimension(by)
    remedies = (
        select(*([column] if by else []), REMEDY.c.kind, func.count(distinct(C.c.id)),
               int_sum(REMEDY.c.amount_cents))
        .select_from(join(source.join(REMEDY, REMEDY.c.complaint_id == C.c.id)))
        .where(*where)
        .group_by(*([column] if by else []), REMEDY.c.kind)
    )
    for row in session.execute(remedies):
        key = row[0] if by else TOTAL
        kind, complaints, cents = row[-3], row[-2], row[-1]
        figures = data.setdefault(key, {})
        figures[f"remedy_{kind}"] = complaints
        if kind in MONETARY:
            figures["compensation_cents"] = zero(figures.get("compensation_cents")) + zero(cents)
    return data


OUTCOME_COUNTS = ["decided", "upheld", "partially_upheld", "not_upheld", "compensation_cents"] + [
    f"remedy_{k}" for k in REMEDY_KINDS]


def _outcome_row(f: dict[str, Any]) -> dict[str, Any]:
    f = {k: zero(f.get(k)) for k in OUTCOME_COUNTS}
    row = {k: f[k] for k in ("decided", "upheld", "partially_upheld", "not_upheld")}
    row["upheld_rate"] = ratio(f["upheld"] + f["partially_upheld"], f["decided"])
    row.update({f"remedy_{k}": f[f"remedy_{k}"] for k in REMEDY_KINDS})
    row["compensation_paid"] = amount(f["compensation_cents"])
    return row


def outcomes(session, scope: Scope) -> Report:
    """Outcomes and remedies of the complaints first decided in the period."""
    by = scope.by
    rows, totals = figure_rows(session, scope, outcome_figures, _outcome_row, OUTCOME_COUNTS)
    columns = dim_columns(by) + [
        Column("decided", _("Decided")), Column("upheld", _("Upheld")),
        Column("partially_upheld", _("Partly upheld")), Column("not_upheld", _("Not upheld")),
        Column("upheld_rate", _("Upheld rate"), "rate"),
    ] + [Column(f"remedy_{k}", term(k)) for k in REMEDY_KINDS] + [
        Column("compensation_paid", _("Paid"), "money")]
    chart = Chart("bar" if by else "columns", by or "", ("upheld", "partially_upheld", "not_upheld"))
    return Report("outcomes", _("Outcomes and remedies"), scope.period, by,
                  [Table("outcomes", _("Outcomes and remedies"), columns, rows, totals, chart)],
                  scope.as_of)


# --- satisfaction --------------------------------------------------------------------------------


def satisfaction_figures(session, scope: Scope, by: str | None) -> dict[Any, dict[str, Any]]:
    where = conditions(scope)
    d = decisions()
    closed = grouped(session, by, C, [between(C.c.closed_at, scope.start, scope.end), *where], {
        "closed": func.count(),
        "responses": count_case(C.c.satisfaction.is_not(None)),
        "satisfaction_total": func.sum(C.c.satisfaction),
        "disputed": count_case(C.c.disputed.is_(True)),
        **{f"score_{n}": count_case(C.c.satisfaction == n) for n in range(1, 6)},
    })
    decided = grouped(session, by, C.join(d, d.c.complaint_id == C.c.id),
                      [between(d.c.decided_at, scope.start, scope.end), *where],
                      {"decided": func.count(), "reopened": count_case(C.c.reopen_count > 0)})
    reviews = grouped(session, by, C.join(E, E.c.complaint_id == C.c.id),
                      [E.c.kind == "change", E.c.action.in_(REVIEW_ACTIONS),
                       between(E.c.at, scope.start, scope.end), *where],
                      {"review_requests": func.count()})
    return merge(closed, decided, reviews)


SATISFACTION_COUNTS = ["closed", "responses", "satisfaction_total", "disputed", "decided",
                       "reopened", "review_requests"] + [f"score_{n}" for n in range(1, 6)]


def _satisfaction_row(f: dict[str, Any]) -> dict[str, Any]:
    f = {k: zero(f.get(k)) for k in SATISFACTION_COUNTS}
    return {
        "closed": f["closed"], "responses": f["responses"],
        **{f"score_{n}": f[f"score_{n}"] for n in range(1, 6)},
        "mean_satisfaction": mean(f["satisfaction_total"], f["responses"]),
        "disputed": f["disputed"], "disputed_rate": ratio(f["disputed"], f["closed"]),
        "decided": f["decided"], "reopened": f["reopened"],
        "reopen_rate": ratio(f["reopened"], f["decided"]),
        "review_requests": f["review_requests"],
    }


def satisfaction(session, scope: Scope) -> Report:
    """Satisfaction of the complaints closed in the period; reopen rate of those decided in it;
    review requests made in it."""
    by = scope.by
    rows, totals = figure_rows(session, scope, satisfaction_figures, _satisfaction_row,
                               SATISFACTION_COUNTS)
    columns = dim_columns(by) + [
        Column("closed", _("Closed")), Column("responses", _("Responses")),
    ] + [Column(f"score_{n}", "★" * n) for n in range(1, 6)] + [
        Column("mean_satisfaction", _("Mean"), "float"), Column("disputed", _("Disputed")),
        Column("disputed_rate", _("Disputed rate"), "rate"), Column("decided", _("Decided")),
        Column("reopened", _("Reopened")), Column("reopen_rate", _("Reopen rate"), "rate"),
        Column("review_requests", _("Reviews")),
    ]
    chart = Chart("columns", "", tuple(f"score_{n}" for n in range(1, 6)))
    table = Table("satisfaction", _("Customer satisfaction"), columns, rows, totals, chart)
    return Report("satisfaction", _("Customer satisfaction"), scope.period, by, [table],
                  scope.as_of)
