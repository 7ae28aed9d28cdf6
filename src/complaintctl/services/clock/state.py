"""The regulatory clock on stored complaints: due times kept in step with every event, and
pauses. Extensions and approvals are ``services/approvals.py``, the review (核查)
``services/reviews.py``, and the ``due`` / ``urgency`` explanations ``services/explain.py``.

``on_register``, ``after_register`` and ``on_change`` are called by the lifecycle services
(services/complaints.py) inside their transactions: they set the clock, recompute ``due_at``,
enforce recusal and the compensation rule, and queue notifications.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from complaintctl.domain import deadlines, lifecycle, money
from complaintctl.domain import urgency as urgency_rules
from complaintctl.domain.clock import iso
from complaintctl.domain.deadlines import ClockKind, ClockState
from complaintctl.domain.enums import (
    Action,
    ContactVia,
    PauseReason,
    Status,
)
from complaintctl.domain.permissions import Permission
from complaintctl.errors import (
    InvalidData,
    TransitionNotAllowed,
)
from complaintctl.i18n import _, code
from complaintctl.store.models import Complaint, Contact, Pause
from complaintctl.services.core import config as config_service
from complaintctl.services.complaints.registration import _at, _change, _set, get, normalise_number
from complaintctl.services.core.context import Actor, now, timezone_of, use_case

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
class ImportClock:
    """The clock an importer gives new rows: the profile in force and its decision due time."""

    profile: str
    due: Any  # (received_at) -> due_at


def import_clock(session: Session) -> ImportClock:
    cfg = config_service.load(session)
    profile = cfg.profile()
    calendar = cfg.calendar(profile)

    def due(received_at: datetime) -> datetime:
        return deadlines.deadline(received_at, profile.decision, tz=cfg.tz, calendar=calendar,
                                  roll=profile.roll_to_working_day).due_at

    return ImportClock(profile.name, due)


# --- hooks called by the lifecycle services ------------------------------------------------------


def on_register(session: Session, actor: Actor, complaint: Complaint, at: datetime) -> None:
    """Before the register event: bind the complaint to the profile in force, set its due."""
    cfg = config_service.load(session)
    complaint.clock_profile = cfg.profile().name
    complaint.clock_kind = ClockKind.decision.value
    complaint.clock_started_at = None
    complaint.due_at = compute(session, complaint, cfg).due_at
    session.add(complaint)


def after_register(session: Session, actor: Actor, complaint: Complaint, at: datetime) -> None:
    """After the register event: tell the branch supervisors; auto-assign if configured."""
    from complaintctl.services.notify import outbox as notify  # its outbox table loads on first use

    notify.queue(
        session, complaint=complaint, event="registered",
        recipients=notify.branch_supervisors(session, complaint.branch),
        what=_("registered (channel {channel})").format(channel=code(complaint.channel)), at=at,
    )
    cfg = config_service.load(session)
    if cfg["assign.auto_on_register"]:
        from complaintctl.services.complaints import assignment

        assignment.assign_within(session, actor, complaint, at=at, reason="auto_on_register")


def on_change(session: Session, actor: Actor, complaint: Complaint, action: Action,
              at: datetime, *, previous: Status) -> dict[str, Any]:
    """Inside every lifecycle change, before its event is written. Returns extra details."""
    from complaintctl.services.notify import outbox as notify  # its outbox table loads on first use

    extra: dict[str, Any] = {}
    decided = (Status.resolved, Status.closed, Status.archived)
    if complaint.decision_due_at is None and (action is Action.resolve or previous in decided):
        # the first decision keeps the due time it is judged against (the reports read it),
        # before a reopen or a review restarts the clock below and moves due_at
        complaint.decision_due_at = complaint.due_at
    if action in (Action.assign, Action.reassign):
        from complaintctl.services.complaints import assignment

        assignment.check_recusal(session, complaint.assignee, complaint)
        notify.queue(
            session, complaint=complaint, event="assigned",
            recipients=notify.staff_named(session, complaint.assignee),
            what=_("assigned to you"), at=at,
        )
    if action is Action.resolve:
        from complaintctl.services.complaints.approvals import check_compensation  # it imports this module

        approval = check_compensation(session, actor, complaint)
        if approval is not None:
            extra["compensation_approval"] = approval.id
    if action in (Action.resolve, Action.withdraw, Action.merge) and complaint.paused:
        pause = open_pause(session, complaint)
        if pause is not None:
            pause.ended_at, pause.ended_by = at, actor.username
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


# --- pause and resume --------------------------------------------------------------------------


def pause(
    *, session: Session, actor: Actor, number: str, reason: PauseReason,
    customer_notified_via: ContactVia, note: str | None = None, at: datetime | None = None,
) -> Complaint:
    """Stop the clock for appraisal or mediation; the customer is told (Art 18, 23)."""
    from complaintctl.services.notify import outbox as notify  # its outbox table loads on first use

    number = normalise_number(number)
    with use_case(session, actor, Action.pause.value, number):
        complaint = get(session, number, lock=True)
        actor.check(Permission.investigate, complaint=complaint)
        lifecycle.apply(Status(complaint.status), Action.pause, number=number)
        if complaint.paused:
            current = open_pause(session, complaint)
            raise TransitionNotAllowed(
                _("Can't pause {number}: it is already paused since {since}; resume it first.")
                .format(number=number, since=iso(current.started_at if current else None,
                                                 timezone_of(session)))
            )
        profile = config_service.load(session).profile(complaint.clock_profile)
        if reason.value not in profile.pause_reasons:
            raise InvalidData(
                _("Profile {profile} does not stop the clock for {reason} (it allows: {allowed})."
                  ).format(profile=profile.name, reason=reason.value,
                           allowed=", ".join(profile.pause_reasons) or _("none"))
            )
        at = _at(session, at, complaint)
        session.add(Pause(complaint_id=complaint.id, reason=reason.value, started_at=at,
                          started_by=actor.username,
                          customer_notified_via=customer_notified_via.value,
                          note=(note or "").strip() or None))
        session.add(Contact(complaint_id=complaint.id, at=at, via=customer_notified_via.value,
                            direction="out", by=actor.username,
                            summary=_("Told the customer the clock stops for {reason}.").format(
                                reason=reason.value)))
        changes: dict[str, list[Any]] = {}
        _set(complaint, changes, paused=True)
        _change(session, actor, complaint, Action.pause, at, details={
            "reason": reason.value, "customer_notified_via": customer_notified_via.value,
            "note": note, "changes": changes})
        notify.queue(session, complaint=complaint, event="paused",
                     recipients=notify.staff_named(session, complaint.assignee),
                     what=_("clock paused for {reason}").format(reason=reason.value), at=at,
                     skip={actor.username})
    return complaint


def resume(*, session: Session, actor: Actor, number: str, at: datetime | None = None
           ) -> Complaint:
    """Restart the clock; the due time moves later by the time it was stopped."""
    from complaintctl.services.notify import outbox as notify  # its outbox table loads on first use

    number = normalise_number(number)
    with use_case(session, actor, Action.resume.value, number):
        complaint = get(session, number, lock=True)
        actor.check(Permission.investigate, complaint=complaint)
        lifecycle.apply(Status(complaint.status), Action.resume, number=number)
        current = open_pause(session, complaint)
        if not complaint.paused or current is None:
            raise TransitionNotAllowed(
                _("Can't resume {number}: its clock is not paused.").format(number=number)
            )
        at = _at(session, at, complaint)
        current.ended_at, current.ended_by = at, actor.username
        session.add(current)
        session.flush()
        changes: dict[str, list[Any]] = {}
        _set(complaint, changes, paused=False)
        _change(session, actor, complaint, Action.resume, at, details={
            "reason": current.reason, "paused_seconds": int((at - current.started_at)
                                                            .total_seconds()),
            "changes": changes})
        notify.queue(session, complaint=complaint, event="resumed",
                     recipients=notify.staff_named(session, complaint.assignee),
                     what=_("clock resumed"), at=at, skip={actor.username})
    return complaint
