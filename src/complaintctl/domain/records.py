"""Complaints as flat files hold them, one row each: the native columns (``list --format csv``,
the XLSX export and ``import --format native``) and the CFPB's (the US consumer complaint
database's export, read by ``import --format cfpb`` and written by ``export --format cfpb``).
Pure data: the readers (``services.intake.reading``) and the writers (``present``) share it.
"""

from __future__ import annotations

from typing import Any

#: the flat columns of ``list --format csv`` (and the native import format), in order
CSV_COLUMNS = [
    "number", "status", "channel", "source_ref", "external_ref", "received_at",
    "registered_at", "registered_by", "customer_name", "customer_phone", "customer_email",
    "customer_id_number", "customer_account", "customer_id", "group_size", "branch", "product",
    "issue", "summary", "description", "amount", "currency", "tags", "priority", "assignee",
    "due_at", "acknowledged_at", "outcome", "findings", "remedies", "notified_at",
    "notified_via", "notice_proof", "satisfaction", "feedback", "disputed", "reopen_count",
    "closed_at", "archived_at", "merged_into",
]


def flat_row(d: dict[str, Any]) -> dict[str, Any]:
    """A complaint object (the JSON shape of ``show``/``list``) flattened to the CSV columns."""
    row = {k: v for k, v in d.items() if k in CSV_COLUMNS}
    for key, value in d["customer"].items():
        row["customer_id" if key == "customer_id" else f"customer_{key}"] = value
    row["tags"] = ";".join(d["tags"])
    row["remedies"] = ";".join(
        f"{r['kind']}:{r['amount']}" if r["amount"] else r["kind"] for r in d["remedies"]
    )
    return {k: row.get(k) for k in CSV_COLUMNS}


# --- the CFPB's layout -------------------------------------------------------------------------

#: the CFPB's 18 columns, in their export's order, each with the field it fills
CFPB_COLUMNS = [
    ("Date received", "received_at"),
    ("Product", "product"),
    ("Sub-product", "sub_product"),
    ("Issue", "issue"),
    ("Sub-issue", "sub_issue"),
    ("Consumer complaint narrative", "description"),
    ("Company public response", "company_public_response"),
    ("Company", "company"),
    ("State", "state"),
    ("ZIP code", "zip_code"),
    ("Tags", "tags"),
    ("Consumer consent provided?", "consumer_consent"),
    ("Submitted via", "channel"),
    ("Date sent to company", "sent_to_company_at"),
    ("Company response to consumer", "company_response"),
    ("Timely response?", "timely_response"),
    ("Consumer disputed?", "consumer_disputed"),
    ("Complaint ID", "external_ref"),
]
CFPB_HEADER = [name for name, _f in CFPB_COLUMNS]

#: channel -> Submitted via, for an export (the reader's mapping is the other way round)
CHANNEL_TO_CFPB = {
    "online": "Web", "regulator": "Referral", "phone": "Phone", "email": "Email",
    "letter": "Postal mail", "fax": "Fax",
}
#: tag -> the CFPB's Tags value, for an export
TAG_TO_CFPB = {"elderly": "Older American", "servicemember": "Servicemember"}
