"""How a report's values read in every format drawn for people (terminal, Markdown, HTML, XLSX):
figures (rates as percentages, blanks as a dash), row labels, the totals row, a chart's data."""

from __future__ import annotations

from typing import Any

from complaintctl.i18n import _


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
