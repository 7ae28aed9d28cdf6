"""Text exports: native CSV, the CFPB's CSV layout, JSON Lines."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from typing import Any

from complaintctl.domain.records import (
    CFPB_HEADER,
    CHANNEL_TO_CFPB,
    CSV_COLUMNS,
    LEDGER_HEADER,
    TAG_TO_CFPB,
    flat_row,
    ledger_row,
)
from complaintctl.present.formulas import neutralise


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        value = json.dumps(value, ensure_ascii=False)
    return neutralise(str(value))


def write_csv(rows, out) -> int:
    """The columns of ``list --format csv``, so ``import --format native`` reads it back."""
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180; a bare CR is quoted too
    writer.writerow(CSV_COLUMNS)
    n = 0
    for row in rows:
        flat = flat_row(row)
        writer.writerow([_cell(flat[c]) for c in CSV_COLUMNS])
        n += 1
    return n


def write_ledger(rows, out) -> int:
    """The complaint ledger (投诉台账, CBIRC Art 28): every field the rules ask it to keep."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(LEDGER_HEADER)
    n = 0
    for row in rows:
        flat = ledger_row(row)
        writer.writerow([_cell(flat[c]) for c in LEDGER_HEADER])
        n += 1
    return n


def write_jsonl(rows, out) -> int:
    n = 0
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        n += 1
    return n


# --- the CFPB's layout -----------------------------------------------------------------------

_DECIDED = {"resolved", "closed", "archived"}


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("Yes" if value else "No")


def _day(text: str | None) -> str:
    return text[:10] if text else ""


def company_response(row: dict[str, Any]) -> str:
    """DOMAIN.md's mapping: the stored CFPB response if the complaint came with one, else
    derived from the status, outcome, remedies and whether the decision was late."""
    if row.get("company_response"):
        return row["company_response"]
    status = row["status"]
    if status in ("withdrawn", "merged"):
        return "Closed"
    if status not in _DECIDED:
        return "In progress"
    decided = row.get("notified_at") or row.get("closed_at")
    if decided and row.get("due_at") and _later(decided, row["due_at"]):
        return "Untimely response"
    outcome = row.get("outcome")
    if outcome == "upheld":
        if any(r["kind"] in ("compensation", "fee_refund") for r in row["remedies"]):
            return "Closed with monetary relief"
        return "Closed with non-monetary relief"
    if outcome == "partially_upheld":
        return "Closed with relief"
    if outcome == "not_upheld":
        return "Closed with explanation"
    return "Closed"


def _later(a: str, b: str) -> bool:
    return datetime.fromisoformat(a) > datetime.fromisoformat(b)


def _timely(row: dict[str, Any]) -> str:
    if row.get("timely_response") is not None:
        return _yes_no(row["timely_response"])
    if row["status"] not in _DECIDED:
        return ""
    return "No" if company_response(row) == "Untimely response" else "Yes"


def cfpb_row(row: dict[str, Any]) -> list[str]:
    disputed = row.get("consumer_disputed")
    if disputed is None and row.get("disputed"):
        disputed = True
    ref = row["external_ref"] if row.get("external_source") == "cfpb" and row.get(
        "external_ref") else row["number"]
    values = [
        _day(row["received_at"]), row.get("product"), row.get("sub_product"),
        row.get("issue") or row.get("summary"),  # the CFPB has no summary: keep ours
        row.get("sub_issue"), row.get("description"), row.get("company_public_response"),
        row.get("company"), row.get("state"), row.get("zip_code"),
        ", ".join(TAG_TO_CFPB[t] for t in row["tags"] if t in TAG_TO_CFPB),
        row.get("consumer_consent") or "N/A",
        CHANNEL_TO_CFPB.get(row["channel"], row["channel"]),
        _day(row.get("sent_to_company_at")), company_response(row), _timely(row),
        _yes_no(disputed) or "N/A", ref,
    ]
    return [neutralise(v) if v else "" for v in values]


def write_cfpb(rows, out) -> int:
    """The canonical 18 CFPB columns; ``import --format cfpb`` reads it back."""
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180; a bare CR is quoted too
    writer.writerow(CFPB_HEADER)
    n = 0
    for row in rows:
        writer.writerow(cfpb_row(row))
        n += 1
    return n
