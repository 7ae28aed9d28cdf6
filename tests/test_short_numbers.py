"""Short numbers (issue 22): ``show 5`` is this year's complaint 5 by the bank's clock and zone,
``show 2025-17`` that year's 17th, wherever a command takes a number (one resolver,
``kernel.resolve_number``); consultations are numbered per complaint, and migration 0018
numbers the existing ones."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect, text

from complaintctl.services.core.context import timezone_of
from complaintctl.services.core.kernel import resolve_number


def register(cli, *extra) -> str:
    run = cli("register", "--channel", "phone", "--customer", "张伟", "--summary", "年费",
              *extra, as_="clerk")
    assert run.exit_code == 0, run.stderr
    return run.stdout.strip()


def this_year(seeded) -> int:
    with seeded.session() as session:
        return datetime.now(UTC).astimezone(timezone_of(session)).year


@pytest.mark.parametrize(("typed", "expected"), [
    ("5", "CMP-{Y}-000005"), ("000005", "CMP-{Y}-000005"), (" 5 ", "CMP-{Y}-000005"),
    ("2025-17", "CMP-2025-000017"), ("cmp-2025-17", "CMP-2025-000017"),
    ("cmp-2026-000042", "CMP-2026-000042"), ("CMP-2026-1234567", "CMP-2026-1234567"),
    ("X-1", "X-1"), ("", ""),
])
def test_a_number_as_typed_is_read_as_the_clerk_means_it(seeded, typed, expected):
    year = this_year(seeded)
    with seeded.session() as session:
        assert resolve_number(session, typed) == expected.format(Y=year)


def test_this_year_is_the_banks_year_not_utcs(seeded):
    """At 23:30 UTC on 31 December it is already the new year in Shanghai."""
    from unittest import mock

    from complaintctl.services.core import kernel

    eve = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    with seeded.session() as session, mock.patch.object(kernel, "now", return_value=eve):
        assert str(timezone_of(session)) == "Asia/Shanghai"
        assert resolve_number(session, "3") == "CMP-2027-000003"


def test_show_and_the_lifecycle_commands_take_the_short_forms(cli, seeded):
    year = this_year(seeded)
    first, second = register(cli), register(cli)
    assert (first, second) == (f"CMP-{year}-000001", f"CMP-{year}-000002")
    shown = json.loads(cli("show", "2", "--format", "json").stdout)
    assert shown["number"] == second
    assert cli("assign", "1", "--to", "h1", as_="sup").exit_code == 0
    assert cli("note", f"{year}-1", "看过", as_="h1").exit_code == 0
    assert cli("investigate", "1", as_="h1").exit_code == 0
    rows = json.loads(cli("show", first, "--format", "json").stdout)
    assert [e["action"] for e in rows["events"]] == ["register", "assign", "note", "investigate"]
    listed = json.loads(cli("list", "--format", "json").stdout)
    assert {n["number"] for n in listed} == {first, second}
    assert json.loads(cli("evidence", "list", "1", "--format", "json").stdout) == []
    log = cli("audit", "log", "1", "--format", "json")
    assert log.exit_code == 0, log.stderr


def test_a_short_number_of_another_year_names_that_year(cli):
    old = register(cli, "--at", "2025-12-30T10:00:00+08:00")
    assert old.startswith("CMP-2025-")
    short = f"2025-{int(old.rsplit('-', 1)[1])}"
    assert json.loads(cli("show", short, "--format", "json").stdout)["number"] == old


def test_a_short_number_nobody_has_is_refused_naming_the_whole_number(cli, seeded):
    year = this_year(seeded)
    run = cli("show", "99")
    assert run.exit_code == 1
    assert run.stderr == (f"Error: No complaint CMP-{year}-000099; check the number with "
                          "`complaintctl list`.\n")


def _consulted(cli, number: str, *questions: str) -> None:
    cli("assign", number, "--to", "h1", as_="sup")
    cli("investigate", number, as_="h1")
    for q in questions:
        run = cli("consult", number, "--department", "ops", "--question", q, as_="h1")
        assert run.exit_code == 0, run.stderr


def test_consultations_are_numbered_per_complaint(cli):
    a, b = register(cli), register(cli)
    _consulted(cli, a, "第一问", "第二问")
    _consulted(cli, b)
    run = cli("consult", b, "--department", "card_ops", "--question", "B 的第一问", as_="h1")
    assert run.exit_code == 0, run.stderr
    assert run.stdout.strip() == "1"
    assert run.stderr == (f"Consultation 1 sent to card_ops; record the reply with "
                          f"`complaintctl answer {b} 1 TEXT`.\n")
    assert cli("answer", b, "1", "B 的答复", as_="h1").exit_code == 0
    assert cli("answer", a, "2", "A 的第二个答复", as_="h1").exit_code == 0
    shown_a = json.loads(cli("show", a, "--format", "json").stdout)["consultations"]
    assert [(q["id"], q["question"], q["answer"]) for q in shown_a] == [
        (1, "第一问", None), (2, "第二问", "A 的第二个答复")]
    shown_b = json.loads(cli("show", b, "--format", "json").stdout)["consultations"]
    assert [(q["id"], q["answer"]) for q in shown_b] == [(1, "B 的答复")]
    missing = cli("answer", b, "2", "无", as_="h1")
    assert missing.exit_code == 1
    assert missing.stderr == f"Error: {b} has no consultation 2; see `complaintctl show {b}`.\n"


def test_migration_0018_numbers_the_existing_consultations_in_the_order_asked(cli, seeded):
    from alembic import command

    from complaintctl.store.schema import alembic_config

    a, b = register(cli), register(cli)
    _consulted(cli, a, "一")
    _consulted(cli, b, "二")
    cli("consult", a, "--department", "ops", "--question", "三", as_="h1")
    seeded.engine.dispose()
    command.downgrade(alembic_config(seeded), "0015")
    with seeded.engine.connect() as conn:
        assert "seq" not in {c["name"] for c in inspect(conn).get_columns("consultation")}
    seeded.engine.dispose()
    command.upgrade(alembic_config(seeded), "head")
    with seeded.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT c.number, q.question, q.seq FROM consultation q JOIN complaint c "
            "ON c.id = q.complaint_id ORDER BY q.id")).all()
    assert [tuple(r) for r in rows] == [(a, "一", 1), (b, "二", 1), (a, "三", 2)]
    assert cli("answer", a, "2", "答三", as_="h1").exit_code == 0
