"""People: the first admin, adding, listing and deactivating staff."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session, col, select

from complaintctl.domain.enums import EventKind, Role
from complaintctl.domain.permissions import Permission
from complaintctl.errors import InvalidData, UsageProblem
from complaintctl.i18n import _
from complaintctl.store.models import Staff
from complaintctl.services.core import trail as audit
from complaintctl.services.core import filter_values
from complaintctl.services.core.context import Actor, now, refusals_recorded, use_case

USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")


def _valid_username(username: str) -> str:
    if not USERNAME.match(username):
        raise InvalidData(
            _(
                "'{user}' is not a valid user name; use 1-64 letters, digits, '.', '_', '-' or '@'."
            ).format(user=username)
        )
    return username


def init_admin(*, session: Session, username: str, name: str,
               no_auth: bool | None = None) -> tuple[Staff, bool]:
    """Create the first admin if there is none. Returns (admin, created). ``no_auth``: the
    new database's sign-in mode (``init --no-auth``: none; False: sign-in once the admin has
    a password; None: left as it is)."""
    with use_case(session, None, "init"):
        existing = session.exec(select(Staff).where(Staff.role == Role.admin.value)).first()
        if existing is not None:
            return existing, False
        staff = Staff(
            username=_valid_username(username), name=name or username, role=Role.admin.value,
            created_at=now(),
        )
        session.add(staff)
        details = {"staff": username, "role": "admin"}
        if no_auth is not None:
            from complaintctl.services.identity import acting

            acting.set_mode(session, no_auth=no_auth)
            details["no_auth"] = no_auth
        audit.record(
            session, kind=EventKind.admin, action="init", actor=username, at=staff.created_at,
            details=details,
        )
    return staff, True


def add(
    *,
    session: Session,
    actor: Actor,
    username: str,
    name: str,
    role: Role,
    branch: str | None = None,
    email: str | None = None,
    senior: bool = False,
) -> Staff:
    with use_case(session, actor, "staff add"):
        actor.check(Permission.staff)
        _valid_username(username)
        if session.exec(select(Staff).where(Staff.username == username)).first() is not None:
            raise UsageProblem(
                _("{user} is already a member of staff; pick another user name.").format(
                    user=username
                )
            )
        if email is not None and "@" not in email:
            raise InvalidData(_("'{email}' is not an email address.").format(email=email))
        branch = _known_branch(session, branch)
        staff = Staff(
            username=username, name=name, role=role.value, branch=branch,
            email=email or None, created_at=now(), senior=senior,
        )
        session.add(staff)
        audit.record(
            session, kind=EventKind.admin, action="staff add", actor=actor.username,
            at=staff.created_at,
            details={"staff": username, "role": role.value, "branch": branch,
                     **({"senior": True} if senior else {})},
            personal={"name": name, "email": email},
        )
    return staff


def _known_branch(session: Session, branch: str | None) -> str | None:
    """The branch a member of staff is added to, as the database spells it (None: head
    office); see ``filter_values.known_branch``."""
    if branch is None:
        return None
    code = branch.strip()
    if not code:
        raise InvalidData(_("The branch (--branch) is blank; give a branch code, or leave "
                            "--branch out for head office."))
    return filter_values.known_branch(session, code)


def deactivate(*, session: Session, actor: Actor, username: str) -> Staff:
    """Stop a member of staff acting; their history stays."""
    return _set_active(session=session, actor=actor, username=username, active=False)


def activate(*, session: Session, actor: Actor, username: str) -> Staff:
    """Let a deactivated member of staff act again."""
    return _set_active(session=session, actor=actor, username=username, active=True)


def _set_active(*, session: Session, actor: Actor, username: str, active: bool) -> Staff:
    from complaintctl.errors import NotFound

    action = "staff activate" if active else "staff deactivate"
    with use_case(session, actor, action):
        actor.check(Permission.staff)
        staff = session.exec(select(Staff).where(Staff.username == username)).first()
        if staff is None:
            raise NotFound(_("No member of staff called {user}.").format(user=username))
        if not active and staff.username == actor.username:
            raise UsageProblem(_("You cannot deactivate yourself; ask another admin."))
        if staff.active == active:
            raise UsageProblem(
                (_("{user} is already active.") if active else _("{user} is already deactivated."))
                .format(user=username)
            )
        staff.active = active
        session.add(staff)
        audit.record(
            session, kind=EventKind.admin, action=action, actor=actor.username,
            at=now(), details={"staff": username, "active": [not active, active]},
        )
    return staff


def list_staff(*, session: Session, actor: Actor) -> list[dict[str, Any]]:
    with refusals_recorded(session, actor, "staff list"):
        actor.check(Permission.read)
    rows = session.exec(select(Staff).order_by(col(Staff.username))).all()
    return [
        {
            "username": s.username,
            "name": s.name,
            "role": s.role,
            "branch": s.branch,
            "email": s.email,
            "active": s.active,
            "senior": s.senior,
        }
        for s in rows
    ]
