"""The work queue of the staff console: the complaints matching the list filters, most urgent
first, one page at a time.

It is ``list --sort urgency`` paged: the same filters (``queries.matching``: the actor's
branches, the branch and handler checked by ``filter_values``), the same urgency (the clock's
``view_fields``), ties in number order, and each row the same object ``list --format json``
gives (``shapes.complaint_dict``), masked unless the actor asks to unmask and may (audited, as
``list --unmask``). Only the page's rows are built in full; the others are scored and counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from complaintctl.domain.enums import OPEN_STATUSES, Status
from complaintctl.errors import InvalidData
from complaintctl.i18n import _
from complaintctl.services.complaints.queries import Filters, children, matching
from complaintctl.services.complaints.shapes import complaint_dict
from complaintctl.services.core.context import (
    Actor,
    check_reading,
    now,
    record_unmasking,
    timezone_of,
)
from complaintctl.store.models import Complaint, ComplaintTag

#: the statuses the queue shows when none is chosen: the open work, in lifecycle order
OPEN_WORK = [s.value for s in (Status.registered, Status.assigned, Status.investigating,
                                Status.resolved) if s in OPEN_STATUSES]
PER_PAGE = 25
MAX_PER_PAGE = 200


@dataclass(frozen=True)
class Page:
    """One page of the queue: its rows (``list --format json``'s objects), the page's number
    (from 1), how many rows a page holds and how many complaints match in all."""

    rows: list[dict[str, Any]]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def as_json(self) -> dict[str, Any]:
        return {"page": self.page, "per_page": self.per_page, "total": self.total,
                "pages": self.pages, "rows": self.rows}


def queue(*, session: Session, actor: Actor, filters: Filters, page: int = 1,
          per_page: int = PER_PAGE, unmask: bool = False) -> Page:
    """Page ``page`` of the complaints matching ``filters`` (the open work when no status is
    given) within the actor's branches, most urgent first. Refused (exit 4, on the trail as
    ``queue``) as ``list`` is; a page past the last is an empty page, not an error."""
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidData(_("The page must be 1 or more and a page holds 1 to {most} "
                            "complaints.").format(most=MAX_PER_PAGE))
    check_reading(session, actor, "queue", unmask=unmask)
    if not filters.status:
        filters = Filters(**{**filters.__dict__, "status": list(OPEN_WORK)})
    query, filters = matching(session, actor, filters, "queue")
    complaints = session.exec(query.order_by(col(Complaint.id))).all()
    ranked = _by_urgency(session, complaints)
    chosen = ranked[(page - 1) * per_page: page * per_page]
    tz = timezone_of(session)
    tags, remedies = children(session, [c.id for c in chosen])
    weights, paused = _clock_inputs(session, chosen)
    rows = [complaint_dict(c, tags=tags[c.id], remedies=remedies[c.id], unmask=unmask, tz=tz,
                           paused_since=paused.get(c.id), weights=weights) for c in chosen]
    if unmask and rows:
        numbers = [r["number"] for r in rows]
        record_unmasking(session, actor, "queue",
                         complaint=numbers[0] if len(numbers) == 1 else None,
                         complaints=numbers, count=len(numbers))
    return Page(rows, page, per_page, len(ranked))


def _clock_inputs(session: Session, complaints):
    from complaintctl.services.clock.state import open_pauses
    from complaintctl.services.core import config

    return (config.load(session).weights,
            open_pauses(session, [c.id for c in complaints if c.paused]))


def _by_urgency(session: Session, complaints) -> list[Complaint]:
    """``complaints`` (in number order) most urgent first, ties kept in number order: the
    order of ``list --sort urgency``."""
    from complaintctl.services.clock.state import view_fields

    ids = [c.id for c in complaints]
    tags: dict[int, list[str]] = {i: [] for i in ids}
    for start in range(0, len(ids), 900):  # within every back end's limit of parameters
        for cid, tag in session.exec(
                select(ComplaintTag.complaint_id, ComplaintTag.tag)
                .where(col(ComplaintTag.complaint_id).in_(ids[start:start + 900]))
                .order_by(ComplaintTag.complaint_id, ComplaintTag.tag)):
            tags[cid].append(tag)
    weights, paused = _clock_inputs(session, complaints)
    at = now()
    score = {c.id: view_fields(c, tags=tags[c.id], paused_since=paused.get(c.id), as_of=at,
                               weights=weights)["urgency"] for c in complaints}
    return sorted(complaints, key=lambda c: -score[c.id])


#: the actions the console offers on a complaint, each with its permission and the
#: lifecycle's action it is checked as (assign is reassign once a complaint is assigned)
CONSOLE_ACTIONS = ("assign", "contact", "investigate", "consult", "resolve", "close")


def complaint_page(*, session: Session, actor: Actor, number: str,
                   unmask: bool = False) -> dict[str, Any]:
    """One complaint for the console: ``show``'s object, its evidence files (``evidence
    list``'s) and ``actions``: those of CONSOLE_ACTIONS the actor may take on it now (their
    role and branch scope allow it and its status does), so the page offers only those.
    Reading is refused, and unmasking audited, as ``show`` and ``evidence list`` do."""
    from complaintctl.services.complaints import handling, queries

    data = queries.show(session=session, actor=actor, number=number, unmask=unmask)
    data["evidence"] = handling.evidence_list(session=session, actor=actor,
                                              number=data["number"], unmask=unmask)
    data["actions"] = permitted_actions(actor, data)
    return data


def permitted_actions(actor: Actor, shown: dict[str, Any]) -> list[str]:
    """Which of CONSOLE_ACTIONS ``actor`` may take on the complaint ``shown`` (its branch,
    assignee and status): the permission matrix and the lifecycle table, asked without
    recording anything (the action itself checks again, and records a refusal)."""
    from types import SimpleNamespace

    from complaintctl.domain import lifecycle
    from complaintctl.domain.enums import Action
    from complaintctl.domain.permissions import Permission
    from complaintctl.errors import PermissionDenied

    target = SimpleNamespace(branch=shown["branch"], assignee=shown["assignee"],
                             number=shown["number"])
    status = Status(shown["status"])
    allowed = []
    for name in CONSOLE_ACTIONS:
        action = Action(name)
        if action is Action.assign and status is not Status.registered:
            action = Action.reassign
        if status not in lifecycle.TRANSITIONS[action][0]:
            continue
        try:
            actor.check(Permission(name), complaint=target)
        except PermissionDenied:
            continue
        allowed.append(name)
    return allowed
