"""Supervisor reports: one function per report, each figure computed by SQL over the stored
complaints and events (see ``sql`` for how periods are bucketed on any database).

``run`` is the use case: it checks who may read what, resolves the period and returns a
``Report`` whose ``as_json()`` is the documented contract.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from complaintctl.domain import period as periods
from complaintctl.domain.permissions import Permission, visible_branch
from complaintctl.errors import UsageProblem
from complaintctl.i18n import _, machine_text
from complaintctl.store.models import Complaint
from complaintctl.services.core import filter_values
from complaintctl.services.core import org_tree as organisations
from complaintctl.services.core.context import Actor, now, refusals_recorded, timezone_of
from complaintctl.services.reporting.reports.base import Report, Scope
from complaintctl.services.reporting.reports.counts import aging, summary, trend
from complaintctl.services.reporting.reports.quality import outcomes, satisfaction
from complaintctl.services.reporting.reports.regulatory import regulatory, root_causes
from complaintctl.services.reporting.reports.sql import RolledUp
from complaintctl.services.reporting.reports.timeliness import handlers, sla

REPORTS = {
    "summary": summary,
    "sla": sla,
    "aging": aging,
    "trend": trend,
    "outcomes": outcomes,
    "satisfaction": satisfaction,
    "handlers": handlers,
    "root-causes": root_causes,
    "regulatory": regulatory,
}


def run(
    *, session, actor: Actor, name: str, period: str | None = None, date_from: str | None = None,
    date_to: str | None = None, branch: str | None = None, by: str | None = None,
    every: str | None = None, include_drills: bool = False, as_of: datetime | None = None,
    org_level: int | None = None, machine: bool = False,
) -> Report:
    """Compute one report for the actor: branch staff see their own branch only, supervisors
    also the branches below theirs. A branch's report covers the branches below it too, and
    ``org_level`` (with ``by="branch"``) counts each branch under the organisation it rolls up
    to at that level of the tree (0 = the top). ``machine`` (JSON, CSV): labels such as the
    code table's names are in English whatever the interface language."""
    if name not in REPORTS:
        raise UsageProblem(_("No report '{name}'; choose one of {names}.").format(
            name=name, names=", ".join(REPORTS)))
    with refusals_recorded(session, actor, f"report {name}"):
        actor.check(Permission.read)
    branch = filter_values.check(session, actor, action=f"report {name}", branch=branch).branch
    own = visible_branch(actor.role, actor.branch)
    if every is not None and every not in periods.EVERY:
        raise UsageProblem(_("--every must be day, week or month."))
    if org_level is not None:
        if by != "branch":
            raise UsageProblem(_("--org-level rolls up --by branch; add --by branch."))
        if org_level < 0:
            raise UsageProblem(_("--org-level must be 0 (the top of the tree) or more."))
        by = RolledUp(organisations.rollup(session, org_level))
    tz = timezone_of(session)
    as_of = as_of or now()
    earliest = None
    if period and period.strip().lower() == "all" or (date_from is None and date_to):
        first = session.execute(select(func.min(Complaint.received_at))).scalar()
        earliest = first.astimezone(tz).date() if first else None
    resolved = periods.resolve(
        period=period, date_from=date_from, date_to=date_to, today=as_of.astimezone(tz).date(),
        default="quarter" if name == "regulatory" else "month", earliest=earliest)
    scope = Scope(resolved, tz, as_of, branch or own, include_drills, by, every,
                  organisations.subtree(session, branch or own))
    with machine_text(machine):
        report = REPORTS[name](session, scope)
    report.branch, report.include_drills, report.tz = scope.branch, include_drills, tz
    return report
