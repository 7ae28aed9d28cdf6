"""Who is acting (``Actor``, ``resolve_actor``), the transaction every use case runs in
(``use_case``), and refusals and unmasking recorded on the trail. The wall clock and the stored
settings (time zone, chain key) are ``core.stored``; they are named here too for the callers."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import event
from sqlmodel import Session, select

from complaintctl.domain import permissions
from complaintctl.domain.enums import EventKind, Role
from complaintctl.errors import PermissionDenied, TransitionNotAllowed
from complaintctl.i18n import _
from complaintctl.store.models import Staff
from complaintctl.services.core.stored import (  # noqa: F401 - part of what context offers
    chain_key,
    get_setting,
    now,
    set_setting,
    timezone_of,
)


@dataclass(frozen=True)
class Actor:
    """Who is acting. ``below``: the branches under their organisation (the organisation tree),
    which a supervisor's branch scope also covers. ``command``: what they typed (``import
    undo``), which a refusal names; the CLI sets it (empty outside the CLI). ``scopes``: the
    scopes of the API token that proves the actor (None: no token, or one without scopes);
    they narrow the matrix, never widen it."""

    username: str
    role: Role
    branch: str | None
    name: str = ""
    below: frozenset[str] = frozenset()
    command: str = ""
    scopes: frozenset[str] | None = None

    def _typed(self, option: str) -> str:
        """The command as typed, with ``option`` when that option asks for the permission."""
        return " ".join(part for part in (self.command, option) if part)

    def check(self, permission, *, complaint=None, target: str = "", option: str = "") -> None:
        """Refuse unless this actor may do ``permission`` (on ``complaint``). ``option``: the
        option that asks for it (``--unmask``), named after the command in a refusal."""
        self._ask(
            permission,
            complaint_branch=complaint.branch if complaint is not None else None,
            assignee=complaint.assignee if complaint is not None else None,
            target=target or (complaint.number if complaint is not None else ""),
            on_complaint=complaint is not None,
            command=self._typed(option),
        )

    def check_in(self, permission, branch: str | None, target: str) -> None:
        """``check`` for something of ``branch`` that is not a complaint (a rectification
        action) or for one complaint known only by number and branch: the matrix's branch
        scope applies to it as to a complaint, with the same refusal."""
        self._ask(permission, complaint_branch=branch, target=target, on_complaint=True,
                  command=self.command)

    def _ask(self, permission, **asked) -> None:
        """The matrix's check for this actor (role, name, branch and the branches below, the
        scopes of the token it acts by)."""
        permissions.check(permission, role=self.role, username=self.username,
                          staff_branch=self.branch, branches_below=self.below,
                          scopes=self.scopes, **asked)

    def works_for(self, branch: str | None) -> bool:
        """Whether this actor's branch scope covers ``branch``."""
        return permissions.works_for(self.role, self.branch, branch, self.below)

    def visible_branches(self) -> frozenset[str] | None:
        """The branches this actor may read, or None for every branch."""
        return permissions.visible_branches(self.role, self.branch, self.below)


def resolve_actor(session: Session, username: str, command: str = "") -> Actor:
    """The acting member of staff, running ``command`` (as typed, for refusals to name);
    unknown or inactive users are refused (exit 4)."""
    staff = session.exec(select(Staff).where(Staff.username == username)).first()
    if staff is None:
        raise PermissionDenied(
            _(
                "{user} is not a member of staff; pass --as USER or set COMPLAINTCTL_USER, "
                "or ask an admin to run `complaintctl staff add {user}`."
            ).format(user=username)
        )
    if not staff.active:
        raise PermissionDenied(
            _("{user} is deactivated; ask an admin to run `complaintctl staff activate {user}`.").format(user=username)
        )
    below = frozenset()
    if staff.branch is not None:
        from complaintctl.services.core.org_tree import descendants

        below = descendants(session, staff.branch)
    actor = Actor(staff.username, Role(staff.role), staff.branch, staff.name, below, command)
    act_as(session, actor)
    return actor


_SCOPE = "complaintctl_branches"


def act_as(session: Session, actor: Actor) -> None:
    """Let ``session``'s transactions reach ``actor``'s branches, and no others: on PostgreSQL
    the row-level security of complaints and their personal data reads this, set again at the
    start of every transaction (a transaction without it sees none of those rows)."""
    from complaintctl.store.guards import apply_scope, scope_value

    value = scope_value(actor.visible_branches())
    if session.info.get(_SCOPE) == value:
        return
    session.info[_SCOPE] = value
    if session.in_transaction():
        apply_scope(session.connection(), value)


@event.listens_for(Session, "after_begin")
def _scope_each_transaction(session, _transaction, connection) -> None:
    value = session.info.get(_SCOPE)
    if value is not None:
        from complaintctl.store.guards import apply_scope

        apply_scope(connection, value)


def record_separately(session: Session, **event) -> None:
    """Append one audit event in a write transaction of its own (refusals, unmasking).

    It never rides on the caller's transaction: a refused action has been rolled back, and a
    read must not turn into a write half way (SQLite would refuse the upgrade under load).
    """
    from sqlmodel import Session as _Session

    from complaintctl.services.core import trail as audit

    bind = session.info.get("write_bind")  # a read replica's session writes to the primary
    if bind is None:
        bind = session.get_bind().execution_options(complaintctl_write=True)
    with _Session(bind) as side:
        if _SCOPE in session.info:
            side.info[_SCOPE] = session.info[_SCOPE]
        audit.record(side, **event)
        side.commit()


def record_unmasking(session: Session, actor: Actor, command: str, *,
                     complaint: str | None = None, **details) -> None:
    """The one way an unmasking goes on the trail: an ``unmask`` access event naming the
    command (and the complaint, when it is one), in a transaction of its own, written before
    anything unmasked is shown. The caller has checked the permission."""
    record_separately(session, kind=EventKind.access, action="unmask", actor=actor.username,
                      at=now(), number=complaint, details={"command": command, **details})


@contextmanager
def refusals_recorded(session: Session, actor: Actor | None, action: str,
                      number: str | None = None):
    """Put a refusal (permission or state) on the audit trail, then let it propagate."""
    try:
        yield
    except (PermissionDenied, TransitionNotAllowed) as refusal:
        session.rollback()
        if actor is not None:
            record_separately(
                session,
                kind=EventKind.refusal,
                action=action,
                actor=actor.username,
                at=now(),
                number=number,
                details={"reason": str(refusal), "exit_code": refusal.exit_code},
            )
        raise


def check_reading(session: Session, actor: Actor, what: str, *, unmask: bool = False,
                  complaint=None) -> None:
    """Refuse, on the trail as ``what``, unless ``actor`` may read ``complaint`` (or complaints
    at all) and, with ``unmask``, see their personal data in full."""
    with refusals_recorded(session, actor, what,
                           complaint.number if complaint is not None else None):
        actor.check(permissions.Permission.read, complaint=complaint)
        if unmask:
            actor.check(permissions.Permission.unmask, complaint=complaint, option="--unmask")


_OUTER = "complaintctl_one_transaction"


@contextmanager
def use_case(session: Session, actor: Actor | None, action: str, number: str | None = None):
    """Run one use case: commit on success; on any error roll back so nothing changes.

    A refusal (permission or state) is then written to the audit trail in a transaction of
    its own, so refused attempts are on record while the refused action changes nothing.
    Inside ``one_transaction`` the use case neither commits nor rolls back: the outer does.
    """
    outer = session.info.get(_OUTER, False)
    if actor is not None:
        act_as(session, actor)
    try:
        with refusals_recorded(session, actor, action, number):
            yield
        if not outer:
            session.commit()
    except BaseException:
        if not outer:
            session.rollback()
        raise


@contextmanager
def one_transaction(session: Session, *, commit: bool = True):
    """Run several use cases as one transaction: all of them are kept, or none.

    Used where one outside event causes several use cases (an email becomes a complaint, its
    evidence and an acknowledgement). The use cases inside do not commit; this commits at the
    end (or rolls back when ``commit`` is false: a dry run), and rolls back on any error.
    Nested calls join the outermost transaction.
    """
    if session.info.get(_OUTER):
        yield
        return
    session.info[_OUTER] = True
    try:
        yield
        if commit:
            session.commit()
        else:
            session.rollback()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop(_OUTER, None)
