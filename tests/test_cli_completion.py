"""Shell completion of complaint numbers and staff names (issue 22), driven as bash drives it:
``_COMPLAINTCTL_COMPLETE=complete_bash`` with ``COMP_WORDS`` and ``COMP_CWORD``. The candidates
are the user's (their branches), in the form begun; a completion writes nothing, says nothing
but its candidates, and on any error offers nothing."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from complaintctl.store.models import Event


def complete(database, *words: str, as_: str | None = "admin", url: str | None = None,
             env: dict[str, str] | None = None):
    """(exit code, candidates, stderr) of completing the last of ``words`` ("" for a new
    word) after ``complaintctl --db URL [--as USER]``."""
    from typer.testing import CliRunner

    from complaintctl.cli import app

    argv = ["complaintctl", "--db", url or database.url] + (["--as", as_] if as_ else [])
    argv += list(words)
    env = {"_COMPLAINTCTL_COMPLETE": "complete_bash", "COMP_WORDS": " ".join(argv),
           "COMP_CWORD": str(len(argv) - 1), **(env or {})}
    result = CliRunner().invoke(app, [], env=env, prog_name="complaintctl")
    return result.exit_code, result.stdout.split(), result.stderr


@pytest.fixture
def numbered(cli):
    """Eleven complaints of BJ01 (the tenth withdrawn) and two of SH01."""
    made = []
    for n in range(11):
        run = cli("register", "--channel", "phone", "--customer", "张伟", "--summary",
                  f"投诉 {n}", "--branch", "BJ01")
        assert run.exit_code == 0, run.stderr
        made.append(run.stdout.strip())
    assert cli("withdraw", made[9], "--reason", "客户撤回", as_="sup").exit_code == 0
    for n in range(2):
        run = cli("register", "--channel", "phone", "--customer", "王芳", "--summary",
                  f"上海 {n}", "--branch", "SH01")
        assert run.exit_code == 0, run.stderr
        made.append(run.stdout.strip())
    return made


def test_whole_numbers_complete_from_the_prefix_typed(cli, numbered):
    year = numbered[0].split("-")[1]
    assert complete(cli.database, "show", f"CMP-{year}-00001") == (
        0, [f"CMP-{year}-000010", f"CMP-{year}-000011", f"CMP-{year}-000012",
            f"CMP-{year}-000013"], "")
    assert complete(cli.database, "show", f"cmp-{year}-00000")[1] == [
        n.lower() for n in numbered[:9]]


def test_short_numbers_complete_as_short_numbers(cli, numbered):
    year = numbered[0].split("-")[1]
    assert complete(cli.database, "show", "1") == (0, ["1", "10", "11", "12", "13"], "")
    assert complete(cli.database, "due", f"{year}-1")[1] == [
        f"{year}-1", f"{year}-10", f"{year}-11", f"{year}-12", f"{year}-13"]
    assert complete(cli.database, "show", "01")[1] == ["01", "010", "011", "012", "013"]
    assert complete(cli.database, "show", "14")[1] == []


def test_a_new_word_offers_the_open_complaints_newest_first(cli, numbered):
    opened = [n for i, n in enumerate(numbered) if i != 9]
    assert complete(cli.database, "show", "")[1] == sorted(opened, reverse=True)


def test_a_clerk_completes_only_their_branchs_numbers(cli, numbered):
    bj01 = [n for i, n in enumerate(numbered[:11]) if i != 9]
    assert complete(cli.database, "show", "", as_="clerk")[1] == sorted(bj01, reverse=True)
    assert complete(cli.database, "show", "1", as_="clerk")[1] == ["1", "10", "11"]
    assert complete(cli.database, "show", "1", as_="sup2")[1] == ["12", "13"]
    assert complete(cli.database, "merge", numbered[0], "--into", "1", as_="h3")[1] == [
        "12", "13"]


def test_staff_names_complete_within_the_users_branches(cli):
    assert complete(cli.database, "assign", "1", "--to", "h") == (0, ["h1", "h2", "h3"], "")
    assert complete(cli.database, "assign", "1", "--to", "h", as_="clerk")[1] == ["h1", "h2"]
    assert complete(cli.database, "list", "--assignee", "", as_="clerk")[1] == [
        "@me", "clerk", "h1", "h2", "sup"]
    assert complete(cli.database, "list", "--assignee", "@", as_="clerk")[1] == ["@me"]
    assert complete(cli.database, "staff", "deactivate", "su")[1] == ["sup", "sup2"]


def test_a_deactivated_member_of_staff_is_not_offered(cli):
    assert cli("staff", "deactivate", "h2").exit_code == 0
    assert complete(cli.database, "assign", "1", "--to", "h")[1] == ["h1", "h3"]


def test_a_completion_writes_nothing_not_even_a_refusal(cli, numbered):
    def events() -> int:
        with cli.database.session() as session:
            return session.exec(select(func.count()).select_from(Event)).one()

    before = events()
    complete(cli.database, "show", "1", as_="clerk")
    complete(cli.database, "show", "1", as_="nobody")
    assert events() == before


def test_an_unknown_user_completes_nothing_and_says_nothing(cli, numbered):
    assert complete(cli.database, "show", "1", as_="nobody") == (0, [], "")
    assert complete(cli.database, "show", "1", as_=None, env={"COMPLAINTCTL_USER": "  "}) == (
        0, [], "")


def test_a_missing_database_completes_nothing_and_is_not_created(cli, tmp_path):
    missing = tmp_path / "nowhere" / "complaints.db"
    assert complete(cli.database, "show", "1", url=str(missing)) == (0, [], "")
    assert not missing.parent.exists()


def test_a_database_that_fails_completes_nothing(cli, numbered, monkeypatch):
    from complaintctl.services.complaints import completion

    def broken(**_given):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(completion, "numbers", broken)
    assert complete(cli.database, "show", "1") == (0, [], "")


def test_on_a_database_requiring_sign_in_the_session_decides_and_none_completes_nothing(
        cli, numbered, tmp_path):
    from authkit import Homes, login, require_sign_in

    require_sign_in(cli.database, users=["admin", "clerk"])
    homes = Homes(tmp_path / "homes")
    assert login(cli, homes, "clerk").exit_code == 0
    signed = complete(cli.database, "show", "1", as_=None, env=homes.env("clerk"))
    assert signed == (0, ["1", "10", "11"], "")
    assert complete(cli.database, "show", "1", as_="admin", env=homes.env("nobody")) == (
        0, [], "")
