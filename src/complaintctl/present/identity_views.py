"""What the customer is handed (``customer-copy``, CBIRC Art 22): their complaint's data."""

from __future__ import annotations

from typing import Any

from complaintctl.domain.enums import ReadFormat
from complaintctl.i18n import _
from complaintctl.present import render


def customer_copy(data: dict[str, Any], format: ReadFormat) -> None:
    if format is ReadFormat.json:
        render.emit_json(data)
        return
    customer = data["customer"]
    render.fields([
        (_("Number"), data["number"]),
        (_("Status"), data["status"]),
        (_("Received"), data["received_at"]),
        (_("Due"), data["due_at"]),
        (_("Customer"), customer["name"]),
        (_("Phone"), customer["phone"]),
        (_("Email"), customer["email"]),
        (_("ID number"), customer["id_number"]),
        (_("Account"), customer["account"]),
        (_("Representatives"), "; ".join(f"{r['name']} {r['phone']}"
                                         for r in data["representatives"]) or None),
        (_("Summary"), data["summary"]),
        (_("Outcome"), data["outcome"]),
        (_("Findings"), data["findings"]),
        (_("Identity verified"),
         f"{data['identity']['verified_at']} {data['identity']['method']}"),
    ], title=_("What the bank holds on complaint {number}").format(number=data["number"]))
