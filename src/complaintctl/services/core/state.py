"""Complaint states on the audit trail (issue 23): the layout of the complaint tables, read from
the models (a new column is covered by being declared), and the stamps of complaints as stored
(``stamps``, what ``trail.record`` puts in an event that changes them) or of rows about to be
inserted (``stamp_of_values``, the import: from the values it already has, no query).
``services.audit.reconcile`` recomputes them from the rows and compares."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Boolean, Integer, select
from sqlmodel import Session

from complaintctl.domain.row_state import BOOL, INT, TEXT, TIME, Layout
from complaintctl.store.base import UTCDateTime
from complaintctl.store.models import (
    Approval,
    Complaint,
    ComplaintTag,
    Consultation,
    Contact,
    Evidence,
    Pause,
    Remedy,
)
from complaintctl.services.core.stored import chain_key

#: the child tables a complaint's state covers, besides its own row
CHILDREN = (Contact, Remedy, Consultation, Evidence, Pause, Approval, ComplaintTag)
#: columns whose values purge erases: their marks are keyed digests
PERSONAL = {
    "complaint": {"customer_name", "customer_phone", "customer_email", "customer_id_number",
                  "customer_account", "customer_ref", "representatives"},
    "evidence": {"filename", "description"},
}
#: surrogate keys: not state. A complaint's id is checked against its events' complaint_id.
SURROGATE = {"id", "complaint_id"}
TAGS = "complaint_tag"
CHUNK = 500


def _kind(column) -> str:
    if isinstance(column.type, UTCDateTime):
        return TIME
    if isinstance(column.type, Boolean):
        return BOOL
    if isinstance(column.type, Integer):
        return INT
    return TEXT


@cache
def layout() -> Layout:
    """The state's tables and columns, in the models' order."""
    tables = []
    for model in (Complaint, *CHILDREN):
        table = model.__table__
        personal = PERSONAL.get(table.name, set())
        tables.append((table.name, [(c.name, _kind(c), c.name in personal)
                                    for c in table.columns if c.name not in SURROGATE]))
    return Layout(tables)


def state_columns(table: str) -> list[str]:
    """The columns of ``table`` the state covers (the tests edit each)."""
    for name, columns in layout().tables:
        if name == table:
            return [column for column, _kind, _personal in columns]
    raise KeyError(table)


def children_of(session: Session, ids: Sequence[int]) -> dict[int, dict[str, list[Any]]]:
    """Each complaint's child rows, by table: tags by tag, the others by id."""
    found: dict[int, dict[str, list[Any]]] = {i: {} for i in ids}
    if not ids:
        return found
    for model in CHILDREN:
        table = model.__table__
        order = table.c.tag if table.name == TAGS else table.c.id
        rows = session.execute(select(table).where(table.c.complaint_id.in_(ids))
                               .order_by(table.c.complaint_id, order)).mappings()
        for row in rows:
            found[row["complaint_id"]].setdefault(table.name, []).append(row)
    return found


def complaint_values(complaint: Complaint) -> dict[str, Any]:
    return {name: getattr(complaint, name) for name in Complaint.__table__.c.keys()}


def stamps(session: Session, complaints: Iterable[Complaint | str]) -> dict[str, str]:
    """number -> stamp of each complaint (given, or its number) as it stands in this
    transaction (flushed first), a chunk at a time (a configuration change stamps every
    complaint whose due time it moved)."""
    session.flush()
    key, shape = chain_key(session), layout()
    found: dict[str, str] = {}
    complaints = list(complaints)
    for start in range(0, len(complaints), CHUNK):
        chunk = complaints[start:start + CHUNK]
        numbers = [c for c in chunk if isinstance(c, str)]
        if numbers:
            loaded = {c.number: c for c in session.execute(
                select(Complaint).where(Complaint.number.in_(numbers))).scalars()}
            chunk = [loaded[c] if isinstance(c, str) else c for c in chunk]
        children = children_of(session, [c.id for c in chunk])
        for c in chunk:
            found[c.number] = shape.stamp(key, shape.texts(complaint_values(c), children[c.id]))
    return found


def stamp_of_values(key: bytes, values: Mapping[str, Any], tags: Iterable[str],
                    remedies: Iterable[Mapping[str, Any]]) -> str:
    """The stamp of a complaint about to be inserted with these values, tags and remedies
    (its only child rows), computed as ``stamps`` would compute it once stored."""
    shape = layout()
    children = {TAGS: [{"tag": tag} for tag in sorted(tags)], "remedy": list(remedies)}
    return shape.stamp(key, shape.texts(values, children))
