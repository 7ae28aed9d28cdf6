"""The regulatory clock on stored complaints: due times kept in step with every event, pauses,
extensions and their approvals, compensation approval, the review (核查), and ``due`` /
``urgency`` explanations.

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
    MONETARY_REMEDIES,
    Action,
    ApprovalKind,
    ContactVia,
    PauseReason,
    ReviewResult,
    Role,
    Status,
)
from complaintctl.domain.permissions import Permission
from complaintctl.errors import (
    InvalidData,
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
    UsageProblem,
)
from complaintctl.i18n import _
from complaintctl.models import Approval, Complaint, ComplaintTag, Contact, Pause, Remedy, Staff
from complaintctl.services import config as config_service
from complaintctl.services import notify, organisations
from complaintctl.services.complaints import (
    _at,
    _change,
    _set,
    _text,
    get,
    normalise_number,
)
from complaintctl.services.context import Actor, now, refusals_recorded, timezone_of, use_case

PENDING, APPROVED = "pending", "approved"


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
    notify.queue(
        session, complaint=complaint, event="registered",
        recipients=notify.branch_supervisors(session, complaint.branch),
        what=_("registered (channel {channel})").format(channel=complaint.channel), at=at,
    )
    cfg = config_service.load(session)
    if cfg["assign.auto_on_register"]:
        from complaintctl.services import assignment

        assignment.assign_within(session, actor, complaint, at=at, reason="auto_on_register")


def on_change(session: Session, actor: Actor, complaint: Complaint, action: Action,
              at: datetime, *, previous: Status) -> dict[str, Any]:
    """Inside every lifecycle change, before its event is written. Returns extra details."""
    extra: dict[str, Any] = {}
    if action in (Action.assign, Action.reassign):
        from complaintctl.services import assignment

        assignment.check_recusal(session, complaint.assignee, complaint)
        notify.queue(
            session, complaint=complaint, event="assigned",
            recipients=notify.staff_named(session, complaint.assignee),
            what=_("assigned to you"), at=at,
        )
    if action is Action.resolve:
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


# --- compensation ------------------------------------------------------------------------------


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


# --- pause and resume --------------------------------------------------------------------------


def _staff(session: Session, username: str) -> Staff | None:
    return session.exec(select(Staff).where(Staff.username == username)).first()


def pause(
    *, session: Session, actor: Actor, number: str, reason: PauseReason,
    customer_notified_via: ContactVia, note: str | None = None, at: datetime | None = None,
) -> Complaint:
    """Stop the clock for appraisal or mediation; the customer is told (Art 18, 23)."""
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


# --- extensions and approvals ------------------------------------------------------------------


def _approver_problem(session: Session, approver: Actor, complaint: Complaint,
                      step: deadlines.ExtensionStep | None, requested_by: str | None) -> str | None:
    """Why ``approver`` may not approve (None: they may)."""
    try:
        approver.check(Permission.assign, complaint=complaint)
    except PermissionDenied as denied:
        return str(denied)
    if approver.username == complaint.assignee:
        return _("Permission denied: {user} is the assignee of {number}; nobody approves their "
                 "own extension.").format(user=approver.username, number=complaint.number)
    if requested_by is not None and approver.username == requested_by:
        return _("Permission denied: {user} asked for this approval; a second person must "
                 "approve it.").format(user=approver.username)
    if step is not None and step.approver is deadlines.Approver.senior:
        person = _staff(session, approver.username)
        if approver.role is not Role.admin and not (person and person.senior):
            return _("Permission denied: a level {level} extension needs an approver with the "
                     "senior flag or an admin; {user} is neither.").format(
                         level=step.level, user=approver.username)
    return None


def _eligible_approvers(session: Session, complaint: Complaint,
                        step: deadlines.ExtensionStep | None, requested_by: str) -> list[Staff]:
    people = session.exec(select(Staff).where(
        Staff.active == True,
        col(Staff.role).in_([Role.supervisor.value, Role.admin.value]),
    ).order_by(col(Staff.username))).all()
    found = []
    for person in people:
        candidate = Actor(person.username, Role(person.role), person.branch, person.name)
        if _approver_problem(session, candidate, complaint, step, requested_by) is None:
            found.append(person)
    return found


@dataclass
class ExtendResult:
    complaint: Complaint
    approval: Approval
    applied: bool
    approvers: list[str]


def _apply_extension(session: Session, actor: Actor, complaint: Complaint, approval: Approval,
                     at: datetime, action: Action) -> None:
    changes: dict[str, list[Any]] = {}
    if approval.level and approval.level > (complaint.extension_level or 0):
        _set(complaint, changes, extension_level=approval.level)
    if approval.customer_notified_via:
        session.add(Contact(complaint_id=complaint.id, at=at, via=approval.customer_notified_via,
                            direction="out", by=actor.username,
                            summary=_("Told the customer the deadline is extended (level {level})."
                                      ).format(level=approval.level)))
    approval.status, approval.decided_by, approval.decided_at = APPROVED, actor.username, at
    session.add(approval)
    _change(session, actor, complaint, action, at, details={
        "approval": approval.id, "kind": approval.kind, "level": approval.level,
        "reason": approval.reason, "requested_by": approval.requested_by,
        "approved_by": actor.username, "customer_notified_via": approval.customer_notified_via,
        "changes": changes})
    notify.queue(session, complaint=complaint, event="extended",
                 recipients=notify.staff_named(session, complaint.assignee, approval.requested_by),
                 what=_("deadline extended (level {level}) by {user}").format(
                     level=approval.level, user=actor.username), at=at, skip={actor.username})


def extend(
    *, session: Session, actor: Actor, number: str, level: int, reason: str,
    approved_by: str | None = None, customer_notified_via: ContactVia | None = None,
    at: datetime | None = None,
) -> ExtendResult:
    """Extend the decision period one step up the profile's ladder.

    Applied at once when the acting user may approve it (and is the approver named, if any);
    otherwise recorded as a request and sent to the approvers, who run ``approve``.
    """
    number = normalise_number(number)
    with use_case(session, actor, Action.extend.value, number):
        complaint = get(session, number, lock=True)
        actor.check(Permission.investigate, complaint=complaint)
        lifecycle.apply(Status(complaint.status), Action.extend, number=number)
        reason = _text(reason, _("The reason (--reason)"))
        profile = config_service.load(session).profile(complaint.clock_profile)
        step = profile.extension(level)
        if step is None:
            levels = ", ".join(str(s.level) for s in profile.extensions) or _("none")
            raise InvalidData(_("Profile {profile} has no extension level {level} (levels: "
                                "{levels}).").format(profile=profile.name, level=level,
                                                     levels=levels))
        current = complaint.extension_level or 0
        if level <= current:
            raise InvalidData(_("{number} is already extended to level {current}; an extension "
                                "only goes up.").format(number=number, current=current))
        if level > current + 1:
            raise InvalidData(_("{number} is at level {current}; extend to level {next} first."
                                ).format(number=number, current=current, next=current + 1))
        if step.customer_notice and customer_notified_via is None:
            raise InvalidData(_("A level {level} extension needs a recorded notice to the "
                                "customer: pass --customer-notified-via phone|sms|email|letter|"
                                "in_person.").format(level=level))
        pending = session.exec(select(Approval).where(
            Approval.complaint_id == complaint.id, Approval.kind == ApprovalKind.extension.value,
            Approval.status == PENDING)).first()
        if pending is not None:
            raise UsageProblem(_("{number} already has an extension request waiting (level "
                                 "{level}); an approver runs `complaintctl approve {number}`.")
                               .format(number=number, level=pending.level))
        if approved_by is not None and approved_by == actor.username:
            problem = _approver_problem(session, actor, complaint, step, None)
            if problem:
                raise PermissionDenied(problem)
        if approved_by is not None and _staff(session, approved_by) is None:
            raise InvalidData(_("{user} is not a member of staff; see `complaintctl staff "
                                "list`.").format(user=approved_by))
        at = _at(session, at, complaint)
        approval = Approval(
            complaint_id=complaint.id, kind=ApprovalKind.extension.value, level=level,
            reason=reason, status=PENDING, requested_by=actor.username, requested_at=at,
            approver=approved_by,
            customer_notified_via=customer_notified_via.value if customer_notified_via else None,
        )
        session.add(approval)
        session.flush()
        can_approve = (approved_by in (None, actor.username)
                       and _approver_problem(session, actor, complaint, step, None) is None)
        if can_approve:
            _apply_extension(session, actor, complaint, approval, at, Action.extend)
            return ExtendResult(complaint, approval, True, [actor.username])
        if approved_by is not None:
            named = _staff(session, approved_by)
            candidate = Actor(named.username, Role(named.role), named.branch, named.name)
            problem = _approver_problem(session, candidate, complaint, step, actor.username)
            if problem:
                raise PermissionDenied(problem)
            approvers = [named]
        else:
            approvers = _eligible_approvers(session, complaint, step, actor.username)
            if not approvers:
                raise PermissionDenied(_("Nobody active may approve a level {level} extension of "
                                         "{number}; ask an admin.").format(level=level,
                                                                            number=number))
        _change(session, actor, complaint, Action.extend, at, details={
            "approval": approval.id, "state": "requested", "level": level, "reason": reason,
            "approvers": [p.username for p in approvers]})
        notify.queue(session, complaint=complaint, event="approval_request",
                     recipients=approvers,
                     what=_("extension to level {level} awaits your approval (`complaintctl "
                            "approve {number}`)").format(level=level, number=number), at=at)
    return ExtendResult(complaint, approval, False, [p.username for p in approvers])


def request_compensation(
    *, session: Session, actor: Actor, number: str, amount: str, reason: str,
    at: datetime | None = None,
) -> tuple[Approval, list[str]]:
    """Ask a second person to approve a compensation above the threshold."""
    number = normalise_number(number)
    with use_case(session, actor, Action.approval_request.value, number):
        complaint = get(session, number, lock=True)
        actor.check(Permission.resolve, complaint=complaint)
        lifecycle.apply(Status(complaint.status), Action.approve, number=number)
        cents = money.parse_amount(amount)
        if not cents:
            raise InvalidData(_("--compensation needs a positive amount, e.g. 5000."))
        reason = _text(reason, _("The reason (--reason)"))
        at = _at(session, at, complaint)
        approval = Approval(complaint_id=complaint.id, kind=ApprovalKind.compensation.value,
                            amount_cents=cents, reason=reason, status=PENDING,
                            requested_by=actor.username, requested_at=at)
        session.add(approval)
        session.flush()
        approvers = _eligible_approvers(session, complaint, None, actor.username)
        complaint.last_event_at = at
        from complaintctl.domain.enums import EventKind
        from complaintctl.services import audit

        audit.record(session, kind=EventKind.change, action=Action.approval_request.value,
                     actor=actor.username, at=at, complaint=complaint,
                     from_status=complaint.status, to_status=complaint.status,
                     details={"approval": approval.id, "kind": "compensation",
                              "amount": money.format_amount(cents), "reason": reason,
                              "approvers": [p.username for p in approvers]})
        session.add(complaint)
        notify.queue(session, complaint=complaint, event="approval_request",
                     recipients=approvers,
                     what=_("compensation of {amount} {currency} awaits your approval "
                            "(`complaintctl approve {number}`)").format(
                                amount=money.format_amount(cents), currency=complaint.currency,
                                number=number), at=at)
    return approval, [p.username for p in approvers]


def approve(
    *, session: Session, actor: Actor, number: str, kind: ApprovalKind | None = None,
    compensation: str | None = None, reason: str | None = None, at: datetime | None = None,
) -> Approval:
    """Approve the request waiting on a complaint, or grant a compensation approval directly."""
    number = normalise_number(number)
    with use_case(session, actor, Action.approve.value, number):
        complaint = get(session, number, lock=True)
        actor.check(Permission.assign, complaint=complaint)
        lifecycle.apply(Status(complaint.status), Action.approve, number=number)
        query = select(Approval).where(Approval.complaint_id == complaint.id,
                                       Approval.status == PENDING)
        if compensation is not None:
            kind = ApprovalKind.compensation
        if kind is not None:
            query = query.where(Approval.kind == kind.value)
        waiting = list(session.exec(query.order_by(col(Approval.id))).all())
        at = _at(session, at, complaint)
        if compensation is not None:
            cents = money.parse_amount(compensation)
            if not cents:
                raise InvalidData(_("--compensation needs a positive amount, e.g. 5000."))
            match = [a for a in waiting if a.amount_cents == cents]
            approval = match[0] if match else None
            if approval is None:
                approval = Approval(complaint_id=complaint.id,
                                    kind=ApprovalKind.compensation.value, amount_cents=cents,
                                    reason=(reason or "").strip() or _("approved directly"),
                                    status=PENDING, requested_by=actor.username,
                                    requested_at=at)
                session.add(approval)
                session.flush()
                requested_by = None
            else:
                requested_by = approval.requested_by
            problem = _approver_problem(session, actor, complaint, None, requested_by)
            if problem:
                raise PermissionDenied(problem.replace(_("own extension"),
                                                       _("own compensation")))
            approval.status, approval.decided_by, approval.decided_at = APPROVED, actor.username, at
            session.add(approval)
            _change(session, actor, complaint, Action.approve, at, details={
                "approval": approval.id, "kind": "compensation",
                "amount": money.format_amount(cents), "requested_by": approval.requested_by})
            notify.queue(session, complaint=complaint, event="approved",
                         recipients=notify.staff_named(session, complaint.assignee,
                                                       approval.requested_by),
                         what=_("compensation of {amount} approved by {user}").format(
                             amount=money.format_amount(cents), user=actor.username),
                         at=at, skip={actor.username})
            return approval
        if not waiting:
            raise UsageProblem(_("{number} has no request waiting for approval; to approve a "
                                 "compensation pass --compensation AMOUNT.").format(number=number))
        if len(waiting) > 1:
            raise UsageProblem(_("{number} has several requests waiting ({kinds}); pass --kind."
                                 ).format(number=number,
                                          kinds=", ".join(a.kind for a in waiting)))
        approval = waiting[0]
        if approval.approver and approval.approver != actor.username:
            raise PermissionDenied(_("Permission denied: this request names {user} as its "
                                     "approver.").format(user=approval.approver))
        if approval.kind == ApprovalKind.extension.value:
            profile = config_service.load(session).profile(complaint.clock_profile)
            step = profile.extension(approval.level or 0)
            problem = _approver_problem(session, actor, complaint, step, approval.requested_by)
            if problem:
                raise PermissionDenied(problem)
            if (complaint.extension_level or 0) >= (approval.level or 0):
                raise InvalidData(_("{number} is already at extension level {level}.").format(
                    number=number, level=complaint.extension_level))
            _apply_extension(session, actor, complaint, approval, at, Action.approve)
        else:
            problem = _approver_problem(session, actor, complaint, None, approval.requested_by)
            if problem:
                raise PermissionDenied(problem.replace(_("own extension"),
                                                       _("own compensation")))
            approval.status, approval.decided_by, approval.decided_at = APPROVED, actor.username, at
            session.add(approval)
            _change(session, actor, complaint, Action.approve, at, details={
                "approval": approval.id, "kind": approval.kind,
                "amount": money.format_amount(approval.amount_cents),
                "requested_by": approval.requested_by})
            notify.queue(session, complaint=complaint, event="approved",
                         recipients=notify.staff_named(session, approval.requested_by),
                         what=_("compensation approved by {user}").format(user=actor.username),
                         at=at, skip={actor.username})
    return approval


def approvals_of(session: Session, complaint: Complaint) -> list[Approval]:
    return list(session.exec(select(Approval).where(Approval.complaint_id == complaint.id)
                             .order_by(col(Approval.id))).all())


# --- review (核查, CBIRC Art 20) ------------------------------------------------------------------


def review_request(*, session: Session, actor: Actor, number: str, note: str | None = None,
                   at: datetime | None = None) -> Complaint:
    """The customer asks for a review within the window after the decision notice."""
    number = normalise_number(number)
    with use_case(session, actor, Action.review_request.value, number):
        complaint = get(session, number, lock=True)
        actor.check(Permission.contact, complaint=complaint)
        lifecycle.apply(Status(complaint.status), Action.review_request, number=number)
        cfg = config_service.load(session)
        profile = cfg.profile(complaint.clock_profile)
        if profile.review_window is None or profile.review_decision is None:
            raise TransitionNotAllowed(_("Profile {profile} has no review; {number} can't be "
                                         "reviewed.").format(profile=profile.name, number=number))
        at = _at(session, at, complaint)
        notice = complaint.notified_at or complaint.last_event_at
        closes = deadlines.review_window_closes(profile, notice, tz=cfg.tz,
                                                calendar=cfg.calendar(profile))
        if at > closes:
            raise TransitionNotAllowed(
                _("Can't review {number}: the review window closed {closes} ({rule} after the "
                  "decision notice of {notice}).").format(
                      number=number, closes=iso(closes, cfg.tz),
                      rule=profile.review_window.describe(), notice=iso(notice, cfg.tz))
            )
        changes: dict[str, list[Any]] = {}
        _set(complaint, changes, clock_kind=ClockKind.review.value, clock_started_at=at,
             review_requested_at=at, review_result=None, closed_at=None, warned_percent=0,
             escalation_level=0)
        _change(session, actor, complaint, Action.review_request, at,
                details={"note": note, "window_closes": iso(closes), "changes": changes})
        notify.queue(session, complaint=complaint, event="review_requested",
                     recipients=_reviewers(session, complaint.branch),
                     what=_("review requested by the customer; decide by {due}").format(
                         due=(iso(complaint.due_at, cfg.tz) or "")[:16].replace("T", " ")),
                     at=at)
    return complaint


def _reviewers(session: Session, branch: str | None) -> list:
    """Who decides a review (核查, CBIRC Art 20): the supervisors of the organisation the branch
    reports to (the organisation tree); none there, or no parent: head office."""
    parent = organisations.parent_of(session, branch)
    if parent is not None:
        found = [s for s in notify.branch_supervisors(session, parent) if s.branch == parent]
        if found:
            return found
    return notify.head_office(session)


def review_decide(*, session: Session, actor: Actor, number: str, result: ReviewResult,
                  findings: str, at: datetime | None = None) -> Complaint:
    """Decide the review: upheld closes it, changed reopens it into investigation.

    The reviewer belongs to an organisation above the complaint's branch (its parent in the
    organisation tree, or further up) or to head office (a supervisor without a branch, or an
    admin), and has no part in the original handling (Art 17: recusal).
    """
    number = normalise_number(number)
    action = Action.review_uphold if result is ReviewResult.upheld else Action.review_change
    with use_case(session, actor, action.value, number):
        complaint = get(session, number, lock=True)
        actor.check(Permission.reopen, complaint=complaint)
        lifecycle.apply(Status(complaint.status), action, number=number)
        if actor.branch is not None and actor.branch not in organisations.ancestors(
                session, complaint.branch or ""):
            raise PermissionDenied(_("Permission denied: a review is decided by the parent "
                                     "organisation or head office (a supervisor without a branch, "
                                     "or an admin); {user} works for branch {branch}.").format(
                                         user=actor.username, branch=actor.branch))
        if actor.username == complaint.assignee:
            raise PermissionDenied(_("Permission denied: {user} handled {number} and can't "
                                     "review it (recusal).").format(user=actor.username,
                                                                     number=number))
        findings = _text(findings, _("The findings (--findings)"))
        at = _at(session, at, complaint)
        changes: dict[str, list[Any]] = {}
        if result is ReviewResult.upheld:
            _set(complaint, changes, review_result=result.value, closed_at=at)
        else:
            _set(complaint, changes, review_result=result.value,
                 reopen_count=complaint.reopen_count + 1, closed_at=None)
        _change(session, actor, complaint, action, at,
                details={"result": result.value, "findings": findings, "changes": changes})
        notify.queue(session, complaint=complaint, event="review_decided",
                     recipients=notify.staff_named(session, complaint.assignee)
                     + notify.branch_supervisors(session, complaint.branch),
                     what=_("review decided: {result}").format(result=result.value), at=at,
                     skip={actor.username})
    return complaint


# --- explanations ------------------------------------------------------------------------------


def _fmt(value: datetime | None, tz) -> str | None:
    """ISO 8601 with offset, to the second (what ``due`` shows and returns)."""
    return iso(value.replace(microsecond=0), tz) if value is not None else None


def explain(*, session: Session, actor: Actor, number: str, as_of: datetime | None = None
            ) -> dict[str, Any]:
    """Every step of the due-time computation, and whether it agrees with the stored due_at."""
    complaint = get(session, number)
    with refusals_recorded(session, actor, "due", complaint.number):
        actor.check(Permission.read, complaint=complaint)
    cfg = config_service.load(session)
    tz = cfg.tz
    profile = cfg.profile(complaint.clock_profile)
    calendar = cfg.calendar(profile)
    pauses = pauses_of(session, complaint)
    state = state_of(session, complaint, pauses)
    result = deadlines.due(profile, state, tz=tz, calendar=calendar)
    as_of = as_of or now()
    running = complaint.status in deadlines.RUNNING
    current = next((p for p in pauses if p.ended_at is None), None)
    left = seconds_left(complaint, paused_since=current.started_at if current else None,
                        as_of=as_of)
    effects = {id(p): s for p, s in result.pause_effects}
    steps: list[dict[str, str]] = []

    def step(label: str, text: str) -> None:
        steps.append({"step": label, "explanation": text})

    step(_("received"), _("{at} (bank time {tz})").format(at=_fmt(complaint.received_at, tz),
                                                           tz=tz.key))
    step(_("profile"), f"{profile.name}: {profile.title} ({profile.basis})")
    kind = state.kind
    if kind is ClockKind.review:
        step(_("clock"), _("review decision: {rule} from the review request of {at} (Art 20)")
             .format(rule=result.rule.describe(), at=_fmt(state.anchor, tz)))
    elif complaint.clock_started_at is not None:
        step(_("clock"), _("decision, restarted when the complaint was reopened with new facts "
                           "on {at} (Art 18)").format(at=_fmt(state.anchor, tz)))
    else:
        step(_("clock"), _("decision: counted from receipt"))
    base_rule = profile.review_decision if kind is ClockKind.review else profile.decision
    step(_("rule"), _("{rule}; day 1 is {first}, the day after {anchor_day}; the deadline ends "
                      "23:59:59").format(rule=(base_rule or result.rule).describe(),
                                         first=result.first_day.isoformat(),
                                         anchor_day=state.anchor.astimezone(tz).date()
                                         .isoformat()))
    if kind is ClockKind.decision and state.extension_level:
        ext = profile.extension(state.extension_level)
        step(_("extension"), _("level {level}: {days} days in all from the same day 1").format(
            level=state.extension_level, days=ext.days if ext else "?"))
    elif kind is ClockKind.decision:
        step(_("extension"), _("none (levels available: {levels})").format(
            levels=", ".join(f"{s.level} -> {s.days} days" for s in profile.extensions)
            or _("none")))
    step(_("counted days"), _("{rule} -> {due} without pauses").format(
        rule=result.rule.describe(), due=_fmt(result.base_due_at, tz)))
    if result.skipped_days:
        step(_("not counted"), _("{n} non-working days skipped (business-day rule): {days}")
             .format(n=len(result.skipped_days),
                     days=", ".join(d.isoformat() for d in result.skipped_days[:20])))
    pause_rows = []
    for p in result.pause_effects:
        pause_, seconds = p
        pause_rows.append({"reason": pause_.reason, "start": _fmt(pause_.start, tz),
                           "end": _fmt(pause_.end, tz), "not_counted_seconds": seconds})
        if pause_.end is None:
            step(_("pause"), _("{reason} since {start}: still open, so the deadline is frozen; "
                               "it moves later by the pause's length on resume").format(
                                   reason=pause_.reason, start=_fmt(pause_.start, tz)))
        else:
            step(_("pause"), _("{reason} {start} -> {end}: {counted} not counted").format(
                reason=pause_.reason, start=_fmt(pause_.start, tz), end=_fmt(pause_.end, tz),
                counted=deadlines.humanize(seconds) if seconds else _("nothing (outside the "
                                                                      "counted days)")))
    del effects
    if result.pause_effects and any(s for _p, s in result.pause_effects):
        step(_("after pauses"), _fmt(result.unrolled_due_at, tz))
    notable = calendar.notable_days(result.first_day, result.due_at.astimezone(tz).date())
    if notable:
        counted = _("counted (a day is a calendar day, Art 43)") if result.rule.unit.value == \
            "calendar" else _("skipped unless a working day")
        step(_("holidays"), "; ".join(f"{d.isoformat()} {name}" for d, name in notable)
             + f" — {counted}")
    years = sorted({result.first_day.year, result.due_at.astimezone(tz).year})
    for year in years:
        if not calendar.is_official(year):
            step(_("calendar"), _("the holiday data for {year} is the statutory rule only (the "
                                  "official schedule with its make-up days is not in the "
                                  "package yet); add it with `config set "
                                  "calendar.extra_holidays` / `calendar.extra_workdays`").format(
                                      year=year))
    if profile.roll_to_working_day:
        if result.rolled:
            step(_("roll"), _("{day} is not a working day: rolled to the next working day")
                 .format(day=result.unrolled_due_at.astimezone(tz).date().isoformat()))
        else:
            step(_("roll"), _("the deadline is a working day; nothing to roll"))
    else:
        step(_("roll"), _("off in this profile: a deadline on a holiday stands"))
    step(_("due"), _fmt(result.due_at, tz))
    stored = complaint.due_at
    agrees = stored == result.due_at if running else None
    if not running:
        step(_("status"), _("{status}: no clock runs; the stored due time {stored} is the one it "
                            "was decided against").format(status=complaint.status,
                                                          stored=_fmt(stored, tz)))
    elif left is not None:
        state_text = _("overdue by {t}") if left < 0 else _("{t} left")
        if current is not None:
            state_text += " " + _("(frozen while paused)")
        step(_("time left"), state_text.format(t=deadlines.humanize(abs(left))))
    ack = deadlines.deadline(complaint.received_at, profile.acknowledgement, tz=tz,
                             calendar=calendar)
    ack_text = _("due {due} ({rule} after receipt)").format(
        due=_fmt(ack.due_at, tz), rule=profile.acknowledgement.describe())
    if complaint.acknowledged_at:
        on_time = complaint.acknowledged_at <= ack.due_at
        ack_text += "; " + (_("done {at}, on time") if on_time else _("done {at}, late")).format(
            at=_fmt(complaint.acknowledged_at, tz))
    step(_("acknowledgement"), ack_text)
    summary = None
    if profile.summary is not None:
        summary = deadlines.deadline(complaint.received_at, profile.summary, tz=tz,
                                     calendar=calendar)
        step(_("summary resolution"), _("resolved by {due} ({rule}) allows a summary resolution "
                                        "communication").format(due=_fmt(summary.due_at, tz),
                                                                 rule=profile.summary.describe()))
    window = None
    if complaint.notified_at and profile.review_window is not None:
        window = deadlines.review_window_closes(profile, complaint.notified_at, tz=tz,
                                                calendar=calendar)
        step(_("review window"), _("a review may be asked until {closes} ({rule} after the "
                                   "decision notice of {notice})").format(
                                       closes=_fmt(window, tz),
                                       rule=profile.review_window.describe(),
                                       notice=_fmt(complaint.notified_at, tz)))
    return {
        "number": complaint.number,
        "status": complaint.status,
        "profile": profile.name,
        "clock": kind.value,
        "rule": {"days": result.rule.days, "unit": result.rule.unit.value},
        "received_at": _fmt(complaint.received_at, tz),
        "anchor": _fmt(state.anchor, tz),
        "first_day": result.first_day.isoformat(),
        "extension_level": state.extension_level,
        "base_due_at": _fmt(result.base_due_at, tz),
        "pauses": pause_rows,
        "paused": bool(complaint.paused),
        "holidays": [{"date": d.isoformat(), "name": n} for d, n in notable],
        "rolled": result.rolled,
        "due_at": _fmt(result.due_at, tz),
        "stored_due_at": _fmt(stored, tz),
        "agrees": agrees,
        "seconds_left": left,
        "overdue": left is not None and left < 0,
        "acknowledgement_due_at": _fmt(ack.due_at, tz),
        "acknowledged_at": _fmt(complaint.acknowledged_at, tz),
        "summary_resolution_due_at": _fmt(summary.due_at, tz) if summary else None,
        "review_window_closes": _fmt(window, tz),
        "steps": steps,
    }


def urgency(*, session: Session, actor: Actor, number: str, as_of: datetime | None = None
            ) -> dict[str, Any]:
    """The urgency score of one complaint, term by term."""
    complaint = get(session, number)
    with refusals_recorded(session, actor, "urgency", complaint.number):
        actor.check(Permission.read, complaint=complaint)
    cfg = config_service.load(session)
    tags = list(session.exec(select(ComplaintTag.tag).where(
        ComplaintTag.complaint_id == complaint.id)).all())
    current = open_pause(session, complaint)
    left = seconds_left(complaint, paused_since=current.started_at if current else None,
                        as_of=as_of or now())
    found = urgency_rules.terms(
        seconds_left=left, priority=complaint.priority, tags=tags, channel=complaint.channel,
        group_size=complaint.group_size, amount=money.to_decimal(complaint.amount_cents),
        reopen_count=complaint.reopen_count, escalation_level=complaint.escalation_level or 0,
        paused=bool(complaint.paused), weights=cfg.weights,
    )
    return {
        "number": complaint.number,
        "urgency": urgency_rules.score(found),
        "terms": [{"term": t.name, "because": t.because, "factor": t.factor,
                   "coefficient": t.coefficient, "value": t.value} for t in found],
    }


def find_approval(session: Session, approval_id: int) -> Approval:
    approval = session.get(Approval, approval_id)
    if approval is None:
        raise NotFound(_("No approval {id}.").format(id=approval_id))
    return approval
