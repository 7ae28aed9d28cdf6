"""Writing complaints out: CSV (the columns of ``list --format csv``), JSON Lines, XLSX, the
CFPB's layout and the complaint ledger (``domain.records.LEDGER_COLUMNS``, CBIRC Art 28). Every writer streams: it takes an iterator of complaint objects and keeps only
one row in memory. CSV and XLSX text cells that a spreadsheet would run as a formula (starting
with = + - @, tab, CR or LF) are neutralised with a leading ``'`` (OWASP CSV injection; see
``present.formulas``)."""

from __future__ import annotations

from enum import StrEnum


class ExportFormat(StrEnum):
    csv = "csv"
    jsonl = "jsonl"
    xlsx = "xlsx"
    cfpb = "cfpb"
    ledger = "ledger"  # the complaint ledger (投诉台账, CBIRC Art 28), CSV


def write(rows, fmt: ExportFormat, out) -> int:
    """Write ``rows`` to ``out`` (a text file for csv, jsonl and cfpb; a path for xlsx)."""
    if fmt is ExportFormat.xlsx:
        from complaintctl.present.exporters.xlsx import write_xlsx

        return write_xlsx(rows, out)
    from complaintctl.present.exporters import tabular

    writer = {ExportFormat.csv: tabular.write_csv, ExportFormat.cfpb: tabular.write_cfpb,
              ExportFormat.jsonl: tabular.write_jsonl,
              ExportFormat.ledger: tabular.write_ledger}[fmt]
    return writer(rows, out)
