"""A filter naming a branch, a member of staff or a complaint the database does not have is
refused (exit 5) in one sentence naming it and the command that lists the valid ones; a value it
has that matches nothing is an empty result (exit 0); staff who read only their own branch and
name another are refused for their scope (exit 4) whatever the branch, so the refusal does not
tell them which branches exist."""

from __future__ import annotations

import json

import pytest

from importing import csv_text, run_import

from complaintctl.services import filter_values

NO_BRANCH = ("Error: No branch 'XX01' in this database; see `complaintctl org list` for the "
             "branches.\n")
NO_BRANCH_ZH = "错误：本数据库中没有网点 'XX01'；请用 `complaintctl org list` 查看网点。\n"
NO_USER = ("Error: No member of staff 'nobdy' in this database; see `complaintctl staff list` "
           "for the staff.\n")
NO_USER_ZH = "错误：本数据库中没有员工 'nobdy'；请用 `complaintctl staff list` 查看员工。\n"
NO_NUMBER = ("Error: No complaint 'CMP-2099-000001' in this database; see `complaintctl list` "
             "for the complaints.\n")
NO_NUMBER_ZH = "错误：本数据库中没有投诉 'CMP-2099-000001'；请用 `complaintctl list` 查看投诉。\n"

#: every command that takes --branch as a filter, with arguments that would otherwise succeed
BRANCH_COMMANDS = {
    "list": ["list", "--format", "json"],
    "export": ["export", "--format", "jsonl"],
    "report summary": ["report", "summary", "--period", "all", "--format", "json"],
    "report regulatory": ["report", "regulatory", "--period", "all", "--format", "csv"],
    "monitor": ["monitor", "--format", "json"],
}
#: what a branch clerk is told for another branch, by command
OUT_OF_SCOPE = {
    "list": "cannot list the complaints of branch {b}.",
    "export": "cannot export the complaints of branch {b}.",
    "report summary": "cannot report on branch {b}.",
    "report regulatory": "cannot report on branch {b}.",
    "monitor": "cannot monitor branch {b}.",
}


@pytest.fixture
def bank(cli):
    """Two complaints of BJ01 (one assigned to h1); SH01 has staff and no complaints; GZ is in
    the organisation tree only."""
    numbers = []
    for customer in ("张伟", "李娜"):
        run = cli("register", "--channel", "phone", "--customer", customer, "--summary", "年费",
                  "--branch", "BJ01", as_="clerk")
        assert run.exit_code == 0, run.stderr
        numbers.append(run.stdout.strip())
    assert cli("assign", numbers[0], "--to", "h1", as_="sup").exit_code == 0
    assert cli("org", "add", "GZ", "--name", "广州分行").exit_code == 0
    return numbers


@pytest.mark.parametrize("command", BRANCH_COMMANDS)
def test_an_unknown_branch_is_refused_with_exit_5_naming_it_in_both_languages(cli, bank,
                                                                               command):
    args = BRANCH_COMMANDS[command]
    run = cli(*args, "--branch", "XX01")
    assert (run.exit_code, run.stdout, run.stderr) == (5, "", NO_BRANCH)
    # head office's auditor is refused the same way: there is no branch to hide from them
    assert cli(*args, "--branch", "XX01", as_="aud").stderr == NO_BRANCH
    run = cli("--lang", "zh", *args, "--branch", "XX01")
    assert (run.exit_code, run.stdout, run.stderr) == (5, "", NO_BRANCH_ZH)


def test_a_branch_code_is_matched_exactly(cli, bank):
    run = cli("list", "--branch", "bj01")
    assert (run.exit_code, run.stderr) == (5, NO_BRANCH.replace("XX01", "bj01"))


@pytest.mark.parametrize("command", ["list", "export"])
def test_an_unknown_assignee_is_refused_with_exit_5_naming_it_in_both_languages(cli, bank,
                                                                                command):
    args = BRANCH_COMMANDS[command]
    run = cli(*args, "--assignee", "nobdy")
    assert (run.exit_code, run.stdout, run.stderr) == (5, "", NO_USER)
    run = cli("--lang", "zh", *args, "--assignee", "nobdy")
    assert (run.exit_code, run.stdout, run.stderr) == (5, "", NO_USER_ZH)


def test_a_known_branch_or_handler_with_no_complaints_is_an_empty_result(cli, bank):
    for branch in ("SH01", "GZ"):  # SH01: staff only; GZ: the organisation tree only
        run = cli("list", "--branch", branch, "--format", "json")
        assert (run.exit_code, json.loads(run.stdout)) == (0, [])
        run = cli("list", "--branch", branch)
        assert (run.exit_code, run.stdout, run.stderr) == (0, "", "No complaints match.\n")
        run = cli("export", "--branch", branch, "--format", "jsonl")
        assert (run.exit_code, run.stdout, run.stderr) == (0, "", "Exported 0 complaint(s).\n")
        run = cli("report", "summary", "--branch", branch, "--period", "all", "--format", "json")
        assert run.exit_code == 0 and json.loads(run.stdout)["totals"]["received"] == 0
        run = cli("monitor", "--branch", branch, "--format", "json")
        assert run.exit_code == 0 and json.loads(run.stdout)["open"] == 0
    run = cli("list", "--assignee", "h3", "--format", "json")  # a handler with nothing assigned
    assert (run.exit_code, json.loads(run.stdout)) == (0, [])
    run = cli("list", "--branch", "SH01", "--format", "json", as_="sup2")  # their own branch
    assert (run.exit_code, json.loads(run.stdout)) == (0, [])


@pytest.mark.parametrize("command", BRANCH_COMMANDS)
def test_a_branch_clerk_naming_another_branch_gets_the_permission_error_whether_it_exists(
        cli, bank, command):
    args = BRANCH_COMMANDS[command]
    for branch in ("XX01", "SH01"):
        run = cli(*args, "--branch", branch, as_="clerk")
        assert (run.exit_code, run.stdout) == (4, ""), branch
        assert run.stderr == ("Error: Permission denied: clerk works for branch BJ01 and "
                              + OUT_OF_SCOPE[command].format(b=branch) + "\n")
    log = json.loads(cli("audit", "log", "--limit", "1", "--format", "json").stdout)[0]
    assert (log["kind"], log["actor"], log["action"]) == ("refusal", "clerk", command)
    # their own branch is theirs to read
    run = cli(*args, "--branch", "BJ01", as_="clerk")
    assert run.exit_code == 0, run.stderr


def test_the_scope_refusal_comes_before_the_check_that_the_branch_exists_in_chinese_too(
        cli, bank):
    run = cli("--lang", "zh", "list", "--branch", "XX01", as_="clerk")
    assert (run.exit_code, run.stderr) == (
        4, "错误：权限不足：clerk 隶属于网点 BJ01，不能列出网点 XX01 的投诉。\n")
    run = cli("--lang", "zh", "export", "--branch", "XX01", as_="clerk")
    assert (run.exit_code, run.stderr) == (
        4, "错误：权限不足：clerk 隶属于网点 BJ01，不能导出网点 XX01 的投诉。\n")


def _at_rest(stdout: str) -> list[dict]:
    """``list --format json`` without the fields computed at the moment of reading."""
    return [{k: v for k, v in row.items() if k not in {"seconds_left", "time_left", "urgency"}}
            for row in json.loads(stdout)]


def test_json_is_unchanged_where_the_values_are_valid(cli, bank):
    everything = _at_rest(cli("list", "--format", "json").stdout)
    run = cli("list", "--branch", "BJ01", "--assignee", "h1", "--format", "json")
    assert run.exit_code == 0
    assert _at_rest(run.stdout) == [c for c in everything if c["assignee"] == "h1"]
    assert _at_rest(cli("--lang", "zh", "list", "--branch", "BJ01", "--assignee", "h1",
                        "--format", "json").stdout) == _at_rest(run.stdout)
    lines = cli("export", "--branch", "BJ01", "--format", "jsonl").stdout.splitlines()
    assert [json.loads(line)["number"] for line in lines] == bank
    report = cli("report", "summary", "--branch", "BJ01", "--period", "all", "--format", "json")
    assert json.loads(report.stdout)["totals"]["received"] == 2
    assert cli("--lang", "zh", "report", "summary", "--branch", "BJ01", "--period", "all",
               "--format", "json").stdout == report.stdout


def test_audit_log_and_notify_list_refuse_an_unknown_complaint_number(cli, bank):
    for args in (["audit", "log", "CMP-2099-000001"],
                 ["notify", "list", "--number", "cmp-2099-000001"]):
        run = cli("--lang", "en", *args)
        assert (run.exit_code, run.stdout, run.stderr) == (5, "", NO_NUMBER)
        run = cli("--lang", "zh", *args)
        assert (run.exit_code, run.stderr) == (5, NO_NUMBER_ZH)
    assert cli("audit", "log", "CMP-2099-000001", as_="clerk").exit_code == 4  # role first
    run = cli("audit", "log", bank[0].lower(), "--format", "json")
    assert run.exit_code == 0 and json.loads(run.stdout)[0]["action"] == "register"
    run = cli("notify", "list", "--number", bank[1], "--format", "json")
    assert run.exit_code == 0


def test_an_undone_imports_numbers_keep_their_audit_trail(cli, tmp_path):
    path = tmp_path / "one.csv"
    path.write_text(csv_text(["channel", "customer_name", "summary"], [["phone", "A", "x"]]))
    run, summary = run_import(cli, path)
    assert run.exit_code == 0, run.stderr
    number = json.loads(cli("list", "--format", "json").stdout)[0]["number"]
    assert cli("import", "undo", str(summary["batch"])).exit_code == 0
    run = cli("audit", "log", number, "--format", "json")
    assert run.exit_code == 0, run.stderr
    assert [e["action"] for e in json.loads(run.stdout)][0] == "imported"


def test_staff_conflict_list_refuses_an_unknown_user(cli):
    run = cli("staff", "conflict", "list", "nobdy")
    assert (run.exit_code, run.stderr) == (5, NO_USER)
    run = cli("staff", "conflict", "list", "h1", "--format", "json")
    assert (run.exit_code, json.loads(run.stdout)) == (0, [])


def test_org_list_names_the_branches_in_use_outside_the_tree(cli, bank):
    run = cli("org", "list")
    assert run.exit_code == 0
    assert run.stdout.splitlines()[-1] == "Branches in use that are not in the tree: BJ01, SH01."
    zh = cli("--lang", "zh", "org", "list")
    assert zh.stdout.splitlines()[-1] == "在用但不在机构树中的网点：BJ01，SH01。"
    rows = json.loads(cli("org", "list", "--format", "json").stdout)
    assert [r["code"] for r in rows] == ["GZ"]  # JSON lists the tree, as before


def test_org_list_says_nothing_more_when_every_branch_is_in_the_tree(cli):
    for code in ("BJ01", "SH01"):
        assert cli("org", "add", code, "--name", code).exit_code == 0
    assert "not in the tree" not in cli("org", "list").stdout


def test_the_service_knows_branches_from_the_tree_complaints_and_staff(cli, bank):
    with cli.database.session() as session:
        assert filter_values.branches(session) == ["BJ01", "GZ", "SH01"]
        assert [filter_values.branch_known(session, b) for b in ("BJ01", "GZ", "SH01", "XX01")] \
            == [True, True, True, False]
        assert filter_values.user_known(session, "h3") and not filter_values.user_known(
            session, "H3")
        assert filter_values.number_known(session, bank[0])
        assert not filter_values.number_known(session, "CMP-2099-000001")
