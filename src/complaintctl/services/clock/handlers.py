"""The clock's part of every lifecycle change (``ComplaintChanged``, subscribed by
``services.bootstrap``): the first decision keeps the due time it is judged against, a decision
or withdrawal ends an open pause, a reopening restarts the decision clock (CBIRC Art 18), and
the stored due time follows. What moved goes into the change's audit details."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from complaintctl.domain.clock import iso
from complaintctl.domain.deadlines import ClockKind
from complaintctl.domain.enums import Action, Status
from complaintctl.domain.events import ComplaintChanged
from complaintctl.services.clock.state import open_pause, refresh_due

DECIDED = (Status.resolved, Status.closed, Status.archived)


def on_change(session: Session, event: ComplaintChanged) -> dict[str, Any]:
    complaint, action, at = event.complaint, event.action, event.at
    extra: dict[str, Any] = {}
    if complaint.decision_due_at is None and (action is Action.resolve
                                               or event.previous in DECIDED):
        # the first decision keeps the due time it is judged against (the reports read it),
        # before a reopen or a review restarts the clock below and moves due_at
        complaint.decision_due_at = complaint.due_at
    if action in (Action.resolve, Action.withdraw, Action.merge) and complaint.paused:
        pause = open_pause(session, complaint)
        if pause is not None:
            pause.ended_at, pause.ended_by = at, event.actor.username
            session.add(pause)
        complaint.paused = False
        extra["pause_ended"] = iso(at)
    if action is Action.reopen:
        # new facts or reasons restart the period (CBIRC Art 18): a new decision clock
        complaint.clock_kind = ClockKind.decision.value
        complaint.clock_started_at = at
        complaint.extension_level = 0
        complaint.warned_percent = 0
        complaint.escalation_level = 0
        extra["clock_restarted"] = iso(at)
    moved = refresh_due(session, complaint, at=at)
    if moved:
        extra["due_at"] = moved
    return extra
