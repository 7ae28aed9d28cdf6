"""The regulatory clock on stored complaints: the state of one complaint's clock, its due
time kept in step with every event (``refresh_due``, run by ``clock.handlers`` on every change)
and the opening clock a new complaint starts with (``opening_clock``). Pauses are
``clock.pauses``; extensions and approvals ``complaints.approvals``; the review (核查)
``complaints.reviews``; the ``due`` / ``urgency`` explanations ``reporting.explain``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from complaintctl.domain import deadlines, money
from complaintctl.domain import urgency as urgency_rules
from complaintctl.domain.clock import iso
from complaintctl.domain.deadlines import ClockKind, ClockState
from complaintctl.store.models import Complaint, Pause
from complaintctl.services.core import config as config_service
from complaintctl.services.core.context import now

# --- the clock of one complaint -----------------------------------------------------------------


def pauses_of(session: Session, complaint: Complaint) -> list[Pause]:
    if complaint.id is None:
        return []
    return list(session.exec(
        select(Pause).where(Pause.complaint_id == complaint.id).order_by(col(Pause.started_at))
    ).all())


def state_of(session: Session, complaint: Complaint, pauses: list[Pause] | None = None
             ) -> ClockState:
    rows = pauses_of(session, complaint) if pauses is None else pauses
    return ClockState(
        received_at=complaint.received_at,
        status=complaint.status,
        kind=ClockKind(complaint.clock_kind or ClockKind.decision.value),
        started_at=complaint.clock_started_at,
        extension_level=complaint.extension_level or 0,
        pauses=tuple(deadlines.Pause(p.started_at, p.ended_at, p.reason) for p in rows),
        paused=bool(complaint.paused),
        notified_at=complaint.notified_at,
        acknowledged_at=complaint.acknowledged_at,
    )


def compute(session: Session, complaint: Complaint, cfg=None, state: ClockState | None = None
            ) -> deadlines.Deadline:
    cfg = cfg or config_service.load(session)
    profile = cfg.profile(complaint.clock_profile)
    state = state or state_of(session, complaint)
    return deadlines.due(profile, state, tz=cfg.tz, calendar=cfg.calendar(profile))


def _passed(percent: float, left: int, thresholds: tuple[int, ...]) -> int:
    if left < 0:
        return 100
    passed = [t for t in thresholds if percent >= t]
    return max(passed) if passed else 0


def refresh_due(session: Session, complaint: Complaint, *, cfg=None, at: datetime
                ) -> list[str | None] | None:
    """Store the clock's current due time; returns [old, new] if it moved.

    A decided complaint keeps the due time it was decided against. When the due time moves
    later, warnings already given that no longer hold are withdrawn, so they fire again.
    """
    if complaint.status not in deadlines.RUNNING:
        return None
    cfg = cfg or config_service.load(session)
    state = state_of(session, complaint)
    result = compute(session, complaint, cfg, state)
    if complaint.due_at == result.due_at:
        return None
    old = complaint.due_at
    complaint.due_at = result.due_at
    progress = deadlines.progress(state, result.due_at, at)
    still = _passed(progress.percent, progress.left, cfg["sla.warn_percents"])
    complaint.warned_percent = min(complaint.warned_percent or 0, still)
    session.add(complaint)
    return [old.isoformat() if old else None, result.due_at.isoformat()]


def open_pause(session: Session, complaint: Complaint) -> Pause | None:
    return session.exec(
        select(Pause).where(Pause.complaint_id == complaint.id, col(Pause.ended_at).is_(None))
    ).first()


def open_pauses(session: Session, ids: list[int]) -> dict[int, datetime]:
    """complaint id -> when its open pause started, for the complaints given."""
    if not ids:
        return {}
    rows = session.exec(
        select(Pause.complaint_id, Pause.started_at)
        .where(col(Pause.complaint_id).in_(ids), col(Pause.ended_at).is_(None))
    ).all()
    return {cid: started for cid, started in rows}


def seconds_left(c: Complaint, *, paused_since: datetime | None, as_of: datetime) -> int | None:
    """Time left on the running clock; frozen while paused; None when no clock runs."""
    if c.due_at is None or c.status not in deadlines.RUNNING:
        return None
    reference = paused_since if (c.paused and paused_since is not None) else as_of
    return int((c.due_at - reference).total_seconds())


def view_fields(
    c: Complaint, *, tags: list[str], paused_since: datetime | None, as_of: datetime | None = None,
    weights: dict[str, float] | None = None,
) -> dict[str, Any]:
    """The clock's fields of ``show`` and ``list`` (JSON keys)."""
    as_of = as_of or now()
    left = seconds_left(c, paused_since=paused_since, as_of=as_of)
    overdue = left is not None and left < 0
    warned = c.warned_percent or 0
    found = urgency_rules.terms(
        seconds_left=left, priority=c.priority, tags=tags, channel=c.channel,
        group_size=c.group_size, amount=money.to_decimal(c.amount_cents),
        reopen_count=c.reopen_count, escalation_level=c.escalation_level or 0,
        paused=bool(c.paused), weights=weights,
    )
    return {
        "overdue": overdue,
        "paused": bool(c.paused),
        "clock_profile": c.clock_profile,
        "clock": c.clock_kind or ClockKind.decision.value,
        "extension_level": c.extension_level or 0,
        "escalation_level": c.escalation_level or 0,
        "warning": "overdue" if overdue else (f"{warned}%" if warned else None),
        "seconds_left": left,
        "time_left": deadlines.humanize(left) if left is not None else None,
        "review_requested_at": iso(c.review_requested_at),
        "review_result": c.review_result,
        "urgency": urgency_rules.score(found),
    }


@dataclass(frozen=True)
class OpeningClock:
    """The clock a new complaint starts with: the profile in force and its decision due time
    (``register`` and the importer both take it from here)."""

    profile: str
    due: Any  # (received_at) -> due_at


def opening_clock(session: Session) -> OpeningClock:
    cfg = config_service.load(session)
    profile = cfg.profile()
    calendar = cfg.calendar(profile)

    def due(received_at: datetime) -> datetime:
        return deadlines.deadline(received_at, profile.decision, tz=cfg.tz, calendar=calendar,
                                  roll=profile.roll_to_working_day).due_at

    return OpeningClock(profile.name, due)
