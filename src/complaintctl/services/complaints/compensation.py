"""The compensation rule of a resolution: a monetary remedy above ``compensation.threshold``
needs a second person's approval (``complaints.approvals``), never the resolver's own. The
lifecycle's ``resolve`` handler (``complaints.handlers``) checks it."""

from __future__ import annotations

from sqlmodel import Session, col, select

from complaintctl.domain import money
from complaintctl.domain.enums import MONETARY_REMEDIES, ApprovalKind
from complaintctl.errors import PermissionDenied
from complaintctl.i18n import _
from complaintctl.store.models import Approval, Complaint, Remedy
from complaintctl.services.complaints.approvals import APPROVED
from complaintctl.services.core import config as config_service
from complaintctl.services.core.context import Actor


def _monetary_total(session: Session, complaint: Complaint) -> int:
    rows = session.exec(select(Remedy).where(Remedy.complaint_id == complaint.id)).all()
    return sum(r.amount_cents or 0 for r in rows if r.kind in MONETARY_REMEDIES)


def check_compensation(session: Session, actor: Actor, complaint: Complaint) -> Approval | None:
    """Compensation above the threshold needs a second person's approval (not the resolver's)."""
    cfg = config_service.load(session)
    threshold = cfg["compensation.threshold"]
    total = _monetary_total(session, complaint)
    if total <= threshold:
        return None
    approvals = session.exec(
        select(Approval).where(
            Approval.complaint_id == complaint.id,
            Approval.kind == ApprovalKind.compensation.value,
            Approval.status == APPROVED,
        ).order_by(col(Approval.id).desc())
    ).all()
    for approval in approvals:
        if (approval.amount_cents or 0) >= total and approval.decided_by != actor.username:
            return approval
    own = any(a.decided_by == actor.username for a in approvals)
    raise PermissionDenied(
        _(
            "Permission denied: {number} pays {amount} {currency}, above the "
            "{threshold} threshold, and needs a second person's approval{own}: ask a "
            "supervisor to run `complaintctl approve {number} --compensation {amount}`."
        ).format(
            number=complaint.number, amount=money.format_amount(total),
            currency=complaint.currency, threshold=money.format_amount(threshold),
            own=_(" (you cannot resolve on your own approval)") if own else "",
        )
    )
