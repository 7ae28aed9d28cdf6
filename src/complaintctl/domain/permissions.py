"""The permission matrix as data, and the one pure function that checks it.

Scopes: ``all`` any complaint; ``branch`` complaints of the staff member's branch (staff with no
branch work for head office and reach every branch); ``assigned`` complaints of their branch that
are assigned to them. The README's permission table is generated from MATRIX (a test checks).
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
) -> None:
    """Raise PermissionDenied naming the role needed, unless ``role`` may do this here.

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
    if staff_branch is not None and complaint_branch != staff_branch:
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


def visible_branch(role: Role, staff_branch: str | None) -> str | None:
    """The branch a member of staff may read, or None for every branch."""
    return None if MATRIX[Permission.read][role] is Scope.all else staff_branch


def matrix_markdown() -> str:
    """The permission table of the README, generated from MATRIX (a test keeps them equal)."""
    header = "| permission | " + " | ".join(r.value for r in _ROLE_ORDER) + " |"
    lines = [header, "|---" * (len(_ROLE_ORDER) + 1) + "|"]
    for permission, scopes in MATRIX.items():
        cells = [scopes[r].value if r in scopes else "—" for r in _ROLE_ORDER]
        lines.append(f"| {permission.value} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
