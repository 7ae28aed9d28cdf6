"""Issue 7 item 6: every role x command x own/other branch x own/other assignment, through the
real CLI on one seeded database, with the expected outcome generated from the README's
permission matrix (``readme_matrix``), so the docs and the code cannot drift apart.

Allowed by the matrix -> exit 0. Refused -> exit 4 with the exact message, and nothing changed
but one refusal event on the audit trail. The few refusals the matrix does not explain are the
README's documented extra rules (EXTRA_RULES). The command -> permission map is read from the
README too; every command it names has a recipe here, and every recipe is named there.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import MetaData, select, text

from complaintctl.domain.enums import Channel, ContactVia, Outcome, PauseReason
from complaintctl.services.complaints import assignment, decisions, handling, reviews
from complaintctl.services.clock import pauses
from complaintctl.services.admin import retention
from complaintctl.services.complaints import registration as svc
from complaintctl.services.complaints.registration import NewComplaint
from complaintctl.services.core.context import one_transaction
from conftest import Cli, actor, commands_keep_connections, seed
from permission_cases import (
    ASSIGNABLE,
    BRANCH_OF,
    BRANCHED,
    OBJECTS,
    OTHER,
    OWN,
    PLAYER,
    RECIPES,
    ROLES,
    SOMEONE_ELSE,
    Case,
    make_object,
)
from readme_matrix import command_permissions, permission_table

#: commands that check more than the README's table of commands says, as the README says
#: next to it: ``incident link`` needs read of each complaint it links (as ``--link`` does)
ALSO_NEEDS = {"incident link": ("read",)}
#: commands of the README's table not run here, each with the reason (none left)
NOT_COVERED: dict[str, str] = {
    "audit prove": "needs a complaint imported in a batch with a Merkle root; a clerk's refusal "
                   "(exit 4) and the auditor's proof are tested in test_import_merkle.py",
    "db harden": "PostgreSQL only (SQLite refuses it with exit 3 before asking a permission); "
                 "a clerk's refusal, exit 4 and audited, is tested on the server in "
                 "test_db_harden.py",
    "customer-copy": "refused (exit 3, CBIRC Art 22) until `verify-identity`, which is covered "
                     "here with the same permission (contact); the disclosure after it is "
                     "tested in test_art22_identity.py",
    "serve": "a server, not a one-shot command: its account's register permission is checked "
             "at start (test_web_skeleton.py) and each request's use case asks its own",
    "tui": "an interactive workspace (refused without a terminal): each key calls a command's "
           "use case, whose refusals test_tui_screens.py compares with the CLI's",
    "staff mfa reset": "needs a user enrolled with a TOTP secret first; the admin-only refusal "
                       "is tested in test_mfa.py",
}


def needs_of(command: str) -> tuple[str, ...]:
    return command_permissions()[command] + ALSO_NEEDS.get(command, ())


def typed(command: str, permission: str) -> str:
    """What a refusal of ``permission`` names: the command as typed (``import undo``), with its
    option when the option is what asks for the permission (``show --unmask``)."""
    base = command.split(" --")[0]
    return base if permission in needs_of(base) else command


ROLE_REFUSAL = "Permission denied: `{typed}` needs the role {needed}; {user} is a {role}."
BRANCH_REFUSAL = ("Permission denied: {number} belongs to branch {branch}; {user} works for branch "
                  "{own}. Ask a supervisor of that branch or an admin.")
ASSIGNED_REFUSAL = ("Permission denied: {number} is not assigned to {user}; a handler may run "
                    "`{typed}` only on their own complaints (a supervisor or admin may act on "
                    "any).")
#: refusals the matrix alone does not explain: the README's rules for these commands
REGISTER_ELSEWHERE = ("Permission denied: {user} registers complaints for branch {own}, not "
                      "{branch}.")
EXTRA_RULES = {
    # "Nobody approves an extension of a complaint assigned to them" (nor a compensation)
    ("approve", "assignee"): ("Permission denied: {user} is the assignee of {number}; nobody "
                              "approves their own compensation."),
    # "review decide needs `reopen` + head office" ... "who is not the assignee"
    ("review decide", "branch staff"): (
        "Permission denied: a review is decided by the parent organisation or head office (a "
        "supervisor without a branch, or an admin); {user} works for branch {own}."),
    ("review decide", "assignee"): ("Permission denied: {user} handled {number} and can't review "
                                    "it (recusal)."),
}


def expected_refusal(case: Case, needs: tuple[str, ...]) -> str | None:
    """The exact refusal for this case, from the README (None: allowed)."""
    table = permission_table()
    own = BRANCH_OF[case.user]
    words = dict(user=case.user, role=case.role, number=case.number, branch=case.branch, own=own)
    for permission in needs:
        scope = table[permission][case.role]
        if scope == "—":
            needed = " or ".join(r for r in ROLES if table[permission][r] != "—")
            return ROLE_REFUSAL.format(typed=typed(case.command, permission), needed=needed,
                                       **words)
        if scope == "all" or case.branch is None:
            continue
        if own is not None and own != case.branch:
            template = REGISTER_ELSEWHERE if case.command == "register" else BRANCH_REFUSAL
            return template.format(**words)
        if scope == "assigned" and not case.mine:
            return ASSIGNED_REFUSAL.format(typed=typed(case.command, permission), **words)
    if case.command == "review decide" and own is not None:
        return EXTRA_RULES["review decide", "branch staff"].format(**words)
    if case.command in ("approve", "review decide") and case.mine:
        return EXTRA_RULES[case.command, "assignee"].format(**words)
    return None


def all_cases() -> tuple[list[Case], int]:
    """Every role x command x branch x assignment; and how many combinations cannot exist
    (a clerk or auditor is never an assignee; a branch handler never of another branch's)."""
    cases, impossible = [], 0
    for command, recipe in RECIPES.items():
        for role in ROLES:
            if recipe.state is None or recipe.state in OBJECTS - BRANCHED:
                cases.append(Case(role, command))
                continue
            for branch in (OWN, OTHER):
                if recipe.state == "register" or recipe.state in BRANCHED:
                    cases.append(Case(role, command, branch))
                    continue
                for mine in (True, False):
                    user = PLAYER[role]
                    if mine and (user not in ASSIGNABLE or BRANCH_OF[user] not in (None, branch)):
                        impossible += 1
                        continue
                    cases.append(Case(role, command, branch, mine))
    return cases, impossible


# --- the seeded database -------------------------------------------------------------------------

STEPS = ["registered", "assigned", "investigating", "consulted", "paused", "resolved", "decided",
         "closed", "under_review", "held"]


def build(s, state: str, branch: str, assignee: str | None) -> tuple[str, dict]:
    """A complaint of ``branch`` taken by the real services to ``state``."""
    admin = actor("admin")
    kw = dict(session=s, actor=admin)
    c = svc.register(**kw, new=NewComplaint(channel=Channel.phone, customer="张伟",
                                            summary="信用卡年费重复扣收", branch=branch))
    n, extra = c.number, {}
    if state == "registered":
        return n, extra
    handling.assign(**kw, number=n, to=assignee)
    if state == "assigned":
        return n, extra
    handling.investigate(**kw, number=n)
    if state == "consulted":
        extra["consultation"] = str(handling.consult(**kw, number=n, department="card_ops",
                                                question="扣了两次吗？").seq)
    elif state == "paused":
        pauses.pause(**kw, number=n, reason=PauseReason.appraisal,
                    customer_notified_via=ContactVia.phone)
    elif state in ("resolved", "decided", "closed", "under_review", "held"):
        told = state != "decided"  # decided: the notice not yet given (notify-decision)
        decisions.resolve(
            reasons="核实结果", basis="合同条款", proof="CALL-1" if told else None,
            **kw, number=n, outcome=Outcome.not_upheld, findings="已解释", remedies=[],
                    notified_via=ContactVia.phone if told else None)
        if state not in ("resolved", "decided"):
            decisions.close(**kw, number=n, satisfaction=4)
        if state == "held":
            retention.hold(**kw, number=n, reason="诉讼")
        if state == "under_review":
            reviews.review_request(**kw, number=n)
    return n, extra


@pytest.fixture(scope="module")
def world(database_factory, tmp_path_factory):
    from complaintctl.domain.enums import Role
    from complaintctl.services.admin import staff

    tmp = tmp_path_factory.mktemp("permissions")
    db = seed(database_factory("permissions"))
    evidence = tmp / "statement.pdf"
    evidence.write_bytes(b"%PDF statement")
    toml = tmp / "rules.toml"
    toml.write_text("[sla]\nescalate_after_days = 3\n", encoding="utf-8")
    cases, impossible = all_cases()
    shared: dict[tuple, tuple[str, dict]] = {}
    with db.session(write=True) as s, one_transaction(s):
        staff.add(session=s, actor=actor("admin"), username="spare", name="备用",
                  role=Role.supervisor, branch=OWN)
        assignment.add_conflict(session=s, actor=actor("admin"), username="spare",
                                kind="branch", value="ZZ98")
        for i, case in enumerate(cases):
            recipe = RECIPES[case.command]
            if recipe.state in STEPS:
                key = (recipe.state, case.branch, case.assignee)
                case.number = "?"  # the refusal text needs the number; filled in below
                refused = expected_refusal(case, needs_of(case.command))
                if recipe.fresh and refused is None:
                    case.number, case.extra = build(s, *key)
                else:
                    if key not in shared:
                        shared[key] = build(s, *key)
                    case.number, case.extra = shared[key]
                case.extra = dict(case.extra, file=str(evidence))
                if case.command == "merge":
                    into = ("registered", case.branch, None)
                    if into not in shared:
                        shared[into] = build(s, *into)
                    case.extra["into"] = shared[into][0]
                if case.command == "assign":
                    others = [h for h in (SOMEONE_ELSE[case.branch], "h1", "sup2")
                              if h != case.assignee and BRANCH_OF[h] == case.branch]
                    case.extra["to"] = others[0]
    cli = Cli(db)
    with commands_keep_connections(db):
        # what the commands on no complaint read: a plan, a code table, organisations to move
        plan, codes = tmp / "plan.toml", tmp / "codes.toml"
        for argv in (["plan", "init", str(plan)], ["rootcause", "export-codes", str(codes)],
                     ["org", "add", "ZP1", "--name", "甲"], ["org", "add", "ZP2", "--name", "乙"],
                     ["org", "add", "ZC", "--name", "丙", "--parent", "ZP1"]):
            assert cli(*argv).exit_code == 0, argv
        # the world's complaints (no product) share a branch: clustered by product only, they
        # fire no detection, which would link the complaints made below to an incident of its
        # own (and then `incident link` and `import undo` rightly refuse them)
        default = plan.read_text(encoding="utf-8")
        assert default.count('cluster_by = ["product", "issue", "branch"]') == 1
        plan.write_text(default.replace('cluster_by = ["product", "issue", "branch"]',
                                        'cluster_by = ["product"]'), encoding="utf-8")
        assert cli("plan", "load", str(plan)).exit_code == 0
        for i, case in enumerate(cases):
            recipe = RECIPES[case.command]
            if recipe.state in OBJECTS:
                key = (recipe.state, case.branch)
                case.number = "?"
                refused = expected_refusal(case, needs_of(case.command))
                if recipe.fresh and refused is None:
                    case.number, case.extra = make_object(cli, *key, tmp, i)
                else:
                    if key not in shared:
                        shared[key] = make_object(cli, *key, tmp, i)
                    case.number, case.extra = shared[key]
            elif recipe.state not in STEPS:
                case.extra = {"dest": str(tmp / f"backup-{i}.db"), "toml": str(toml),
                              "plan": str(plan), "codes": str(codes)}
                if recipe.files is not None:
                    case.extra |= recipe.files(tmp, i)
            case.extra = dict(case.extra, i=i)
            case.extra["expected"] = expected_refusal(case, needs_of(case.command))
        yield cli, cases, impossible


def dump_rows(db) -> dict[str, list]:
    """Every row of every table but the audit trail's (events and the chain head)."""
    meta = MetaData()
    meta.reflect(db.engine)
    with db.engine.connect() as conn:
        return {t.name: sorted(map(tuple, conn.execute(select(t)).all()), key=repr)
                for t in meta.sorted_tables if t.name not in ("event", "audit_head")}


def last_seq(db) -> int:
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT COALESCE(MAX(seq), 0) FROM event")).scalar_one()


def events_after(db, seq: int) -> list[tuple]:
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT kind, actor, details FROM event WHERE seq > :s "
                                 "ORDER BY seq"), {"s": seq}).all()
    return [(kind, who, json.loads(details).get("reason"), json.loads(details).get("exit_code"))
            for kind, who, details in rows]


# --- the tests -----------------------------------------------------------------------------------


def test_the_readme_names_a_permission_for_exactly_the_commands_tested_here():
    needs = command_permissions()
    assert set(needs) == set(RECIPES) | set(NOT_COVERED)
    assert not set(RECIPES) & set(NOT_COVERED)
    assert all(NOT_COVERED.values()), "each command not covered needs its reason"


def test_the_readme_matrix_is_the_one_the_code_enforces():
    from complaintctl.domain.permissions import MATRIX

    assert {p.value: {r.value: s.value for r, s in roles.items()} for p, roles in MATRIX.items()} \
        == {p: {r: s for r, s in roles.items() if s != "—"}
            for p, roles in permission_table().items()}


def test_every_role_command_branch_and_assignment_is_allowed_or_refused_as_the_readme_says(world):
    cli, cases, impossible = world
    db = cli.database
    refused = [c for c in cases if c.extra["expected"]]
    allowed = [c for c in cases if not c.extra["expected"]]
    failures: list[str] = []
    before = dump_rows(db)
    for case in refused:
        seq = last_seq(db)
        run = cli(*RECIPES[case.command].argv(case), as_=case.user)
        want = case.extra["expected"]
        if (run.exit_code, run.stderr, run.stdout) != (4, f"Error: {want}\n", ""):
            failures.append(f"{case.label()}: exit {run.exit_code} {run.stderr!r}, want {want!r}")
        events = events_after(db, seq)
        if events != [("refusal", case.user, want, 4)]:
            failures.append(f"{case.label()}: audit trail gained {events}")
    unchanged = dump_rows(db) == before
    for case in allowed:
        run = cli(*RECIPES[case.command].argv(case), as_=case.user)
        if run.exit_code != 0:
            failures.append(f"{case.label()}: allowed but exit {run.exit_code} {run.stderr!r}")
    print(f"\npermission cases: {len(cases)} through the CLI ({len(allowed)} allowed, "
          f"{len(refused)} refused; {len(RECIPES)} commands x {len(ROLES)} roles x own/other "
          f"branch x own/other assignment; {impossible} combinations cannot exist); "
          f"failures: {len(failures)}")
    assert unchanged, "a refused command changed the database"
    assert not failures, "\n".join(failures[:40])


# --- a role refusal names the command as typed ---------------------------------------------------

#: options that ask for a permission of their own with no recipe of their own in RECIPES (the
#: README: "`incident report --issue` needs incident"): (recipe, its extra arguments, permission)
ALSO_TYPED = {"incident report --issue": ("incident report", ["--issue", "first"], "incident")}


def role_refusals() -> list[tuple[str, str, str]]:
    """(the command as typed, the first role that may not run it at all, the permission that
    role lacks) for every command some role is refused by the matrix alone."""
    table = permission_table()
    found = []
    for command in RECIPES:
        for role in ROLES:
            lacking = [p for p in needs_of(command) if table[p][role] == "—"]
            if lacking:
                found.append((command, role, lacking[0]))
                break
    for command, (_recipe, _extra, permission) in ALSO_TYPED.items():
        found.append((command, next(r for r in ROLES if table[permission][r] == "—"), permission))
    return found


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("command, role, permission", role_refusals())
def test_a_role_refusal_names_the_command_as_typed_not_the_permission(world, command, role,
                                                                      permission, lang):
    from complaintctl.i18n import set_language

    cli, cases, _impossible = world
    recipe, extra = ALSO_TYPED[command][:2] if command in ALSO_TYPED else (command, [])
    case = next(c for c in cases if c.command == recipe and c.role == role)
    argv = RECIPES[recipe].argv(case) + extra
    name = typed(command, permission)
    # the name is what was typed: its command words lead the arguments, its option is among them
    words = name.split()
    base = [w for w in words if not w.startswith("--")]
    assert argv[:len(base)] == base and set(words) - set(base) <= set(argv)
    try:
        run = cli("--lang", lang, *argv, as_=case.user)
    finally:
        set_language("en")  # the module's other tests expect English
    assert (run.exit_code, run.stdout) == (4, "")
    if lang == "en":
        needed = " or ".join(r for r in ROLES if permission_table()[permission][r] != "—")
        assert run.stderr == (f"Error: Permission denied: `{name}` needs the role {needed}; "
                              f"{case.user} is a {role}.\n")
    else:
        assert run.stderr.startswith(f"错误：权限不足：`{name}` 需要")
        assert f"角色；{case.user} 的角色是" in run.stderr and run.stderr.endswith("。\n")
