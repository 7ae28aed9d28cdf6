"""SQL building blocks of the reports. Dialect-neutral SQLAlchemy Core (SQLite and PostgreSQL).

How time is bucketed without date functions: stored times are UTC instants; every boundary a
report needs (a period's ends, the days, weeks or months of a trend, the age buckets, each
receipt day's FCA deadline) is a local-calendar instant computed in Python and bound as a
parameter. Which bucket a row falls in is a CASE expression that does a binary search over
those boundaries (``CASE WHEN t < b_mid THEN ... ELSE ... END``, depth log2 n), so grouping
costs about ten comparisons a row and runs the same on both databases, daylight saving included.

The one thing CASE cannot do is arithmetic on two stored times (days from receipt to decision).
``epoch_seconds`` does that: a small construct compiled per dialect (SQLite ``julianday``,
PostgreSQL ``EXTRACT(EPOCH ...)``), the documented SQLAlchemy way to add a portable function.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (BigInteger, Float, Integer, and_, case, cast, func, literal,
                        literal_column, or_, select)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from complaintctl.domain.enums import OPEN_STATUSES, Status
from complaintctl.errors import UsageProblem
from complaintctl.i18n import _
from complaintctl.store.base import UTCDateTime
from complaintctl.store.models import (
    Complaint,
    ComplaintRootCause,
    ComplaintTag,
    Event,
    ImportBatch,
    ImportLeaf,
    Remedy,
)

C = Complaint.__table__
E = Event.__table__
TAGS = ComplaintTag.__table__
REMEDY = Remedy.__table__
ROOT = ComplaintRootCause.__table__
LEAF, BATCH = ImportLeaf.__table__, ImportBatch.__table__

#: tags whose complaints are left out of every report unless --include-drills
EXCLUDED_TAGS = ("drill", "test")
#: a decision: the first event that takes a complaint into one of these states
DECIDED_STATUSES = (Status.resolved.value, Status.closed.value, Status.archived.value)
DECISION_ACTIONS = ("resolve", "imported")
#: still being handled (an overdue one has not been decided yet)
UNDECIDED_STATUSES = ("registered", "assigned", "investigating", "suspended")
DIMENSIONS = ("channel", "branch", "product", "issue", "handler", "priority", "tag", "outcome")


def open_statuses() -> list[str]:
    return sorted({s.value for s in OPEN_STATUSES} | {"suspended", "under_review"})


class epoch_seconds(FunctionElement):
    """Seconds since 1970-01-01 UTC of a stored time, on every dialect."""

    type = Float()
    name = "epoch_seconds"
    inherit_cache = True


@compiles(epoch_seconds)
def _epoch_default(element, compiler, **kw):
    return "EXTRACT(EPOCH FROM %s)" % compiler.process(element.clauses, **kw)


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element, compiler, **kw):
    return "((julianday(%s) - 2440587.5) * 86400.0)" % compiler.process(element.clauses, **kw)


def days_between(start, end):
    """Elapsed days (fractional) from ``start`` to ``end``."""
    return (epoch_seconds(end) - epoch_seconds(start)) / 86400.0


def lookup(column, boundaries: Sequence[datetime], leaves: Sequence[Any], *, type_=Integer,
           below: Any = None, above: Any = None):
    """The leaf for the interval [b_i, b_i+1) that ``column`` falls in (binary-search CASE).

    ``len(leaves) == len(boundaries) - 1``; ``below`` before b_0, ``above`` from b_n on.
    """
    assert len(leaves) == len(boundaries) - 1 and leaves

    def value(v):
        return literal(v, type_) if v is not None else literal(None, type_)

    def search(lo: int, hi: int):
        if hi - lo == 1:
            return value(leaves[lo])
        mid = (lo + hi) // 2
        return case((column < boundaries[mid], search(lo, mid)), else_=search(mid, hi))

    return case((column < boundaries[0], value(below)), (column >= boundaries[-1], value(above)),
                else_=search(0, len(leaves)))


def between(column, start: datetime, end: datetime):
    return and_(column >= start, column < end)


def base_conditions(*, branches: Collection[str] | None, include_drills: bool) -> list:
    """Conditions every report applies: scope (``branches``: a branch and the branches below
    it; None for every branch), no merged duplicates, no drill or test data."""
    conditions = [C.c.status != Status.merged.value]
    if branches is not None:
        conditions.append(C.c.branch.in_(sorted(branches)))
    if not include_drills:
        conditions.append(C.c.id.not_in(
            select(TAGS.c.complaint_id).where(TAGS.c.tag.in_(EXCLUDED_TAGS))))
    return conditions


def check_dimension(by: str | None, allowed: Sequence[str] = DIMENSIONS) -> None:
    """Refuse a --by the report cannot group by, naming the ones it can (root-causes groups by
    root cause and regulatory by its sections of their own: neither takes one)."""
    if by is not None and by not in allowed:
        choices = [a for a in allowed if a in (*DIMENSIONS, "status")]
        if not choices:
            raise UsageProblem(_("--by {by} does not fit this report; it takes no --by.").format(
                by=by))
        raise UsageProblem(_("--by {by} does not fit this report; use one of {allowed}.").format(
            by=by, allowed=", ".join(choices)))


_BY_TAG = TAGS.alias("by_tag")


class RolledUp(str):
    """``--by branch`` rolled up a level of the organisation tree: each branch counts under the
    organisation it rolls up to (``rollup``: code -> organisation; codes not in it stay as they
    are). It is the string "branch", so every report passes it on as its dimension unchanged."""

    rollup: dict[str, str]

    def __new__(cls, rollup: Mapping[str, str]):
        made = super().__new__(cls, "branch")
        made.rollup = dict(rollup)
        return made


def dimension(by: str | None):
    """(the column a report groups by, a function that adds its join to a FROM clause)."""
    if by is None:
        return None, lambda source: source
    if by == "tag":
        return _BY_TAG.c.tag, lambda source: source.outerjoin(
            _BY_TAG, _BY_TAG.c.complaint_id == C.c.id)
    column = {"handler": C.c.assignee}.get(by, C.c.get(by))
    if isinstance(by, RolledUp) and by.rollup:
        column = case(by.rollup, value=C.c.branch, else_=C.c.branch)
    return column, lambda source: source


def decisions():
    """Each complaint's first decision time (the first event into resolved/closed/archived,
    or its batch's import when it was imported decided: since issue 20 a batch has one event,
    its rows' statuses are in their leaves)."""
    by_event = (select(E.c.complaint_id.label("complaint_id"), E.c.at.label("at"))
                .where(E.c.action.in_(DECISION_ACTIONS), E.c.to_status.in_(DECIDED_STATUSES)))
    by_leaf = (select(C.c.id.label("complaint_id"), BATCH.c.imported_at.label("at"))
               .select_from(LEAF.join(C, C.c.number == LEAF.c.number)
                            .join(BATCH, BATCH.c.id == LEAF.c.batch_id))
               .where(LEAF.c.status.in_(DECIDED_STATUSES)))
    found = by_event.union_all(by_leaf).subquery("decided")
    return (
        select(found.c.complaint_id, func.min(found.c.at).label("decided_at"))
        .group_by(found.c.complaint_id)
        .subquery("decision")
    )


def decision_due():
    """The due time a complaint's first decision is judged against: the one kept at that
    decision when a reopen or a review has since restarted the clock, else the stored due."""
    return func.coalesce(C.c.decision_due_at, C.c.due_at)


def status_at(t: datetime):
    """A complaint's status at instant ``t``, rebuilt from its timeline when it moved since.

    Untouched since ``t``: its stored status. Otherwise the status its last event before ``t``
    left it in (events are in time order per complaint); received but registered after ``t``:
    ``registered``.
    """
    last = (
        select(E.c.to_status)
        .where(E.c.complaint_id == C.c.id, E.c.kind == "change", E.c.at < t,
               E.c.to_status.is_not(None))
        .order_by(E.c.at.desc(), E.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    imported = (  # issue 20: the status a batch with one event imported it in
        select(LEAF.c.status).join(BATCH, BATCH.c.id == LEAF.c.batch_id)
        .where(LEAF.c.number == C.c.number, BATCH.c.imported_at < t)
        .scalar_subquery()
    )
    return case((C.c.last_event_at < t, C.c.status),
                else_=func.coalesce(last, imported, literal_column("'registered'")))


def open_at(t: datetime, conditions: list, extra_columns: Sequence = ()):
    """Complaints open at ``t``: (id, status_at) rows as a subquery, for joining back.

    Two index-friendly halves: those untouched since ``t`` and open now (status index), and
    those touched since ``t`` (last-activity index) whose timeline says they were open then.
    """
    opened = open_statuses()
    untouched = select(C.c.id.label("id"), C.c.status.label("status_at"), *extra_columns).where(
        C.c.status.in_(opened), C.c.last_event_at < t, C.c.received_at < t, *conditions)
    moved_status = status_at(t)
    touched = select(C.c.id.label("id"), moved_status.label("status_at"), *extra_columns).where(
        C.c.last_event_at >= t, C.c.received_at < t, *conditions,
        moved_status.in_(opened))
    return untouched.union_all(touched).subquery("open_at")


def rows_by(session, query, by: str | None, keys: Sequence[str]) -> dict[Any, dict[str, Any]]:
    """Run a grouped query whose first column is the dimension (when ``by``) and index it."""
    out: dict[Any, dict[str, Any]] = {}
    for row in session.execute(query):
        values = list(row)
        key = values.pop(0) if by is not None else TOTAL
        out[key] = dict(zip(keys, values, strict=True))
    return out


TOTAL = object()


def grouped(session, by: str | None, source, where: Sequence, figures: dict[str, Any],
            dim_column=None) -> dict[Any, dict[str, Any]]:
    """``figures`` (label -> aggregate) over ``source`` filtered by ``where``, per dimension value."""
    column, join = dimension(by)
    column = dim_column if dim_column is not None else column
    query = select(*([column] if by else []), *[e.label(k) for k, e in figures.items()])
    query = query.select_from(join(source)).where(*where)
    if by:
        query = query.group_by(column)
    return rows_by(session, query, by, list(figures))


def count_case(condition):
    return func.sum(case((condition, 1), else_=0))


def int_sum(expression):
    """SUM of integers as an integer: PostgreSQL sums BIGINT (and counts) into NUMERIC, which
    the driver hands back as Decimal (and JSON would print as a string)."""
    return cast(func.sum(expression), BigInteger)


def any_of(*conditions):
    return or_(*conditions)


__all__ = ["UTCDateTime"]
