"""Who hears of an incident: the plan's people (a user name or a role) and the messages queued
to them in the notification outbox, noted on the incident's timeline."""

from __future__ import annotations

import json
from datetime import datetime

from sqlmodel import Session, select

from complaintctl.domain.plan import Plan
from complaintctl.i18n import _
from complaintctl.store.models import Incident, IncidentAction, Staff
from complaintctl.services.core.context import now
from complaintctl.services.notify import outbox as notify


def people(session: Session, spec: str) -> list[Staff]:
    """A plan's person: a staff user name, or a role meaning every active member with it."""
    one = session.exec(select(Staff).where(Staff.username == spec, Staff.active == True)  # noqa: E712
                       ).first()
    if one is not None:
        return [one]
    return list(session.exec(select(Staff).where(Staff.role == spec, Staff.active == True)  # noqa: E712
                             .order_by(Staff.username)).all())


def notify_team(session: Session, incident: Incident, plan: Plan, at: datetime,
                subject: str) -> list[str]:
    """Queue a message to the level's commander, deputy and notification list."""
    level = plan.levels[incident.level]
    users: list[str] = []
    for spec in (level.commander, level.deputy, *level.notify):
        users.extend(s.username for s in people(session, spec))
    return queue(session, list(dict.fromkeys(users)), subject, incident, at)


def queue(session: Session, usernames: list[str], subject: str, incident: Incident,
          at: datetime, *, event: str = "incident") -> list[str]:
    """Queue ``subject`` for each user in the notification outbox (``services.notify``, sent
    by ``notify send``) and note on the incident's timeline who was told (kind ``notify``).
    Returns the users told."""
    if not usernames:
        return []
    recipients = notify.staff_named(session, *usernames)
    notify.queue(session, complaint=None, event=event, recipients=recipients,
                 what=_("Incident {id}: {subject}").format(id=incident.id, subject=subject),
                 at=at)
    session.add(IncidentAction(incident_id=incident.id, at=at, recorded_at=now(), by="system",
                               kind="notify", text=subject,
                               details=json.dumps({"to": usernames, "event": event},
                                                  ensure_ascii=False)))
    return usernames
