"""Recusal (CBIRC Art 17: whoever verifies a complaint has no direct interest in it), the one
check every action on a complaint passes through: ``kernel.acting_on`` (and the two use cases
that lock more than one complaint or choose a person, ``assign`` and ``merge``) refuse an
actor with a recorded conflict on the complaint at the moment of the action; the lifecycle's
``ComplaintChanged`` handler refuses an assignee with one.

Conflicts are recorded per member of staff (``staff conflict add``), of four kinds:
``customer_id`` (the bank's customer id), ``account`` (an account or card number), ``branch``
(every complaint of a branch) and ``colleague`` (a named colleague: complaints that colleague
registered or handled, or whose summary, issue or description names them)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from complaintctl.domain import masking
from complaintctl.errors import PermissionDenied
from complaintctl.i18n import _
from complaintctl.store.models import Complaint, Staff

PERSONAL_KINDS = {"customer_id", "account"}


def shown(kind: str, value: str) -> str:
    """A conflict's value as shown: accounts and customer ids masked."""
    return masking.mask_account(value) if kind in PERSONAL_KINDS else value


def reason_of(session: Session, c, complaint: Complaint) -> str | None:
    """Why conflict ``c`` bars its holder from ``complaint`` (None: it does not)."""
    if c.kind == "customer_id" and complaint.customer_ref == c.value:
        return _("a recorded conflict with the customer (customer id {value})").format(
            value=shown(c.kind, c.value))
    if c.kind == "account" and complaint.customer_account == c.value:
        return _("a recorded conflict with the account {value}").format(
            value=shown(c.kind, c.value))
    if c.kind == "branch" and complaint.branch == c.value:
        return _("a recorded conflict with branch {value}").format(value=c.value)
    if c.kind == "colleague":
        colleague = session.exec(select(Staff).where(Staff.username == c.value)).first()
        names = {c.value} | ({colleague.name} if colleague and colleague.name else set())
        text = " ".join(t for t in (complaint.summary, complaint.issue,
                                    complaint.description) if t)
        if complaint.registered_by == c.value or any(n and n in text for n in names):
            return _("a recorded conflict with colleague {value}, who is involved").format(
                value=c.value)
    return None


def conflict_reason(session: Session, username: str, complaint: Complaint) -> str | None:
    """Why ``username`` must not handle ``complaint`` (None: no recorded conflict)."""
    from complaintctl.store.models import StaffConflict  # models_ext: loaded on first use

    person = session.exec(select(Staff).where(Staff.username == username)).first()
    if person is None:
        return None
    conflicts = session.exec(
        select(StaffConflict).where(StaffConflict.staff_id == person.id)
        .order_by(col(StaffConflict.id))
    ).all()
    for c in conflicts:
        reason = reason_of(session, c, complaint)
        if reason:
            return reason
    return None


def check_assignee(session: Session, username: str | None, complaint: Complaint) -> None:
    """Refuse assigning ``complaint`` to someone recused from it."""
    if not username:
        return
    reason = conflict_reason(session, username, complaint)
    if reason:
        raise PermissionDenied(
            _("Permission denied: {user} is recused from {number}: {reason} (CBIRC Art 17). "
              "Assign someone else.").format(user=username, number=complaint.number,
                                             reason=reason)
        )


def check_actor(session: Session, username: str, action: str, complaint: Complaint) -> None:
    """Refuse ``action`` on ``complaint`` by someone with a recorded conflict on it."""
    reason = conflict_reason(session, username, complaint)
    if reason:
        raise PermissionDenied(
            _("Permission denied: {user} is recused from {number} ({reason}) and cannot "
              "{action} it (CBIRC Art 17); a colleague without a conflict must act.").format(
                user=username, number=complaint.number, reason=reason, action=action)
        )
