"""The customer's identity (CBIRC 2020 Art 22): verifying it (``verify-identity``) and the one
place complaintctl discloses a complaint's personal data to the customer (``customer-copy``),
which needs it verified.

Disclosure to the customer happens where the bank hands the customer what it holds on their
complaint: ``customer-copy NUMBER`` (their personal data as registered, the representatives,
the status, the decision). The acknowledgement the mailbox queues carries no personal data (the
number and the expected date only), so it needs no verification; any future notice that carries
personal data calls ``require_verified`` first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from complaintctl.domain import identity
from complaintctl.domain.clock import iso
from complaintctl.domain.enums import EventKind
from complaintctl.domain.permissions import Permission
from complaintctl.errors import InvalidData, TransitionNotAllowed
from complaintctl.i18n import _
from complaintctl.store.models import Complaint
from complaintctl.services.complaints.shapes import representatives_of
from complaintctl.services.core import trail as audit
from complaintctl.services.core.context import Actor, timezone_of, use_case
from complaintctl.services.core.kernel import effective_time, get, resolve_number, required_text

VERIFY = "verify_identity"
DISCLOSE = "customer_copy"


def verify_identity(*, session: Session, actor: Actor, number: str, method: str,
                    note: str | None = None, at: datetime | None = None) -> Complaint:
    """Record that the customer's identity was verified, by ``method`` (counter_id_check,
    phone_callback, online_real_name), at ``at``; audited. A second verification replaces the
    first (the timeline keeps both)."""
    number = resolve_number(session, number)
    with use_case(session, actor, VERIFY, number):
        complaint = get(session, number, lock=True)
        actor.check(Permission.contact, complaint=complaint)
        if method not in identity.METHODS:
            raise InvalidData(_("--method {method} is not one of {methods} (CBIRC Art 22).")
                              .format(method=method, methods=", ".join(identity.METHODS)))
        if complaint.erased_at is not None:
            raise TransitionNotAllowed(_("{number}'s personal data was erased; there is no "
                                         "identity left to verify.").format(number=number))
        note = required_text(note, _("The note (--note)"), required=False, field="note")
        at = effective_time(session, at, complaint)
        complaint.identity_verified_at = at
        complaint.identity_method = method
        complaint.identity_verified_by = actor.username
        complaint.last_event_at = at
        session.add(complaint)
        audit.record(session, kind=EventKind.change, action=VERIFY, actor=actor.username, at=at,
                     complaint=complaint, from_status=complaint.status,
                     to_status=complaint.status, details={"method": method, "note": note})
    return complaint


def require_verified(complaint: Complaint) -> None:
    """Refuse (exit 3) to disclose personal data to a customer whose identity is unverified."""
    if complaint.identity_verified_at is None:
        raise TransitionNotAllowed(_(
            "{number}: the customer's identity is not verified; verify it first "
            "(`complaintctl verify-identity {number} --method counter_id_check|phone_callback|"
            "online_real_name`) before disclosing personal data (CBIRC Art 22).").format(
                number=complaint.number))


def customer_copy(*, session: Session, actor: Actor, number: str,
                  at: datetime | None = None) -> dict[str, Any]:
    """What the bank holds on the complaint, for the customer: their personal data unmasked,
    the representatives, the status and the decision. Needs the identity verified; the
    disclosure is audited (an ``access`` event)."""
    number = resolve_number(session, number)
    with use_case(session, actor, DISCLOSE, number):
        complaint = get(session, number)
        actor.check(Permission.contact, complaint=complaint)
        require_verified(complaint)
        at = effective_time(session, at, None)
        tz = timezone_of(session)
        copy = {
            "number": complaint.number, "status": complaint.status,
            "received_at": iso(complaint.received_at, tz), "due_at": iso(complaint.due_at, tz),
            "customer": {"name": complaint.customer_name, "phone": complaint.customer_phone,
                         "email": complaint.customer_email,
                         "id_number": complaint.customer_id_number,
                         "account": complaint.customer_account},
            "representatives": representatives_of(complaint),
            "summary": complaint.summary, "outcome": complaint.outcome,
            "findings": complaint.findings, "notified_at": iso(complaint.notified_at, tz),
            "identity": {"verified_at": iso(complaint.identity_verified_at, tz),
                         "method": complaint.identity_method},
        }
        audit.record(session, kind=EventKind.access, action=DISCLOSE, actor=actor.username,
                     at=at, number=complaint.number,
                     details={"method": complaint.identity_method})
    return copy
