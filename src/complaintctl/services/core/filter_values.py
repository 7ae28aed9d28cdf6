"""The values a filter names must be ones this database has.

``list --branch XX01`` that matches nothing because ``XX01`` is a typo must say so: an empty
report from a mistyped branch code reads as "0 complaints" to whoever it is handed to. A value
the database knows that matches nothing is an honest empty result and stays one.

- a branch is known when it is in the organisation tree, on a complaint or on a member of
  staff (a new branch with staff and no complaints yet is still a branch);
- a user is known when they are a member of staff (active or not);
- a complaint number is known when a complaint, an import batch's leaf or an audit event
  carries it (an undone import removes its complaints; its leaves and events stay, and so
  does the number).

``check`` is the one place every filtered read (list, export, report, monitor, audit log,
notify list, staff conflict list) asks, after the role check and in this order:

1. scope: staff who read only their own branch (and, for supervisors, the branches below it)
   and name another branch are refused (exit 4) whether or not that branch exists, so the
   refusal never tells them which branches exist;
2. existence: a value the database does not know is refused (exit 5) in one sentence naming it
   and the command that lists the valid ones.

Before either, the value is read as a clerk means it (``check`` returns it so, and the command
filters on that): surrounding spaces are dropped; a branch code is matched to the one stored
code that differs from it only in case (``bj01`` -> ``BJ01``; for branch staff, among the
branches they may read, so the spelling never tells them which other branches exist); a
complaint number is upper-cased. User names are matched exactly, as ``--as`` matches them. A
value that is blank once its spaces are dropped filters nothing and is refused (exit 5).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select, union
from sqlmodel import Session

from complaintctl.errors import InvalidData, PermissionDenied
from complaintctl.i18n import _
from complaintctl.store.models import Complaint, Event, Organisation, Staff
from complaintctl.services.core.context import Actor, refusals_recorded


@dataclass(frozen=True)
class Values:
    """The filter values as the database spells them: what ``check`` let through (None: the
    filter was not given)."""

    branch: str | None = None
    user: str | None = None
    number: str | None = None


def check(session: Session, actor: Actor, *, action: str, branch: str | None = None,
          user: str | None = None, number: str | None = None) -> Values:
    """Read each value as the clerk means it (see the module's docstring), then refuse a
    branch outside the actor's branch scope (PermissionDenied, recorded on the audit trail as
    a refusal of ``action``), then a value this database does not know (InvalidData).
    ``action`` names the command: ``list``, ``export``, ``monitor``, ``report NAME``...
    Returns the values to filter on."""
    branch, user, number = _given(branch), _given(user), _given(number)
    if branch is not None:
        if not branch:
            raise InvalidData(_("--branch is blank; give a branch code (see `complaintctl org "
                                "list`) or leave --branch out."))
        with refusals_recorded(session, actor, action):
            branch = _within_scope(actor, action, branch)
        if actor.visible_branches() is None:
            branch = stored_branch(session, branch)
        if not branch_known(session, branch):
            raise InvalidData(_(
                "No branch '{branch}' in this database; see `complaintctl org list` for the "
                "branches.").format(branch=branch))
    if user is not None:
        _existing(session, user, user_known, _(
            "The user name is blank; give a member of staff (see `complaintctl staff list`) "
            "or leave it out."), _(
            "No member of staff '{user}' in this database; see `complaintctl staff list` "
            "for the staff."), "user")
    if number is not None:
        from complaintctl.services.core.kernel import resolve_number

        number = _existing(session, resolve_number(session, number), number_known, _(
            "The complaint number is blank; give one (see `complaintctl list`) or leave it "
            "out."), _(
            "No complaint '{number}' in this database; see `complaintctl list` for the "
            "complaints."), "number")
    return Values(branch=branch, user=user, number=number)


def _existing(session: Session, value: str, known, blank: str, unknown: str, name: str) -> str:
    """``value`` if it is not blank and ``known`` to the database; else InvalidData with the
    sentence ``blank`` or ``unknown`` (which names the value as ``{name}``)."""
    if not value:
        raise InvalidData(blank)
    if not known(session, value):
        raise InvalidData(unknown.format(**{name: value}))
    return value


def _given(value: str | None) -> str | None:
    return None if value is None else value.strip()


def _within_scope(actor: Actor, action: str, branch: str) -> str:
    """``branch`` as spelled among the branches the actor may read (every branch: as typed),
    or a refusal naming it as typed."""
    visible = actor.visible_branches()
    if visible is None:
        return branch
    spelled = one_spelling(branch, visible)
    if spelled is not None:
        return spelled
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


def spelled_branch(session: Session, actor: Actor, code: str) -> str:
    """A branch code given for a new complaint (``register --branch``, an import's branch
    column) as the database spells it, matched as the filters match it: among the branches
    ``actor`` may read (every branch for head office), so ``bj01`` files under ``BJ01`` rather
    than opening a second spelling of the branch. An unknown code is returned as given."""
    visible = actor.visible_branches()
    if visible is None:
        return stored_branch(session, code)
    return one_spelling(code, visible) or code


def stored_branch(session: Session, code: str) -> str:
    """``code`` as this database spells it: itself when it is a known branch, else the one
    known branch that differs from it only in case, else ``code`` (which is then unknown).
    Two or more such branches (``BJ01`` and ``Bj01``): refused (InvalidData), naming them."""
    if branch_known(session, code):
        return code
    return one_spelling(code, branches(session)) or code


def known_branch(session: Session, code: str) -> str:
    """A branch code given to be stored (``staff add --branch``, a branch conflict's value)
    as the database spells it (``stored_branch``). It must be a branch the database knows, as
    the filters know them, except while the database is being set up: with no organisation
    and no complaint yet, the first staff define the branches and any code is taken. An
    unknown code is refused (InvalidData), saying how to add it."""
    code = stored_branch(session, code)
    if branch_known(session, code) or _being_set_up(session):
        return code
    raise InvalidData(_("No branch '{branch}' in this database; add it first with "
                        "`complaintctl org add {branch} --name NAME`.").format(branch=code))


def _being_set_up(session: Session) -> bool:
    """No organisation and no complaint yet."""
    return not session.execute(select(
        exists().where(Organisation.code.is_not(None))
        | exists().where(Complaint.id.is_not(None)))).scalar()


def one_spelling(code: str, known) -> str | None:
    """``code`` itself if ``known`` has it, else the only entry of ``known`` equal to it but for
    case (None: none); more than one is refused, naming them."""
    if code in known:
        return code
    matches = sorted(k for k in known if k.casefold() == code.casefold())
    if len(matches) > 1:
        raise InvalidData(_("'{branch}' matches more than one branch ({codes}); type the code "
                            "exactly.").format(branch=code, codes=_(", ").join(matches)))
    return matches[0] if matches else None


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
    from complaintctl.store.models import ImportLeaf

    return any(session.execute(select(exists().where(condition))).scalar()
               for condition in (Complaint.number == number, ImportLeaf.number == number,
                                 Event.number == number))


def branches(session: Session) -> list[str]:
    """Every branch this database knows, sorted: the tree's, the complaints' and the staff's."""
    query = union(select(Organisation.code),
                  select(Complaint.branch).where(Complaint.branch.is_not(None)),
                  select(Staff.branch).where(Staff.branch.is_not(None)))
    return sorted(code for (code,) in session.execute(query))
