"""The supervisor's one screen: what is open, late, due soon, spiking, and what else needs doing.

Every figure is SQL over the stored complaints; the 24-hour spike check uses the same rule as
trend (domain.stats.is_spike) against the daily mean of the 30 days before.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from complaintctl.domain import period as periods
from complaintctl.domain.clock import iso
from complaintctl.domain.permissions import Permission, visible_branch
from complaintctl.domain.stats import is_spike
from complaintctl.services.core import filter_values
from complaintctl.services.core import org_tree as organisations
from complaintctl.services.core.context import Actor, now, refusals_recorded, timezone_of
from complaintctl.services.reporting.reports.base import mean
from complaintctl.services.reporting.reports.sql import (
    C,
    UNDECIDED_STATUSES,
    base_conditions,
    between,
    lookup,
    open_statuses,
)
from complaintctl.services.reporting.rootcause import list_actions

BASELINE_DAYS = 30
SATISFACTION_WEEKS = 8


def snapshot(*, session, actor: Actor, branch: str | None = None, include_drills: bool = False,
             as_of: datetime | None = None) -> dict[str, Any]:
    """The monitor's figures as one JSON-ready object (the fields are documented in README)."""
    with refusals_recorded(session, actor, "monitor"):
        actor.check(Permission.read)
    branch = filter_values.check(session, actor, action="monitor", branch=branch).branch
    branch = branch or visible_branch(actor.role, actor.branch)
    tz = timezone_of(session)
    at = as_of or now()
    where = base_conditions(branches=organisations.subtree(session, branch),
                            include_drills=include_drills)

    def count(*conditions) -> int:
        return session.execute(select(func.count()).select_from(C).where(*conditions, *where)
                               ).scalar() or 0

    by_status = {status: n for status, n in session.execute(
        select(C.c.status, func.count()).where(C.c.status.in_(open_statuses()), *where)
        .group_by(C.c.status).order_by(C.c.status))}
    undecided = C.c.status.in_(UNDECIDED_STATUSES)
    escalation = C.c.get("escalation_level")
    today = at.astimezone(tz).date()
    actions = list_actions(session=session, actor=actor, overdue=True, today=today)
    drill_due, drill_overdue = _next_drill(session)
    return {
        "as_of": iso(at, tz),
        "branch": branch,
        "open": sum(by_status.values()),
        "open_by_status": by_status,
        "overdue": count(undecided, C.c.due_at < at),
        "due_24h": count(undecided, C.c.due_at >= at, C.c.due_at < at + timedelta(hours=24)),
        "unassigned": count(C.c.status.in_(open_statuses()), C.c.assignee.is_(None)),
        "escalations": count(C.c.status.in_(open_statuses()), escalation > 0)
        if escalation is not None else 0,
        "incidents": _incidents(session, at, tz, include_drills),
        "rectifications_overdue": [
            {k: a[k] for k in ("id", "what", "owner", "due", "status")} for a in actions],
        "last_24h": {
            "by_branch": _last_day(session, where, at, C.c.branch, "branch"),
            "by_product": _last_day(session, where, at, C.c.product, "product"),
        },
        "satisfaction_trend": _satisfaction(session, where, at, tz),
        "next_drill_due": drill_due,
        "drill_overdue": drill_overdue,
    }


def _last_day(session, where, at: datetime, column, key: str) -> list[dict[str, Any]]:
    """Received in the last 24 h against the daily mean of the 30 days before, per value."""
    day_start = at - timedelta(hours=24)
    base_start = day_start - timedelta(days=BASELINE_DAYS)
    recent = case_count(C.c.received_at >= day_start)
    query = (select(column, recent, func.count() - recent)
             .where(between(C.c.received_at, base_start, at), *where).group_by(column))
    rows = []
    for value, last, before in session.execute(query):
        baseline = round((before or 0) / BASELINE_DAYS, 2)
        rows.append({key: value, "last_24h": last or 0, "baseline_daily": baseline,
                     "spike": is_spike(last or 0, baseline)})
    rows.sort(key=lambda r: (not r["spike"], -r["last_24h"], str(r[key])))
    return rows


def case_count(condition):
    from sqlalchemy import case

    return func.sum(case((condition, 1), else_=0))


def _satisfaction(session, where, at: datetime, tz) -> list[dict[str, Any]]:
    """Mean satisfaction of complaints closed in each of the last 8 ISO weeks."""
    today = at.astimezone(tz).date()
    monday = today - timedelta(days=today.weekday())
    starts = [monday - timedelta(weeks=n) for n in range(SATISFACTION_WEEKS - 1, -1, -1)]
    bounds = [periods.local_midnight(d, tz) for d in starts]
    bounds.append(periods.local_midnight(monday + timedelta(days=7), tz))
    week = lookup(C.c.closed_at, bounds, list(range(len(starts))))
    inner = (select(week.label("week"), C.c.satisfaction)
             .where(C.c.closed_at >= bounds[0], C.c.closed_at < bounds[-1],
                    C.c.satisfaction.is_not(None), *where).subquery())
    found = {w: (n, total) for w, n, total in session.execute(
        select(inner.c.week, func.count(), func.sum(inner.c.satisfaction))
        .group_by(inner.c.week))}
    out = []
    for i, start in enumerate(starts):
        n, total = found.get(i, (0, 0))
        year, number, _d = start.isocalendar()
        out.append({"week": f"{year}-W{number:02d}", "responses": n, "mean": mean(total, n)})
    return out


def _incidents(session, at: datetime, tz, include_drills: bool) -> list[dict[str, Any]]:
    """Active incidents of the emergency plan (drill incidents only with --include-drills), each
    with its linked complaints and the checklist items past due and not done."""
    from complaintctl.store.models import ChecklistItem, Incident, IncidentComplaint

    incident, items, links = Incident.__table__, ChecklistItem.__table__, \
        IncidentComplaint.__table__
    overdue = (select(func.count()).where(
        items.c.incident_id == incident.c.id, items.c.done_at.is_(None),
        items.c.cancelled_at.is_(None), items.c.due_at < at).scalar_subquery())
    linked = (select(func.count()).where(links.c.incident_id == incident.c.id)
              .scalar_subquery())
    query = (select(incident.c.id, incident.c.level, incident.c.title, incident.c.trigger,
                    incident.c.declared_at, linked, overdue, incident.c.drill_id)
             .where(incident.c.status == "active").order_by(incident.c.id))
    if not include_drills:
        query = query.where(incident.c.drill_id.is_(None))
    return [{"id": i, "level": level, "title": title, "trigger": trigger,
             "declared_at": iso(declared, tz), "complaints": n, "overdue_items": late,
             "drill": drill}
            for i, level, title, trigger, declared, n, late, drill in session.execute(query)]


def _next_drill(session) -> tuple[str | None, bool]:
    """When the next drill is due under the emergency plan (a date), and whether that is past."""
    from complaintctl.services.emergency.drills import next_drill_due

    due = next_drill_due(session)
    return (due["next_due"][:10] if due["next_due"] else None), bool(due["overdue"])
