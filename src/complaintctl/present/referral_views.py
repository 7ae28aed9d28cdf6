"""Regulator referrals (CBIRC 2020 Art 33): the report back to the regulator as text, JSON or
HTML, and the list of referrals with their dates."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from complaintctl.i18n import _


def _remedies(report: dict[str, Any]) -> str:
    return "; ".join(f"{r['kind']}:{r['amount']}" if r["amount"] else r["kind"]
                     for r in report["remedies"]) or "-"


def report_lines(report: dict[str, Any]) -> list[tuple[str, str]]:
    """The report back's labelled lines, in order (text and HTML share them)."""
    notice = report["notice"]
    return [
        (_("Regulator's reference"), report["reference"]),
        (_("Complaint"), report["number"]),
        (_("Received"), report["received_at"]),
        (_("Regulator's deadline"), report["regulator_due"]),
        (_("Decided"), report["decided_at"]),
        (_("Branch"), report["branch"]),
        (_("Product"), report["product"]),
        (_("Summary"), report["summary"]),
        (_("Facts found"), report["facts"]),
        (_("Result"), report["result"]),
        (_("Remedies"), _remedies(report)),
        (_("Customer told"), " ".join(filter(None, (notice["at"], notice["via"])))),
        (_("Proof of notice"), notice["proof"]),
        (_("Reported back"), report["reported_at"]),
        ("SHA-256", report["sha256"]),
    ]


def referral_text(report: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    title = _("Report back to the regulator on referral {reference}").format(
        reference=report["reference"])
    lines = report_lines(report)
    if fmt == "html":
        rows = "\n".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v or '-'))}</td></tr>"
                         for k, v in lines)
        return ("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>"
                f"{html.escape(title)}</title></head><body>\n<h1>{html.escape(title)}</h1>\n"
                f"<table>\n{rows}\n</table>\n</body></html>\n")
    return title + "\n\n" + "".join(f"{k}: {v or '-'}\n" for k, v in lines)


def write(text: str, output: Path | None, *, exact: bool) -> None:
    if output is None:
        from complaintctl.present import render

        render.document(text, exact=exact)
    else:
        from complaintctl.infra.files import write_private

        write_private(output, text)


def referral(report: dict[str, Any], fmt: str, output: Path | None) -> None:
    write(referral_text(report, fmt), output, exact=fmt == "json")


def columns() -> list[tuple[str, str]]:
    return [("number", _("Number")), ("reference", _("Reference")), ("state", _("State")),
            ("received_at", _("Received")), ("regulator_due", _("Regulator's deadline")),
            ("decided_at", _("Decided")), ("reported_at", _("Reported back")),
            ("overdue", _("Overdue"))]


def referrals(rows: list[dict[str, Any]], fmt: str, output: Path | None) -> None:
    if fmt == "json":
        write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n", output, exact=True)
        return
    cols = columns()
    if output is None and fmt == "table":
        from complaintctl.present import render

        render.table(rows, cols, title=_("Regulator referrals (CBIRC Art 33)"))
        return
    head = "| " + " | ".join(label for _k, label in cols) + " |\n"
    head += "|" + "---|" * len(cols) + "\n"
    body = "".join("| " + " | ".join(str(r[k] if r[k] is not None else "-") for k, _l in cols)
                   + " |\n" for r in rows)
    write(head + body, output, exact=False)
