"""Listing the outbox (``notify list``): each notification as shown, and its attempts."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from complaintctl.domain.clock import iso
from complaintctl.domain.permissions import Permission
from complaintctl.store.models import Notification, NotificationAttempt
from complaintctl.services.core.context import Actor, timezone_of
from complaintctl.services.notify.outbox import PENDING, shown_address


def notification_dict(n: Notification, tz=None) -> dict[str, Any]:
    return {
        "id": n.id,
        "to": shown_address(n),
        "recipient": n.recipient,
        "number": n.number,
        "event": n.event,
        "subject": n.subject,
        "status": n.status,
        "attempts": n.attempts,
        "created_at": iso(n.created_at, tz),
        "next_attempt_at": iso(n.next_attempt_at, tz) if n.status == PENDING else None,
        "sent_at": iso(n.sent_at, tz),
        "last_error": n.last_error,
    }


def list_notifications(
    *, session: Session, actor: Actor, status: str | None = None, number: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """The outbox, newest last (auditors and admins)."""
    from complaintctl.services.core.context import refusals_recorded

    from complaintctl.services.core import filter_values

    with refusals_recorded(session, actor, "notify list"):
        actor.check(Permission.audit)
    number = filter_values.check(session, actor, action="notify list", number=number).number
    query = select(Notification)
    if status:
        query = query.where(Notification.status == status)
    if number:
        query = query.where(Notification.number == number)
    query = query.order_by(col(Notification.id))
    if limit:
        query = query.order_by(None).order_by(col(Notification.id).desc()).limit(limit)
    rows = list(session.exec(query).all())
    if limit:
        rows.reverse()
    tz = timezone_of(session)
    return [notification_dict(n, tz) for n in rows]


def attempts_of(session: Session, notification_id: int) -> list[NotificationAttempt]:
    return list(session.exec(
        select(NotificationAttempt)
        .where(NotificationAttempt.notification_id == notification_id)
        .order_by(col(NotificationAttempt.id))
    ).all())
