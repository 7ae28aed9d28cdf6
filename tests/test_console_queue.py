"""The staff console's work queue (``complaints.queue``): ``list --sort urgency`` paged, with
the same filters, the same order and the same masked rows as the CLI gives for that role."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import select

from complaintctl.errors import InvalidData, PermissionDenied
from complaintctl.services.complaints import queue as svc
from complaintctl.services.complaints.queries import Filters
from complaintctl.store.models import Event
from conftest import actor
from consolekit import MASKED_PHONE, PHONE, cli_json, spread

OPEN = ["--status", "registered", "--status", "assigned", "--status", "investigating",
        "--status", "resolved"]


def page(db, who, filters=None, **kwargs) -> svc.Page:
    with db.session() as session:
        return svc.queue(session=session, actor=actor(who), filters=filters or Filters(),
                         **kwargs)


def whole(db, who, filters=None, per_page=3) -> list[dict]:
    """Every page of the queue, one after another."""
    first = page(db, who, filters, per_page=per_page)
    rows = list(first.rows)
    for n in range(2, first.pages + 1):
        rows += page(db, who, filters, page=n, per_page=per_page).rows
    return rows


def without_clock(rows):
    """The rows less what moves with the wall clock between two reads."""
    return [{k: v for k, v in r.items() if k not in ("seconds_left", "time_left", "urgency")}
            for r in rows]


def test_the_queue_pages_through_what_list_sort_urgency_gives_in_the_same_order(cli):
    spread(cli.database)
    for who in ("admin", "sup", "clerk", "h1", "sup2"):
        listed = cli_json(cli, "list", *OPEN, "--sort", "urgency", as_=who)
        paged = whole(cli.database, who)
        assert [r["number"] for r in paged] == [r["number"] for r in listed], who
        assert without_clock(paged) == without_clock(listed), who
        first = page(cli.database, who, per_page=3)
        assert first.total == len(listed) and first.pages == -(-len(listed) // 3)


@pytest.mark.parametrize("options, filters", [
    (["--branch", "bj01"], Filters(branch="bj01")),
    (["--assignee", "h1"], Filters(assignee="h1")),
    (["--overdue"], Filters(overdue=True)),
    (["--due-within", "5d"], Filters(due_within=timedelta(days=5))),
    (["--channel", "email", "--channel", "online"], Filters(channel=["email", "online"])),
    (["--product", "credit_card"], Filters(product="credit_card")),
    (["--status", "assigned"], Filters(status=["assigned"])),
])
def test_each_filter_of_the_queue_finds_what_the_same_list_option_finds(cli, options, filters):
    made = spread(cli.database)
    status = [] if "--status" in options else OPEN
    listed = cli_json(cli, "list", *status, *options, "--sort", "urgency", as_="sup")
    paged = whole(cli.database, "sup", filters)
    assert [r["number"] for r in paged] == [r["number"] for r in listed]
    assert listed, "each filter finds something in the spread"
    if options == ["--overdue"]:
        assert made["late"] in [r["number"] for r in paged]


def test_the_most_urgent_complaint_heads_the_queue_and_the_overdue_one_is_flagged(seeded):
    made = spread(seeded)
    rows = page(seeded, "sup").rows
    assert rows[0]["urgency"] == max(r["urgency"] for r in rows)
    late = next(r for r in whole(seeded, "sup") if r["number"] == made["late"])
    assert late["overdue"] is True


def test_the_queue_masks_personal_data_for_every_role_unless_a_permitted_role_unmasks(seeded):
    made = spread(seeded)
    for who in ("clerk", "h1", "sup", "admin"):
        late = next(r for r in whole(seeded, who) if r["number"] == made["late"])
        assert late["customer"]["phone"] == MASKED_PHONE, who
    with seeded.session() as session:
        unmasked = svc.queue(session=session, actor=actor("sup"),
                             filters=Filters(product="credit_card"), unmask=True)
    late = next(r for r in unmasked.rows if r["number"] == made["late"])
    assert late["customer"]["phone"] == PHONE
    with seeded.session() as session:
        event = session.exec(select(Event).where(Event.action == "unmask")
                             .order_by(Event.seq.desc())).first()
    assert event.actor == "sup"
    assert json.loads(event.details)["command"] == "queue"
    assert set(json.loads(event.details)["complaints"]) == {r["number"] for r in unmasked.rows}


def test_a_clerk_asking_to_unmask_the_queue_is_refused_on_the_trail_and_shown_nothing(seeded):
    spread(seeded)
    with pytest.raises(PermissionDenied, match="`--unmask` needs the role supervisor or auditor or admin; clerk is a clerk"):
        page(seeded, "clerk", unmask=True)
    with seeded.session() as session:
        refusal = session.exec(select(Event).where(Event.kind == "refusal")
                               .order_by(Event.seq.desc())).first()
        unmasks = session.exec(select(Event).where(Event.action == "unmask")).all()
    assert (refusal.actor, refusal.action) == ("clerk", "queue")
    assert unmasks == []


def test_branch_staff_see_only_their_branches_and_are_refused_another(seeded):
    made = spread(seeded)
    numbers = {r["number"] for r in whole(seeded, "sup2")}
    assert numbers == {made["shanghai"], made["shanghai2"]}
    with pytest.raises(PermissionDenied):
        page(seeded, "sup2", Filters(branch="BJ01"))


def test_a_page_past_the_last_is_empty_and_a_bad_page_size_is_refused(seeded):
    spread(seeded)
    beyond = page(seeded, "admin", page=99, per_page=5)
    assert beyond.rows == [] and beyond.total > 0
    for bad in ({"page": 0}, {"per_page": 0}, {"per_page": svc.MAX_PER_PAGE + 1}):
        with pytest.raises(InvalidData, match="The page must be 1 or more"):
            page(seeded, "admin", **bad)
    with pytest.raises(InvalidData, match="No branch 'XX99'"):
        page(seeded, "admin", Filters(branch="XX99"))
