"""The audit trail's writer: every change appends its event to the hash chain here, in the
transaction of the change (``record``; ``record_many`` and ``BulkAppender`` for an import).
Reading and verifying the chain is ``services.audit``."""

from __future__ import annotations

import json
from collections.abc import Iterable
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from complaintctl.domain import chain
from complaintctl.domain.enums import EventKind
from complaintctl.domain.row_state import state_lines, utc_text as _utc
from complaintctl.store.models import AuditHead, Event
from complaintctl.services.core import delegation, lateness
from complaintctl.services.core.state import stamps
from complaintctl.services.core.stored import chain_key, now


def hashed_fields(event: Event) -> dict[str, Any]:
    return hashed(
        {name: getattr(event, name) for name in (*HASHED_COLUMNS, "state")},
        json.loads(event.details),
    )


HASHED_COLUMNS = (
    "seq", "number", "kind", "action", "actor", "at", "recorded_at", "from_status",
    "to_status", "personal_digest",
)


def hashed(values: dict[str, Any], details: Any) -> dict[str, Any]:
    """What an event's hash covers: its columns, details as data, personal data as a digest,
    and the state of the complaints it changed (issue 23; absent from older events, whose hash
    stays what it was)."""
    fields = {
        "seq": values["seq"],
        "number": values["number"],
        "kind": values["kind"],
        "action": values["action"],
        "actor": values["actor"],
        "at": _utc(values["at"]),
        "recorded_at": _utc(values["recorded_at"]),
        "from_status": values["from_status"],
        "to_status": values["to_status"],
        "details": details,
        "personal_digest": values["personal_digest"],
    }
    state = values.get("state")
    if state is not None:
        fields["state"] = state
    return fields


def event_values(
    seq: int,
    prev_hash: str,
    key: bytes,
    recorded_at: datetime,
    *,
    kind: EventKind,
    action: str,
    actor: str,
    at: datetime,
    complaint=None,
    complaint_id: int | None = None,
    number: str | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    details: dict[str, Any] | None = None,
    personal: dict[str, Any] | None = None,
    state: str | None = None,
) -> dict[str, Any]:
    """One event's column values, its hash linked to ``prev_hash``: the single definition
    shared by ``record`` and ``record_many`` so both build the same chain."""
    personal = {k: v for k, v in (personal or {}).items() if v not in (None, "", [], {})}
    details = delegation.with_delegation(actor, details)
    personal_text = chain.canonical(personal) if personal else None
    details_text = chain.canonical(details or {}).decode()
    values = {
        "seq": seq,
        "complaint_id": complaint.id if complaint is not None else complaint_id,
        "number": complaint.number if complaint is not None else number,
        "kind": kind.value,
        "action": action,
        "actor": actor,
        "at": at,
        "recorded_at": recorded_at,
        "from_status": from_status,
        "to_status": to_status,
        "details": details_text,
        "personal": personal_text.decode() if personal_text else None,
        "personal_digest": chain.digest_of_canonical(key, personal_text) if personal_text
        else None,
        "prev_hash": prev_hash,
        "state": state,
    }
    # the hashed fields' canonical form with the details spliced in already canonical: the
    # same bytes as canonical(hashed(values, json.loads(details_text))), one encoding less
    fields = chain.canonical(hashed(values, SPLICE)).decode()
    fields = fields.replace(SPLICED, details_text, 1)
    values["hash"] = chain.event_hash_of_canonical(fields.encode(), prev_hash)
    return values


SPLICE = "\x00details\x00"
SPLICED = '"\\u0000details\\u0000"'



def locked_head(session: Session) -> AuditHead:
    """The chain head, locked and read afresh in this transaction.

    ``populate_existing``: a session that committed before (sessions keep their objects after a
    commit) would otherwise be handed the head as it was then, and number its next event after
    a head that other writers have since moved on.
    """
    return session.exec(select(AuditHead).where(AuditHead.id == 1).with_for_update()
                        .execution_options(populate_existing=True)).one()


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
    covers: Sequence[Any] = (),
) -> Event:
    """Append one event to the chain, in the caller's transaction. It carries the state of
    ``complaint`` (and of the complaints in ``covers``: a purge) as they now stand, and, for
    a change taking effect at a late time (``lateness.check``), ``late`` in its details.

    The chain head row is locked first (SELECT ... FOR UPDATE on PostgreSQL; on SQLite the
    write transaction already holds the database's write lock), so appends are serialised.
    """
    if kind == EventKind.change and complaint is not None:
        note = lateness.take(session, at)  # an effective time more than the window back
        if note is not None:
            details = {**(details or {}), "late": note.as_details()}
    changed = [complaint, *covers] if complaint is not None else list(covers)
    state = state_lines(stamps(session, changed)) if changed else None
    head = locked_head(session)
    event = Event(
        **event_values(
            head.count + 1, head.last_hash, chain_key(session), now(), kind=kind, action=action,
            actor=actor, at=at, complaint=complaint, number=number, from_status=from_status,
            to_status=to_status, details=details, personal=personal, state=state,
        )
    )
    head.count = event.seq
    head.last_hash = event.hash
    session.add(event)
    session.add(head)
    return event


def record_many(session: Session, events: Iterable[dict[str, Any]]) -> int:
    """Append many events at once, in the caller's transaction; returns how many.

    Each item holds ``record``'s keyword arguments (``complaint_id`` may stand for
    ``complaint``). The chain is exactly the one ``record`` would build appending them one by
    one (a test checks), but the rows go in with one Core executemany and the head is read and
    written once: the import's fast path.
    """
    appender = BulkAppender(session)
    rows = appender.build(events)
    appender.insert(session, rows)
    appender.close(session)
    return len(rows)


class BulkAppender:
    """The chain's head held for a run of bulk appends in one transaction (an import).

    ``build`` hashes events onto the chain in memory; ``insert`` writes built rows (possibly
    from a writer thread, after their ``complaint_id`` is known: it is not hashed); ``close``
    stores the new head. The head row is locked when the appender is made, so no other writer
    can append in between.
    """

    def __init__(self, session: Session):
        session.flush()  # ORM-pending events (and the head) first, so the chain stays in order
        head = locked_head(session)
        self._head = head
        self.key = chain_key(session)
        self.recorded_at = now()
        self.seq, self.prev = head.count, head.last_hash
        self._start = head.count

    def build(self, events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        rows = []
        for item in events:
            self.seq += 1
            values = event_values(self.seq, self.prev, self.key, self.recorded_at, **item)
            self.prev = values["hash"]
            rows.append(values)
        return rows

    def insert(self, session: Session, rows: list[dict[str, Any]]) -> None:
        from complaintctl.store.bulk import bulk_table

        bulk_table(session, Event.__table__).insert(session, rows)

    def close(self, session: Session) -> None:
        from sqlalchemy import update

        if self.seq != self._start:
            session.execute(
                update(AuditHead.__table__)
                .where(AuditHead.__table__.c.id == 1)
                .values(count=self.seq, last_hash=self.prev)
            )
        session.expire(self._head)
