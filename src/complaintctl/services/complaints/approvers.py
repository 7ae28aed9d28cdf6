"""Who may approve an extension or a compensation: a supervisor or admin with the right over
the complaint, never its assignee nor the one who asked, and for a senior step of the ladder
an approver with the senior flag (or an admin). Used by ``complaints.approvals``."""

from __future__ import annotations

from sqlmodel import Session, col, select

from complaintctl.domain import deadlines
from complaintctl.domain.enums import Role
from complaintctl.domain.permissions import Permission
from complaintctl.errors import PermissionDenied
from complaintctl.i18n import _
from complaintctl.store.models import Complaint, Staff
from complaintctl.services.core.context import Actor


def staff_member(session: Session, username: str) -> Staff | None:
    return session.exec(select(Staff).where(Staff.username == username)).first()


def approver_problem(session: Session, approver: Actor, complaint: Complaint,
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


def eligible_approvers(session: Session, complaint: Complaint,
                       step: deadlines.ExtensionStep | None, requested_by: str) -> list[Staff]:
    """The active supervisors and admins who may approve (``approver_problem`` finds none)."""
    people = session.exec(select(Staff).where(
        Staff.active == True,
        col(Staff.role).in_([Role.supervisor.value, Role.admin.value]),
    ).order_by(col(Staff.username))).all()
    found = []
    for person in people:
        candidate = Actor(person.username, Role(person.role), person.branch, person.name)
        if approver_problem(session, candidate, complaint, step, requested_by) is None:
            found.append(person)
    return found


def check_compensation_approver(session: Session, actor: Actor, complaint: Complaint,
                                requested_by: str | None) -> None:
    """``actor`` may approve a compensation (the refusal says compensation, not extension)."""
    problem = approver_problem(session, actor, complaint, None, requested_by)
    if problem:
        raise PermissionDenied(problem.replace(_("own extension"), _("own compensation")))
