"""The lifecycle table, checked against the issue's rules written out a second time here.

Pure: no database. Every action is tried from every status.
"""

from __future__ import annotations

import pytest

from complaintctl.domain.enums import CLOSED_STATUSES, OPEN_STATUSES, Action, Status
from complaintctl.domain.lifecycle import TRANSITIONS, allowed_actions, apply
from complaintctl.errors import ComplaintError, TransitionNotAllowed

S = Status
OPEN = {S.registered, S.assigned, S.investigating, S.resolved}
KEEP = None  # the action leaves the status as it is
UNDECIDED = {S.registered, S.assigned, S.investigating}
CLOCKED = UNDECIDED | {S.under_review}  # the regulatory clock runs (issue 4)

#: the issue's lifecycle, restated independently: action -> {from status: to status}
EXPECTED: dict[Action, dict[Status, Status | None]] = {
    Action.assign: {S.registered: S.assigned},
    Action.reassign: {S.assigned: KEEP, S.investigating: KEEP},
    Action.contact: {s: KEEP for s in OPEN | {S.closed, S.under_review}},
    Action.investigate: {S.assigned: S.investigating},
    Action.note: {s: KEEP for s in OPEN | {S.closed, S.withdrawn, S.merged, S.under_review}},
    Action.consult: {S.assigned: KEEP, S.investigating: KEEP},
    Action.answer: {S.assigned: KEEP, S.investigating: KEEP, S.resolved: KEEP},
    Action.evidence: {S.assigned: KEEP, S.investigating: KEEP, S.resolved: KEEP,
                      S.under_review: KEEP},
    Action.resolve: {S.investigating: S.resolved},
    Action.close: {S.resolved: S.closed},
    Action.reopen: {S.resolved: S.investigating, S.closed: S.investigating},
    Action.withdraw: {s: S.withdrawn for s in OPEN},
    Action.merge: {S.registered: S.merged, S.assigned: S.merged, S.investigating: S.merged},
    Action.archive: {S.closed: S.archived},
    # the regulatory clock (issue 4): pausing is a flag, review a status
    Action.pause: {s: KEEP for s in CLOCKED},
    Action.resume: {s: KEEP for s in CLOCKED},
    Action.extend: {s: KEEP for s in UNDECIDED},
    Action.approve: {s: KEEP for s in UNDECIDED},
    Action.review_request: {S.resolved: S.under_review, S.closed: S.under_review},
    Action.review_uphold: {S.under_review: S.closed},
    Action.review_change: {S.under_review: S.investigating},
}

#: the CLI command that runs each action (what a refusal message offers)
COMMAND = {Action.reassign: "assign", Action.evidence: "evidence add",
           Action.review_request: "review request", Action.review_uphold: "review decide",
           Action.review_change: "review decide"}

CASES = [(action, status) for action in EXPECTED for status in Status]


def _allowed_from(status: Status) -> list[str]:
    names: list[str] = []
    for action, sources in EXPECTED.items():
        name = COMMAND.get(action, action.value)
        if status in sources and name not in names:
            names.append(name)
    return names


def test_the_table_covers_exactly_the_actions_that_move_a_complaint():
    assert set(TRANSITIONS) == set(EXPECTED)
    assert Action.register not in TRANSITIONS  # registration creates, it does not transition


@pytest.mark.parametrize(("action", "status"), CASES, ids=lambda v: str(v))
def test_every_action_from_every_status_is_allowed_or_refused_as_the_issue_says(action, status):
    sources = EXPECTED[action]
    if status in sources:
        expected = sources[status] or status
        assert apply(status, action, number="CMP-2026-000001") is expected
    else:
        with pytest.raises(TransitionNotAllowed) as refused:
            apply(status, action, number="CMP-2026-000001")
        allowed = ", ".join(_allowed_from(status)) or "none"
        verb = COMMAND.get(action, action.value)
        assert str(refused.value) == (
            f"Can't {verb} CMP-2026-000001 when it is {status.value} (allowed: {allowed})."
        )
        assert refused.value.exit_code == 3


def test_a_refusal_names_the_status_and_the_actions_allowed_from_it():
    with pytest.raises(TransitionNotAllowed) as refused:
        apply(S.investigating, Action.close, number="CMP-2026-000042")
    assert str(refused.value) == (
        "Can't close CMP-2026-000042 when it is investigating (allowed: assign, contact, note, "
        "consult, answer, evidence add, resolve, withdraw, merge, pause, resume, extend, "
        "approve)."
    )


def test_an_archived_complaint_allows_nothing_and_says_so():
    assert allowed_actions(S.archived) == []
    with pytest.raises(TransitionNotAllowed, match=r"when it is archived \(allowed: none\)\.$"):
        apply(S.archived, Action.note, number="CMP-2026-000001")


def test_a_refusal_without_a_number_speaks_of_the_complaint():
    with pytest.raises(TransitionNotAllowed) as refused:
        apply(S.registered, Action.resolve)
    assert str(refused.value).startswith("Can't resolve the complaint when it is registered")


def test_a_closed_complaint_can_be_reopened_but_not_resolved():
    assert apply(S.closed, Action.reopen) is S.investigating
    with pytest.raises(TransitionNotAllowed):
        apply(S.closed, Action.resolve)


def test_a_resolved_complaint_can_be_reopened_closed_or_withdrawn_but_not_merged():
    assert apply(S.resolved, Action.reopen) is S.investigating
    assert apply(S.resolved, Action.close) is S.closed
    assert apply(S.resolved, Action.withdraw) is S.withdrawn
    with pytest.raises(TransitionNotAllowed):
        apply(S.resolved, Action.merge)


def test_the_happy_path_runs_from_registered_to_archived():
    status = S.registered
    for action, expected in [
        (Action.assign, S.assigned),
        (Action.investigate, S.investigating),
        (Action.resolve, S.resolved),
        (Action.close, S.closed),
        (Action.archive, S.archived),
    ]:
        status = apply(status, action)
        assert status is expected


def test_only_open_complaints_can_be_withdrawn():
    for status in Status:
        if status in OPEN_STATUSES:
            assert apply(status, Action.withdraw) is S.withdrawn
        else:
            with pytest.raises(TransitionNotAllowed):
                apply(status, Action.withdraw)


def test_withdrawn_merged_and_archived_complaints_are_final():
    final = {S.withdrawn, S.merged, S.archived}
    for status in final:
        for action, (sources, target) in TRANSITIONS.items():
            if status in sources:
                assert action is Action.note and target is None


def test_closed_and_archived_are_the_closed_statuses():
    assert CLOSED_STATUSES == {S.closed, S.archived}
    assert OPEN_STATUSES == OPEN


def test_the_allowed_list_follows_the_lifecycle_order_without_duplicates():
    for status in Status:
        assert allowed_actions(status) == _allowed_from(status)


def test_a_transition_refusal_is_a_complaint_error_with_exit_code_3():
    assert issubclass(TransitionNotAllowed, ComplaintError)
    assert TransitionNotAllowed.exit_code == 3
