"""The audit use cases: verify the hash chain (against anchors kept outside the database),
read it back (the log), and the unmask log. Writing is ``services.core.trail``."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from complaintctl.domain import chain
from complaintctl.i18n import _
from complaintctl.store.models import AuditHead, Event
from complaintctl.services.core.context import chain_key, now
from complaintctl.services.core.trail import (
    HASHED_COLUMNS,
    SPLICE,
    SPLICED,
    hashed,
)


@dataclass
class VerifyResult:
    ok: bool
    events: int
    problem: str | None = None
    bad_seq: int | None = None
    head: str = chain.GENESIS
    hashes: dict[int, str] | None = None  # the checkpoints asked for: seq -> hash
    problems: list[str] = field(default_factory=list)  # every problem found (reconciliation)
    covered: int = 0  # complaints whose rows were compared with their latest event's state
    not_covered: int = 0  # complaints whose latest event predates states


_VERIFY_COLUMNS = (*HASHED_COLUMNS, "details", "personal", "prev_hash", "hash", "state")


def verify(session: Session, *, anchor: chain.Anchor | None = None,
           anchors: Sequence[chain.Anchor] = (), checkpoints: Iterable[int] = (),
           rows: bool = True) -> VerifyResult:
    """Walk the chain in order; report the first event whose link or content does not match;
    then (``rows``) reconcile the stored complaints, staff and batches with it
    (``reconcile``).

    With anchors (read from files kept outside the database, oldest first; ``anchor`` is one)
    also report a chain that lost events at the end or was rewritten and re-hashed since an
    anchor was taken, and anchors whose heads went backwards. The hashes of the events in
    ``checkpoints`` are handed back (to write a new anchor).
    """
    anchors = [*anchors, *([anchor] if anchor is not None else [])]
    problem = _anchors_problem(anchors)
    if problem is not None:
        return problem
    result = _walk(session, chain_key(session), anchors, set(checkpoints))
    if not result.ok or not rows:
        return result
    from complaintctl.services.audit.reconcile import reconcile

    found = reconcile(session, chain_key(session))
    result.covered, result.not_covered = found.covered, found.not_covered
    if found.problems:
        result.ok, result.problems = False, found.problems
        result.problem = "; ".join(found.problems)
    return result


def _anchors_problem(anchors: Sequence[chain.Anchor]) -> VerifyResult | None:
    """Anchors that contradict each other: a later one with fewer events (the head went
    backwards), or two that vouch for different hashes of one event (a rewrite between)."""
    for earlier, later in zip(anchors, anchors[1:]):
        if later.events < earlier.events:
            return VerifyResult(False, 0, _(
                "the chain head went backwards: the anchor of {later} records {m} events, "
                "fewer than the {n} of the earlier anchor of {earlier}").format(
                later=later.taken_at, m=later.events, n=earlier.events,
                earlier=earlier.taken_at), later.events + 1)
        theirs = later.expected()
        for seq, value in earlier.expected().items():
            if seq in theirs and theirs[seq] != value:
                return VerifyResult(False, 0, _(
                    "the chain was rewritten between the anchors of {earlier} and {later}: "
                    "they record different hashes of event {seq}").format(
                    earlier=earlier.taken_at, later=later.taken_at, seq=seq), seq)
    return None


def _walk(session: Session, key: bytes, anchors: Sequence[chain.Anchor],
          kept: set[int]) -> VerifyResult:
    """The walk over every event: its checks stay inline (no call per event but hashing)."""
    moved = _first_moved_event(session)
    wanted: dict[int, tuple[str, chain.Anchor]] = {}
    for each in anchors:
        wanted.update({seq: (value, each) for seq, value in each.expected().items()})
    hashes: dict[int, str] = {}
    matched = 0  # the last event an anchor vouches for that still matches it
    prev = chain.GENESIS
    count = 0
    for row in _chain_rows(session):
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
            if expected[0] != prev:
                return VerifyResult(False, count, _(
                    "the chain was rewritten since the anchor of {at}: event {seq}'s hash "
                    "differs from the anchor's, so events {first} to {seq} are suspect"
                ).format(at=expected[1].taken_at, seq=seq, first=matched + 1), matched + 1)
            matched = seq
    problem = _end_problem(session, anchors, count, prev)
    if problem is not None:
        return problem
    return VerifyResult(True, count, head=prev, hashes=hashes)


def _chain_rows(session: Session):
    """Every event's hashed and stored columns, in chain order, read in batches."""
    from sqlalchemy import select as core_select

    events = Event.__table__
    return session.execute(
        core_select(*(events.c[name] for name in _VERIFY_COLUMNS)).order_by(events.c.seq)
        .execution_options(yield_per=5000)
    )


def _end_problem(session: Session, anchors: Sequence[chain.Anchor], count: int,
                 prev: str) -> VerifyResult | None:
    """What is wrong at the end of a chain whose ``count`` events all matched, ``prev`` the
    last one's hash: the head disagrees, or the anchor knew of more events (None: nothing)."""
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
    anchor = max(anchors, key=lambda a: a.events, default=None)
    if anchor is not None and count < anchor.events:
        return VerifyResult(False, count, _(
            "the chain ends at event {count} but the anchor of {at} recorded {events}: events "
            "were removed from the end").format(count=count, at=anchor.taken_at,
                                                events=anchor.events), count + 1)
    return None


def _hash_matches(values, prev: str) -> bool:
    """The event's hash, computed on its stored details text (canonical as written: the
    fast path), else on the details parsed and re-encoded."""
    details = values["details"]
    fields = chain.canonical(hashed(values, SPLICE)).decode()
    if chain.event_hash_of_canonical(fields.replace(SPLICED, details, 1).encode(), prev) \
            == values["hash"]:
        return True
    try:
        parsed = json.loads(details)
    except (TypeError, ValueError):
        return False
    return chain.event_hash(hashed(values, parsed), prev) == values["hash"]


def _personal_matches(key: bytes, values) -> bool:
    text = values["personal"]
    if chain.digest_of_canonical(key, text.encode()) == values["personal_digest"]:
        return True
    try:
        return chain.personal_digest(key, json.loads(text)) == values["personal_digest"]
    except (TypeError, ValueError):
        return False


def _first_moved_event(session: Session) -> int | None:
    """The first event whose ``complaint_id`` (not hashed) points at a complaint other than
    the one its hashed ``number`` names: an event moved onto another timeline (of a complaint
    that has events of its own: one whose number was edited is the reconciliation's)."""
    from sqlalchemy import func
    from sqlalchemy import select as core_select

    from complaintctl.store.models import Complaint

    events, complaints = Event.__table__, Complaint.__table__
    own = events.alias("own")  # a complaint whose number no event names was renumbered:
    return session.execute(  # that is the reconciliation's to report, by column
        core_select(func.min(events.c.seq)).select_from(
            events.join(complaints, complaints.c.id == events.c.complaint_id))
        .where((events.c.number.is_(None)) | (events.c.number != complaints.c.number))
        .where(core_select(own.c.seq).where(own.c.number == complaints.c.number).exists())
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
    """Events in chain order, all or one complaint's (for a complaint imported in a batch
    with a Merkle root, the batch's ``import`` event too: it vouches for the row); with
    ``limit``, the most recent ones."""
    query = select(Event)
    if number:
        from complaintctl.services.audit.leaves import batch_seq

        seq = batch_seq(session, number)
        query = query.where((Event.number == number) | (col(Event.seq) == seq) if seq
                            else Event.number == number)
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

