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
from dataclasses import dataclass, field
from typing import Callable

import pytest
from sqlalchemy import MetaData, select, text

from complaintctl.domain.enums import Channel, ContactVia, Outcome, PauseReason
from complaintctl.services import assignment, clock
from complaintctl.services import complaints as svc
from complaintctl.services.complaints import NewComplaint
from complaintctl.services.context import one_transaction

from conftest import STAFF, Cli, actor, seed
from readme_matrix import command_permissions, permission_table

ROLES = ["clerk", "handler", "supervisor", "auditor", "admin"]
#: who plays each role (conftest's seeded staff): BJ01 staff, and head office for the others
PLAYER = {"clerk": "clerk", "handler": "h1", "supervisor": "sup", "auditor": "aud",
          "admin": "admin"}
BRANCH_OF = {name: branch for name, _n, _r, branch in STAFF} | {"admin": None}
OWN, OTHER = "BJ01", "SH01"
#: a handler of each branch other than the players, for "assigned to someone else"
SOMEONE_ELSE = {OWN: "h2", OTHER: "h3"}
ASSIGNABLE = {"h1", "sup", "admin"}  # assign takes handlers, supervisors and admins


@dataclass
class Recipe:
    """How to run one command: the state its complaint must be in (None: no complaint), the
    arguments, and whether an allowed run changes the complaint (then it gets one of its own)."""

    state: str | None
    argv: Callable[[Case], list[str]]
    fresh: bool = False


@dataclass
class Case:
    role: str
    command: str
    branch: str | None = None  # the complaint's branch (register: the --branch asked for)
    mine: bool | None = None  # assigned to the actor (True) or to someone else (False)
    number: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def user(self) -> str:
        return PLAYER[self.role]

    @property
    def assignee(self) -> str | None:
        if self.mine is None:
            return None
        return self.user if self.mine else SOMEONE_ELSE[self.branch]

    def label(self) -> str:
        where = "" if self.branch is None else f" {'own' if self.branch == OWN else 'other'} branch"
        whose = "" if self.mine is None else (", mine" if self.mine else ", someone else's")
        return f"{self.role} {self.command}{where}{whose}"


def _n(c: Case) -> list[str]:
    return [c.number]


RECIPES: dict[str, Recipe] = {
    "show": Recipe("investigating", lambda c: ["show", c.number, "--format", "json"]),
    "show --unmask": Recipe("investigating",
                            lambda c: ["show", c.number, "--unmask", "--format", "json"]),
    "list": Recipe(None, lambda c: ["list", "--format", "json"]),
    "list --unmask": Recipe(None, lambda c: ["list", "--unmask", "--format", "json"]),
    "evidence list": Recipe("investigating", lambda c: ["evidence", "list", c.number]),
    "staff list": Recipe(None, lambda c: ["staff", "list"]),
    "config show": Recipe(None, lambda c: ["config", "show"]),
    "due": Recipe("investigating", lambda c: ["due", c.number]),
    "urgency": Recipe("investigating", lambda c: ["urgency", c.number]),
    "register": Recipe("register", lambda c: [
        "register", "--channel", "phone", "--customer", "张伟", "--summary", "年费",
        "--branch", c.branch]),
    "contact": Recipe("assigned", lambda c: ["contact", c.number, "--via", "phone",
                                             "--summary", "已受理"]),
    "note": Recipe("assigned", lambda c: ["note", c.number, "已调取流水"]),
    "review request": Recipe("closed", lambda c: ["review", "request", c.number], fresh=True),
    "assign": Recipe("assigned", lambda c: ["assign", c.number, "--to", c.extra["to"]],
                     fresh=True),
    "approve": Recipe("investigating", lambda c: ["approve", c.number, "--compensation", "5000"],
                      fresh=True),
    "sla check": Recipe(None, lambda c: ["sla", "check"]),
    "investigate": Recipe("assigned", lambda c: ["investigate", c.number], fresh=True),
    "pause": Recipe("investigating", lambda c: ["pause", c.number, "--reason", "appraisal",
                                                "--customer-notified-via", "phone"], fresh=True),
    "resume": Recipe("paused", lambda c: ["resume", c.number], fresh=True),
    "extend": Recipe("investigating", lambda c: ["extend", c.number, "--level", "1",
                                                 "--reason", "需要卡组织记录"], fresh=True),
    "consult": Recipe("investigating", lambda c: ["consult", c.number, "--department", "card_ops",
                                                  "--question", "扣了两次吗？"]),
    "answer": Recipe("consulted", lambda c: ["answer", c.number, c.extra["consultation"], "是"],
                     fresh=True),
    "evidence add": Recipe("investigating", lambda c: ["evidence", "add", c.number,
                                                       c.extra["file"]]),
    "resolve": Recipe("investigating", lambda c: [
        "resolve", c.number, "--outcome", "not_upheld", "--findings", "已解释",
        "--notified-via", "phone"], fresh=True),
    "request-approval": Recipe("investigating", lambda c: [
        "request-approval", c.number, "--compensation", "5000", "--reason", "利息损失"],
        fresh=True),
    "close": Recipe("resolved", lambda c: ["close", c.number, "--satisfaction", "4"], fresh=True),
    "reopen": Recipe("resolved", lambda c: ["reopen", c.number, "--reason", "新事实"], fresh=True),
    "review decide": Recipe("under_review", lambda c: [
        "review", "decide", c.number, "--result", "upheld", "--findings", "维持"], fresh=True),
    "withdraw": Recipe("assigned", lambda c: ["withdraw", c.number, "--reason", "客户撤回"],
                       fresh=True),
    "merge": Recipe("assigned", lambda c: ["merge", c.number, "--into", c.extra["into"]],
                    fresh=True),
    "archive": Recipe("closed", lambda c: ["archive", c.number], fresh=True),
    "audit verify": Recipe(None, lambda c: ["audit", "verify"]),
    "audit log": Recipe(None, lambda c: ["audit", "log", "--limit", "5"]),
    "db check": Recipe(None, lambda c: ["db", "check"]),
    "notify list": Recipe(None, lambda c: ["notify", "list", "--limit", "3"]),
    "staff add": Recipe(None, lambda c: ["staff", "add", "newclerk", "--name", "新人",
                                         "--role", "clerk", "--branch", OWN]),
    "staff deactivate": Recipe(None, lambda c: ["staff", "deactivate", "spare"]),
    "staff activate": Recipe(None, lambda c: ["staff", "activate", "spare"]),
    "staff senior": Recipe(None, lambda c: ["staff", "senior", "spare"]),
    "staff conflict add": Recipe(None, lambda c: ["staff", "conflict", "add", "spare", "--kind",
                                                  "branch", "--value", "ZZ99"]),
    "staff conflict list": Recipe(None, lambda c: ["staff", "conflict", "list"]),
    "staff conflict remove": Recipe(None, lambda c: ["staff", "conflict", "remove", "1"]),
    "db backup": Recipe(None, lambda c: ["db", "backup", c.extra["dest"]]),
    "db upgrade": Recipe(None, lambda c: ["db", "upgrade"]),
    "config set": Recipe(None, lambda c: ["config", "set", "sla.escalate_after_days", "3"]),
    "config load": Recipe(None, lambda c: ["config", "load", c.extra["toml"]]),
    "notify send": Recipe(None, lambda c: ["notify", "send", "--limit", "1"]),
    "export": Recipe(None, lambda c: ["export", "--format", "csv"]),
    "export --unmask": Recipe(None, lambda c: ["export", "--format", "csv", "--unmask"]),
    "report": Recipe(None, lambda c: ["report", "summary", "--format", "json"]),
    "monitor": Recipe(None, lambda c: ["monitor", "--format", "json"]),
    "org list": Recipe(None, lambda c: ["org", "list"]),
    "plan show": Recipe(None, lambda c: ["plan", "show"]),
    "plan history": Recipe(None, lambda c: ["plan", "history"]),
    "incident list": Recipe(None, lambda c: ["incident", "list"]),
    "incident detect": Recipe(None, lambda c: ["incident", "detect"]),
    "incident declare": Recipe(None, lambda c: ["incident", "declare", "--level", "IV",
                                                "--title", "年费批量重复扣收"]),
    "drill list": Recipe(None, lambda c: ["drill", "list"]),
    "rectify list": Recipe(None, lambda c: ["rectify", "list"]),
    "import list": Recipe(None, lambda c: ["import", "list"]),
    "rootcause set": Recipe("closed", lambda c: ["rootcause", "set", c.number, "--cause", "C03"],
                            fresh=True),
    "audit anchor": Recipe(None, lambda c: ["audit", "anchor"]),
    "hold": Recipe("closed", lambda c: ["hold", c.number, "--reason", "诉讼"], fresh=True),
    "purge": Recipe(None, lambda c: ["purge", "--dry-run"]),
}
#: commands the README's table names that need an incident, a drill, a rectification action,
#: an import batch, a mailbox or a second database first: not covered here yet
NOT_COVERED = {
    "db migrate-to", "drill close", "drill report", "drill run", "import file", "import undo",
    "incident checklist", "incident close", "incident deescalate", "incident done",
    "incident escalate", "incident link", "incident overdue", "incident report", "incident show",
    "incident update", "intake json", "intake mail", "org add", "org move", "plan load",
    "rectify link", "rectify open", "rectify show", "rectify update", "rootcause load-codes",
    "release",  # needs a complaint under a legal hold (tests/test_retention.py covers it)
}

ROLE_REFUSAL = "Permission denied: {permission} needs the role {needed}; {user} is a {role}."
BRANCH_REFUSAL = ("Permission denied: {number} belongs to branch {branch}; {user} works for branch "
                  "{own}. Ask a supervisor of that branch or an admin.")
ASSIGNED_REFUSAL = ("Permission denied: {number} is not assigned to {user}; a handler may "
                    "{permission} only their own complaints (a supervisor or admin may act on "
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
            return ROLE_REFUSAL.format(permission=permission, needed=needed, **words)
        if scope == "all" or case.branch is None:
            continue
        if own is not None and own != case.branch:
            template = REGISTER_ELSEWHERE if case.command == "register" else BRANCH_REFUSAL
            return template.format(**words)
        if scope == "assigned" and not case.mine:
            return ASSIGNED_REFUSAL.format(permission=permission, **words)
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
            if recipe.state is None:
                cases.append(Case(role, command))
                continue
            for branch in (OWN, OTHER):
                if recipe.state == "register":
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

STEPS = ["registered", "assigned", "investigating", "consulted", "paused", "resolved", "closed",
         "under_review"]


def build(s, state: str, branch: str, assignee: str | None) -> tuple[str, dict]:
    """A complaint of ``branch`` taken by the real services to ``state``."""
    admin = actor("admin")
    kw = dict(session=s, actor=admin)
    c = svc.register(**kw, new=NewComplaint(channel=Channel.phone, customer="张伟",
                                            summary="信用卡年费重复扣收", branch=branch))
    n, extra = c.number, {}
    if state == "registered":
        return n, extra
    svc.assign(**kw, number=n, to=assignee)
    if state == "assigned":
        return n, extra
    svc.investigate(**kw, number=n)
    if state == "consulted":
        extra["consultation"] = str(svc.consult(**kw, number=n, department="card_ops",
                                                question="扣了两次吗？").id)
    elif state == "paused":
        clock.pause(**kw, number=n, reason=PauseReason.appraisal,
                    customer_notified_via=ContactVia.phone)
    elif state in ("resolved", "closed", "under_review"):
        svc.resolve(**kw, number=n, outcome=Outcome.not_upheld, findings="已解释", remedies=[],
                    notified_via=ContactVia.phone)
        if state != "resolved":
            svc.close(**kw, number=n, satisfaction=4)
        if state == "under_review":
            clock.review_request(**kw, number=n)
    return n, extra


@pytest.fixture(scope="module")
def world(database_factory, tmp_path_factory):
    from complaintctl.domain.enums import Role
    from complaintctl.services import staff

    tmp = tmp_path_factory.mktemp("permissions")
    db = seed(database_factory("permissions"))
    evidence = tmp / "statement.pdf"
    evidence.write_bytes(b"%PDF statement")
    toml = tmp / "rules.toml"
    toml.write_text("[sla]\nescalate_after_days = 3\n", encoding="utf-8")
    cases, impossible = all_cases()
    needs = command_permissions()
    shared: dict[tuple, tuple[str, dict]] = {}
    with db.session(write=True) as s, one_transaction(s):
        staff.add(session=s, actor=actor("admin"), username="spare", name="备用",
                  role=Role.supervisor, branch=OWN)
        assignment.add_conflict(session=s, actor=actor("admin"), username="spare",
                                kind="branch", value="ZZ98")
        for i, case in enumerate(cases):
            recipe = RECIPES[case.command]
            if recipe.state not in STEPS:
                case.extra = {"dest": str(tmp / f"backup-{i}.db"), "toml": str(toml)}
            else:
                key = (recipe.state, case.branch, case.assignee)
                case.number = "?"  # the refusal text needs the number; filled in below
                refused = expected_refusal(case, needs[case.command])
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
            case.extra["expected"] = expected_refusal(case, needs[case.command])
    yield Cli(db), cases, impossible
    db.engine.dispose()


def _dump(db) -> dict[str, list]:
    """Every row of every table but the audit trail's (events and the chain head)."""
    meta = MetaData()
    meta.reflect(db.engine)
    with db.engine.connect() as conn:
        return {t.name: sorted(map(tuple, conn.execute(select(t)).all()), key=repr)
                for t in meta.sorted_tables if t.name not in ("event", "audit_head")}


def _last_seq(db) -> int:
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT COALESCE(MAX(seq), 0) FROM event")).scalar_one()


def _events_after(db, seq: int) -> list[tuple]:
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT kind, actor, details FROM event WHERE seq > :s "
                                 "ORDER BY seq"), {"s": seq}).all()
    return [(kind, who, json.loads(details).get("reason"), json.loads(details).get("exit_code"))
            for kind, who, details in rows]


# --- the tests -----------------------------------------------------------------------------------


def test_the_readme_names_a_permission_for_exactly_the_commands_tested_here():
    needs = command_permissions()
    assert set(needs) == set(RECIPES) | NOT_COVERED
    assert not set(RECIPES) & NOT_COVERED


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
    before = _dump(db)
    for case in refused:
        seq = _last_seq(db)
        run = cli(*RECIPES[case.command].argv(case), as_=case.user)
        want = case.extra["expected"]
        if (run.exit_code, run.stderr, run.stdout) != (4, f"Error: {want}\n", ""):
            failures.append(f"{case.label()}: exit {run.exit_code} {run.stderr!r}, want {want!r}")
        events = _events_after(db, seq)
        if events != [("refusal", case.user, want, 4)]:
            failures.append(f"{case.label()}: audit trail gained {events}")
    unchanged = _dump(db) == before
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
