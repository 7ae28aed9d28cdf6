"""``list`` is a queue (issue 22): the open complaints, most urgent first, 30 at a time with a
footer saying how many more; ``--mine``/``--assignee @me``; searches by phone, email and
customer that match normalised stored values and keep the role's masking."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from complaintctl.domain.enums import Channel
from complaintctl.store.models import Complaint


def register(cli, *extra, summary="年费重复扣收", customer="张伟", as_="clerk") -> str:
    run = cli("register", "--channel", "phone", "--customer", customer, "--summary", summary,
              *extra, as_=as_)
    assert run.exit_code == 0, run.stderr
    return run.stdout.strip()


def numbers(run) -> list[str]:
    assert run.exit_code == 0, run.stderr
    return [row["number"] for row in json.loads(run.stdout)]


@pytest.fixture
def mixed(cli):
    """Three open complaints (one urgent, one assigned to h1) and one closed, one withdrawn."""
    normal = register(cli, summary="普通")
    urgent = register(cli, "--priority", "urgent", summary="紧急")
    mine = register(cli, summary="h1 的")
    cli("assign", mine, "--to", "h1", as_="sup")
    done = register(cli, summary="已撤回")
    assert cli("withdraw", done, "--reason", "客户撤回", as_="sup").exit_code == 0
    return {"normal": normal, "urgent": urgent, "mine": mine, "withdrawn": done}


def test_list_shows_the_open_complaints_most_urgent_first_by_default(cli, mixed):
    run = cli("list", "--format", "json")
    listed = numbers(run)
    assert mixed["withdrawn"] not in listed
    assert set(listed) == {mixed["normal"], mixed["urgent"], mixed["mine"]}
    assert listed[0] == mixed["urgent"]
    scores = [row["urgency"] for row in json.loads(run.stdout)]
    assert scores == sorted(scores, reverse=True)
    assert run.stderr == ""  # every row shown: no footer


def test_status_any_and_all_show_the_finished_ones_too(cli, mixed):
    assert mixed["withdrawn"] in numbers(cli("list", "--status", "any", "--format", "json"))
    assert len(numbers(cli("list", "--all", "--format", "json"))) == 4
    assert numbers(cli("list", "--status", "withdrawn", "--format", "json")) == [mixed["withdrawn"]]


def test_list_stops_at_30_and_says_how_many_more_and_how_to_see_them(cli, seeded):
    from complaintctl.services.complaints import registration
    from conftest import actor

    with seeded.session() as session:
        for i in range(33):
            registration.register(session=session, actor=actor("clerk"), new=registration.NewComplaint(
                channel=Channel.phone, summary=f"第 {i} 件", customer="张伟"))
        session.commit()
    run = cli("list", "--format", "json")
    assert len(numbers(run)) == 30
    assert run.stderr.splitlines() == [
        "3 more not shown (30 of 33): --limit N shows more, --all shows every one.",
        "Open complaints only: --status any adds the finished ones."]
    assert len(numbers(cli("list", "--limit", "31", "--format", "json"))) == 31
    assert len(numbers(cli("list", "--all", "--format", "json"))) == 33
    zh = cli("--lang", "zh", "list", "--format", "json")
    assert zh.stderr.splitlines()[0] == (
        "另有 3 件未显示（共 33 件，显示 30 件）：--limit N 显示更多，--all 显示全部。")


def test_mine_and_assignee_at_me_are_the_acting_users_queue(cli, mixed):
    assert numbers(cli("list", "--mine", "--format", "json", as_="h1")) == [mixed["mine"]]
    assert numbers(cli("list", "--assignee", "@me", "--format", "json", as_="h1")) == [mixed["mine"]]
    assert numbers(cli("list", "--mine", "--format", "json", as_="h2")) == []
    both = cli("list", "--mine", "--assignee", "h2", as_="h1")
    assert both.exit_code == 2
    assert both.stderr == "Error: Give --mine or --assignee, not both.\n"


def test_mine_is_audited_as_the_user_it_means_and_refused_to_no_one_else(cli, mixed):
    """``@me`` is resolved from the acting user by the service, so a script cannot name
    someone else through it."""
    run = cli("list", "--assignee", "@me", "--format", "json", as_="sup")
    assert numbers(run) == []


@pytest.mark.parametrize("typed", ["138 1234 5678", "138-1234-5678", "+86 13812345678",
                                   "13812345678", "5678", "１３８１２３４５６７８"])
def test_phone_search_matches_the_digits_whatever_the_spacing(cli, typed):
    spaced = register(cli, "--phone", "138 1234 5678")
    plain = register(cli, "--phone", "+86-138-1234-5678", customer="李四")
    register(cli, "--phone", "13900001111", customer="王五")
    assert set(numbers(cli("list", "--phone", typed, "--format", "json"))) == {spaced, plain}


def test_a_phone_search_shows_the_phone_masked_unless_unmasked(cli):
    n = register(cli, "--phone", "13812345678")
    rows = json.loads(cli("list", "--phone", "138 1234 5678", "--format", "json", as_="h1").stdout)
    assert [r["customer"]["phone"] for r in rows] == ["138****5678"]
    unmasked = cli("list", "--phone", "5678", "--unmask", "--format", "json", as_="sup")
    assert json.loads(unmasked.stdout)[0]["customer"]["phone"] == "13812345678"
    table = cli("list", "--phone", "13812345678", "--format", "csv", as_="h1")
    assert "13812345678" not in table.stdout and n in table.stdout


def test_too_few_digits_is_refused_with_what_to_give(cli):
    run = cli("list", "--phone", "12")
    assert run.exit_code == 5
    assert run.stderr == ("Error: --phone needs at least 4 digits of the number, e.g. "
                          "--phone '138 1234 5678' or --phone 5678.\n")


def test_email_and_customer_searches_ignore_case_and_spaces(cli, seeded):
    wei = register(cli, "--email", "Zhang.Wei@Example.com", customer="张 伟")
    li = register(cli, "--email", "li@example.com", customer="Li Ming")
    assert numbers(cli("list", "--email", " zhang.wei@example.COM ", "--format", "json")) == [wei]
    assert numbers(cli("list", "--customer", "张伟", "--format", "json")) == [wei]
    assert numbers(cli("list", "--customer", "liming", "--format", "json")) == [li]
    assert numbers(cli("list", "--customer", "50%", "--format", "json")) == []
    with seeded.session() as session:  # stored as typed: the search normalises, not the row
        assert session.exec(select(Complaint.customer_name).where(
            Complaint.number == wei)).one() == "张 伟"


def test_export_keeps_its_meaning_every_status_and_no_limit(cli, mixed):
    run = cli("export", "--format", "jsonl")
    assert run.exit_code == 0, run.stderr
    exported = [json.loads(line)["number"] for line in run.stdout.splitlines()]
    assert len(exported) == 4 and mixed["withdrawn"] in exported
