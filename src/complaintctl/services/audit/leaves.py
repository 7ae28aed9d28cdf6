"""Import batches on the audit trail as Merkle trees (issue 20): the batches whose one event
carries a root (``batch_events``), the check of each batch's stored leaves against that root
and of its leaves against the stored complaints (``check_batches``, run by ``audit verify``'s
reconciliation), and one complaint's inclusion proof (``prove``: ``audit prove``).

A leaf is one imported row: its number and the stamp of its content as imported, hashed as
``domain.merkle`` says. The leaf rows are not chained one by one: the root in the batch's
event vouches for all of them, and each leaf for its complaint until a later event stamps it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from complaintctl.domain import merkle
from complaintctl.errors import InvalidData, NotFound
from complaintctl.i18n import _
from complaintctl.store.models import Complaint, Event, ImportLeaf

EVENTS, COMPLAINTS, LEAVES = Event.__table__, Complaint.__table__, ImportLeaf.__table__
CHUNK = 5000


@dataclass
class BatchEvent:
    """A batch's ``import`` event that carries a Merkle root, and whether it was undone."""

    batch: int
    seq: int
    root: str
    leaves: int
    undone: bool = False


def batch_events(session: Session) -> dict[int, BatchEvent]:
    """batch id -> its event, for the batches imported with a Merkle root (few events: one
    per import and per undo)."""
    found: dict[int, BatchEvent] = {}
    undone: set[Any] = set()
    query = (select(EVENTS.c.seq, EVENTS.c.action, EVENTS.c.details)
             .where(EVENTS.c.action.in_(("import", "import undo"))).order_by(EVENTS.c.seq))
    for seq, action, details in session.execute(query):
        try:
            data = json.loads(details)
            if action == "import undo":
                undone.add(data.get("batch"))
                continue
            tree = data.get("merkle")
            if isinstance(tree, dict) and isinstance(data.get("batch"), int):
                found[data["batch"]] = BatchEvent(data["batch"], seq, str(tree.get("root")),
                                                  int(tree.get("leaves", -1)))
        except (TypeError, ValueError, AttributeError):
            continue
    for batch, event in found.items():
        event.undone = batch in undone
    return found


def stamps_of(session: Session, numbers: list[str],
              events: dict[int, BatchEvent]) -> dict[str, tuple[int, str]]:
    """number -> (the batch event's seq, the stamp its leaf recorded), for those of
    ``numbers`` imported in a batch with a root."""
    rows = session.execute(select(LEAVES.c.number, LEAVES.c.batch_id, LEAVES.c.stamp)
                           .where(LEAVES.c.number.in_(numbers)))
    return {number: (events[batch].seq, stamp) for number, batch, stamp in rows
            if batch in events}


def check_batches(session: Session, events: dict[int, BatchEvent]) -> list[str]:
    """Each batch's stored leaves against the root its event recorded, and the leaves of the
    batches not undone whose complaint is gone (deleted outside complaintctl)."""
    problems = []
    for event in events.values():
        found, count = _root_of_stored(session, event.batch)
        if (found, count) != (event.root, event.leaves):
            problems.append(_(
                "import batch {batch}: its {count} stored leaves do not give the Merkle root its "
                "event {seq} recorded for {leaves} rows (table import_leaf was changed outside "
                "complaintctl)").format(batch=event.batch, count=count, seq=event.seq,
                                        leaves=event.leaves))
    kept = [e.batch for e in events.values() if not e.undone]
    if kept:
        stored = select(COMPLAINTS.c.id).where(COMPLAINTS.c.number == LEAVES.c.number)
        gone = session.execute(
            select(LEAVES.c.number, LEAVES.c.batch_id, LEAVES.c.position)
            .where(LEAVES.c.batch_id.in_(kept), ~stored.exists())
            .order_by(LEAVES.c.batch_id, LEAVES.c.position).limit(21)).all()
        for number, batch, position in gone[:20]:
            problems.append(_(
                "complaint {number}: deleted outside complaintctl (leaf {position} of import "
                "batch {batch}, event {seq})").format(number=number, position=position,
                                                      batch=batch, seq=events[batch].seq))
        if len(gone) > 20:
            problems.append(_("more complaints of import batches were deleted"))
    return problems


def created_by_leaf(events: dict[int, BatchEvent]):
    """A condition on ``complaint``: it is a leaf of a batch with a root not undone."""
    kept = [e.batch for e in events.values() if not e.undone]
    return select(LEAVES.c.number).where(LEAVES.c.number == COMPLAINTS.c.number,
                                         LEAVES.c.batch_id.in_(kept)).exists()


def batch_seq(session: Session, number: str) -> int | None:
    """The seq of the event of the batch whose tree holds ``number``'s leaf (None: none)."""
    batch = session.execute(select(LEAVES.c.batch_id).where(LEAVES.c.number == number)
                            ).scalar()
    if batch is None:
        return None
    event = batch_events(session).get(batch)
    return event.seq if event is not None else None


def _leaf_rows(session: Session, batch: int):
    """The batch's leaves in order, read in batches."""
    return session.execute(select(LEAVES.c.position, LEAVES.c.number, LEAVES.c.stamp)
                           .where(LEAVES.c.batch_id == batch).order_by(LEAVES.c.position)
                           .execution_options(yield_per=CHUNK))


def _root_of_stored(session: Session, batch: int) -> tuple[str, int]:
    """The root of the batch's stored leaves and how many there are (a gap in their places
    counts as a change: the root is then not the recorded one)."""
    tree = merkle.Builder()
    for position, number, stamp in _leaf_rows(session, batch):
        if position != tree.size:
            return "", tree.size
        tree.add(merkle.leaf_hash(merkle.leaf_data(number, stamp)))
    return tree.root(), tree.size


def prove(session: Session, number: str) -> dict[str, Any]:
    """One complaint's inclusion proof in its batch's tree: the leaf's data and hash, its
    index, the tree's size, the sibling hashes bottom up, the root, the batch event's seq and
    hash, and whether the stored row is still the one the leaf vouches for (None: removed).
    Refused (``InvalidData``) when the stored leaves no longer give the root the event
    recorded: ``audit verify`` says more."""
    from complaintctl.services.core.kernel import resolve_number

    number = resolve_number(session, number)
    leaf = session.execute(select(LEAVES.c.batch_id, LEAVES.c.position)
                           .where(LEAVES.c.number == number)).first()
    if leaf is None:
        from complaintctl.services.core.kernel import get

        get(session, number)  # no such complaint: said as everywhere else
    event = batch_events(session).get(leaf.batch_id) if leaf is not None else None
    if event is None:
        raise NotFound(_("{number} was not imported in a batch with a Merkle root (it was "
                         "registered, or imported before issue 20); its events are in `audit "
                         "log {number}`.").format(number=number))
    data = [merkle.leaf_data(n, s) for _p, n, s in _leaf_rows(session, leaf.batch_id)]
    hashes = [merkle.leaf_hash(d) for d in data]
    if merkle.root(hashes) != event.root or len(hashes) != event.leaves:
        raise InvalidData(_("Import batch {batch}'s stored leaves do not match the Merkle root "
                            "of its event {seq}; run `complaintctl audit verify`.").format(
            batch=event.batch, seq=event.seq))
    index = leaf.position
    head = session.execute(select(EVENTS.c.hash).where(EVENTS.c.seq == event.seq)).scalar()
    stored = session.execute(select(COMPLAINTS.c.number).where(COMPLAINTS.c.number == number)
                             ).scalar()
    if stored is not None:  # the row as it stands now: the imported one, or changed since
        from complaintctl.services.core.state import stamps

        matches: bool | None = data[index] == merkle.leaf_data(
            number, stamps(session, [number])[number])
    else:
        matches = None  # removed by an undo of the batch
    return {
        "number": number, "batch": event.batch, "algorithm": merkle.ALGORITHM,
        "leaf_data": data[index].decode(), "leaf_hash": hashes[index].hex(),
        "index": index, "tree_size": len(hashes),
        "path": [h.hex() for h in merkle.path(hashes, index)],
        "root": event.root, "event_seq": event.seq, "event_hash": head,
        "row_matches_leaf": matches,
    }
