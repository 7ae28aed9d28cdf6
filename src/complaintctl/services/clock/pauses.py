"""Pausing and resuming the clock for appraisal or mediation (CBIRC Art 18, 23): the customer
is told, the due time moves later by the time the clock stood still."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from complaintctl.domain.clock import iso
from complaintctl.domain.enums import Action, ContactVia, PauseReason
from complaintctl.domain.permissions import Permission
from complaintctl.errors import InvalidData, TransitionNotAllowed
from complaintctl.i18n import _
from complaintctl.store.models import Complaint, Contact, Pause
from complaintctl.services.clock.state import open_pause
from complaintctl.services.core import config as config_service
from complaintctl.services.core.context import Actor, timezone_of
from complaintctl.services.core.kernel import (
    acting_on, effective_time, resolve_number, record_change, set_fields,
)


def pause(
    *, session: Session, actor: Actor, number: str, reason: PauseReason,
    customer_notified_via: ContactVia, note: str | None = None, at: datetime | None = None,
) -> Complaint:
    """Stop the clock for appraisal or mediation; the customer is told (Art 18, 23)."""
    from complaintctl.services.notify import outbox as notify  # its outbox table loads on first use

    number = resolve_number(session, number)
    with acting_on(session, actor, Action.pause, number, Permission.investigate) as complaint:
        if complaint.paused:
            current = open_pause(session, complaint)
            raise TransitionNotAllowed(
                _("Can't pause {number}: it is already paused since {since}; resume it first.")
                .format(number=number, since=iso(current.started_at if current else None,
                                                 timezone_of(session)))
            )
        profile = config_service.load(session).profile(complaint.clock_profile)
        if reason.value not in profile.pause_reasons:
            raise InvalidData(
                _("Profile {profile} does not stop the clock for {reason} (it allows: {allowed})."
                  ).format(profile=profile.name, reason=reason.value,
                           allowed=", ".join(profile.pause_reasons) or _("none"))
            )
        at = effective_time(session, at, complaint)
        session.add(Pause(complaint_id=complaint.id, reason=reason.value, started_at=at,
                          started_by=actor.username,
                          customer_notified_via=customer_notified_via.value,
                          note=(note or "").strip() or None))
        session.add(Contact(complaint_id=complaint.id, at=at, via=customer_notified_via.value,
                            direction="out", by=actor.username,
                            summary=_("Told the customer the clock stops for {reason}.").format(
                                reason=reason.value)))
        changes: dict[str, list[Any]] = {}
        set_fields(complaint, changes, paused=True)
        record_change(session, actor, complaint, Action.pause, at, details={
            "reason": reason.value, "customer_notified_via": customer_notified_via.value,
            "note": note, "changes": changes})
        notify.queue(session, complaint=complaint, event="paused",
                     recipients=notify.staff_named(session, complaint.assignee),
                     what=_("clock paused for {reason}").format(reason=reason.value), at=at,
                     skip={actor.username})
    return complaint


def resume(*, session: Session, actor: Actor, number: str, at: datetime | None = None
           ) -> Complaint:
    """Restart the clock; the due time moves later by the time it was stopped."""
    from complaintctl.services.notify import outbox as notify  # its outbox table loads on first use

    number = resolve_number(session, number)
    with acting_on(session, actor, Action.resume, number, Permission.investigate) as complaint:
        current = open_pause(session, complaint)
        if not complaint.paused or current is None:
            raise TransitionNotAllowed(
                _("Can't resume {number}: its clock is not paused.").format(number=number)
            )
        at = effective_time(session, at, complaint)
        current.ended_at, current.ended_by = at, actor.username
        session.add(current)
        session.flush()
        changes: dict[str, list[Any]] = {}
        set_fields(complaint, changes, paused=False)
        record_change(session, actor, complaint, Action.resume, at, details={
            "reason": current.reason, "paused_seconds": int((at - current.started_at)
                                                            .total_seconds()),
            "changes": changes})
        notify.queue(session, complaint=complaint, event="resumed",
                     recipients=notify.staff_named(session, complaint.assignee),
                     what=_("clock resumed"), at=at, skip={actor.username})
    return complaint
