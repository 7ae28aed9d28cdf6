"""The emergency plan's part of every ``sla check`` (``DeadlinesChecked``, subscribed by
``services.bootstrap``): detection at the check's time, then the overdue checklist items."""

from __future__ import annotations

from sqlmodel import Session

from complaintctl.domain.events import DeadlinesChecked


def on_deadlines_checked(session: Session, event: DeadlinesChecked) -> None:
    from complaintctl.services.emergency.detection import sla_hook

    sla_hook(session, actor=event.actor, as_of=event.as_of, report=event.report)
