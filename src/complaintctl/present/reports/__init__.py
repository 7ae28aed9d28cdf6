"""Reports out: table (Rich), json, csv, md, html (one self-contained file with inline SVG
charts) and xlsx. ``write_report`` is the one place that branches on the report format.

(``complaintctl.present.render`` holds the console and the JSON/CSV basics every command shares; the
report writers live here, one module each, and ``values`` says how their figures read.)
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from complaintctl.errors import UsageProblem
from complaintctl.i18n import _


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    md = "md"
    html = "html"
    xlsx = "xlsx"


def check_destination(fmt: ReportFormat, output: Path | None) -> None:
    """Refuse (exit 2) before any work a format that cannot go to the terminal."""
    if fmt is ReportFormat.xlsx and output is None:
        raise UsageProblem(_("--format xlsx writes a file: add -o FILE.xlsx."))


def write_report(report, fmt: ReportFormat, output: Path | None) -> None:
    """Write ``report`` as ``fmt`` to ``output`` (stdout when None; xlsx needs a file)."""
    check_destination(fmt, output)
    if fmt is ReportFormat.xlsx:
        from complaintctl.present.reports.xlsx import write_xlsx

        from complaintctl.infra.files import touch_private

        write_xlsx(report, touch_private(output))
        return
    if fmt is ReportFormat.table and output is None:
        from complaintctl.present.reports.terminal import show

        show(report)
        return
    if fmt is ReportFormat.json:
        import json

        text = json.dumps(report.as_json(), ensure_ascii=False, indent=2, default=str) + "\n"
    elif fmt is ReportFormat.csv:
        from complaintctl.present.reports.flat import csv_text

        text = csv_text(report)
    elif fmt is ReportFormat.html:
        from complaintctl.present.reports.html import html_text

        text = html_text(report)
    else:  # md, or a table written to a file
        from complaintctl.present.reports.flat import markdown_text

        text = markdown_text(report)
    if output is None:
        from complaintctl.present import render

        render.document(text, exact=fmt in (ReportFormat.json, ReportFormat.csv))
    else:
        from complaintctl.infra.files import write_private

        write_private(output, text)
