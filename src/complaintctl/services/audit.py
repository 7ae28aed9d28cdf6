"""The audit trail: append to the hash chain, read it back, verify it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlmodel import Session, col, select

from complaintctl.domain import chain
from complaintctl.domain.enums import EventKind
from complaintctl.models import AuditHead, Event
from complaintctl.services.context import chain_key, now


def _utc(value: datetime) -> str:
    """The hashed form of a time: UTC, as the database hands it back, whatever offset it had."""
    return value.astimezone(timezone.utc).isoformat()


def _hashed_fields(event: Event) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "number": event.number,
        "kind": event.kind,
        "action": event.action,
        "actor": event.actor,
        "at": _utc(event.at),
        "recorded_at": _utc(event.recorded_at),
        "from_status": event.from_status,
        "to_status": event.to_status,
        "details": json.loads(event.details),
        "personal_digest": event.personal_digest,
    }


def record(
    session: Session,
    *,
    kind: EventKind,
    action: str,
    actor: str,
    at: datetime,
    complaint=None,
    number: str | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    details: dict[str, Any] | None = None,
    personal: dict[str, Any] | None = None,
) -> Event:
    """Append one event to the chain, in the caller's transaction.

    The chain head row is locked first (SELECT ... FOR UPDATE on PostgreSQL; on SQLite the
    write transaction already holds the database's write lock), so appends are serialised.
    """
    head = session.exec(select(AuditHead).where(AuditHead.id == 1).with_for_update()).one()
    personal = {k: v for k, v in (personal or {}).items() if v not in (None, "", [], {})}
    event = Event(
        seq=head.count + 1,
        complaint_id=complaint.id if complaint is not None else None,
        number=complaint.number if complaint is not None else number,
        kind=kind.value,
        action=action,
        actor=actor,
        at=at,
        recorded_at=now(),
        from_status=from_status,
        to_status=to_status,
        details=chain.canonical(details or {}).decode(),
        personal=chain.canonical(personal).decode() if personal else None,
        personal_digest=chain.personal_digest(chain_key(session), personal),
        prev_hash=head.last_hash,
        hash="",
    )
    event.hash = chain.event_hash(_hashed_fields(event), event.prev_hash)
    head.count = event.seq
    head.last_hash = event.hash
    session.add(event)
    session.add(head)
    return event


@dataclass
class VerifyResult:
    ok: bool
    events: int
    problem: str | None = None
    bad_seq: int | None = None


def verify(session: Session) -> VerifyResult:
    """Walk the chain in order; report the first event whose link or content does not match."""
    key = chain_key(session)
    prev = chain.GENESIS
    expected_seq = 1
    count = 0
    rows = session.exec(select(Event).order_by(col(Event.seq))).yield_per(2000)
    for event in rows:
        count += 1
        if event.seq != expected_seq:
            return VerifyResult(
                False, count, f"event {expected_seq} is missing (found {event.seq} next)",
                expected_seq,
            )
        if event.prev_hash != prev:
            return VerifyResult(
                False, count, f"event {event.seq} does not link to the event before it", event.seq
            )
        if event.personal is not None:
            if chain.personal_digest(key, json.loads(event.personal)) != event.personal_digest:
                return VerifyResult(
                    False, count, f"event {event.seq} personal data was altered", event.seq
                )
        if chain.event_hash(_hashed_fields(event), prev) != event.hash:
            return VerifyResult(False, count, f"event {event.seq} was altered", event.seq)
        prev = event.hash
        expected_seq += 1
    head = session.get(AuditHead, 1)
    if head is None or head.count != count or head.last_hash != prev:
        return VerifyResult(
            False,
            count,
            f"the chain head records {head.count if head else 0} events but {count} are "
            "stored: events were removed from or added to the end",
            count + 1,
        )
    return VerifyResult(True, count)


def log(session: Session, *, number: str | None = None, limit: int | None = None) -> list[Event]:
    """Events in chain order, all or one complaint's; with ``limit``, the most recent ones."""
    query = select(Event)
    if number:
        query = query.where(Event.number == number)
    if limit:
        return list(reversed(session.exec(query.order_by(col(Event.seq).desc()).limit(limit)).all()))
    return list(session.exec(query.order_by(col(Event.seq))).all())


def event_dict(event: Event, tz=None) -> dict[str, Any]:
    from complaintctl.domain.clock import iso

    return {
        "seq": event.seq,
        "number": event.number,
        "kind": event.kind,
        "at": iso(event.at, tz),
        "recorded_at": iso(event.recorded_at, tz),
        "actor": event.actor,
        "action": event.action,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "details": json.loads(event.details),
        "hash": event.hash,
    }

