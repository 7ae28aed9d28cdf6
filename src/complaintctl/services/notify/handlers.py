"""Who hears of what, as the lifecycle goes (subscribed by ``services.bootstrap``): the
branch supervisors of a new complaint, the handler a complaint is assigned to."""

from __future__ import annotations

from sqlmodel import Session

from complaintctl.domain.enums import Action
from complaintctl.domain.events import ComplaintChanged, ComplaintRegistered
from complaintctl.i18n import _, code


def on_registered(session: Session, event: ComplaintRegistered) -> None:
    from complaintctl.services.notify import outbox  # its outbox table loads on first use

    complaint = event.complaint
    outbox.queue(
        session, complaint=complaint, event="registered",
        recipients=outbox.branch_supervisors(session, complaint.branch),
        what=_("registered (channel {channel})").format(channel=code(complaint.channel)),
        at=event.at,
    )


def on_change(session: Session, event: ComplaintChanged) -> None:
    if event.action not in (Action.assign, Action.reassign):
        return
    from complaintctl.services.notify import outbox  # its outbox table loads on first use

    outbox.queue(
        session, complaint=event.complaint, event="assigned",
        recipients=outbox.staff_named(session, event.complaint.assignee),
        what=_("assigned to you"), at=event.at,
    )
