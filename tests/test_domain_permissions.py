"""The permission matrix, restated from the issue and checked for every role, permission and
scope: own or other branch, assigned to the actor or to someone else. Pure: no database."""

from __future__ import annotations

import pytest

from complaintctl.domain.enums import Role
from complaintctl.domain.permissions import (
    MATRIX,
    Permission,
    Scope,
    check,
    roles_allowed,
    visible_branch,
)
from complaintctl.errors import PermissionDenied

P, R = Permission, Role
BRANCH, ASSIGNED, ALL = "branch", "assigned", "all"

# the emergency plan's (not scoped to a branch: an incident may span branches)
RESPOND = {P.respond: ALL}
CLERK = {P.read: BRANCH, P.register: BRANCH, P.contact: BRANCH, P.note: BRANCH} | RESPOND
HANDLER = CLERK | {
    P.investigate: ASSIGNED, P.consult: ASSIGNED, P.evidence: ASSIGNED, P.resolve: ASSIGNED,
    P.close: ASSIGNED,
}
SUPERVISOR = {p: BRANCH for p in HANDLER} | {
    p: BRANCH for p in (P.assign, P.reopen, P.withdraw, P.merge, P.archive, P.unmask,
                        P.hold)  # hold: legal holds (issue 7, retention)
} | RESPOND | {P.incident: ALL, P.drill: ALL}
AUDITOR = {P.read: ALL, P.unmask: ALL, P.audit: ALL}
ADMIN = {p: ALL for p in Permission}

#: role -> permission -> scope, as the issue words it
EXPECTED = {R.clerk: CLERK, R.handler: HANDLER, R.supervisor: SUPERVISOR, R.auditor: AUDITOR,
            R.admin: ADMIN}

# (actor's branch, complaint's branch, complaint's assignee); the actor is "me"
SITUATIONS = {
    "own branch, assigned to me": ("BJ01", "BJ01", "me"),
    "own branch, assigned to another": ("BJ01", "BJ01", "other"),
    "own branch, unassigned": ("BJ01", "BJ01", None),
    "other branch, assigned to me": ("BJ01", "SH01", "me"),
    "other branch, assigned to another": ("BJ01", "SH01", "other"),
    "other branch, unassigned": ("BJ01", "SH01", None),
    "head-office staff, assigned to me": (None, "SH01", "me"),
    "head-office staff, assigned to another": (None, "SH01", "other"),
}


def _expected(role: Role, permission: Permission, situation: str) -> bool:
    scope = EXPECTED[role].get(permission)
    staff_branch, branch, assignee = SITUATIONS[situation]
    own = staff_branch is None or staff_branch == branch
    if scope is None:
        return False
    if scope == ALL:
        return True
    if scope == BRANCH:
        return own
    return own and assignee == "me"


def test_the_matrix_is_exactly_the_issues_permission_table():
    actual = {
        role: {p: MATRIX[p][role].value for p in Permission if role in MATRIX[p]} for role in Role
    }
    assert actual == EXPECTED


@pytest.mark.parametrize("situation", list(SITUATIONS))
@pytest.mark.parametrize("permission", list(Permission), ids=str)
@pytest.mark.parametrize("role", list(Role), ids=str)
def test_every_role_permission_and_scope_is_allowed_or_refused_as_the_matrix_says(
    role, permission, situation
):
    staff_branch, branch, assignee = SITUATIONS[situation]

    def attempt():
        check(permission, role=role, username="me", staff_branch=staff_branch,
              complaint_branch=branch, assignee=assignee, target="CMP-2026-000007")

    if _expected(role, permission, situation):
        attempt()
    else:
        with pytest.raises(PermissionDenied) as refused:
            attempt()
        assert refused.value.exit_code == 4
        assert str(refused.value).startswith("Permission denied: ")


def test_a_role_refusal_names_the_command_typed_and_the_roles_that_may_run_it():
    with pytest.raises(PermissionDenied) as refused:
        check(P.resolve, role=R.clerk, username="zhao", staff_branch="BJ01",
              complaint_branch="BJ01", assignee=None, target="CMP-2026-000007",
              command="request-approval")
    assert str(refused.value) == (
        "Permission denied: `request-approval` needs the role handler or supervisor or admin; "
        "zhao is a clerk."
    )


def test_a_role_refusal_without_a_command_names_the_permission():
    with pytest.raises(PermissionDenied) as refused:
        check(P.withdraw, role=R.handler, username="lihua", staff_branch="BJ01")
    assert str(refused.value) == (
        "Permission denied: `withdraw` needs the role supervisor or admin; lihua is a handler."
    )


def test_a_handler_refused_another_handlers_complaint_is_told_the_command_typed():
    with pytest.raises(PermissionDenied) as refused:
        check(P.investigate, role=R.handler, username="lihua", staff_branch="BJ01",
              complaint_branch="BJ01", assignee="chenjing", target="CMP-2026-000007",
              command="pause")
    assert str(refused.value) == (
        "Permission denied: CMP-2026-000007 is not assigned to lihua; a handler may run `pause` "
        "only on their own complaints (a supervisor or admin may act on any)."
    )


def test_an_auditor_changes_nothing():
    for permission in Permission:
        if permission in (P.read, P.unmask, P.audit):
            continue
        with pytest.raises(PermissionDenied, match=r"zhou is a auditor\.$"):
            check(permission, role=R.auditor, username="zhou", staff_branch=None)


def test_another_branchs_complaint_is_refused_naming_both_branches():
    with pytest.raises(PermissionDenied) as refused:
        check(P.note, role=R.clerk, username="zhao", staff_branch="BJ01",
              complaint_branch="SH01", assignee=None, target="CMP-2026-000007")
    assert str(refused.value) == (
        "Permission denied: CMP-2026-000007 belongs to branch SH01; zhao works for branch BJ01. "
        "Ask a supervisor of that branch or an admin."
    )


def test_a_handler_may_resolve_only_complaints_assigned_to_them():
    check(P.resolve, role=R.handler, username="li", staff_branch="BJ01",
          complaint_branch="BJ01", assignee="li")
    with pytest.raises(PermissionDenied) as refused:
        check(P.resolve, role=R.handler, username="li", staff_branch="BJ01",
              complaint_branch="BJ01", assignee="chen", target="CMP-2026-000007")
    assert str(refused.value) == (
        "Permission denied: CMP-2026-000007 is not assigned to li; a handler may run `resolve` "
        "only on their own complaints (a supervisor or admin may act on any)."
    )


def test_a_supervisor_acts_on_any_complaint_of_their_branch_but_not_another():
    check(P.close, role=R.supervisor, username="wang", staff_branch="BJ01",
          complaint_branch="BJ01", assignee="li")
    with pytest.raises(PermissionDenied):
        check(P.close, role=R.supervisor, username="wang", staff_branch="BJ01",
              complaint_branch="SH01", assignee="li")


def test_a_branch_clerk_may_not_act_on_a_head_office_complaint_whether_or_not_it_is_assigned():
    # A complaint with no branch belongs to head office: only head-office staff and
    # all-branch roles reach it, the same rule as `list`, however far along it is.
    for assignee in (None, "admin"):
        with pytest.raises(PermissionDenied):
            check(P.read, role=R.clerk, username="zhao", staff_branch="BJ01",
                  complaint_branch=None, assignee=assignee, on_complaint=True)
    check(P.read, role=R.clerk, username="hq", staff_branch=None, complaint_branch=None,
          assignee=None, on_complaint=True)
    check(P.read, role=R.auditor, username="zhou", staff_branch=None, complaint_branch=None,
          assignee=None, on_complaint=True)


def test_a_check_without_a_complaint_looks_at_the_role_only():
    check(P.register, role=R.clerk, username="zhao", staff_branch="BJ01")
    with pytest.raises(PermissionDenied):
        check(P.assign, role=R.handler, username="li", staff_branch="BJ01")


def test_roles_allowed_lists_roles_in_order_of_seniority():
    assert roles_allowed(P.read) == [R.clerk, R.handler, R.supervisor, R.auditor, R.admin]
    assert roles_allowed(P.staff) == [R.admin]
    assert roles_allowed(P.unmask) == [R.supervisor, R.auditor, R.admin]


def test_branch_staff_read_their_branch_and_auditors_admins_and_head_office_read_all():
    assert visible_branch(R.clerk, "BJ01") == "BJ01"
    assert visible_branch(R.handler, "SH01") == "SH01"
    assert visible_branch(R.supervisor, "BJ01") == "BJ01"
    assert visible_branch(R.auditor, "BJ01") is None
    assert visible_branch(R.admin, "BJ01") is None
    assert visible_branch(R.clerk, None) is None


def test_scopes_are_the_three_documented_words():
    assert [s.value for s in Scope] == ["all", "branch", "assigned"]
