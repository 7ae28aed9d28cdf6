"""``db harden``: split a PostgreSQL database's roles so that the database itself enforces the
append-only audit trail and the branch scope (issue 18). The roles and grants are
``store.roles``; the triggers, the erasure function and the row-level security are migration
0010's. SQLite has no roles: there the file's modes, the triggers and the chain do the work
(the README's threat model)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from complaintctl.domain.enums import EventKind
from complaintctl.domain.permissions import Permission
from complaintctl.errors import DatabaseProblem, InvalidData, TransitionNotAllowed
from complaintctl.i18n import _
from complaintctl.services.core import trail as audit
from complaintctl.services.core.context import Actor, now, use_case

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class Hardened:
    database: str
    owner: str
    app: str
    created: tuple[str, ...]
    app_url: str


def check_names(database, owner: str, app: str) -> None:
    """Refuse SQLite (exit 3) and unusable role names (exit 5), before any password is read."""
    if not database.is_postgresql:
        raise TransitionNotAllowed(_(
            "db harden is for PostgreSQL: SQLite has no roles. A SQLite database is kept "
            "private by its file modes (0600, directory 0700), its triggers refuse edits of the "
            "audit trail, and `audit verify --anchor` detects a rewrite; see the README's "
            "threat model."))
    for option, name in (("--owner", owner), ("--app", app)):
        if not ROLE_NAME.match(name or ""):
            raise InvalidData(_(
                "{option} '{name}' is not a usable role name: use lower-case letters, digits "
                "and _ (at most 63), starting with a letter or _.").format(option=option,
                                                                          name=name))
    if owner == app:
        raise InvalidData(_("--owner and --app must be two different roles."))


def harden(*, database, actor: Actor, owner: str, app: str,
           passwords: tuple[str | None, str | None] = (None, None)) -> Hardened:
    """Create (or fit) the owner and application roles, hand the objects over and grant the
    application what it may do; one transaction, with its audit event. ``passwords``: the
    owner's and the application's (None: the server authenticates them otherwise)."""
    from sqlalchemy.exc import DBAPIError

    from complaintctl.store import roles
    from complaintctl.store.engine import first_line

    check_names(database, owner, app)
    with database.session(write=True) as session:
        with use_case(session, actor, "db harden"):
            actor.check(Permission.database)
            conn = session.connection()
            current = conn.exec_driver_sql("SELECT current_user").scalar()
            if current in (owner, app):
                raise InvalidData(_(
                    "You are connected as {role}: run db harden as a superuser or the "
                    "database's owner, naming two other roles.").format(role=current))
            try:
                created = tuple(name for name, password, is_app in (
                    (owner, passwords[0], False), (app, passwords[1], True))
                    if roles.ensure_role(conn, name, password, app=is_app))
                roles.hand_over(conn, owner, app)
            except DBAPIError as error:
                raise DatabaseProblem(_(
                    "Could not set up the roles ({problem}); run db harden as a superuser or "
                    "a role with CREATEROLE that owns the database.").format(
                    problem=first_line(error))) from None
            audit.record(session, kind=EventKind.admin, action="db harden",
                         actor=actor.username, at=now(),
                         details={"owner": owner, "app": app, "created": list(created),
                                  "passwords_set": [p is not None for p in passwords]})
    return Hardened(database.display(), owner, app, created, roles.role_url(database.url, app))
