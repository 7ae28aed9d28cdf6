"""XLSX through XlsxWriter in constant-memory mode: rows are flushed to disk as they are
written, so memory stays flat. A bold, frozen header row; column widths; dates, amounts and
counts as real cell types; text cells neutralised like CSV."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from complaintctl.present.exporters import neutralise

DATE_COLUMNS = {"received_at", "registered_at", "due_at", "acknowledged_at", "notified_at",
                "closed_at", "archived_at"}
INT_COLUMNS = {"group_size", "satisfaction", "reopen_count"}
WIDTHS = {"summary": 40, "description": 60, "findings": 40, "feedback": 30, "number": 17,
          "customer_name": 16, "product": 18, "issue": 24, "remedies": 24, "tags": 16}


def write_xlsx(rows, path) -> int:
    import xlsxwriter

    from complaintctl.services.complaints.shapes import CSV_COLUMNS, flat_row

    workbook = xlsxwriter.Workbook(str(path), {
        "constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
        "strings_to_urls": False, "default_date_format": "yyyy-mm-dd hh:mm",
    })
    try:
        sheet = workbook.add_worksheet("complaints")
        bold = workbook.add_format({"bold": True})
        money = workbook.add_format({"num_format": "#,##0.00"})
        when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        for i, name in enumerate(CSV_COLUMNS):
            width = WIDTHS.get(name, 17 if name in DATE_COLUMNS else 12)
            sheet.set_column(i, i, width)
        sheet.freeze_panes(1, 0)
        for i, name in enumerate(CSV_COLUMNS):
            sheet.write_string(0, i, name, bold)
        n = 0
        for row in rows:
            n += 1
            flat = flat_row(row)
            for i, name in enumerate(CSV_COLUMNS):
                _write(sheet, n, i, name, flat[name], money, when)
        return n
    finally:
        workbook.close()


def _write(sheet, r: int, c: int, name: str, value: Any, money, when) -> None:
    if value is None or value == "":
        return
    if isinstance(value, bool):
        sheet.write_boolean(r, c, value)
    elif name in DATE_COLUMNS:
        sheet.write_datetime(r, c, datetime.fromisoformat(value).replace(tzinfo=None), when)
    elif name == "amount":
        sheet.write_number(r, c, float(Decimal(value)), money)
    elif name in INT_COLUMNS:
        sheet.write_number(r, c, int(value))
    else:
        sheet.write_string(r, c, neutralise(str(value)))
