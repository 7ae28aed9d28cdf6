"""The workspace's pure parts (issue 21): the countdown's colour at 50 % and 80 % of the clock,
and the filter line read in the syntax of ``list``'s options."""

from __future__ import annotations

from datetime import timedelta

import pytest

from complaintctl.errors import InvalidData, UsageProblem
from complaintctl.tui import cells
from complaintctl.tui.filterline import Query, parse

DAY = 86400


def row(left: int | None, *, budget_days: int = 10, paused=False, warning=None) -> dict:
    return {"seconds_left": left, "received_at": "2026-12-01T00:00:00+08:00",
            "due_at": f"2026-12-{1 + budget_days:02d}T00:00:00+08:00", "paused": paused,
            "warning": warning}


@pytest.mark.parametrize(("left", "stage"), [
    (10 * DAY, "fresh"), (5 * DAY + 1, "fresh"), (5 * DAY, "half"), (2 * DAY + 1, "half"),
    (2 * DAY, "late"), (0, "late"), (-1, "overdue"), (None, "none")])
def test_the_countdown_changes_colour_at_half_and_four_fifths_of_the_clock(left, stage):
    assert cells.stage(row(left), left) == stage
    assert cells.countdown(row(left)).style == cells.STYLES[stage]


def test_a_stored_warning_counts_and_a_paused_clock_is_frozen_and_said():
    assert cells.stage(row(8 * DAY, warning="80%"), 8 * DAY) == "late"
    paused = row(3 * DAY, paused=True)
    assert cells.left_now(paused, 3600) == 3 * DAY
    assert cells.left_now(row(3 * DAY), 3600) == 3 * DAY - 3600
    assert str(cells.countdown(paused)) == "3d 0h paused"
    assert str(cells.countdown(row(-3 * 3600))) == "-3h 0m overdue"


def test_the_countdown_is_redrawn_from_the_time_passed_since_the_read():
    assert str(cells.countdown(row(DAY), elapsed=2 * 3600)) == "22h 0m"


def test_the_filter_line_reads_lists_options():
    assert parse("") == Query()
    assert parse("--status assigned --status=investigating --branch BJ01 --assignee h1 "
                 "--text '年费 重复' --overdue --channel phone --tag elderly --product card"
                 ) == Query(status=("assigned", "investigating"), branch="BJ01", assignee="h1",
                            text="年费 重复", overdue=True, channel=("phone",), tag=("elderly",),
                            product="card")
    assert parse("--due-within 36h").due_within == timedelta(hours=36)
    assert parse("年费 --branch BJ01 扣收") == Query(branch="BJ01", text="年费 扣收")


@pytest.mark.parametrize(("line", "error", "message"), [
    ("--status open", UsageProblem, "'open' is not a valid --status; use one of: registered, "),
    ("--channel pigeon", UsageProblem, "'pigeon' is not a valid --channel; use one of: "),
    ("--colour red", UsageProblem, "No such filter option: --colour. Use one of: --status, "),
    ("--branch", UsageProblem, "Option '--branch' requires a value."),
    ("--text 'open", UsageProblem, "The filter line has an unclosed quote."),
    ("--due-within soon", InvalidData, "'soon' is not a duration; write it like 2d"),
])
def test_a_mistake_in_the_filter_line_says_what_to_type(line, error, message):
    with pytest.raises(error) as caught:
        parse(line)
    assert str(caught.value).startswith(message)
