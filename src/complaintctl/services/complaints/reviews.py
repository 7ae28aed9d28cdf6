"""The review (核查, CBIRC Art 20): a customer who disputes a decision asks the organisation
above the branch to look at it again; its supervisors decide.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from complaintctl.domain import deadlines
from complaintctl.domain.clock import iso
from complaintctl.domain.deadlines import ClockKind
from complaintctl.domain.enums import (
    Action,
    ReviewResult,
)
from complaintctl.domain.permissions import Permission
from complaintctl.errors import (
    PermissionDenied,
    TransitionNotAllowed,
)
from complaintctl.i18n import _
from complaintctl.store.models import Complaint
from complaintctl.services.core import config as config_service
from complaintctl.services.notify import outbox as notify
from complaintctl.services.core import org_tree as organisations
from complaintctl.services.core.kernel import (
    acting_on, effective_time, resolve_number, record_change, required_text, set_fields,
)
from complaintctl.services.core.context import Actor


def review_request(*, session: Session, actor: Actor, number: str, note: str | None = None,
                   at: datetime | None = None) -> Complaint:
    """The customer asks for a review within the window after the decision notice."""
    number = resolve_number(session, number)
    with acting_on(session, actor, Action.review_request, number, Permission.contact) as complaint:
        cfg = config_service.load(session)
        profile = cfg.profile(complaint.clock_profile)
        if profile.review_window is None or profile.review_decision is None:
            raise TransitionNotAllowed(_("Profile {profile} has no review; {number} can't be "
                                         "reviewed.").format(profile=profile.name, number=number))
        at = effective_time(session, at, complaint)
        notice = complaint.notified_at or complaint.last_event_at
        closes = deadlines.review_window_closes(profile, notice, tz=cfg.tz,
                                                calendar=cfg.calendar(profile))
        if at > closes:
            raise TransitionNotAllowed(
                _("Can't review {number}: the review window closed {closes} ({rule} after the "
                  "decision notice of {notice}).").format(
                      number=number, closes=iso(closes, cfg.tz),
                      rule=profile.review_window.describe(), notice=iso(notice, cfg.tz))
            )
        changes: dict[str, list[Any]] = {}
        set_fields(complaint, changes, clock_kind=ClockKind.review.value, clock_started_at=at,
             review_requested_at=at, review_result=None, closed_at=None, warned_percent=0,
             escalation_level=0)
        record_change(session, actor, complaint, Action.review_request, at,
                details={"note": note, "window_closes": iso(closes), "changes": changes})
        notify.queue(session, complaint=complaint, event="review_requested",
                     recipients=_reviewers(session, complaint.branch),
                     what=_("review requested by the customer; decide by {due}").format(
                         due=(iso(complaint.due_at, cfg.tz) or "")[:16].replace("T", " ")),
                     at=at)
    return complaint


def _reviewers(session: Session, branch: str | None) -> list:
    """Who decides a review (核查, CBIRC Art 20): the supervisors of the organisation the branch
    reports to (the organisation tree); none there, or no parent: head office."""
    parent = organisations.parent_of(session, branch)
    if parent is not None:
        found = [s for s in notify.branch_supervisors(session, parent) if s.branch == parent]
        if found:
            return found
    return notify.head_office(session)


def review_decide(*, session: Session, actor: Actor, number: str, result: ReviewResult,
                  findings: str, at: datetime | None = None) -> Complaint:
    """Decide the review: upheld closes it, changed reopens it into investigation.

    The reviewer belongs to an organisation above the complaint's branch (its parent in the
    organisation tree, or further up) or to head office (a supervisor without a branch, or an
    admin), and has no part in the original handling (Art 17: recusal).
    """
    number = resolve_number(session, number)
    action = Action.review_uphold if result is ReviewResult.upheld else Action.review_change
    with acting_on(session, actor, action, number, Permission.reopen) as complaint:
        if actor.branch is not None and actor.branch not in organisations.ancestors(
                session, complaint.branch or ""):
            raise PermissionDenied(_("Permission denied: a review is decided by the parent "
                                     "organisation or head office (a supervisor without a branch, "
                                     "or an admin); {user} works for branch {branch}.").format(
                                         user=actor.username, branch=actor.branch))
        if actor.username == complaint.assignee:
            raise PermissionDenied(_("Permission denied: {user} handled {number} and can't "
                                     "review it (recusal).").format(user=actor.username,
                                                                     number=number))
        findings = required_text(findings, _("The findings (--findings)"),
                                 field="findings")
        at = effective_time(session, at, complaint)
        changes: dict[str, list[Any]] = {}
        if result is ReviewResult.upheld:
            set_fields(complaint, changes, review_result=result.value, closed_at=at)
        else:
            set_fields(complaint, changes, review_result=result.value,
                 reopen_count=complaint.reopen_count + 1, closed_at=None)
        record_change(session, actor, complaint, action, at,
                details={"result": result.value, "findings": findings, "changes": changes})
        notify.queue(session, complaint=complaint, event="review_decided",
                     recipients=notify.staff_named(session, complaint.assignee)
                     + notify.branch_supervisors(session, complaint.branch),
                     what=_("review decided: {result}").format(result=result.value), at=at,
                     skip={actor.username})
    return complaint
