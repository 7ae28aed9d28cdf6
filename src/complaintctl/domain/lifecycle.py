"""The complaint lifecycle as data, and the one pure function that applies it."""

from __future__ import annotations

from complaintctl.domain.enums import Action, Status
from complaintctl.errors import TransitionNotAllowed
from complaintctl.i18n import _, code

S = Status
_ANY_OPEN = frozenset({S.registered, S.assigned, S.investigating, S.resolved})
_WORKING = frozenset({S.assigned, S.investigating})
_UNDECIDED = frozenset({S.registered, S.assigned, S.investigating})
_CLOCKED = _UNDECIDED | {S.under_review}  # a deadline runs against the bank

#: action -> (the statuses it may start from, the status it leads to; None keeps the status)
TRANSITIONS: dict[Action, tuple[frozenset[Status], Status | None]] = {
    Action.assign: (frozenset({S.registered}), S.assigned),
    Action.reassign: (_WORKING, None),
    Action.contact: (_ANY_OPEN | {S.closed, S.under_review}, None),
    Action.investigate: (frozenset({S.assigned}), S.investigating),
    Action.note: (_ANY_OPEN | {S.closed, S.withdrawn, S.merged, S.under_review}, None),
    Action.consult: (_WORKING, None),
    Action.answer: (_WORKING | {S.resolved}, None),
    Action.evidence: (_WORKING | {S.resolved, S.under_review}, None),
    Action.resolve: (frozenset({S.investigating}), S.resolved),
    Action.close: (frozenset({S.resolved}), S.closed),
    Action.reopen: (frozenset({S.resolved, S.closed}), S.investigating),
    Action.withdraw: (_ANY_OPEN, S.withdrawn),
    Action.merge: (frozenset({S.registered, S.assigned, S.investigating}), S.merged),
    Action.archive: (frozenset({S.closed}), S.archived),
    # the regulatory clock (issue 4): pausing is a flag on the complaint, not a status
    Action.pause: (_CLOCKED, None),
    Action.resume: (_CLOCKED, None),
    Action.extend: (_UNDECIDED, None),
    Action.approve: (_UNDECIDED, None),
    Action.review_request: (frozenset({S.resolved, S.closed}), S.under_review),
    Action.review_uphold: (frozenset({S.under_review}), S.closed),
    Action.review_change: (frozenset({S.under_review}), S.investigating),
}

#: what the CLI calls each action, for "allowed: ..." hints
COMMAND_NAMES: dict[Action, str] = {
    Action.reassign: "assign",
    Action.evidence: "evidence add",
    Action.review_request: "review request",
    Action.review_uphold: "review decide",
    Action.review_change: "review decide",
}


def allowed_actions(status: Status) -> list[str]:
    """The command names that may be run on a complaint in this status, in lifecycle order."""
    names: list[str] = []
    for action, (sources, _target) in TRANSITIONS.items():
        if status in sources:
            name = COMMAND_NAMES.get(action, action.value)
            if name not in names:
                names.append(name)
    return names


def apply(status: Status, action: Action, *, number: str = "") -> Status:
    """The status after ``action``; raises TransitionNotAllowed (and changes nothing) if refused."""
    sources, target = TRANSITIONS[action]
    if status not in sources:
        allowed = ", ".join(allowed_actions(status)) or _("none")
        raise TransitionNotAllowed(
            _("Can't {action} {number} when it is {status} (allowed: {allowed}).").format(
                action=COMMAND_NAMES.get(action, action.value),
                number=number or _("the complaint"),
                status=code(status.value),
                allowed=allowed,
            )
        )
    return status if target is None else target
