"""The stored rows against the audit trail (issue 23), for ``audit verify`` once the chain is
whole: every complaint's row and child rows against the state its latest event carries (named
by complaint and column when they differ), and every complaint, member of staff and import
batch against the event that created it (no silent empty trail).

Read a chunk of complaints at a time (their rows, child rows and latest stamped events: a
handful of queries per chunk, never one per complaint), so memory stays flat."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select
from sqlmodel import Session

from complaintctl.domain.row_state import OtherLayout, read_state_lines
from complaintctl.i18n import _
from complaintctl.services.audit import leaves
from complaintctl.store.models import Complaint, Event, ImportBatch, Staff
from complaintctl.services.core.state import children_of, layout

CHUNK = 500
#: the actions that create a complaint, a member of staff, an import batch
CREATES_COMPLAINT = ("register", "imported")
CREATES_STAFF = ("init", "staff add")
CREATES_BATCH = ("import",)
NAMED = 20  # problems named in full; the rest are counted

EVENTS, COMPLAINTS = Event.__table__, Complaint.__table__


@dataclass
class Reconciliation:
    problems: list[str] = field(default_factory=list)
    covered: int = 0  # complaints compared with the state their latest event carries
    not_covered: int = 0  # complaints whose latest event carries no state (older events)

    def add(self, problem: str) -> None:
        self.problems.append(problem)


def reconcile(session: Session, key: bytes) -> Reconciliation:
    result = Reconciliation()
    wide = _stamps_of_many(session)
    batches = leaves.batch_events(session)  # issue 20: a batch's rows are its tree's leaves
    for problem in leaves.check_batches(session, batches):
        result.add(problem)
    last = 0
    while True:
        rows = session.execute(select(COMPLAINTS).where(COMPLAINTS.c.id > last)
                               .order_by(COMPLAINTS.c.id).limit(CHUNK)).mappings().all()
        if not rows:
            break
        last = rows[-1]["id"]
        numbers = [r["number"] for r in rows]
        imported = leaves.stamps_of(session, numbers, batches)
        for number in numbers:  # the later of a leaf and a purge
            if number in wide and (number not in imported or imported[number] < wide[number]):
                imported[number] = wide[number]
        _check_chunk(session, key, rows, imported, result)
    _check_created(session, result, batches)
    return result


def _stamps_of_many(session: Session) -> dict[str, tuple[int, str]]:
    """number -> (seq, stamp) from the events that stamp complaints without naming one (a
    purge), the latest for each. Few events: read whole."""
    found: dict[str, tuple[int, str]] = {}
    query = (select(EVENTS.c.seq, EVENTS.c.state)
             .where(EVENTS.c.number.is_(None), EVENTS.c.state.is_not(None))
             .order_by(EVENTS.c.seq))
    for seq, state in session.execute(query):
        for number, stamp in read_state_lines(state).items():
            found[number] = (seq, stamp)
    return found


def _latest_stamped(session: Session, rows) -> dict[Any, Any]:
    """Each complaint's latest event carrying a state, found by its number (hashed) and, for
    a complaint whose number was edited, by its id: keyed by number and by id."""
    numbers = [r["number"] for r in rows]
    ids = [r["id"] for r in rows]
    stamped = EVENTS.c.state.is_not(None)
    by_number = select(func.max(EVENTS.c.seq)).where(
        stamped, EVENTS.c.number.in_(numbers)).group_by(EVENTS.c.number)
    by_id = select(func.max(EVENTS.c.seq)).where(
        stamped, EVENTS.c.complaint_id.in_(ids)).group_by(EVENTS.c.complaint_id)
    seqs = set(session.execute(by_number).scalars()) | set(session.execute(by_id).scalars())
    found: dict[Any, Any] = {}
    if not seqs:
        return found
    events = session.execute(select(EVENTS.c.seq, EVENTS.c.number, EVENTS.c.complaint_id,
                                    EVENTS.c.state).where(EVENTS.c.seq.in_(seqs))
                             .order_by(EVENTS.c.seq)).all()
    for event in events:  # in order: the later event wins
        found[event.number] = event
        found[("id", event.complaint_id)] = event
    return found


def _check_chunk(session: Session, key: bytes, rows, wide, result: Reconciliation) -> None:
    shape = layout()
    latest = _latest_stamped(session, rows)
    children = children_of(session, [r["id"] for r in rows])
    for row in rows:
        number = row["number"]
        event = latest.get(number)
        if event is None:
            event = latest.get(("id", row["id"]))
            if event is not None and event.number != number:
                result.add(_("complaint {number}: column complaint.number was changed outside "
                             "complaintctl (its events name {old})").format(
                    number=number, old=event.number))
                continue
        stamp, seq = None, None
        if event is not None:
            stamp, seq = read_state_lines(event.state).get(number), event.seq
            if event.complaint_id != row["id"]:
                result.add(_("complaint {number}: column complaint.id was changed outside "
                             "complaintctl (its event {seq} names another id)").format(
                    number=number, seq=event.seq))
                continue
        if number in wide and (seq is None or wide[number][0] > seq):
            seq, stamp = wide[number]
        if stamp is None:
            result.not_covered += 1
            continue
        try:
            differ = shape.differences(key, stamp, shape.texts(row, children[row["id"]]))
        except OtherLayout:
            result.not_covered += 1
            continue
        result.covered += 1
        if differ is not None:
            result.add(_("complaint {number}: {columns} changed outside complaintctl (the "
                         "state its event {seq} recorded differs)").format(
                number=number, seq=seq,
                columns=", ".join(differ) or _("a column (which one cannot be told)")))


def _check_created(session: Session, result: Reconciliation, batches) -> None:
    """Complaints, staff and batches stored without the event that created them (a
    complaint of a batch with a root: its leaf)."""
    created = select(EVENTS.c.number).where(EVENTS.c.action.in_(CREATES_COMPLAINT),
                                            EVENTS.c.number == COMPLAINTS.c.number)
    orphans = session.execute(select(COMPLAINTS.c.number)
                              .where(~created.exists(), ~leaves.created_by_leaf(batches))
                              .order_by(COMPLAINTS.c.id).limit(NAMED + 1)).scalars().all()
    if orphans:
        result.add(_("complaints stored without the event that created them: {numbers}")
                   .format(numbers=_listed(orphans)))
    made = _created_by_events(session, CREATES_STAFF, "staff")
    staff = [u for u in session.execute(select(Staff.__table__.c.username)
                                        .order_by(Staff.__table__.c.id)).scalars()
             if u not in made]
    if staff:
        result.add(_("staff stored without the event that added them: {names}")
                   .format(names=_listed(staff)))
    made = _created_by_events(session, CREATES_BATCH, "batch")
    batches = [str(b) for b in session.execute(select(ImportBatch.__table__.c.id)
                                               .order_by(ImportBatch.__table__.c.id)).scalars()
               if b not in made]
    if batches:
        result.add(_("import batches stored without the event that recorded them: {ids}")
                   .format(ids=_listed(batches)))


def _created_by_events(session: Session, actions: tuple[str, ...], name: str) -> set[Any]:
    """The values of ``details[name]`` in the events of ``actions`` (few: one per creation)."""
    found: set[Any] = set()
    for details in session.execute(select(EVENTS.c.details)
                                   .where(or_(*(EVENTS.c.action == a for a in actions)))):
        try:
            found.add(json.loads(details[0]).get(name))
        except (TypeError, ValueError, AttributeError):
            continue
    return found


def _listed(values: list[str]) -> str:
    if len(values) > NAMED:
        return ", ".join(values[:NAMED]) + _(" and more")
    return ", ".join(values)
