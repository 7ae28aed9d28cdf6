"""The outbox of notifications: one message per person told, written in the transaction of
the event that causes it (``queue``; ``queue_to_customer`` for the complainant), and who those
people are. Delivery is ``services.notify.delivery``; the senders ``services.notify.senders``;
listing the outbox ``services.notify.listing``.

Who is told: registered -> the branch supervisors; assigned -> the assignee; a 50%/80% warning
or overdue -> the assignee and the branch supervisors; escalation to head office -> head-office
supervisors and admins; extension, pause and review -> the people involved; an approval request
-> the approvers. "The branch supervisors" are the active supervisors of the complaint's branch;
a branch without any falls back to head-office supervisors (no branch), then admins.

Messages carry the complaint number, what happened, the status and the due time: never the
customer's name, contact details or the complaint's text (personal data stays in the system).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from complaintctl.domain.clock import iso
from complaintctl.domain.enums import Role
from complaintctl.domain.masking import mask_email
from complaintctl.i18n import _
from complaintctl.store.models import Complaint, Notification, Staff
from complaintctl.services.core.context import timezone_of

PENDING, SENT, FAILED = "pending", "sent", "failed"
#: the recipient of a message to the complainant; the event of the acknowledgement
CUSTOMER, ACKNOWLEDGEMENT = "customer", "acknowledgement"


# --- recipients --------------------------------------------------------------------------------


def _active(session: Session, *conditions) -> list[Staff]:
    query = select(Staff).where(Staff.active == True, *conditions)
    return list(session.exec(query.order_by(col(Staff.username))).all())


def head_office(session: Session) -> list[Staff]:
    """Head-office supervisors (no branch), else the admins."""
    found = _active(session, Staff.role == Role.supervisor.value, col(Staff.branch).is_(None))
    return found or _active(session, Staff.role == Role.admin.value)


def branch_supervisors(session: Session, branch: str | None) -> list[Staff]:
    """The supervisors of ``branch``; none there: head office."""
    if branch is not None:
        found = _active(session, Staff.role == Role.supervisor.value, Staff.branch == branch)
        if found:
            return found
    return head_office(session)


def staff_named(session: Session, *usernames: str | None) -> list[Staff]:
    names = [u for u in usernames if u]
    if not names:
        return []
    return _active(session, col(Staff.username).in_(names))


# --- the outbox --------------------------------------------------------------------------------


def queue(
    session: Session,
    *,
    complaint: Complaint | None,
    event: str,
    recipients: list[Staff],
    what: str,
    at: datetime,
    skip: set[str] | None = None,
) -> list[Notification]:
    """Queue one message per recipient (each once), in the caller's transaction."""
    tz = timezone_of(session)
    number = complaint.number if complaint is not None else None
    subject = f"[complaintctl] {number}: {what}" if number else f"[complaintctl] {what}"
    lines = []
    if complaint is not None:
        due = iso(complaint.due_at, tz)
        lines += [
            _("Complaint: {number}").format(number=number),
            _("What happened: {what}").format(what=what),
            _("Status: {status}").format(status=complaint.status),
            _("Branch: {branch}").format(branch=complaint.branch or "-"),
            _("Priority: {priority}").format(priority=complaint.priority),
            _("Assignee: {assignee}").format(assignee=complaint.assignee or "-"),
            _("Due: {due}").format(due=(due or "-").replace("T", " ")),
            _("Paused: {paused}").format(paused=_("yes") if complaint.paused else _("no")),
            "",
            _("See it with: complaintctl show {number}").format(number=number),
        ]
    else:
        lines.append(what)
    body = "\n".join(lines) + "\n"
    made = []
    seen = set(skip or ())
    for person in recipients:
        if person.username in seen:
            continue
        seen.add(person.username)
        note = Notification(
            complaint_id=complaint.id if complaint is not None else None, number=number,
            event=event, recipient=person.username, address=person.email,
            subject=subject[:300], body=body, status=PENDING, attempts=0, created_at=at,
            next_attempt_at=at,
        )
        session.add(note)
        made.append(note)
    return made


def queue_to_customer(
    session: Session, *, complaint: Complaint, event: str, subject: str, body: str, at: datetime,
) -> Notification | None:
    """Queue a message to the complainant's email address (none on record: nothing queued).

    Unlike staff notices, this one is for the customer: it may say what the customer told us,
    and it goes to their address. Mail intake queues the acknowledgement this way.
    """
    if not complaint.customer_email:
        return None
    note = Notification(
        complaint_id=complaint.id, number=complaint.number, event=event, recipient=CUSTOMER,
        address=complaint.customer_email, subject=subject[:300], body=body, status=PENDING,
        attempts=0, created_at=at, next_attempt_at=at,
    )
    session.add(note)
    return note



def shown_address(n: Notification) -> str:
    """Where a message goes, as shown and logged: a customer's address masked (personal data:
    ``show --unmask`` tells it, on the audit trail), a member of staff's in full."""
    if n.recipient == CUSTOMER:
        return mask_email(n.address) or CUSTOMER
    return n.address or n.recipient

