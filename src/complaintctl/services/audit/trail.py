"""The audit trail: append to the hash chain, read it back, verify it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlmodel import Session, col, select

from complaintctl.domain import chain
from complaintctl.domain.enums import EventKind
from complaintctl.i18n import _
from complaintctl.store.models import AuditHead, Event
from complaintctl.services.core.context import chain_key, now


def _utc(value: datetime) -> str:
    """The hashed form of a time: UTC, as the database hands it back, whatever offset it had.
    Cached: an import hashes a million events with the same two times. Equal datetimes are the
    same instant, so they share one UTC form whatever their offsets."""
    text = _UTC_TEXT.get(value)
    if text is None:
        if len(_UTC_TEXT) >= 4096:
            _UTC_TEXT.clear()
        text = _UTC_TEXT[value] = value.astimezone(timezone.utc).isoformat()
    return text


_UTC_TEXT: dict[datetime, str] = {}


def _hashed_fields(event: Event) -> dict[str, Any]:
    return _hashed(
        {name: getattr(event, name) for name in _HASHED_COLUMNS}, json.loads(event.details)
    )


_HASHED_COLUMNS = (
    "seq", "number", "kind", "action", "actor", "at", "recorded_at", "from_status",
    "to_status", "personal_digest",
)


def _hashed(values: dict[str, Any], details: Any) -> dict[str, Any]:
    """What an event's hash covers: its columns, details as data, personal data as a digest."""
    return {
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


def _event_values(
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
) -> dict[str, Any]:
    """One event's column values, its hash linked to ``prev_hash``: the single definition
    shared by ``record`` and ``record_many`` so both build the same chain."""
    personal = {k: v for k, v in (personal or {}).items() if v not in (None, "", [], {})}
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
    }
    # the hashed fields' canonical form with the details spliced in already canonical: the
    # same bytes as canonical(_hashed(values, json.loads(details_text))), one encoding less
    fields = chain.canonical(_hashed(values, _SPLICE)).decode()
    fields = fields.replace(_SPLICED, details_text, 1)
    values["hash"] = chain.event_hash_of_canonical(fields.encode(), prev_hash)
    return values


_SPLICE = "\x00details\x00"
_SPLICED = '"\\u0000details\\u0000"'



def _locked_head(session: Session) -> AuditHead:
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
) -> Event:
    """Append one event to the chain, in the caller's transaction.

    The chain head row is locked first (SELECT ... FOR UPDATE on PostgreSQL; on SQLite the
    write transaction already holds the database's write lock), so appends are serialised.
    """
    head = _locked_head(session)
    event = Event(
        **_event_values(
            head.count + 1, head.last_hash, chain_key(session), now(), kind=kind, action=action,
            actor=actor, at=at, complaint=complaint, number=number, from_status=from_status,
            to_status=to_status, details=details, personal=personal,
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
        head = _locked_head(session)
        self._head = head
        self.key = chain_key(session)
        self.recorded_at = now()
        self.seq, self.prev = head.count, head.last_hash
        self._start = head.count

    def build(self, events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        rows = []
        for item in events:
            self.seq += 1
            values = _event_values(self.seq, self.prev, self.key, self.recorded_at, **item)
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


@dataclass
class VerifyResult:
    ok: bool
    events: int
    problem: str | None = None
    bad_seq: int | None = None
    head: str = chain.GENESIS
    hashes: dict[int, str] | None = None  # the checkpoints asked for: seq -> hash


_VERIFY_COLUMNS = (*_HASHED_COLUMNS, "details", "personal", "prev_hash", "hash")


def verify(session: Session, *, anchor: chain.Anchor | None = None,
           checkpoints: Iterable[int] = ()) -> VerifyResult:
    """Walk the chain in order; report the first event whose link or content does not match.

    With ``anchor`` (read from a file kept outside the database) also report a chain that
    lost events at the end or was rewritten and re-hashed since the anchor was taken. The
    hashes of the events in ``checkpoints`` are handed back (to write a new anchor).
    """
    from sqlalchemy import select as core_select

    from complaintctl.store.models import Complaint

    key = chain_key(session)
    events = Event.__table__
    moved = _first_moved_event(session, events, Complaint.__table__)
    wanted = anchor.expected() if anchor is not None else {}
    kept = set(checkpoints)
    hashes: dict[int, str] = {}
    matched = 0  # the last event the anchor vouches for that still matches it
    prev = chain.GENESIS
    count = 0
    rows = session.execute(
        core_select(*(events.c[name] for name in _VERIFY_COLUMNS)).order_by(events.c.seq)
        .execution_options(yield_per=5000)
    )
    for row in rows:
        count += 1
        values = row._mapping
        seq = values["seq"]
        if seq != count:
            return VerifyResult(False, count, _("event {seq} is missing (found {found} next)")
                                .format(seq=count, found=seq), count)
        if values["prev_hash"] != prev:
            return VerifyResult(False, count, _(
                "event {seq} does not link to the event before it").format(seq=seq), seq)
        if values["personal"] is not None and not _personal_matches(key, values):
            return VerifyResult(False, count, _("event {seq} personal data was altered")
                                .format(seq=seq), seq)
        if not _hash_matches(values, prev):
            return VerifyResult(False, count, _("event {seq} was altered").format(seq=seq), seq)
        if seq == moved:
            return VerifyResult(False, count, _(
                "event {seq} was moved to another complaint's timeline").format(seq=seq), seq)
        prev = values["hash"]
        if seq in kept:
            hashes[seq] = prev
        expected = wanted.get(seq)
        if expected is not None:
            if expected != prev:
                return VerifyResult(False, count, _(
                    "the chain was rewritten since the anchor of {at}: event {seq}'s hash "
                    "differs from the anchor's, so events {first} to {seq} are suspect"
                ).format(at=anchor.taken_at, seq=seq, first=matched + 1), matched + 1)
            matched = seq
    head = session.get(AuditHead, 1)
    stored, recorded = count, head.count if head else 0
    if stored != recorded:
        return VerifyResult(False, count, _(
            "the chain head records {recorded} events but {stored} are stored: events were "
            "removed from or added to the end").format(recorded=recorded, stored=stored),
            min(stored, recorded) + 1)
    if head is not None and head.last_hash != prev:
        return VerifyResult(False, count, _(
            "the chain head does not match event {seq}: the end of the chain was replaced"
        ).format(seq=stored), stored)
    if anchor is not None and count < anchor.events:
        return VerifyResult(False, count, _(
            "the chain ends at event {count} but the anchor of {at} recorded {events}: events "
            "were removed from the end").format(count=count, at=anchor.taken_at,
                                                events=anchor.events), count + 1)
    return VerifyResult(True, count, head=prev, hashes=hashes)


def _hash_matches(values, prev: str) -> bool:
    """The event's hash, computed on its stored details text (canonical as written: the
    fast path), else on the details parsed and re-encoded."""
    details = values["details"]
    fields = chain.canonical(_hashed(values, _SPLICE)).decode()
    if chain.event_hash_of_canonical(fields.replace(_SPLICED, details, 1).encode(), prev) \
            == values["hash"]:
        return True
    try:
        parsed = json.loads(details)
    except (TypeError, ValueError):
        return False
    return chain.event_hash(_hashed(values, parsed), prev) == values["hash"]


def _personal_matches(key: bytes, values) -> bool:
    text = values["personal"]
    if chain.digest_of_canonical(key, text.encode()) == values["personal_digest"]:
        return True
    try:
        return chain.personal_digest(key, json.loads(text)) == values["personal_digest"]
    except (TypeError, ValueError):
        return False


def _first_moved_event(session: Session, events, complaints) -> int | None:
    """The first event whose ``complaint_id`` (not hashed) points at a complaint other than
    the one its hashed ``number`` names: an event moved onto another timeline."""
    from sqlalchemy import func
    from sqlalchemy import select as core_select

    return session.execute(
        core_select(func.min(events.c.seq)).select_from(
            events.join(complaints, complaints.c.id == events.c.complaint_id))
        .where((events.c.number.is_(None)) | (events.c.number != complaints.c.number))
    ).scalar()


def take_anchor(session: Session, *, database: str = "") -> tuple[VerifyResult, chain.Anchor]:
    """Verify the chain, then describe its head (and checkpoints) as an anchor to keep
    elsewhere. A broken chain gets no anchor: the result says why."""
    head = session.get(AuditHead, 1)
    seqs = chain.checkpoint_seqs(head.count if head else 0)
    result = verify(session, checkpoints=seqs)
    stamp = now().isoformat(timespec="seconds")
    kept = {seq: value for seq, value in (result.hashes or {}).items() if seq < result.events}
    return result, chain.Anchor(result.events, result.head, stamp, kept, database)


def log(session: Session, *, number: str | None = None, limit: int | None = None) -> list[Event]:
    """Events in chain order, all or one complaint's; with ``limit``, the most recent ones."""
    query = select(Event)
    if number:
        query = query.where(Event.number == number)
    if limit:
        return list(reversed(session.exec(query.order_by(col(Event.seq).desc()).limit(limit)).all()))
    return list(session.exec(query.order_by(col(Event.seq))).all())


def unmask_log(session: Session, actor, *, number: str | None) -> None:
    """``audit log --unmask``: check that ``actor`` may see personal data in full (a refusal
    goes on the trail), then put the unmasking on the trail before anything is shown."""
    from complaintctl.domain.permissions import Permission
    from complaintctl.services.core.context import record_unmasking, refusals_recorded

    with refusals_recorded(session, actor, "audit log"):
        actor.check(Permission.unmask, option="--unmask")
    record_unmasking(session, actor, "audit log", number=number)


def event_dict(event: Event, tz=None, *, unmask: bool = False) -> dict[str, Any]:
    """An event as ``audit log`` shows it: personal data in the texts of its details masked
    unless ``unmask`` (the stored details, which the hash covers, are never changed)."""
    from complaintctl.domain.clock import iso
    from complaintctl.domain.masking import mask_details

    details = json.loads(event.details)
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
        "details": details if unmask else mask_details(details),
        "hash": event.hash,
    }

