"""Reports out: table (Rich), json, csv, md, html (one self-contained file with inline SVG
charts) and xlsx. ``write_report`` and ``report_document`` (one document of a format: what
``write_report`` writes, and the staff console's downloads) are the one place that branches on
the report format.

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
        from complaintctl.infra.files import touch_private
        from complaintctl.present.reports.xlsx import write_xlsx

        write_xlsx(report, touch_private(output))
        return
    if fmt is ReportFormat.table and output is None:
        from complaintctl.present.reports.terminal import show

        show(report)
        return
    text = report_document(report, fmt)
    if output is None:
        from complaintctl.present import render

        render.document(text, exact=fmt in (ReportFormat.json, ReportFormat.csv))
    else:
        from complaintctl.infra.files import write_private

        write_private(output, text)


#: the media type of each downloadable format (the staff console's report downloads)
MEDIA_TYPES = {
    ReportFormat.json: "application/json",
    ReportFormat.csv: "text/csv; charset=utf-8",
    ReportFormat.md: "text/markdown; charset=utf-8",
    ReportFormat.html: "text/html; charset=utf-8",
    ReportFormat.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def report_document(report, fmt: ReportFormat) -> str | bytes:
    """``report`` as one document of ``fmt`` (text, or the workbook's bytes for xlsx): what
    ``write_report`` writes to a file, and the console offers for download."""
    if fmt is ReportFormat.xlsx:
        import tempfile

        from complaintctl.present.reports.xlsx import write_xlsx

        with tempfile.TemporaryDirectory(prefix="complaintctl-report-") as folder:
            path = Path(folder) / "report.xlsx"
            write_xlsx(report, path)
            return path.read_bytes()
    if fmt is ReportFormat.json:
        import json

        return json.dumps(report.as_json(), ensure_ascii=False, indent=2, default=str) + "\n"
    if fmt is ReportFormat.csv:
        from complaintctl.present.reports.flat import csv_text

        return csv_text(report)
    if fmt is ReportFormat.html:
        from complaintctl.present.reports.html import html_text

        return html_text(report)
    from complaintctl.present.reports.flat import markdown_text  # md, or a table to a file

    return markdown_text(report)
