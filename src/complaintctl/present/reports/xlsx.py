"""A report as an Excel workbook (XlsxWriter): one sheet per table, the header row frozen,
numbers as numbers (rates as percentages, money with two decimals), a bold total row."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from complaintctl.i18n import _
from complaintctl.present.formulas import neutralise
from complaintctl.present.reports.values import has_total_row, label

_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(title: str, used: set[str]) -> str:
    name = _BAD_SHEET_CHARS.sub(" ", title)[:31].strip() or "Sheet"
    base, n = name, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def write_xlsx(report, path: Path) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False,
                                               "strings_to_formulas": False,
                                               "strings_to_urls": False})
    workbook.set_properties({"title": report.title, "subject": report.name,
                             "comments": f"{report.period.start} - {report.period.end}"})
    formats = {
        "header": workbook.add_format({"bold": True, "bg_color": "#EDF2F7", "border": 1}),
        "rate": workbook.add_format({"num_format": "0.0%"}),
        "money": workbook.add_format({"num_format": "#,##0.00"}),
        "days": workbook.add_format({"num_format": "0.00"}),
        "float": workbook.add_format({"num_format": "0.00"}),
        "int": workbook.add_format({"num_format": "0"}),
        "total": workbook.add_format({"bold": True, "top": 1}),
        "total_rate": workbook.add_format({"bold": True, "top": 1, "num_format": "0.0%"}),
        "total_money": workbook.add_format({"bold": True, "top": 1, "num_format": "#,##0.00"}),
        "total_days": workbook.add_format({"bold": True, "top": 1, "num_format": "0.00"}),
        "total_float": workbook.add_format({"bold": True, "top": 1, "num_format": "0.00"}),
    }
    used: set[str] = set()
    for table in report.tables:
        sheet = workbook.add_worksheet(_sheet_name(table.title, used))
        widths = [len(c.header) + 2 for c in table.columns]
        for col, column in enumerate(table.columns):
            sheet.write_string(0, col, column.header, formats["header"])
        for r, row in enumerate(table.rows, start=1):
            for col, column in enumerate(table.columns):
                shown = _write(sheet, r, col, row.get(column.key), column, formats, "")
                widths[col] = max(widths[col], min(50, len(shown) + 2))
        if has_total_row(table):
            r = len(table.rows) + 1
            for col, column in enumerate(table.columns):
                if column.key in table.totals and column.kind != "text":
                    _write(sheet, r, col, table.totals[column.key], column, formats, "total")
                elif col == 0:
                    sheet.write_string(r, col, _("Total"), formats["total"])
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width)
        sheet.freeze_panes(1, 0)
    workbook.close()


def _write(sheet, r: int, c: int, value: Any, column, formats, prefix: str) -> str:
    """Write one cell with its real type; returns the text shown (for column widths)."""
    fmt_key = f"{prefix}_{column.kind}" if prefix else column.kind
    fmt = formats.get(fmt_key, formats.get(prefix or "int")) if column.kind != "text" else (
        formats.get(prefix) if prefix else None)
    if value is None:
        text = label(None) if column.kind == "text" else ""
        if text:
            sheet.write_string(r, c, text, fmt)
        else:
            sheet.write_blank(r, c, None, fmt)
        return text
    if isinstance(value, bool):
        sheet.write_boolean(r, c, value, fmt)
        return "TRUE"
    if column.kind == "money":
        number = float(Decimal(str(value)))
        sheet.write_number(r, c, number, fmt)
        return f"{number:,.2f}"
    if isinstance(value, (int, float)) and column.kind != "text":
        sheet.write_number(r, c, value, fmt)
        return str(value)
    if isinstance(value, (list, tuple, dict)):
        text = ", ".join(map(str, value)) if not isinstance(value, dict) else json.dumps(value)
    else:
        text = str(value)
    sheet.write_string(r, c, neutralise(text), fmt)
    return text
