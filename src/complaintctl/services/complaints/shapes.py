"""The shapes a complaint is handed out in: its object (``complaint_dict``, the JSON of
``show`` and ``list``; ``domain.records.flat_row`` flattens it to the CSV columns) and how free
text in it is shown (masked unless unmasked). Reading complaints is ``complaints.queries``;
exports build on both."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from complaintctl.domain import masking, money
from complaintctl.domain.clock import iso

if TYPE_CHECKING:
    from complaintctl.store.models import Complaint, Remedy

def complaint_dict(
    c: Complaint, *, tags: list[str], remedies: list[Remedy], unmask: bool, tz,
    paused_since: datetime | None = None, weights: dict[str, float] | None = None,
) -> dict[str, Any]:
    text = shown_text(unmask)
    customer, representatives = _people(c, unmask)
    from complaintctl.services.clock.state import view_fields

    clock_fields = view_fields(c, tags=tags, paused_since=paused_since, weights=weights)
    return {
        "number": c.number,
        "status": c.status,
        "channel": c.channel,
        "source_ref": c.source_ref,
        "external_ref": c.external_ref,
        "received_at": iso(c.received_at, tz),
        "registered_at": iso(c.registered_at, tz),
        "registered_by": c.registered_by,
        "customer": customer,
        "group_size": c.group_size,
        "representatives": representatives,
        "branch": c.branch,
        "product": c.product,
        "issue": c.issue,
        "summary": text(c.summary),
        "description": text(c.description),
        "amount": money.format_amount(c.amount_cents),
        "currency": c.currency,
        "tags": tags,
        "priority": c.priority,
        "assignee": c.assignee,
        "needs_reassignment": c.reassign_reason is not None,
        "reassign_reason": c.reassign_reason,
        "due_at": iso(c.due_at, tz),
        **clock_fields,
        "acknowledged_at": iso(c.acknowledged_at, tz),
        **_decision(c, text, remedies, tz),
        "satisfaction": c.satisfaction,
        "feedback": text(c.feedback),
        "disputed": c.disputed,
        "reopen_count": c.reopen_count,
        "closed_at": iso(c.closed_at, tz),
        "archived_at": iso(c.archived_at, tz),
        "merged_into": c.merged_into,
        "repeat_of": c.repeat_of,
        "registered_late": None if c.late_recorded_at is None else {
            "reason": text(c.late_reason), "recorded_at": iso(c.late_recorded_at, tz)},
        "identity": {"verified_at": iso(c.identity_verified_at, tz),
                     "method": c.identity_method, "verified_by": c.identity_verified_by},
        "regulator_due": c.regulator_due,
        "referral_reported_at": iso(c.referral_reported_at, tz),
    }


def _people(c: Complaint, unmask: bool) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The customer's fields and a joint complaint's representatives, masked unless unmasked."""
    customer = {
        "name": c.customer_name,
        "phone": c.customer_phone,
        "email": c.customer_email,
        "id_number": c.customer_id_number,
        "account": c.customer_account,
        "customer_id": c.customer_ref,
    }
    representatives = representatives_of(c)
    if not unmask:
        customer = masking.mask_customer(customer)
        representatives = [{"name": r["name"], "phone": masking.mask_phone(r["phone"])}
                           for r in representatives]
    return customer, representatives


def _decision(c: Complaint, text, remedies: list[Remedy], tz) -> dict[str, Any]:
    """The decision's fields: the outcome, findings, reasons and basis, the remedies, the
    notice and its proof (CBIRC Art 19 and 21)."""
    return {
        "outcome": c.outcome,
        "findings": text(c.findings),
        "decision_reasons": text(c.decision_reasons),
        "decision_basis": text(c.decision_basis),
        "remedies": [
            {"kind": r.kind, "amount": money.format_amount(r.amount_cents),
             "note": text(r.note)}
            for r in remedies
        ],
        "notified_at": iso(c.notified_at, tz),
        "notified_via": c.notified_via,
        "notice_proof": text(c.notice_proof),
        "notice_attempts": c.notice_attempts,
        "notice_unreachable": c.notice_unreachable,
    }


def representatives_of(c: Complaint) -> list[dict[str, str]]:
    """A joint complaint's representatives as stored (CBIRC Art 12), unmasked."""
    import json

    return list(json.loads(c.representatives)) if c.representatives else []


def shown_text(unmask: bool):
    """How free text is shown: as stored when unmasked, else with the personal data in it
    masked (``masking.mask_text``). The one decision for the customer fields and the text."""
    return _as_stored if unmask else masking.mask_text


def _as_stored(value):
    return value


def shown_details(details: dict[str, Any], *, unmask: bool) -> dict[str, Any]:
    """A timeline event's details as shown: every text in them masked unless unmasked."""
    return details if unmask else masking.mask_details(details)
