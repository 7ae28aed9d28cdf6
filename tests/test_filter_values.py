"""A filter naming a branch, a member of staff or a complaint the database does not have is
refused (exit 5) in one sentence naming it and the command that lists the valid ones; a value it
has that matches nothing is an empty result (exit 0); staff who read only their own branch and
name another are refused for their scope (exit 4) whatever the branch, so the refusal does not
tell them which branches exist."""

from __future__ import annotations

import json

import pytest

from importing import csv_text, run_import

from complaintctl.services.core import filter_values

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


# --- values as a clerk types them: spaces around, another case -------------------------------


def _read(cli, args, branch, as_):
    """What ``args --branch branch`` shows, less what changes from one second to the next."""
    run = cli(*args, "--branch", branch, as_=as_)
    assert (run.exit_code, run.stderr) == (0, "" if args[0] != "export" else
                                           "Exported 2 complaint(s).\n"), (args, branch, as_)
    if args[0] == "list":
        return _at_rest(run.stdout)
    if args[0] == "export":  # JSON Lines: one complaint a line, as list --format json
        return _at_rest("[" + ",".join(run.stdout.splitlines()) + "]")
    if args[0] == "monitor":
        return {k: v for k, v in json.loads(run.stdout).items() if k != "as_of"}
    return run.stdout


@pytest.mark.parametrize("command", BRANCH_COMMANDS)
def test_a_branch_code_with_spaces_around_or_in_another_case_reads_as_the_stored_code(
        cli, bank, command):
    args = BRANCH_COMMANDS[command]
    for who in ("clerk", "sup", "admin"):  # branch staff, their supervisor, head office
        stored = _read(cli, args, "BJ01", who)
        for typed in (" BJ01 ", "bj01", "\tBj01\n"):
            assert _read(cli, args, typed, who) == stored, (typed, who)
    if command == "monitor":
        run = cli(*args, "--branch", " bj01 ", as_="clerk")
        assert json.loads(run.stdout)["branch"] == "BJ01"


def test_the_issue_transcript_a_supervisor_typing_spaces_or_lower_case_lists_her_branch(
        cli, bank):
    for typed in (" BJ01 ", "bj01"):
        run = cli("list", "--branch", typed, "--format", "json", as_="sup")
        assert (run.exit_code, run.stderr) == (0, "")
        assert [c["number"] for c in json.loads(run.stdout)] == bank


def test_another_branch_in_another_case_is_refused_to_branch_staff_as_they_typed_it(
        cli, bank):
    """The refusal names the code as typed (less the spaces), never the stored spelling: that
    would tell a BJ01 clerk that SH01 exists and XX01 does not."""
    for typed, shown in (("sh01", "sh01"), ("xx01", "xx01"), ("  SH01 ", "SH01")):
        run = cli("list", "--branch", typed, as_="clerk")
        assert (run.exit_code, run.stdout, run.stderr) == (
            4, "", ("Error: Permission denied: clerk works for branch BJ01 and cannot list the "
            f"complaints of branch {shown}.\n"))
        log = json.loads(cli("audit", "log", "--limit", "1", "--format", "json").stdout)[0]
        assert (log["kind"], log["actor"], log["action"]) == ("refusal", "clerk", "list")


def test_head_office_gets_the_other_branch_in_its_stored_case_and_an_unknown_one_as_typed(
        cli, bank):
    run = cli("list", "--branch", " sh01 ", "--format", "json", as_="aud")
    assert (run.exit_code, json.loads(run.stdout)) == (0, [])
    run = cli("report", "summary", "--branch", "gz", "--period", "all")
    assert run.exit_code == 0 and " · branch GZ · " in run.stdout  # the heading
    run = cli("list", "--branch", " xx01 ")
    assert (run.exit_code, run.stdout, run.stderr) == (5, "", NO_BRANCH.replace("XX01", "xx01"))


def test_a_new_complaint_s_branch_is_filed_under_the_stored_spelling(cli, bank, tmp_path):
    """register --branch and an import's branch column take ``bj01`` as BJ01 (the clerk of
    BJ01 was refused it; head office opened a second spelling of the branch, which every
    filter, report and scope then told apart); an unknown code stays as given."""
    from importing import stored

    for who, typed in (("clerk", "bj01"), ("admin", " bj01 "), ("admin", "sh01")):
        run = cli("register", "--channel", "phone", "--customer", "王", "--summary", "年费",
                  "--branch", typed, as_=who)
        assert run.exit_code == 0, run.stderr
    path = tmp_path / "rows.csv"
    path.write_text(csv_text(["channel", "customer_name", "summary", "branch"], [
        ["phone", "甲", "年费", "bj01"], ["phone", "乙", "年费", "gz"],
        ["phone", "丙", "年费", "XX09"]]))
    run, summary = run_import(cli, path)
    assert (run.exit_code, summary["imported"]) == (0, 3), run.stderr
    assert [c["branch"] for c in stored(cli.database)] == [
        "BJ01", "BJ01", "BJ01", "BJ01", "SH01", "BJ01", "GZ", "XX09"]
    run = cli("register", "--channel", "phone", "--customer", "王", "--summary", "年费",
              "--branch", "sh01", as_="clerk")
    assert (run.exit_code, run.stderr) == (4, (  # refused as typed: SH01's spelling unsaid
        "Error: Permission denied: clerk registers complaints for branch BJ01, not sh01.\n"))


def _second_spelling(cli, code: str) -> None:
    """A branch code that differs from BJ01 only in case, as a database can hold from before
    `org add` refused one (or from an import by branch staff naming another branch)."""
    from datetime import datetime, timezone

    from complaintctl.store.models import Organisation

    with cli.database.session(write=True) as session:
        session.add(Organisation(code=code, name="另一个网点", parent=None,
                                 created_at=datetime.now(timezone.utc)))
        session.commit()


def test_two_stored_codes_differing_only_in_case_must_be_typed_exactly(cli, bank):
    _second_spelling(cli, "Bj01")
    run = cli("list", "--branch", "bj01")
    assert (run.exit_code, run.stdout, run.stderr) == (
        5, "", ("Error: 'bj01' matches more than one branch (BJ01, Bj01); type the code "
        "exactly.\n"))
    run = cli("--lang", "zh", "list", "--branch", "bj01")
    assert (run.exit_code, run.stderr) == (
        5, "错误：'bj01' 与多个网点相符（BJ01，Bj01）；请准确输入网点代码。\n")
    for exact, count in (("BJ01", 2), ("Bj01", 0), (" Bj01 ", 0)):
        run = cli("list", "--branch", exact, "--format", "json")
        assert (run.exit_code, len(json.loads(run.stdout))) == (0, count)


def test_an_assignee_or_a_staff_conflict_user_is_stripped_and_matched_exactly(cli, bank):
    run = cli("list", "--assignee", " h1 ", "--format", "json")
    assert run.exit_code == 0
    assert [c["number"] for c in json.loads(run.stdout)] == bank[:1]
    run = cli("export", "--assignee", "h1\t", "--format", "jsonl")
    assert (run.exit_code, run.stderr) == (0, "Exported 1 complaint(s).\n")
    run = cli("staff", "conflict", "list", " h1 ", "--format", "json")
    assert (run.exit_code, json.loads(run.stdout)) == (0, [])
    run = cli("list", "--assignee", "H1")  # user names are matched as --as matches them
    assert (run.exit_code, run.stderr) == (5, NO_USER.replace("nobdy", "H1"))


def test_a_complaint_number_is_stripped_and_upper_cased_in_audit_log_and_notify_list(cli, bank):
    typed = f"  {bank[0].lower()} "
    run = cli("audit", "log", typed, "--format", "json")
    assert run.exit_code == 0
    assert {e["number"] for e in json.loads(run.stdout)} == {bank[0]}
    run = cli("notify", "list", "--number", typed, "--format", "json")
    assert run.exit_code == 0
    assert {n["number"] for n in json.loads(run.stdout)} <= {bank[0]}
    run = cli("audit", "log", " cmp-2099-000001 ")
    assert (run.exit_code, run.stderr) == (5, NO_NUMBER)


def test_the_unmasking_on_record_names_the_values_as_stored(cli, bank):
    run = cli("export", "--branch", " bj01 ", "--assignee", " h1", "--format", "jsonl",
              "--unmask", as_="sup")
    assert (run.exit_code, run.stderr) == (0, "Exported 1 complaint(s).\n")
    run = cli("audit", "log", f" {bank[0].lower()}", "--unmask", "--format", "json")
    assert run.exit_code == 0
    events = json.loads(cli("audit", "log", "--limit", "2", "--format", "json").stdout)
    assert [(e["actor"], e["action"], e["number"], e["details"]) for e in events] == [
        ("sup", "unmask", None,
         {"command": "export", "count": 1, "filters": {"assignee": "h1", "branch": "BJ01"}}),
        ("admin", "unmask", None, {"command": "audit log", "number": bank[0]})]


BLANK_BRANCH = ("--branch is blank; give a branch code (see `complaintctl org list`) or leave "
                "--branch out.")
BLANK_USER = ("The user name is blank; give a member of staff (see `complaintctl staff list`) or "
              "leave it out.")
BLANK_NUMBER = "The complaint number is blank; give one (see `complaintctl list`) or leave it out."


@pytest.mark.parametrize(("args", "message"), [
    (["list", "--branch", "  "], BLANK_BRANCH),
    (["monitor", "--branch", ""], BLANK_BRANCH),
    (["list", "--assignee", " "], BLANK_USER),
    (["staff", "conflict", "list", " "], BLANK_USER),
    (["audit", "log", " "], BLANK_NUMBER),
    (["notify", "list", "--number", "\t"], BLANK_NUMBER),
])
def test_a_blank_filter_value_is_refused_rather_than_read_as_no_filter(cli, bank, args,
                                                                       message):
    run = cli("--lang", "en", *args, as_="clerk" if args[0] == "list" else "admin")
    assert (run.exit_code, run.stdout, run.stderr) == (5, "", f"Error: {message}\n")


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
    # issue 20: the batch's one event, which holds the root of the tree the number is a leaf of
    first = json.loads(run.stdout)[0]
    assert (first["action"], first["details"]["batch"]) == ("import", summary["batch"])


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


def test_the_service_returns_the_values_to_filter_on(cli, bank):
    from complaintctl.errors import InvalidData, PermissionDenied
    from conftest import actor

    with cli.database.session() as session:
        values = filter_values.check(session, actor("sup"), action="list", branch=" bj01 ",
                                     user=" h1 ", number=f" {bank[0].lower()} ")
        assert values == filter_values.Values(branch="BJ01", user="h1", number=bank[0])
        assert filter_values.check(session, actor("admin"), action="list") == \
            filter_values.Values()
        assert filter_values.stored_branch(session, "sh01") == "SH01"
        assert filter_values.stored_branch(session, "XX01") == "XX01"
        with pytest.raises(PermissionDenied, match="of branch sh01[.]$"):
            filter_values.check(session, actor("clerk"), action="list", branch="sh01")
        with pytest.raises(InvalidData, match="No branch 'xx01'"):
            filter_values.check(session, actor("admin"), action="list", branch="xx01")
