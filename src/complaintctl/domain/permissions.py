"""The permission matrix as data, and the one pure function that checks it.

Scopes: ``all`` any complaint; ``branch`` complaints of the staff member's branch (staff with no
branch work for head office and reach every branch); ``assigned`` complaints of their branch that
are assigned to them. The README's permission table is generated from MATRIX (a test checks).

Branches sit under parent organisations (tiered responsibility, CBIRC Art 9): a supervisor's
``branch`` scope also covers every branch under their organisation (``REACHES_BELOW``). The check
stays pure: the caller passes that set of branches in (``branches_below``).
"""

from __future__ import annotations

from enum import StrEnum

from complaintctl.domain.enums import Role
from complaintctl.errors import PermissionDenied
from complaintctl.i18n import _


class Permission(StrEnum):
    read = "read"
    register = "register"
    contact = "contact"
    note = "note"
    unmask = "unmask"
    assign = "assign"
    investigate = "investigate"
    consult = "consult"
    evidence = "evidence"
    resolve = "resolve"
    close = "close"
    reopen = "reopen"
    withdraw = "withdraw"
    merge = "merge"
    archive = "archive"
    audit = "audit"
    staff = "staff"
    database = "database"


class Scope(StrEnum):
    all = "all"
    branch = "branch"
    assigned = "assigned"


R, P, A, B, M = Role, Permission, Scope.all, Scope.branch, Scope.assigned

MATRIX: dict[Permission, dict[Role, Scope]] = {
    P.read: {R.clerk: B, R.handler: B, R.supervisor: B, R.auditor: A, R.admin: A},
    P.register: {R.clerk: B, R.handler: B, R.supervisor: B, R.admin: A},
    P.contact: {R.clerk: B, R.handler: B, R.supervisor: B, R.admin: A},
    P.note: {R.clerk: B, R.handler: B, R.supervisor: B, R.admin: A},
    P.unmask: {R.supervisor: B, R.auditor: A, R.admin: A},
    P.assign: {R.supervisor: B, R.admin: A},
    P.investigate: {R.handler: M, R.supervisor: B, R.admin: A},
    P.consult: {R.handler: M, R.supervisor: B, R.admin: A},
    P.evidence: {R.handler: M, R.supervisor: B, R.admin: A},
    P.resolve: {R.handler: M, R.supervisor: B, R.admin: A},
    P.close: {R.handler: M, R.supervisor: B, R.admin: A},
    P.reopen: {R.supervisor: B, R.admin: A},
    P.withdraw: {R.supervisor: B, R.admin: A},
    P.merge: {R.supervisor: B, R.admin: A},
    P.archive: {R.supervisor: B, R.admin: A},
    P.audit: {R.auditor: A, R.admin: A},
    P.staff: {R.admin: A},
    P.database: {R.admin: A},
}

_ROLE_ORDER = [R.clerk, R.handler, R.supervisor, R.auditor, R.admin]


def roles_allowed(permission: Permission) -> list[Role]:
    return [role for role in _ROLE_ORDER if role in MATRIX[permission]]


def check(
    permission: Permission,
    *,
    role: Role,
    username: str,
    staff_branch: str | None,
    complaint_branch: str | None = None,
    assignee: str | None = None,
    target: str = "",
    on_complaint: bool | None = None,
    branches_below: frozenset[str] = frozenset(),
) -> None:
    """Raise PermissionDenied naming the role needed, unless ``role`` may do this here.

    ``branches_below`` are the branches under the staff member's organisation: a supervisor
    (REACHES_BELOW) acts on their complaints as on their own branch's.

    ``on_complaint`` says whether a particular complaint is acted on (default: whether a branch
    or an assignee was given). A complaint without a branch belongs to head office, so only
    head-office staff and all-branch roles reach it, whether or not it is assigned.
    """
    scope = MATRIX[permission].get(role)
    if scope is None:
        needed = " or ".join(r.value for r in roles_allowed(permission))
        raise PermissionDenied(
            _("Permission denied: {permission} needs the role {needed}; {user} is a {role}.").format(
                permission=permission.value, needed=needed, user=username, role=role.value
            )
        )
    if on_complaint is None:
        on_complaint = complaint_branch is not None or assignee is not None
    if scope is Scope.all or not on_complaint:
        return
    if not works_for(role, staff_branch, complaint_branch, branches_below):
        raise PermissionDenied(
            _(
                "Permission denied: {target} belongs to branch {branch}; {user} works for "
                "branch {own}. Ask a supervisor of that branch or an admin."
            ).format(target=target, branch=complaint_branch or "-", user=username, own=staff_branch)
        )
    if scope is Scope.assigned and assignee != username:
        raise PermissionDenied(
            _(
                "Permission denied: {target} is not assigned to {user}; a handler may "
                "{permission} only their own complaints (a supervisor or admin may act on any)."
            ).format(target=target, user=username, permission=permission.value)
        )


#: roles whose branch scope reaches the branches under their organisation
REACHES_BELOW = frozenset({Role.supervisor})


def works_for(role: Role, staff_branch: str | None, branch: str | None,
              branches_below: frozenset[str] = frozenset()) -> bool:
    """Whether a member of staff's branch scope covers ``branch`` (head-office staff, with no
    branch, cover every branch; supervisors also cover the branches below theirs)."""
    if staff_branch is None or branch == staff_branch:
        return True
    return role in REACHES_BELOW and branch is not None and branch in branches_below


def visible_branch(role: Role, staff_branch: str | None) -> str | None:
    """The branch a member of staff may read, or None for every branch (their own branch only:
    see visible_branches for the branches below it)."""
    return None if MATRIX[Permission.read][role] is Scope.all else staff_branch


def visible_branches(role: Role, staff_branch: str | None,
                     branches_below: frozenset[str] = frozenset()) -> frozenset[str] | None:
    """The branches a member of staff may read, or None for every branch."""
    own = visible_branch(role, staff_branch)
    if own is None:
        return None
    return frozenset({own}) | (branches_below if role in REACHES_BELOW else frozenset())


def matrix_markdown() -> str:
    """The permission table of the README, generated from MATRIX (a test keeps them equal)."""
    header = "| permission | " + " | ".join(r.value for r in _ROLE_ORDER) + " |"
    lines = [header, "|---" * (len(_ROLE_ORDER) + 1) + "|"]
    for permission, scopes in MATRIX.items():
        cells = [scopes[r].value if r in scopes else "—" for r in _ROLE_ORDER]
        lines.append(f"| {permission.value} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
