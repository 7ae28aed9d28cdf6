"""Branches under parent organisations: the pure tree, the permission rule, the org commands,
and a parent's supervisors working on its branches' complaints."""

from __future__ import annotations

import json

import pytest

from complaintctl.domain import organisations as tree
from complaintctl.domain.enums import Role
from complaintctl.domain.permissions import (
    Permission,
    check,
    visible_branches,
    works_for,
)
from complaintctl.errors import PermissionDenied

#   HQ
#   ├── BJ ── BJ01, BJ02
#   └── SH ── SH01 ── SH01A
PARENTS = {"HQ": None, "BJ": "HQ", "SH": "HQ", "BJ01": "BJ", "BJ02": "BJ", "SH01": "SH",
           "SH01A": "SH01"}


# --- the pure tree -------------------------------------------------------------------------------


def test_descendants_are_every_branch_below_not_the_organisation_itself():
    assert tree.descendants(PARENTS, "HQ") == {"BJ", "SH", "BJ01", "BJ02", "SH01", "SH01A"}
    assert tree.descendants(PARENTS, "SH") == {"SH01", "SH01A"}
    assert tree.descendants(PARENTS, "BJ01") == frozenset()
    assert tree.descendants(PARENTS, "XX") == frozenset()  # not in the tree
    assert tree.descendants(PARENTS, None) == frozenset()


def test_ancestors_run_nearest_first_and_the_level_counts_them():
    assert tree.ancestors(PARENTS, "SH01A") == ["SH01", "SH", "HQ"]
    assert tree.ancestors(PARENTS, "HQ") == []
    assert [tree.level(PARENTS, c) for c in ("HQ", "BJ", "BJ01", "SH01A")] == [0, 1, 2, 3]


def test_a_branch_rolls_up_to_its_ancestor_at_a_level_or_stays_itself_above_it():
    assert tree.at_level(PARENTS, "SH01A", 0) == "HQ"
    assert tree.at_level(PARENTS, "SH01A", 1) == "SH"
    assert tree.at_level(PARENTS, "SH01A", 2) == "SH01"
    assert tree.at_level(PARENTS, "BJ", 2) == "BJ"


def test_an_organisation_cannot_go_under_itself_or_one_of_its_branches():
    assert tree.would_cycle(PARENTS, "SH", "SH")
    assert tree.would_cycle(PARENTS, "SH", "SH01A")
    assert not tree.would_cycle(PARENTS, "SH01", "BJ")
    assert not tree.would_cycle(PARENTS, "SH01", None)


def test_ancestors_stop_at_a_cycle_instead_of_looping():
    assert tree.ancestors({"A": "B", "B": "A"}, "A") == ["B"]


# --- the permission rule (pure) -----------------------------------------------------------------

BELOW_BJ = tree.descendants(PARENTS, "BJ")


def test_a_supervisor_of_a_parent_acts_on_its_branches_complaints():
    check(Permission.withdraw, role=Role.supervisor, username="bjsup", staff_branch="BJ",
          complaint_branch="BJ01", branches_below=BELOW_BJ)
    check(Permission.read, role=Role.supervisor, username="bjsup", staff_branch="BJ",
          complaint_branch="BJ02", branches_below=BELOW_BJ)


def test_a_supervisor_of_a_parent_does_not_reach_another_parents_branches():
    with pytest.raises(PermissionDenied, match="CMP-1 belongs to branch SH01; bjsup works for "
                                               "branch BJ"):
        check(Permission.withdraw, role=Role.supervisor, username="bjsup", staff_branch="BJ",
              complaint_branch="SH01", branches_below=BELOW_BJ, target="CMP-1")


@pytest.mark.parametrize("role", [Role.clerk, Role.handler])
def test_clerks_and_handlers_of_a_parent_keep_to_their_own_branch(role):
    with pytest.raises(PermissionDenied, match="belongs to branch BJ01"):
        check(Permission.read, role=role, username="u", staff_branch="BJ",
              complaint_branch="BJ01", branches_below=BELOW_BJ)
    assert not works_for(role, "BJ", "BJ01", BELOW_BJ)


def test_the_visible_branches_are_the_own_and_for_supervisors_those_below():
    assert visible_branches(Role.supervisor, "BJ", BELOW_BJ) == {"BJ", "BJ01", "BJ02"}
    assert visible_branches(Role.clerk, "BJ", BELOW_BJ) == {"BJ"}
    assert visible_branches(Role.supervisor, None, BELOW_BJ) is None  # head office
    assert visible_branches(Role.auditor, "BJ", BELOW_BJ) is None


# --- the org commands ---------------------------------------------------------------------------


def _tree(cli):
    for args in (("HQ", "--name", "总行"), ("BJ", "--name", "北京分行", "--parent", "HQ"),
                 ("BJ01", "--name", "朝阳支行", "--parent", "BJ"),
                 ("SH", "--name", "上海分行", "--parent", "HQ"),
                 ("SH01", "--name", "浦东支行", "--parent", "SH")):
        run = cli("org", "add", *args)
        assert run.exit_code == 0, run.stderr


def test_org_add_and_list_show_the_tree_with_levels_and_counts(cli):
    _tree(cli)
    run = cli("org", "list", "--format", "json", as_="clerk")
    assert run.exit_code == 0, run.stderr
    rows = json.loads(run.stdout)
    assert [(r["code"], r["parent"], r["level"], r["branches_below"], r["staff"]) for r in rows] == [
        ("HQ", None, 0, 4, 0), ("BJ", "HQ", 1, 1, 0), ("BJ01", "BJ", 2, 0, 4),
        ("SH", "HQ", 1, 1, 0), ("SH01", "SH", 2, 0, 2)]
    assert rows[2] == {"code": "BJ01", "name": "朝阳支行", "parent": "BJ", "level": 2,
                       "path": ["HQ", "BJ", "BJ01"], "branches_below": 0, "staff": 4}
    table = cli("org", "list")
    assert "    BJ01" in table.stdout and "朝阳支行" in table.stdout
    log = json.loads(cli("audit", "log", "--limit", "1", "--format", "json").stdout)[0]
    assert (log["kind"], log["action"], log["details"]) == (
        "admin", "org add", {"org": "SH01", "name": "浦东支行", "parent": "SH"})


def test_org_add_refusals_say_what_to_do(cli):
    _tree(cli)
    run = cli("org", "add", "GZ01", "--name", "广州", "--parent", "GZ")
    assert (run.exit_code, run.stderr) == (
        1, "Error: No organisation GZ; add it first with `complaintctl org add GZ --name NAME`.\n")
    run = cli("org", "add", "BJ01", "--name", "again", "--parent", "BJ")
    assert (run.exit_code, run.stderr) == (
        2, "Error: Organisation BJ01 already exists; move it with `complaintctl org move`.\n")
    run = cli("org", "add", "B J", "--name", "x")
    assert run.exit_code == 5 and "'B J' is not an organisation code" in run.stderr
    run = cli("org", "add", "GZ", "--name", "  ")
    assert run.exit_code == 5 and "--name" in run.stderr


def _codes(cli) -> dict[str, str | None]:
    return {r["code"]: r["parent"]
            for r in json.loads(cli("org", "list", "--format", "json").stdout)}


def _org_events(cli) -> list[dict]:
    events = json.loads(cli("audit", "log", "--format", "json").stdout)
    return [e["details"] for e in events if e["action"] in ("org add", "org move")]


SECOND_SPELLING = ("Error: Organisation 'BJ01' already exists (codes differ only in case); use "
                   "it or choose another code.\n")
SECOND_SPELLING_ZH = "错误：机构 'BJ01' 已存在（代码仅大小写不同）；请使用该机构或另选代码。\n"


def test_org_add_refuses_a_code_that_differs_only_in_case_from_an_organisation(cli):
    _tree(cli)
    before = (_codes(cli), _org_events(cli))
    run = cli("--lang", "en", "org", "add", "bj01", "--name", "X")
    assert (run.exit_code, run.stdout, run.stderr) == (5, "", SECOND_SPELLING)
    run = cli("--lang", "zh", "org", "add", " Bj01 ", "--name", "X", "--parent", "SH")
    assert (run.exit_code, run.stdout, run.stderr) == (5, "", SECOND_SPELLING_ZH)
    assert (_codes(cli), _org_events(cli)) == before  # nothing stored, nothing on the trail


def test_org_add_refuses_a_second_spelling_of_a_branch_in_use_outside_the_tree(cli):
    """SH01 is on staff (the seeded h3, sup2) but not in the tree: adding it puts it there,
    adding sh01 would open a second spelling of it."""
    run = cli("--lang", "en", "org", "add", "sh01", "--name", "浦东支行")
    assert (run.exit_code, run.stdout, run.stderr) == (
        5, "", ("Error: Branch 'SH01' is already in use (codes differ only in case); add it as "
                "SH01 or choose another code.\n"))
    run = cli("--lang", "zh", "org", "add", "sh01", "--name", "浦东支行")
    assert (run.exit_code, run.stderr) == (
        5, "错误：网点 'SH01' 已在使用（代码仅大小写不同）；请按 SH01 添加，或另选代码。\n")
    assert _codes(cli) == {}
    run = cli("--lang", "en", "org", "add", "SH01", "--name", "浦东支行")
    assert (run.exit_code, run.stderr) == (0, "Added SH01 at the top level.\n")
    assert _codes(cli) == {"SH01": None}


def test_org_add_strips_the_code_and_matches_parents_and_moves_in_any_case(cli):
    _tree(cli)
    run = cli("--lang", "en", "org", "add", "  GZ  ", "--name", "广州分行", "--parent", " hq ")
    assert (run.exit_code, run.stderr) == (0, "Added GZ under HQ.\n")
    run = cli("--lang", "en", "org", "move", " sh01 ", "--parent", "gz")
    assert (run.exit_code, run.stderr) == (0, "SH01 is now under GZ.\n")
    codes = _codes(cli)
    assert (codes["GZ"], codes["SH01"]) == ("HQ", "GZ")
    assert _org_events(cli)[-2:] == [{"org": "GZ", "name": "广州分行", "parent": "HQ"},
                                     {"org": "SH01", "parent": ["SH", "GZ"]}]
    # an unknown code stays the error it was, named as typed (spaces dropped)
    run = cli("--lang", "en", "org", "move", "SH01", "--parent", " sz ")
    assert (run.exit_code, run.stderr) == (
        1, "Error: No organisation sz; add it first with `complaintctl org add sz --name NAME`.\n")
    run = cli("--lang", "en", "org", "move", " xx ", "--top")
    assert (run.exit_code, run.stderr) == (
        1, "Error: No organisation xx; see `complaintctl org list`.\n")
    assert _codes(cli) == codes
    # a blank parent is named as blank, not as an organisation called ""
    for args in (("org", "add", "X2", "--name", "x", "--parent", " "),
                 ("org", "move", "SH01", "--parent", "")):
        run = cli("--lang", "en", *args)
        assert (run.exit_code, run.stderr) == (5, (
            "Error: --parent is blank; give the code of the organisation it reports to (see "
            "`complaintctl org list`).\n"))
        run = cli("--lang", "zh", *args)
        assert (run.exit_code, run.stderr) == (5, (
            "错误：--parent 为空；请给出它所隶属机构的代码（见 `complaintctl org list`）。\n"))
    assert _codes(cli) == codes
    run = cli("--lang", "zh", "org", "move", "SH01", "--top")
    assert (run.exit_code, run.stderr) == (0, "SH01 现为顶级机构。\n")
    run = cli("--lang", "zh", "org", "add", "SZ", "--name", "深圳分行")
    assert (run.exit_code, run.stderr) == (0, "已添加顶级机构 SZ。\n")


def test_only_admins_manage_the_tree_and_a_refusal_is_audited(cli):
    run = cli("org", "add", "HQ", "--name", "总行", as_="sup")
    assert run.exit_code == 4
    assert run.stderr == ("Error: Permission denied: `org add` needs the role admin; sup is a "
                          "supervisor.\n")
    last = json.loads(cli("audit", "log", "--limit", "1", "--format", "json").stdout)[0]
    assert (last["kind"], last["action"], last["actor"]) == ("refusal", "org add", "sup")
    assert json.loads(cli("org", "list", "--format", "json").stdout) == []


def test_org_move_reparents_and_refuses_a_cycle(cli):
    _tree(cli)
    run = cli("org", "move", "SH01", "--parent", "BJ")
    assert (run.exit_code, run.stderr) == (0, "SH01 is now under BJ.\n")
    run = cli("org", "move", "HQ", "--parent", "BJ01")
    assert (run.exit_code, run.stderr) == (
        5, "Error: HQ cannot go under BJ01: BJ01 is HQ or one of its branches.\n")
    run = cli("org", "move", "SH", "--top")
    assert run.exit_code == 0 and "SH is now at the top level." in run.stderr
    rows = {r["code"]: r for r in json.loads(cli("org", "list", "--format", "json").stdout)}
    assert (rows["SH01"]["path"], rows["SH"]["level"]) == (["HQ", "BJ", "SH01"], 0)
    assert cli("org", "move", "SH").exit_code == 2
    assert cli("org", "move", "SH", "--top", "--parent", "HQ").exit_code == 2
    assert cli("org", "move", "XX", "--top").exit_code == 1


# --- a parent's supervisor at work -------------------------------------------------------------


def _register(cli, branch: str) -> str:
    user = {"BJ01": "clerk", "SH01": "h3"}[branch]
    run = cli("register", "--channel", "phone", "--customer", "张伟", "--summary", "年费",
              "--branch", branch, as_=user)
    assert run.exit_code == 0, run.stderr
    return run.stdout.strip()


def test_a_parent_supervisor_sees_and_acts_on_its_branches_complaints_only(cli):
    _tree(cli)
    assert cli("staff", "add", "bjsup", "--name", "北京分行主管", "--role", "supervisor",
               "--branch", "BJ").exit_code == 0
    assert cli("staff", "add", "bjclerk", "--name", "北京分行柜员", "--role", "clerk",
               "--branch", "BJ").exit_code == 0
    bj01, sh01 = _register(cli, "BJ01"), _register(cli, "SH01")
    listed = json.loads(cli("list", "--format", "json", as_="bjsup").stdout)
    assert [c["number"] for c in listed] == [bj01]
    assert cli("show", bj01, as_="bjsup").exit_code == 0
    run = cli("assign", bj01, "--to", "h1", as_="bjsup")
    assert run.exit_code == 0, run.stderr
    run = cli("withdraw", sh01, "--reason", "x", as_="bjsup")
    assert run.exit_code == 4 and f"{sh01} belongs to branch SH01; bjsup works for branch BJ" \
        in run.stderr
    # a clerk of the parent keeps to the parent's own complaints
    assert json.loads(cli("list", "--format", "json", as_="bjclerk").stdout) == []
    assert cli("show", bj01, as_="bjclerk").exit_code == 4
    # the parent's supervisor registers for a branch below, not for another parent's
    run = cli("register", "--channel", "counter", "--customer", "王", "--summary", "s",
              "--branch", "BJ01", as_="bjsup")
    assert run.exit_code == 0, run.stderr
    run = cli("register", "--channel", "counter", "--customer", "王", "--summary", "s",
              "--branch", "SH01", as_="bjsup")
    assert run.exit_code == 4
    # head office's supervisor (HQ) reaches both parents' branches
    assert cli("staff", "add", "hqsup", "--name", "总行主管", "--role", "supervisor",
               "--branch", "HQ").exit_code == 0
    assert len(json.loads(cli("list", "--format", "json", as_="hqsup").stdout)) == 3


def test_a_branch_supervisor_does_not_see_up_the_tree(cli):
    _tree(cli)
    assert cli("staff", "add", "bjsup", "--name", "n", "--role", "supervisor",
               "--branch", "BJ").exit_code == 0
    run = cli("register", "--channel", "phone", "--customer", "c", "--summary", "s",
              "--branch", "BJ", as_="bjsup")
    assert run.exit_code == 0, run.stderr
    assert json.loads(cli("list", "--format", "json", as_="sup").stdout) == []  # sup is BJ01


def test_parent_of_descendants_and_rollup_for_reviews_and_reports(seeded):
    from complaintctl.services.admin import organisations as orgs
    from complaintctl.services.core import org_tree
    from complaintctl.services.admin import staff
    from complaintctl.services.core.context import resolve_actor
    from conftest import actor

    with seeded.session(write=True) as session:
        for code, parent in [("HQ", None), ("SH", "HQ"), ("SH01", "SH"), ("SH01A", "SH01")]:
            orgs.add(session=session, actor=actor("admin"), code=code, name=code, parent=parent)
        staff.add(session=session, actor=actor("admin"), username="shsup", name="n",
                  role=Role.supervisor, branch="SH")
    with seeded.session() as session:
        assert org_tree.parent_of(session, "SH01A") == "SH01"
        assert org_tree.parent_of(session, "HQ") is None
        assert org_tree.parent_of(session, "BJ01") is None  # not in the tree: stands alone
        assert org_tree.parent_of(session, None) is None
        assert org_tree.descendants(session, "SH") == {"SH01", "SH01A"}
        assert org_tree.ancestors(session, "SH01A") == ["SH01", "SH", "HQ"]
        assert org_tree.rollup(session, 1) == {"HQ": "HQ", "SH": "SH", "SH01": "SH", "SH01A": "SH"}
        # the acting supervisor of SH is resolved with the branches below
        assert resolve_actor(session, "shsup").below == {"SH01", "SH01A"}
        assert resolve_actor(session, "sup").below == frozenset()


def test_a_review_goes_to_the_parent_organisations_supervisors_who_decide_it(seeded):
    """核查 (CBIRC Art 20): the organisation above the branch reviews; the branch cannot."""
    from sqlmodel import select

    from clockkit import register as register_at
    from clockkit import resolve, t, to_investigating
    from complaintctl.domain.enums import ReviewResult
    from complaintctl.store.models import Notification
    from complaintctl.services.complaints import decisions, reviews
    from complaintctl.services.admin import staff
    from complaintctl.services.admin import organisations as orgs
    from complaintctl.services.core.context import resolve_actor
    from conftest import actor

    with seeded.session(write=True) as session:
        for code, parent in [("BJ", None), ("BJ01", "BJ")]:
            orgs.add(session=session, actor=actor("admin"), code=code, name=code, parent=parent)
        staff.add(session=session, actor=actor("admin"), username="bjsup", name="北京分行主管",
                  role=Role.supervisor, branch="BJ", email="bjsup@bank.example")
        c = register_at(session, actor("clerk"), received="2026-09-30T10:00", branch="BJ01")
        to_investigating(session, actor("sup"), actor("h1"), c.number, at="2026-09-30T11:00")
        resolve(session, actor("h1"), c.number, at="2026-10-10T10:00")
        decisions.close(session=session, actor=actor("h1"), number=c.number, satisfaction=2,
                  disputed=True, at=t("2026-10-11T10:00"))
        reviews.review_request(session=session, actor=actor("clerk"), number=c.number,
                             at=t("2026-10-20T10:00"))
        told = session.exec(select(Notification.recipient).where(
            Notification.event == "review_requested")).all()
        assert told == ["bjsup"]
        with pytest.raises(PermissionDenied, match="parent organisation or head office"):
            reviews.review_decide(session=session, actor=actor("sup"), number=c.number,
                                result=ReviewResult.upheld, findings="ok",
                                at=t("2026-10-21T10:00"))
        bjsup = resolve_actor(session, "bjsup")
        done = reviews.review_decide(session=session, actor=bjsup, number=c.number,
                                   result=ReviewResult.upheld, findings="核查属实",
                                   at=t("2026-10-21T10:00"))
        assert (done.status, done.review_result) == ("closed", "upheld")


def _received(report) -> dict:
    return {row["branch"]: row["received"] for row in report["rows"]}


def test_reports_and_the_monitor_roll_up_the_branches_below(cli):
    """Reports roll up by level (CBIRC Art 9): a parent's report covers its branches, and
    --org-level counts each branch under its organisation at that level of the tree."""
    _tree(cli)
    for code, parent in (("BJ02", "BJ"), ("SH01A", "SH01")):
        assert cli("org", "add", code, "--name", code, "--parent", parent).exit_code == 0
    assert cli("staff", "add", "bjsup", "--name", "北京分行主管", "--role", "supervisor",
               "--branch", "BJ").exit_code == 0
    registered = ["BJ01", "BJ01", "BJ02", "SH01", "SH01A"]
    for branch in registered:
        assert cli("register", "--channel", "phone", "--customer", "张伟", "--summary", "年费",
                   "--branch", branch).exit_code == 0

    def report(*args, as_="admin"):
        run = cli("report", "summary", "--period", "all", "--format", "json", *args, as_=as_)
        assert run.exit_code == 0, run.stderr
        return json.loads(run.stdout)

    # the same counts a second way: each registered branch mapped up the PARENTS tree by hand
    def by_level(depth):
        counts: dict[str, int] = {}
        for branch in registered:
            key = tree.at_level(PARENTS, branch, depth)
            counts[key] = counts.get(key, 0) + 1
        return counts

    assert _received(report("--by", "branch")) == {"BJ01": 2, "BJ02": 1, "SH01": 1, "SH01A": 1}
    assert _received(report("--by", "branch", "--org-level", "1")) == by_level(1) == {
        "BJ": 3, "SH": 2}
    assert _received(report("--by", "branch", "--org-level", "0")) == by_level(0) == {"HQ": 5}
    assert report("--branch", "SH")["totals"]["received"] == 2  # SH01 and SH01A below it
    assert report(as_="bjsup")["totals"]["received"] == 3
    monitor = cli("monitor", "--format", "json", as_="bjsup")
    assert monitor.exit_code == 0, monitor.stderr
    assert json.loads(monitor.stdout)["open"] == 3
    refused = cli("report", "summary", "--org-level", "1")
    assert (refused.exit_code, refused.stderr) == (
        2, "Error: --org-level rolls up --by branch; add --by branch.\n")
