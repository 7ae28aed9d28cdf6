"""Approvals on the regulatory clock: extensions (level 1 by a supervisor, level 2 by a senior
approver with a recorded customer notice) and compensation above the threshold. Nobody approves
their own complaint's extension or compensation (who may: ``complaints.approvers``; the rule
that a resolution's compensation needs an approval: ``complaints.compensation``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from complaintctl.domain import deadlines, money
from complaintctl.domain.enums import (
    Action,
    ApprovalKind,
    ContactVia,
    Role,
)
from complaintctl.domain.permissions import Permission
from complaintctl.errors import (
    InvalidData,
    NotFound,
    PermissionDenied,
    UsageProblem,
)
from complaintctl.i18n import _
from complaintctl.store.models import Approval, Complaint, Contact, Staff
from complaintctl.services.core import config as config_service
from complaintctl.services.core.kernel import (
    acting_on,
    effective_time,
    resolve_number,
    record_change,
    required_text,
    set_fields,
)
from complaintctl.services.core.context import Actor
from complaintctl.services.complaints.approvers import (
    approver_problem,
    check_compensation_approver,
    eligible_approvers,
    staff_member,
)

PENDING, APPROVED = "pending", "approved"


@dataclass
class ExtendResult:
    complaint: Complaint
    approval: Approval
    applied: bool
    approvers: list[str]


def _apply_extension(session: Session, actor: Actor, complaint: Complaint, approval: Approval,
                     at: datetime, action: Action) -> None:
    from complaintctl.services.notify import outbox as notify  # its outbox table loads on first use

    changes: dict[str, list[Any]] = {}
    if approval.level and approval.level > (complaint.extension_level or 0):
        set_fields(complaint, changes, extension_level=approval.level)
    if approval.customer_notified_via:
        session.add(Contact(complaint_id=complaint.id, at=at, via=approval.customer_notified_via,
                            direction="out", by=actor.username,
                            summary=_("Told the customer the deadline is extended (level {level})."
                                      ).format(level=approval.level)))
    _decided(session, approval, actor, at)
    record_change(session, actor, complaint, action, at, details={
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
    number = resolve_number(session, number)
    with acting_on(session, actor, Action.extend, number, Permission.investigate) as complaint:
        reason = required_text(reason, _("The reason (--reason)"), field="reason")
        step = _next_step(session, complaint, level, customer_notified_via)
        _refuse_a_second_request(session, complaint)
        _check_approver_named(session, actor, complaint, step, approved_by)
        at = effective_time(session, at, complaint)
        approval = Approval(
            complaint_id=complaint.id, kind=ApprovalKind.extension.value, level=level,
            reason=reason, status=PENDING, requested_by=actor.username, requested_at=at,
            approver=approved_by,
            customer_notified_via=customer_notified_via.value if customer_notified_via else None,
        )
        session.add(approval)
        session.flush()
        can_approve = (approved_by in (None, actor.username)
                       and approver_problem(session, actor, complaint, step, None) is None)
        if can_approve:
            _apply_extension(session, actor, complaint, approval, at, Action.extend)
            return ExtendResult(complaint, approval, True, [actor.username])
        approvers = _approvers_of_request(session, actor, complaint, step, approved_by)
        _send_for_approval(session, actor, complaint, approval, approvers, at)
    return ExtendResult(complaint, approval, False, [p.username for p in approvers])


def _next_step(session: Session, complaint: Complaint, level: int,
               customer_notified_via: ContactVia | None) -> deadlines.ExtensionStep:
    """The step of the complaint's profile that ``extend`` to ``level`` takes: it must exist,
    be the next one up, and have the customer notice it asks for."""
    number = complaint.number
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
    return step


def _refuse_a_second_request(session: Session, complaint: Complaint) -> None:
    """One extension request waits at a time."""
    pending = session.exec(select(Approval).where(
        Approval.complaint_id == complaint.id, Approval.kind == ApprovalKind.extension.value,
        Approval.status == PENDING)).first()
    if pending is not None:
        raise UsageProblem(_("{number} already has an extension request waiting (level "
                             "{level}); an approver runs `complaintctl approve {number}`.")
                           .format(number=complaint.number, level=pending.level))


def _check_approver_named(session: Session, actor: Actor, complaint: Complaint,
                          step: deadlines.ExtensionStep, approved_by: str | None) -> None:
    """``--approved-by``: naming oneself needs the right to approve; anyone else named must
    be a member of staff."""
    if approved_by is not None and approved_by == actor.username:
        problem = approver_problem(session, actor, complaint, step, None)
        if problem:
            raise PermissionDenied(problem)
    if approved_by is not None and staff_member(session, approved_by) is None:
        raise InvalidData(_("{user} is not a member of staff; see `complaintctl staff "
                            "list`.").format(user=approved_by))


def _approvers_of_request(session: Session, actor: Actor, complaint: Complaint,
                          step: deadlines.ExtensionStep, approved_by: str | None) -> list[Staff]:
    """Who may approve the request: the approver named (who must be allowed to), else every
    active supervisor or admin allowed to (there must be one)."""
    if approved_by is not None:
        named = staff_member(session, approved_by)
        # the approver named would run `approve`: their refusal names that command
        candidate = Actor(named.username, Role(named.role), named.branch, named.name,
                          command="approve")
        problem = approver_problem(session, candidate, complaint, step, actor.username)
        if problem:
            raise PermissionDenied(problem)
        return [named]
    approvers = eligible_approvers(session, complaint, step, actor.username)
    if not approvers:
        raise PermissionDenied(_("Nobody active may approve a level {level} extension of "
                                 "{number}; ask an admin.").format(level=step.level,
                                                                    number=complaint.number))
    return approvers


def _send_for_approval(session: Session, actor: Actor, complaint: Complaint, approval: Approval,
                       approvers: list[Staff], at: datetime) -> None:
    """The request on the complaint's timeline, and a message to each approver."""
    from complaintctl.services.notify import outbox as notify  # its outbox table loads on first use

    record_change(session, actor, complaint, Action.extend, at, details={
        "approval": approval.id, "state": "requested", "level": approval.level,
        "reason": approval.reason, "approvers": [p.username for p in approvers]})
    notify.queue(session, complaint=complaint, event="approval_request",
                 recipients=approvers,
                 what=_("extension to level {level} awaits your approval (`complaintctl "
                        "approve {number}`)").format(level=approval.level,
                                                     number=complaint.number), at=at)


def request_compensation(
    *, session: Session, actor: Actor, number: str, amount: str, reason: str,
    at: datetime | None = None,
) -> tuple[Approval, list[str]]:
    """Ask a second person to approve a compensation above the threshold."""
    from complaintctl.services.notify import outbox as notify  # its outbox table loads on first use

    number = resolve_number(session, number)
    with acting_on(session, actor, Action.approval_request, number, Permission.resolve,
                   applies=Action.approve) as complaint:
        cents = money.parse_amount(amount)
        if not cents:
            raise InvalidData(_("--compensation needs a positive amount, e.g. 5000."))
        reason = required_text(reason, _("The reason (--reason)"), field="reason")
        at = effective_time(session, at, complaint)
        approval = Approval(complaint_id=complaint.id, kind=ApprovalKind.compensation.value,
                            amount_cents=cents, reason=reason, status=PENDING,
                            requested_by=actor.username, requested_at=at)
        session.add(approval)
        session.flush()
        approvers = eligible_approvers(session, complaint, None, actor.username)
        complaint.last_event_at = at
        from complaintctl.domain.enums import EventKind
        from complaintctl.services.core import trail as audit

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
    number = resolve_number(session, number)
    with acting_on(session, actor, Action.approve, number, Permission.assign) as complaint:
        if compensation is not None:
            kind = ApprovalKind.compensation
        waiting = _waiting(session, complaint, kind)
        at = effective_time(session, at, complaint)
        if compensation is not None:
            return _grant_compensation(session, actor, complaint, waiting, compensation,
                                       reason, at)
        approval = _the_request(waiting, actor, number)
        if approval.kind == ApprovalKind.extension.value:
            _approve_extension(session, actor, complaint, approval, at)
        else:
            _approve_compensation(session, actor, complaint, approval, at)
    return approval


def _waiting(session: Session, complaint: Complaint, kind: ApprovalKind | None) -> list[Approval]:
    """The requests waiting on the complaint (of ``kind`` only, if given), oldest first."""
    query = select(Approval).where(Approval.complaint_id == complaint.id,
                                   Approval.status == PENDING)
    if kind is not None:
        query = query.where(Approval.kind == kind.value)
    return list(session.exec(query.order_by(col(Approval.id))).all())


def _the_request(waiting: list[Approval], actor: Actor, number: str) -> Approval:
    """The one request ``approve`` decides: there must be exactly one, and it may name
    its approver."""
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
    return approval


def _decided(session: Session, approval: Approval, actor: Actor, at: datetime) -> None:
    approval.status, approval.decided_by, approval.decided_at = APPROVED, actor.username, at
    session.add(approval)


def _grant_compensation(session: Session, actor: Actor, complaint: Complaint,
                        waiting: list[Approval], compensation: str, reason: str | None,
                        at: datetime) -> Approval:
    """``approve --compensation AMOUNT``: the request of that amount waiting (else one made
    now, in the approver's name) approved, recorded, and told to the assignee and requester."""
    from complaintctl.services.notify import outbox as notify  # its outbox table loads on first use

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
    check_compensation_approver(session, actor, complaint, requested_by)
    _decided(session, approval, actor, at)
    record_change(session, actor, complaint, Action.approve, at, details={
        "approval": approval.id, "kind": "compensation",
        "amount": money.format_amount(cents), "requested_by": approval.requested_by})
    notify.queue(session, complaint=complaint, event="approved",
                 recipients=notify.staff_named(session, complaint.assignee,
                                               approval.requested_by),
                 what=_("compensation of {amount} approved by {user}").format(
                     amount=money.format_amount(cents), user=actor.username),
                 at=at, skip={actor.username})
    return approval


def _approve_extension(session: Session, actor: Actor, complaint: Complaint,
                       approval: Approval, at: datetime) -> None:
    """The extension requested, approved by one allowed to at its level, applied."""
    profile = config_service.load(session).profile(complaint.clock_profile)
    step = profile.extension(approval.level or 0)
    problem = approver_problem(session, actor, complaint, step, approval.requested_by)
    if problem:
        raise PermissionDenied(problem)
    if (complaint.extension_level or 0) >= (approval.level or 0):
        raise InvalidData(_("{number} is already at extension level {level}.").format(
            number=complaint.number, level=complaint.extension_level))
    _apply_extension(session, actor, complaint, approval, at, Action.approve)


def _approve_compensation(session: Session, actor: Actor, complaint: Complaint,
                          approval: Approval, at: datetime) -> None:
    """The compensation requested, approved by a second person, recorded and told to the
    requester."""
    from complaintctl.services.notify import outbox as notify  # its outbox table loads on first use

    check_compensation_approver(session, actor, complaint, approval.requested_by)
    _decided(session, approval, actor, at)
    record_change(session, actor, complaint, Action.approve, at, details={
        "approval": approval.id, "kind": approval.kind,
        "amount": money.format_amount(approval.amount_cents),
        "requested_by": approval.requested_by})
    notify.queue(session, complaint=complaint, event="approved",
                 recipients=notify.staff_named(session, approval.requested_by),
                 what=_("compensation approved by {user}").format(user=actor.username),
                 at=at, skip={actor.username})


def approvals_of(session: Session, complaint: Complaint) -> list[Approval]:
    return list(session.exec(select(Approval).where(Approval.complaint_id == complaint.id)
                             .order_by(col(Approval.id))).all())


def find_approval(session: Session, approval_id: int) -> Approval:
    approval = session.get(Approval, approval_id)
    if approval is None:
        raise NotFound(_("No approval {id}.").format(id=approval_id))
    return approval
