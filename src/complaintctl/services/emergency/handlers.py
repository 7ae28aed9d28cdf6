"""The emergency plan's handlers (subscribed by ``services.bootstrap``): detection in every
registration's transaction (``ComplaintRegistered``, CBIRC Art 29: the incident exists when
``register`` returns), and its part of every ``sla check`` (``DeadlinesChecked``): detection at
the check's time, then the overdue checklist items."""

from __future__ import annotations

from sqlmodel import Session

from complaintctl.domain.events import ComplaintRegistered, DeadlinesChecked


def on_registered(session: Session, event: ComplaintRegistered) -> None:
    from complaintctl.services.emergency.detection import on_registration

    if not _is_drill(session, event.complaint):
        on_registration(session, complaint=event.complaint, by=event.actor.username,
                        at=event.at)


def _is_drill(session: Session, complaint) -> bool:
    from sqlmodel import select

    from complaintctl.domain.plan import DRILL_TAG
    from complaintctl.store.models import ComplaintTag

    return session.exec(select(ComplaintTag.tag).where(
        ComplaintTag.complaint_id == complaint.id, ComplaintTag.tag == DRILL_TAG)).first() is not None


def on_deadlines_checked(session: Session, event: DeadlinesChecked) -> None:
    from complaintctl.services.emergency.detection import sla_hook

    sla_hook(session, actor=event.actor, as_of=event.as_of, report=event.report)
