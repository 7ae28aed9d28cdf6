"""Whether a message was taken in already, and which complaint a reply belongs to."""

from __future__ import annotations

import json

from sqlmodel import Session, col, select

from complaintctl.domain.enums import Action
from complaintctl.services.intake.mail import parse as mail
from complaintctl.store.models import Complaint, Event

#: ``external_source`` of complaints registered from mail (``external_ref`` = Message-ID)
MAIL_SOURCE = "mail"


def taken_as(session: Session, key: str) -> str | None:
    return session.exec(
        select(Complaint.number).where(
            Complaint.external_source == MAIL_SOURCE, Complaint.external_ref == key
        )
    ).first()


def reply_target(session: Session, record: mail.MailRecord
                  ) -> tuple[Complaint | None, list[Complaint]]:
    """The complaint a reply belongs to: by a referenced message we took in or sent (our
    Message-IDs carry the number), else by a number in the subject; merges are followed."""
    found: Complaint | None = None
    for ref in record.references:
        found = session.exec(
            select(Complaint).where(Complaint.external_source == MAIL_SOURCE,
                                    Complaint.external_ref == mail.message_key(ref))
        ).first()
        if found is None:
            match = mail.NUMBER.search(ref)
            if match:
                found = _by_number(session, f"CMP-{match.group(1)}-{match.group(2)}")
        if found is not None:
            break
    if found is None:
        for number in record.numbers:
            found = _by_number(session, number)
            if found is not None:
                break
    chain: list[Complaint] = []
    while found is not None and found not in chain:
        chain.append(found)
        found = _by_number(session, found.merged_into) if found.merged_into else None
    return (chain[-1] if chain else None), chain


def _by_number(session: Session, number: str) -> Complaint | None:
    return session.exec(
        select(Complaint).where(Complaint.number == number.upper()).with_for_update()
    ).first()


def attached_to(session: Session, chain: list[Complaint], key: str) -> bool:
    """Whether a contact event of these complaints came from the message ``key``."""
    ids = [c.id for c in chain]
    rows = session.exec(
        select(Event.details).where(
            col(Event.complaint_id).in_(ids), Event.action == Action.contact.value,
            col(Event.details).contains(json.dumps(key, ensure_ascii=False)[1:-1], autoescape=True),
        )
    ).all()
    return any(json.loads(details).get("message_id") == key for details in rows)
