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
from complaintctl.errors import InvalidData, PermissionDenied
from complaintctl.i18n import _, code, labels


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
    hold = "hold"
    audit = "audit"
    staff = "staff"
    database = "database"
    # the emergency plan's: not scoped to a branch, because an incident may span branches
    incident = "incident"  # detect; declare, link, escalate, de-escalate, close; issue reports
    respond = "respond"  # record what was done on an incident's timeline; tick checklist items
    drill = "drill"  # run and close drills
    plan = "plan"  # load a new version of the emergency plan


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
    P.hold: {R.supervisor: B, R.admin: A},
    P.audit: {R.auditor: A, R.admin: A},
    P.staff: {R.admin: A},
    P.database: {R.admin: A},
    P.incident: {R.supervisor: A, R.admin: A},
    P.respond: {R.clerk: A, R.handler: A, R.supervisor: A, R.admin: A},
    P.drill: {R.supervisor: A, R.admin: A},
    P.plan: {R.admin: A},
}

_ROLE_ORDER = [R.clerk, R.handler, R.supervisor, R.auditor, R.admin]


def roles_allowed(permission: Permission) -> list[Role]:
    return [role for role in _ROLE_ORDER if role in MATRIX[permission]]


def _check_token_scope(permission: Permission, scopes: frozenset[str] | None,
                       command: str) -> None:
    """Refuse a token whose scopes do not include ``permission`` (``check``'s first test)."""
    if not scope_allows(scopes, permission):
        raise PermissionDenied(
            _("Permission denied: `{command}` needs a token with the scope {needed}; this "
              "token has {have}.").format(
                command=command, needed=labels(scopes_for(permission)),
                have=", ".join(sorted(scopes or ())))
        )


def _role_scope(permission: Permission, role: Role, username: str, command: str) -> Scope:
    """Where ``role`` may use ``permission``; refused, naming the roles that may, if nowhere."""
    scope = MATRIX[permission].get(role)
    if scope is None:
        needed = labels(r.value for r in roles_allowed(permission))
        raise PermissionDenied(
            _("Permission denied: `{command}` needs the role {needed}; {user} is a {role}.").format(
                command=command, needed=needed, user=username, role=code(role.value)
            )
        )
    return scope


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
    command: str = "",
    scopes: frozenset[str] | None = None,
) -> None:
    """Raise PermissionDenied naming the role needed, unless ``role`` may do this here.

    ``scopes``: an API token's scopes (None: not a token, or one without scopes): the
    permission must be in one of them as well as allowed to the role (``TOKEN_SCOPES``).

    ``command`` is what the user typed (``import undo``, ``show --unmask``): a refusal names it,
    not the permission, which is often another word (``import undo`` needs ``withdraw``).
    Without one (a use case called outside the CLI) the refusal names the permission.

    ``branches_below`` are the branches under the staff member's organisation: a supervisor
    (REACHES_BELOW) acts on their complaints as on their own branch's.

    ``on_complaint`` says whether a particular complaint is acted on (default: whether a branch
    or an assignee was given). A complaint without a branch belongs to head office, so only
    head-office staff and all-branch roles reach it, whether or not it is assigned.
    """
    command = command or permission.value
    _check_token_scope(permission, scopes, command)
    scope = _role_scope(permission, role, username, command)
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
                "Permission denied: {target} is not assigned to {user}; a handler may run "
                "`{command}` only on their own complaints (a supervisor or admin may act on any)."
            ).format(target=target, user=username, command=command)
        )


#: The scopes of an API token (``staff token create --scope``), each naming the permissions a
#: token with it may use. They narrow what the token's user may do and never widen it: the
#: matrix above still decides (a clerk's token with ``admin`` still cannot add staff).
TOKEN_SCOPES: dict[str, frozenset[Permission]] = {
    "read": frozenset({P.read}),
    "import": frozenset({P.register}),
    "register": frozenset({P.register, P.contact, P.note}),
    "handle": frozenset({P.contact, P.note, P.investigate, P.consult, P.evidence, P.resolve,
                         P.close}),
    "supervise": frozenset({P.assign, P.reopen, P.withdraw, P.merge, P.archive, P.hold}),
    "unmask": frozenset({P.unmask}),
    "audit": frozenset({P.audit}),
    "emergency": frozenset({P.incident, P.respond, P.drill}),
    "admin": frozenset({P.staff, P.database, P.plan}),
}


def scope_allows(scopes: frozenset[str] | None, permission: Permission) -> bool:
    """Whether a token with ``scopes`` may use ``permission`` (None: no scopes, no narrowing)."""
    if scopes is None:
        return True
    return any(permission in TOKEN_SCOPES.get(name, frozenset()) for name in scopes)


def scopes_for(permission: Permission) -> list[str]:
    """The scopes that carry ``permission``, in TOKEN_SCOPES's order."""
    return [name for name, carried in TOKEN_SCOPES.items() if permission in carried]


def parse_scopes(text: str | None) -> frozenset[str] | None:
    """``import,read`` -> the scopes; None or blank -> None (the user's own permissions);
    an unknown scope is refused (exit 5), naming the known ones."""
    if text is None or not text.strip():
        return None
    names = frozenset(part.strip().lower() for part in text.split(",") if part.strip())
    unknown = sorted(names - TOKEN_SCOPES.keys())
    if unknown:
        raise InvalidData(_("Unknown token scope '{scope}'; the scopes are: {known}.").format(
            scope=unknown[0], known=", ".join(TOKEN_SCOPES)))
    return names


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


#: Each command and the permission it needs (None: no permission, e.g. ``init`` makes the first
#: admin only when there is none). The README's command table is generated from this, and a test
#: walks the command tree so that no command is missing here.
COMMANDS: dict[str, Permission | None] = {
    "register": P.register, "assign": P.assign, "contact": P.contact,
    "investigate": P.investigate, "note": P.note, "consult": P.consult, "answer": P.consult,
    "resolve": P.resolve, "notice": P.read, "notify-decision": P.contact, "close": P.close, "reopen": P.reopen, "withdraw": P.withdraw,
    "merge": P.merge, "archive": P.archive, "show": P.read, "list": P.read,
    "pause": P.investigate, "resume": P.investigate, "extend": P.investigate,
    "approve": P.assign, "request-approval": P.resolve, "due": P.read, "urgency": P.read,
    "init": None, "demo": None, "report": P.read, "monitor": P.read, "export": P.read,
    "evidence add": P.evidence, "evidence list": P.read,
    "review request": P.contact, "review decide": P.reopen, "sla check": P.assign,
    "staff add": P.staff, "staff list": P.read, "staff deactivate": P.staff,
    "staff activate": P.staff, "staff senior": P.staff, "staff conflict add": P.staff,
    "staff conflict list": P.read, "staff conflict remove": P.staff,
    "org add": P.staff, "org move": P.staff, "org list": P.read,
    "config show": P.read, "config set": P.database, "config load": P.database,
    "notify send": P.database, "notify list": P.audit,
    "db path": None, "db backup": P.database, "db check": P.audit, "db upgrade": P.database,
    "db migrate-to": P.database, "db harden": P.database,
    "audit verify": P.audit, "audit anchor": P.audit,
    "audit log": P.audit, "audit prove": P.audit, "audit keygen": None,
    "plan init": None, "plan validate": None, "plan load": P.plan, "plan show": P.read,
    "plan history": P.read,
    "incident detect": P.incident, "incident declare": P.incident, "incident list": P.read,
    "incident show": P.read, "incident link": P.incident, "incident update": P.respond,
    "incident escalate": P.incident, "incident deescalate": P.incident,
    "incident close": P.incident, "incident checklist": P.read, "incident done": P.respond,
    "incident overdue": P.incident, "incident report": P.read,
    "drill run": P.drill, "drill report": P.read, "drill close": P.drill, "drill list": P.read,
    "rootcause set": P.archive, "rootcause codes": None, "rootcause load-codes": P.database,
    "rootcause export-codes": None,
    "rectify open": P.archive, "rectify link": P.archive, "rectify update": P.archive,
    "rectify list": P.read, "rectify show": P.read,
    "import file": P.register, "import list": P.read, "import undo": P.withdraw,
    "intake mail": P.register, "intake json": P.register,
    "intake review list": P.register, "intake review accept": P.register,
    "intake review reject": P.register, "serve": P.register,
    "hold": P.hold, "release": P.hold, "purge": P.database,
    # issue 18: signing in proves who acts; passwords and tokens: one's own, or P.staff
    "login": None, "logout": None, "whoami": None, "staff passwd": None,
    "staff token create": None, "staff token list": None, "staff token revoke": None,
    "staff mfa enrol": None, "staff mfa reset": P.staff,  # enrol: one's own password proves it
    # issue 21: the clerk's workspace reads the queue; each key asks its action's permission
    "tui": P.read,
    # issue 24: the customer's identity (CBIRC Art 22)
    "verify-identity": P.contact, "customer-copy": P.contact,
}


def commands_markdown() -> str:
    """The README's command table: which permission each command needs (from COMMANDS)."""
    needs: dict[str, list[str]] = {}
    for command, permission in COMMANDS.items():
        needs.setdefault(permission.value if permission else "—", []).append(f"`{command}`")
    lines = ["| permission | commands |", "|---|---|"]
    for permission in [*(p.value for p in Permission), "—"]:
        if permission in needs:
            lines.append(f"| {permission} | " + ", ".join(needs[permission]) + " |")
    return "\n".join(lines)
