"""The lifecycle's own rules that follow a change, subscribed by ``services.bootstrap``:
recusal on assignment (CBIRC Art 17), the compensation approval a resolution needs, the
auto-assignment of a new complaint, and the acknowledgement counted as the first contact."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from complaintctl.domain import lifecycle
from complaintctl.domain.enums import Action, ContactVia, Direction, Status
from complaintctl.domain.events import ComplaintChanged, ComplaintRegistered, CustomerNotified
from complaintctl.i18n import _
from complaintctl.services.core import config as config_service
from complaintctl.services.core.context import resolve_actor


def on_change(session: Session, event: ComplaintChanged) -> dict[str, Any] | None:
    if event.action in (Action.assign, Action.reassign):
        from complaintctl.services.complaints.assignment import check_recusal

        check_recusal(session, event.complaint.assignee, event.complaint)
        if event.complaint.reassign_reason is not None:  # the recusal flag is answered
            event.complaint.reassign_reason = None
            session.add(event.complaint)
    if event.action is Action.resolve:
        from complaintctl.services.complaints.compensation import check_compensation

        approval = check_compensation(session, event.actor, event.complaint)
        if approval is not None:
            return {"compensation_approval": approval.id}
    return None


def on_registered(session: Session, event: ComplaintRegistered) -> None:
    """Auto-assign a new complaint when ``assign.auto_on_register`` is on."""
    if config_service.load(session)["assign.auto_on_register"]:
        from complaintctl.services.complaints.assignment import assign_within

        assign_within(session, event.actor, event.complaint, at=event.at,
                      reason="auto_on_register")


def on_customer_notified(session: Session, event: CustomerNotified) -> None:
    """The acknowledgement went out: the first outbound contact, so ``acknowledged_at``."""
    from complaintctl.services.complaints.handling import log_contact

    complaint, note = event.complaint, event.notification
    if complaint is None or complaint.acknowledged_at is not None:
        return
    if Status(complaint.status) not in lifecycle.TRANSITIONS[Action.contact][0]:
        return
    log_contact(
        session, resolve_actor(session, event.actor_name), complaint, via=ContactVia.email,
        direction=Direction.out, at=max(event.at, complaint.last_event_at),
        summary=_("Acknowledgement emailed to the customer (notification {id})").format(
            id=note.id),
        details={"notification": note.id},
    )
