"""Approvals on the regulatory clock: extensions (level 1 by a supervisor, level 2 by a senior
approver with a recorded customer notice) and compensation above the threshold. Nobody approves
their own complaint's extension or compensation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from complaintctl.domain import deadlines, lifecycle, money
from complaintctl.domain.enums import (
    MONETARY_REMEDIES,
    Action,
    ApprovalKind,
    ContactVia,
    Role,
    Status,
)
from complaintctl.domain.permissions import Permission
from complaintctl.errors import (
    InvalidData,
    NotFound,
    PermissionDenied,
    UsageProblem,
)
from complaintctl.i18n import _
from complaintctl.store.models import Approval, Complaint, Contact, Remedy, Staff
from complaintctl.services.core import config as config_service
from complaintctl.services.core.kernel import effective_time, get, normalise_number, record_change, required_text, set_fields
from complaintctl.services.core.context import Actor, use_case

PENDING, APPROVED = "pending", "approved"


def staff_member(session: Session, username: str) -> Staff | None:
    return session.exec(select(Staff).where(Staff.username == username)).first()



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


# --- extensions and approvals ------------------------------------------------------------------


def _approver_problem(session: Session, approver: Actor, complaint: Complaint,
                      step: deadlines.ExtensionStep | None, requested_by: str | None) -> str | None:
    """Why ``approver`` may not approve (None: they may). Approving one's own extension is
    named first: it is the reason whatever the role (a handler is also not a supervisor)."""
    if approver.username == complaint.assignee:
        return _("Permission denied: {user} is the assignee of {number}; nobody approves their "
                 "own extension.").format(user=approver.username, number=complaint.number)
    try:
        approver.check(Permission.assign, complaint=complaint)
    except PermissionDenied as denied:
        return str(denied)
    if requested_by is not None and approver.username == requested_by:
        return _("Permission denied: {user} asked for this approval; a second person must "
                 "approve it.").format(user=approver.username)
    if step is not None and step.approver is deadlines.Approver.senior:
        person = staff_member(session, approver.username)
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
    from complaintctl.services.notify import outbox as notify  # its outbox table loads on first use

    changes: dict[str, list[Any]] = {}
    if approval.level and approval.level > (complaint.extension_level or 0):
        set_fields(complaint, changes, extension_level=approval.level)
    if approval.customer_notified_via:
        session.add(Contact(complaint_id=complaint.id, at=at, via=approval.customer_notified_via,
                            direction="out", by=actor.username,
                            summary=_("Told the customer the deadline is extended (level {level})."
                                      ).format(level=approval.level)))
    approval.status, approval.decided_by, approval.decided_at = APPROVED, actor.username, at
    session.add(approval)
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
    from complaintctl.services.notify import outbox as notify  # its outbox table loads on first use

    number = normalise_number(number)
    with use_case(session, actor, Action.extend.value, number):
        complaint = get(session, number, lock=True)
        actor.check(Permission.investigate, complaint=complaint)
        lifecycle.apply(Status(complaint.status), Action.extend, number=number)
        reason = required_text(reason, _("The reason (--reason)"))
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
        if approved_by is not None and staff_member(session, approved_by) is None:
            raise InvalidData(_("{user} is not a member of staff; see `complaintctl staff "
                                "list`.").format(user=approved_by))
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
                       and _approver_problem(session, actor, complaint, step, None) is None)
        if can_approve:
            _apply_extension(session, actor, complaint, approval, at, Action.extend)
            return ExtendResult(complaint, approval, True, [actor.username])
        if approved_by is not None:
            named = staff_member(session, approved_by)
            # the approver named would run `approve`: their refusal names that command
            candidate = Actor(named.username, Role(named.role), named.branch, named.name,
                              command="approve")
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
        record_change(session, actor, complaint, Action.extend, at, details={
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
    from complaintctl.services.notify import outbox as notify  # its outbox table loads on first use

    number = normalise_number(number)
    with use_case(session, actor, Action.approval_request.value, number):
        complaint = get(session, number, lock=True)
        actor.check(Permission.resolve, complaint=complaint)
        lifecycle.apply(Status(complaint.status), Action.approve, number=number)
        cents = money.parse_amount(amount)
        if not cents:
            raise InvalidData(_("--compensation needs a positive amount, e.g. 5000."))
        reason = required_text(reason, _("The reason (--reason)"))
        at = effective_time(session, at, complaint)
        approval = Approval(complaint_id=complaint.id, kind=ApprovalKind.compensation.value,
                            amount_cents=cents, reason=reason, status=PENDING,
                            requested_by=actor.username, requested_at=at)
        session.add(approval)
        session.flush()
        approvers = _eligible_approvers(session, complaint, None, actor.username)
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
    from complaintctl.services.notify import outbox as notify  # its outbox table loads on first use

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
        at = effective_time(session, at, complaint)
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
            record_change(session, actor, complaint, Action.approve, at, details={
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


def find_approval(session: Session, approval_id: int) -> Approval:
    approval = session.get(Approval, approval_id)
    if approval is None:
        raise NotFound(_("No approval {id}.").format(id=approval_id))
    return approval
