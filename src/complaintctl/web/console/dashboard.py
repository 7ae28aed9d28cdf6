"""The monitoring dashboard (the figures of ``monitor --format json``, with the reports' SVG
charts, refreshed by the page itself every minute) and the reports, downloadable as HTML,
CSV, XLSX or JSON with the numbers of ``report NAME --format json``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from complaintctl.errors import UsageProblem
from complaintctl.i18n import _
from complaintctl.web import pages
from complaintctl.web.console.signin import signed_in, staff_page

router = APIRouter()
REFRESH_SECONDS = 60
REPORTS = ("summary", "sla", "aging", "trend", "outcomes", "satisfaction", "handlers",
           "root-causes", "regulatory")
DIMENSIONS = ("channel", "branch", "product", "issue", "handler", "priority", "tag",
              "outcome", "status")
DOWNLOADS = ("html", "csv", "xlsx", "json")


def charts(data: dict) -> dict[str, str]:
    """The dashboard's charts, drawn by the reports' SVG renderer."""
    from complaintctl.i18n import code
    from complaintctl.present.reports.svg import bars, lines

    by_status = data["open_by_status"]
    drawn = {}
    if by_status:
        title = _("Open by status")
        drawn["status"] = bars([code(k) for k in by_status], [("n", title)],
                               [{"n": v} for v in by_status.values()], title=title)
    by_branch = data["last_24h"]["by_branch"]
    if by_branch:
        title = _("Last 24 h by branch")
        drawn["branch"] = bars([r["branch"] or "-" for r in by_branch],
                               [("last_24h", _("Last 24 h")),
                                ("baseline_daily", _("Daily mean"))], by_branch, title=title)
    trend = data["satisfaction_trend"]
    if any(w["responses"] for w in trend):
        title = _("Satisfaction, last 8 weeks")
        drawn["satisfaction"] = lines([w["week"] for w in trend], [("mean", title)], trend,
                                      title=title)
    return drawn


@router.get("/staff/dashboard")
@staff_page
def dashboard(request: Request, branch: str = "") -> Response:
    from complaintctl.services.reporting import monitor

    with signed_in(request, command="monitor") as staff:
        data = monitor.snapshot(session=staff.session, actor=staff.actor,
                                branch=branch.strip() or None)
    return pages.render(request, "console/dashboard.html", {
        "staff": staff, "m": data, "charts": charts(data), "refresh": REFRESH_SECONDS,
        "branch": branch})


@router.get("/staff/reports")
@staff_page
def reports_form(request: Request) -> Response:
    with signed_in(request) as staff:
        pass
    return pages.render(request, "console/reports.html", {
        "staff": staff, "reports": REPORTS, "dimensions": DIMENSIONS, "formats": DOWNLOADS})


@router.get("/staff/reports/{name}.{fmt}")
@staff_page
def report_download(request: Request, name: str, fmt: str, period: str = "",
                    branch: str = "", by: str = "") -> Response:
    from complaintctl.present.reports import MEDIA_TYPES, ReportFormat, report_document
    from complaintctl.services.reporting import reports

    if fmt not in DOWNLOADS:
        raise UsageProblem(_("Reports download as {formats}.").format(
            formats=", ".join(DOWNLOADS)))
    if by and by not in DIMENSIONS:
        raise UsageProblem(_("Group by one of {names}.").format(names=", ".join(DIMENSIONS)))
    with signed_in(request, command=f"report {name}") as staff:
        report = reports.run(session=staff.session, actor=staff.actor, name=name,
                             period=period.strip() or None, branch=branch.strip() or None,
                             by=by or None, machine=fmt in ("json", "csv"))
    body = report_document(report, ReportFormat(fmt))
    stem = f"{name}-{report.period.start.isoformat()}-{report.period.end.isoformat()}"
    return Response(body, media_type=MEDIA_TYPES[ReportFormat(fmt)], headers={
        "Content-Disposition": f'attachment; filename="{stem}.{fmt}"',
        "Cache-Control": "no-store"})
