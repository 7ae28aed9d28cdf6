"""The values a filter names must be ones this database has.

``list --branch XX01`` that matches nothing because ``XX01`` is a typo must say so: an empty
report from a mistyped branch code reads as "0 complaints" to whoever it is handed to. A value
the database knows that matches nothing is an honest empty result and stays one.

- a branch is known when it is in the organisation tree, on a complaint or on a member of
  staff (a new branch with staff and no complaints yet is still a branch);
- a user is known when they are a member of staff (active or not);
- a complaint number is known when a complaint or an audit event carries it (an undone import
  removes its complaints; their events stay, and so does the number).

``check`` is the one place every filtered read (list, export, report, monitor, audit log,
notify list, staff conflict list) asks, after the role check and in this order:

1. scope: staff who read only their own branch (and, for supervisors, the branches below it)
   and name another branch are refused (exit 4) whether or not that branch exists, so the
   refusal never tells them which branches exist;
2. existence: a value the database does not know is refused (exit 5) in one sentence naming it
   and the command that lists the valid ones.
"""

from __future__ import annotations

from sqlalchemy import exists, select, union
from sqlmodel import Session

from complaintctl.errors import InvalidData, PermissionDenied
from complaintctl.i18n import _
from complaintctl.models import Complaint, Event, Organisation, Staff
from complaintctl.services.context import Actor, refusals_recorded


def check(session: Session, actor: Actor, *, action: str, branch: str | None = None,
          user: str | None = None, number: str | None = None) -> None:
    """Refuse a filter value outside the actor's branch scope (PermissionDenied, recorded on
    the audit trail as a refusal of ``action``), then one this database does not know
    (InvalidData). ``action`` names the command: ``list``, ``export``, ``monitor``,
    ``report NAME``..."""
    if branch:
        with refusals_recorded(session, actor, action):
            _within_scope(actor, action, branch)
        if not branch_known(session, branch):
            raise InvalidData(_(
                "No branch '{branch}' in this database; see `complaintctl org list` for the "
                "branches.").format(branch=branch))
    if user and not user_known(session, user):
        raise InvalidData(_(
            "No member of staff '{user}' in this database; see `complaintctl staff list` for "
            "the staff.").format(user=user))
    if number and not number_known(session, number):
        raise InvalidData(_(
            "No complaint '{number}' in this database; see `complaintctl list` for the "
            "complaints.").format(number=number))


def _within_scope(actor: Actor, action: str, branch: str) -> None:
    visible = actor.visible_branches()
    if visible is None or branch in visible:
        return
    if action == "monitor":
        text = _("Permission denied: {user} works for branch {own} and cannot monitor branch "
                 "{branch}.")
    elif action.startswith("report"):
        text = _("Permission denied: {user} works for branch {own} and cannot report on branch "
                 "{branch}.")
    elif action == "export":
        text = _("Permission denied: {user} works for branch {own} and cannot export the "
                 "complaints of branch {branch}.")
    else:
        text = _("Permission denied: {user} works for branch {own} and cannot list the "
                 "complaints of branch {branch}.")
    raise PermissionDenied(text.format(user=actor.username, own=actor.branch, branch=branch))


def branch_known(session: Session, code: str) -> bool:
    """Whether ``code`` is in the organisation tree, on a complaint or on a member of staff."""
    return bool(session.execute(select(
        exists().where(Organisation.code == code)
        | exists().where(Complaint.branch == code)
        | exists().where(Staff.branch == code))).scalar())


def user_known(session: Session, username: str) -> bool:
    """Whether ``username`` is a member of staff (deactivated ones too)."""
    return bool(session.execute(select(exists().where(Staff.username == username))).scalar())


def number_known(session: Session, number: str) -> bool:
    """Whether a complaint or an audit event carries ``number`` (the complaints first: their
    numbers are indexed, the events' are not)."""
    return any(session.execute(select(exists().where(condition))).scalar()
               for condition in (Complaint.number == number, Event.number == number))


def branches(session: Session) -> list[str]:
    """Every branch this database knows, sorted: the tree's, the complaints' and the staff's."""
    query = union(select(Organisation.code),
                  select(Complaint.branch).where(Complaint.branch.is_not(None)),
                  select(Staff.branch).where(Staff.branch.is_not(None)))
    return sorted(code for (code,) in session.execute(query))
