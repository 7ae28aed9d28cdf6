"""Reports out: table (Rich), json, csv, md, html (one self-contained file with inline SVG
charts) and xlsx. ``write_report`` is the one place that branches on the report format.

(``complaintctl.present.render`` holds the console and the JSON/CSV basics every command shares; the
report writers live here, one module each.)
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

from complaintctl.errors import UsageProblem
from complaintctl.i18n import _


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    md = "md"
    html = "html"
    xlsx = "xlsx"


def display(value: Any, kind: str = "text") -> str:
    """A figure as people read it: rates as percentages, blanks as a dash."""
    if value is None:
        return "-"
    if kind == "rate":
        return f"{float(value) * 100:.1f}%"
    if kind in ("days", "float"):
        return f"{float(value):.2f}"
    if isinstance(value, bool) or kind == "bool":
        return _("yes") if value else ""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def has_total_row(table) -> bool:
    """A totals row, unless the table's one row already is the totals (no --by)."""
    return bool(table.totals) and not (len(table.rows) == 1 and table.rows[0] == table.totals)


def label(value: Any) -> str:
    """A row's label in tables and charts: enum values (status, channel, outcome, ...) by their
    label in the interface language; English keeps the value itself."""
    from complaintctl import i18n

    if value is None:
        return _("(none)")
    if isinstance(value, (list, tuple)):
        return display(value)
    return i18n.label(value) if i18n.language() == "zh" else str(value)


def chart_data(table) -> tuple[str, list[str], list[tuple[str, str]], list[dict], str | None] | None:
    """(kind, labels, series (key, header), values, mark key) for a table's chart, or None."""
    chart = table.chart
    if chart is None:
        return None
    headers = {c.key: c.header for c in table.columns}
    series = [(k, headers.get(k, k)) for k in chart.values]
    if chart.kind == "columns":
        labels = [headers.get(k, k) for k in chart.values]
        values = [{"value": table.totals.get(k, 0)} for k in chart.values]
        return "bar", labels, [("value", table.title)], values, None
    if not table.rows:
        return None
    rows = table.rows
    if chart.kind == "bar" and len(rows) > 40:
        rows = sorted(rows, key=lambda r: -float(r.get(chart.values[0]) or 0))[:40]
    labels = [label(r.get(chart.label)) for r in rows]
    return chart.kind, labels, series, rows, chart.mark


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
        sys.stdout.write(text)
    else:
        from complaintctl.infra.files import write_private

        write_private(output, text)
