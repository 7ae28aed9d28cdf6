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


# --- the complaint ledger (投诉台账, CBIRC Art 28) ---------------------------------------------

#: the ledger's columns, each with the rule that asks for it: the registration material of Art 13
#: (complainant, identity, contact; who and what is complained about; the request, the main facts,
#: the grounds), the receipt and number of the plan's registration step, the handler, the
#: deadline (Art 18), the decision with its facts, reasons, basis and remedies (Art 19), the
#: notice and its proof (Art 21), the review (Art 20), the closure and the archive (Art 28)
LEDGER_COLUMNS = [
    ("number", "plan: registration"), ("received_at", "Art 18: receipt"),
    ("channel", "Art 7: reception"), ("source_ref", "Art 33: regulator's reference"),
    ("customer_name", "Art 13: complainant"), ("customer_id_number", "Art 13: identity"),
    ("customer_phone", "Art 13: contact"), ("customer_email", "Art 13: contact"),
    ("customer_account", "Art 13: account"), ("group_size", "Art 12: joint complaint"),
    ("branch", "Art 13: who is complained about"), ("product", "Art 13: what"),
    ("issue", "Art 13: what"), ("summary", "Art 13: the request and main facts"),
    ("description", "Art 13: the grounds"), ("registered_at", "plan: registration"),
    ("registered_by", "Art 7: recorded reception"), ("assignee", "plan: designated handler"),
    ("status", "Art 28: ledger"), ("due_at", "Art 18: deadline"),
    ("extension_level", "Art 18: extension"), ("outcome", "Art 19: result"),
    ("findings", "Art 19: facts verified"), ("decision_reasons", "Art 19: reasons"),
    ("decision_basis", "Art 19: basis"), ("remedies", "Art 19: remedies"),
    ("notified_at", "Art 21: notice"), ("notified_via", "Art 21: notice"),
    ("notice_proof", "Art 21: proof of notice"),
    ("notice_unreachable", "Art 21: customer unreachable"),
    ("review_requested_at", "Art 20: review"), ("review_result", "Art 20: review"),
    ("satisfaction", "plan: closure"), ("disputed", "plan: closure"),
    ("closed_at", "Art 28: archive"), ("archived_at", "Art 28: archive"),
]
LEDGER_HEADER = [name for name, _rule in LEDGER_COLUMNS]


def ledger_row(d: dict[str, Any]) -> dict[str, Any]:
    """A complaint object flattened to the ledger's columns."""
    row = flat_row(d)
    row.update({k: d.get(k) for k in LEDGER_HEADER if k not in row})
    return {k: row.get(k) for k in LEDGER_HEADER}


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
