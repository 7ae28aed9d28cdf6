"""Commands for supervisors: report NAME, and the monitor screen."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from complaintctl.cli.common import helptext, state
from complaintctl.domain.enums import ReadFormat
from complaintctl.errors import UsageProblem
from complaintctl.i18n import _
from complaintctl.present.reports import ReportFormat


class ReportName(StrEnum):
    summary = "summary"
    sla = "sla"
    aging = "aging"
    trend = "trend"
    outcomes = "outcomes"
    satisfaction = "satisfaction"
    handlers = "handlers"
    root_causes = "root-causes"
    regulatory = "regulatory"
    referral = "referral"
    referrals = "referrals"


class Dimension(StrEnum):
    channel = "channel"
    branch = "branch"
    product = "product"
    issue = "issue"
    handler = "handler"
    priority = "priority"
    tag = "tag"
    outcome = "outcome"
    status = "status"


class Every(StrEnum):
    day = "day"
    week = "week"
    month = "month"


AsOf = Annotated[str | None, typer.Option(
    "--as-of", metavar="TIMESTAMP",
    help=_("Compute as if it were this time (bank time if no offset) [default: now]."))]


def report(
    ctx: typer.Context,
    name: Annotated[ReportName, typer.Argument(help=_("Which report."))],
    number: Annotated[str | None, typer.Argument(help=_("referral: the referred complaint's number."))] = None,
    period: Annotated[str | None, typer.Option(help=_("2026-11, 2026-Q3, 2026-H1, 2026, 2026-W45, 2026-11-05 or all [default: this month; regulatory: this quarter]."))] = None,
    date_from: Annotated[str | None, typer.Option("--from", metavar="DATE", help=_("First day (YYYY-MM-DD), instead of --period."))] = None,
    date_to: Annotated[str | None, typer.Option("--to", metavar="DATE", help=_("Last day, inclusive (YYYY-MM-DD)."))] = None,
    branch: Annotated[str | None, typer.Option(help=_("Only this branch [default: yours, or all for head office]."))] = None,
    by: Annotated[Dimension | None, typer.Option(help=_("Group rows by this dimension."))] = None,
    every: Annotated[Every | None, typer.Option(help=_("trend: one row per day, week or month [default: by the period's length]."))] = None,
    org_level: Annotated[int | None, typer.Option("--org-level", metavar="N", help=_("With --by branch: count each branch under its organisation at level N of the tree (0 = the top)."))] = None,
    format: Annotated[ReportFormat, typer.Option("--format", help=_("table, json, csv, md, html or xlsx."))] = ReportFormat.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help=_("Write to this file [default: stdout; xlsx needs it]."))] = None,
    include_drills: Annotated[bool, typer.Option("--include-drills", help=_("Count drill and test complaints too."))] = False,
    as_of: AsOf = None,
) -> None:
    from complaintctl.present.reports import check_destination, write_report
    from complaintctl.services.reporting import reports

    check_destination(format, output)
    if name in (ReportName.referral, ReportName.referrals):
        return _referrals(ctx, name, number, format, output, as_of)
    if number is not None:
        raise UsageProblem(_("Only `report referral` takes a complaint number."))
    st = state(ctx)
    with st.report_session() as session:
        result = reports.run(
            session=session, actor=st.actor(session), name=name.value, period=period,
            date_from=date_from, date_to=date_to, branch=branch, by=by.value if by else None,
            every=every.value if every else None, include_drills=include_drills,
            as_of=st.at(session, as_of), org_level=org_level,
            machine=format.value in ("json", "csv"))
    write_report(result, format, output)


def _referrals(ctx, name: ReportName, number: str | None, format: ReportFormat,
               output: Path | None, as_of: str | None) -> None:
    """``report referral NUMBER`` (the report back, recorded) and ``report referrals``."""
    from complaintctl.cli.acting import call
    from complaintctl.present import referral_views
    from complaintctl.services.reporting import referrals

    if format not in (ReportFormat.table, ReportFormat.json, ReportFormat.html,
                      ReportFormat.md):
        raise UsageProblem(_("report {name} is written as table, json, md or html.").format(
            name=name.value))
    if name is ReportName.referrals:
        rows = call(ctx, referrals.referrals, write=False, as_of=as_of)
        return referral_views.referrals(rows, format.value, output)
    if number is None:
        raise UsageProblem(_("Missing the complaint number: report referral NUMBER."))
    report = call(ctx, referrals.report_back, number=number, at=as_of)
    referral_views.referral(report, format.value, output)


def monitor(
    ctx: typer.Context,
    branch: Annotated[str | None, typer.Option(help=_("Only this branch [default: yours, or all for head office]."))] = None,
    watch: Annotated[float | None, typer.Option(help=_("Refresh every N seconds until Ctrl-C."), metavar="N", min=1)] = None,
    format: Annotated[ReadFormat, typer.Option("--format", help=_("table or json."))] = ReadFormat.table,
    include_drills: Annotated[bool, typer.Option("--include-drills", help=_("Count drill and test complaints too."))] = False,
    as_of: AsOf = None,
) -> None:
    from complaintctl.present.reports.monitor import watch_screen, emit_monitor
    from complaintctl.services.reporting import monitor as svc

    st = state(ctx)

    def snapshot():
        with st.report_session() as session:
            return svc.snapshot(session=session, actor=st.actor(session), branch=branch,
                                include_drills=include_drills, as_of=st.at(session, as_of))

    if watch and format is ReadFormat.table:
        watch_screen(snapshot, watch)
    else:
        emit_monitor(snapshot(), format.value)


def register_commands(app: typer.Typer) -> None:
    app.command("report", short_help=_("Supervisor reports: summary, SLA, aging, trend and more."), help=helptext(
        _("A supervisor report: summary, sla, aging, trend, outcomes, satisfaction, handlers, "
          "root-causes, regulatory, referrals, or referral NUMBER (the report back to the "
          "regulator, CBIRC Art 33)."),
        "complaintctl report summary --period 2026-11 --by product",
        "complaintctl report sla --period 2026-Q3 --branch BJ01 --format json",
        "complaintctl report trend --from 2026-09-01 --to 2026-11-30 --every week --format html -o trend.html",
        "complaintctl report regulatory --period 2026-Q3 --format xlsx -o 2026Q3.xlsx",
        "complaintctl report referral CMP-2026-000042 --format html -o referral.html",
    ))(report)
    app.command("monitor", short_help=_("One screen for a supervisor: open work, overdue, spikes."), help=helptext(
        _("One screen for a supervisor: open work, overdue, due soon, spikes, incidents, drills."),
        "complaintctl monitor --watch 30",
        "complaintctl monitor --format json",
    ))(monitor)
