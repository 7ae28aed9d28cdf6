"""Reports as CSV (machine values, one header) and Markdown (people's values, one table each)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC
from typing import Any

from complaintctl.i18n import _, format_date, format_datetime, language
from complaintctl.present.formulas import neutralise
from complaintctl.present.reports.values import display, has_total_row, label


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str):
        return neutralise(value)
    return value


def csv_text(report) -> str:
    """The JSON rows as CSV: the row keys are the header (plus ``section`` for many tables)."""
    many = len(report.tables) > 1
    keys: list[str] = ["section"] if many else []
    for table in report.tables:
        for column in table.columns:
            if column.key not in keys:
                keys.append(column.key)
        for row in table.rows:
            keys += [k for k in row if k not in keys]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=keys, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for table in report.tables:
        for row in table.rows:
            values = {"section": table.name, **row} if many else row
            writer.writerow({k: _csv_value(v) for k, v in values.items()})
    return buffer.getvalue()


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_text(report) -> str:
    lines = [f"# {_md(report.title)}", "", subtitle(report), ""]
    for table in report.tables:
        if len(report.tables) > 1:
            lines += [f"## {_md(table.title)}", ""]
        lines.append("| " + " | ".join(_md(c.header) for c in table.columns) + " |")
        lines.append("|" + "|".join("---" if c.kind == "text" else "---:"
                                    for c in table.columns) + "|")
        for row in table.rows:
            lines.append("| " + " | ".join(_md(cell(row, c)) for c in table.columns) + " |")
        if has_total_row(table):
            lines.append("| " + " | ".join(
                f"**{_md(total_cell(table, c, i))}**" if total_cell(table, c, i) else ""
                for i, c in enumerate(table.columns)) + " |")
        lines.append("")
    return "\n".join(lines)


def cell(row: dict[str, Any], column) -> str:
    value = row.get(column.key)
    if column.kind == "text" and column.key in row and value is None:
        return label(None)
    if column.kind == "text":
        return label(value)  # enum values (status, channel, ...) by their translated label
    return display(value, column.kind)


def total_cell(table, column, index: int) -> str:
    if column.key in table.totals and column.kind != "text":
        return display(table.totals[column.key], column.kind)
    return _("Total") if index == 0 else ""


def subtitle(report) -> str:
    if language() == "zh":
        start, end = (format_date(report.period.start, weekday=False),
                      format_date(report.period.end, weekday=False))
    else:
        start, end = report.period.start.isoformat(), report.period.end.isoformat()
    parts = [_("Period {start} to {end}").format(start=start, end=end)]
    if report.branch:
        parts.append(_("branch {branch}").format(branch=report.branch))
    if report.by:
        by = report.by
        if language() == "zh":  # the dimension's column header (按状态), not its code
            by = next((c.header for t in report.tables for c in t.columns if c.key == by), by)
        parts.append(_("by {by}").format(by=by))
    if report.include_drills:
        parts.append(_("drill and test data included"))
    as_of = report.as_of if report.as_of.tzinfo else report.as_of.replace(tzinfo=UTC)
    if report.tz is None:
        when = format_datetime(as_of.astimezone(UTC)) + " UTC"
    else:  # the bank's time, named as the clock names it
        when = _("{at} (bank time {tz})").format(at=format_datetime(as_of.astimezone(report.tz)),
                                                tz=report.tz.key)
    parts.append(_("as of {when}").format(when=when))
    return " · ".join(parts)
