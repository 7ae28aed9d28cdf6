"""Tampering with the audit chain as someone with write access to the database would, for the
tests (tests/test_audit_tampering.py) and the benchmark (benchmarks/audit_verify.py).

The database refuses such edits (migration 0010's triggers); an attacker who can write the
file or is a superuser can lift that first, and so does ``disarm`` here, inside the caller's
transaction: SQLite drops the triggers, PostgreSQL sets ``session_replication_role`` to
``replica`` for the transaction (triggers do not fire; it needs a superuser, as the tests are).
Both are undone by the rollback, or end with the transaction.

Each ``tamper`` call changes the event table (and sometimes the chain head) through a
SQLAlchemy connection inside a transaction the caller rolls back afterwards, and returns what
``audit verify`` must then report: the first bad event, and whether only an anchor taken
before the tampering can find it.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select, true, update

from complaintctl.domain import chain
from complaintctl.store.models import AuditHead, Complaint, Event
from complaintctl.services.core import trail

#: the five kinds the issue names; ``rehash`` (a complete re-hash) is a sixth, anchor-only one
KINDS = ("edit", "delete", "insert", "reorder", "truncate")
EVENTS, HEAD, COMPLAINTS = Event.__table__, AuditHead.__table__, Complaint.__table__
EDITABLE = ("seq", "number", "kind", "action", "actor", "at", "recorded_at", "from_status",
            "to_status", "details", "personal", "personal_digest", "prev_hash", "hash",
            "complaint_id")


#: SQLite's triggers that keep the audit trail append-only (migration 0010)
SQLITE_TRIGGERS = ("event_append_only_update", "event_hashed_columns_frozen",
                   "event_append_only_delete", "audit_head_forward_only",
                   "audit_head_not_deleted")


def disarm_statements(dialect: str) -> list[str]:
    """The SQL that lifts the append-only triggers for the rest of the transaction."""
    if dialect == "postgresql":
        return ["SET LOCAL session_replication_role = replica"]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS]


def disarm(conn) -> None:
    """Lift the append-only triggers in ``conn``'s transaction (a SQLAlchemy connection, or a
    ``sqlite3`` connection)."""
    dialect = getattr(getattr(conn, "dialect", None), "name", "sqlite")
    for statement in disarm_statements(dialect):
        if hasattr(conn, "exec_driver_sql"):
            conn.exec_driver_sql(statement)
        else:
            conn.execute(statement)


@dataclass
class Tampering:
    kind: str
    how: str
    bad_seq: int
    anchor_only: bool = False  # a careful truncation or a re-hash: only an anchor finds it
    anchored_bad_seq: int | None = None  # what verify --anchor names, when it differs

    def __post_init__(self):
        if self.anchored_bad_seq is None:
            self.anchored_bad_seq = self.bad_seq


def _row(conn, seq):
    return conn.execute(select(EVENTS).where(EVENTS.c.seq == seq)).mappings().one()


def _count(conn) -> int:
    return conn.execute(select(func.count()).select_from(EVENTS)).scalar_one()


def _flip(text: str) -> str:
    return ("1" if text[0] != "1" else "2") + text[1:]


def _set(conn, seq, /, **values) -> None:
    conn.execute(update(EVENTS).where(EVENTS.c.seq == seq).values(**values))


def _edit(conn, rng: random.Random, total: int) -> Tampering:
    seq = rng.randint(1, total)
    row = _row(conn, seq)
    field = rng.choice(EDITABLE)
    value = row[field]
    if field == "seq":
        new = total + 1000
    elif field in ("at", "recorded_at"):
        new = value + timedelta(seconds=rng.choice((-1, 1)) * rng.randint(1, 86_400))
    elif field == "details":
        new = chain.canonical({**json.loads(value), "tampered": rng.randint(0, 9)}).decode()
    elif field == "personal":
        data = json.loads(value) if value else {}
        data["name" if data else "phone"] = "13900000000"
        new = chain.canonical(data).decode()
    elif field in ("personal_digest", "prev_hash", "hash"):
        new = _flip(value) if value else "f" * 64
    elif field == "complaint_id":
        others = conn.execute(
            select(COMPLAINTS.c.id).where(
                (COMPLAINTS.c.number != row["number"]) if row["number"] else true())
            .order_by(COMPLAINTS.c.id)).scalars().all()
        if not others:  # nothing to move it to: edit the actor instead
            field, new = "actor", (row["actor"] or "") + "x"
        else:
            new = rng.choice(others)
    elif field in ("from_status", "to_status"):
        new = "closed" if value != "closed" else "registered"
    elif field == "number":
        new = "CMP-1999-999999"
    else:
        new = (value or "") + rng.choice(("x", " ", "0"))
    _set(conn, seq, **{field: new})
    return Tampering("edit", f"event {seq}: {field}", seq)


def _delete(conn, rng: random.Random, total: int) -> Tampering:
    seq = rng.randint(1, total)
    conn.execute(delete(EVENTS).where(EVENTS.c.seq == seq))
    return Tampering("delete", f"event {seq} deleted", seq)


def _shift_up(conn, start: int) -> None:
    """Make room at ``start``: later events move up one (two steps: seq is unique)."""
    conn.execute(update(EVENTS).where(EVENTS.c.seq >= start)
                 .values(seq=EVENTS.c.seq + 10_000_000))
    conn.execute(update(EVENTS).where(EVENTS.c.seq >= 10_000_000)
                 .values(seq=EVENTS.c.seq - 9_999_999))


def _insert(conn, rng: random.Random, total: int, key: bytes) -> Tampering:
    seq = rng.randint(1, total + 1)
    before = _row(conn, seq - 1) if seq > 1 else None
    template = dict(_row(conn, rng.randint(1, total)))
    prev = before["hash"] if before is not None else chain.GENESIS
    forged = {**template, "seq": seq, "prev_hash": prev, "personal": None,
              "personal_digest": None, "actor": "forger",
              "details": chain.canonical({"text": "forged"}).decode()}
    forged.pop("id")
    well_forged = rng.random() < 0.7  # hashed correctly, as someone who read the code would
    forged["hash"] = (chain.event_hash(trail.hashed(forged, {"text": "forged"}), prev)
                      if well_forged else "e" * 64)
    _shift_up(conn, seq)
    conn.execute(EVENTS.insert().values(**forged))
    if not well_forged:
        return Tampering("insert", f"crude event at {seq}", seq)
    # a well-forged event links and hashes; the genuine one it displaced no longer links (or,
    # appended at the end, the chain head no longer counts it). An anchor that kept event
    # seq's hash names the forgery itself.
    return Tampering("insert", f"forged event at {seq}", seq + 1 if seq <= total else seq,
                     anchored_bad_seq=seq)


def _reorder(conn, rng: random.Random, total: int) -> Tampering:
    first, second = sorted(rng.sample(range(1, total + 1), 2))
    if rng.random() < 0.5:
        second = first + 1  # neighbours half of the time
    _set(conn, first, seq=-1)
    _set(conn, second, seq=first)
    _set(conn, -1, seq=second)
    return Tampering("reorder", f"events {first} and {second} swapped", first)


def _truncate(conn, rng: random.Random, total: int) -> Tampering:
    cut = rng.randint(1, max(1, min(total - 1, 50)))
    keep = total - cut
    conn.execute(delete(EVENTS).where(EVENTS.c.seq > keep))
    careful = rng.random() < 0.5  # the head moved back too: only an anchor can tell
    if careful:
        last = _row(conn, keep)["hash"]
        conn.execute(update(HEAD).where(HEAD.c.id == 1).values(count=keep, last_hash=last))
    return Tampering("truncate", f"last {cut} removed" + (", head moved" if careful else ""),
                     keep + 1, anchor_only=careful)


def rehash(conn, rng: random.Random, total: int, key: bytes) -> Tampering:
    """Edit one event and re-hash it and every later one, and the head: the chain is whole
    again, as a forger with write access (and the key) would leave it."""
    disarm(conn)
    seq = rng.randint(1, total)
    prev = _row(conn, seq - 1)["hash"] if seq > 1 else chain.GENESIS
    for current in range(seq, total + 1):
        row = dict(_row(conn, current))
        details = json.loads(row["details"])
        if current == seq:
            details["tampered"] = True
        row["details"] = chain.canonical(details).decode()
        row["prev_hash"] = prev
        row["hash"] = chain.event_hash(trail.hashed(row, details), prev)
        _set(conn, current, details=row["details"], prev_hash=prev, hash=row["hash"])
        prev = row["hash"]
    conn.execute(update(HEAD).where(HEAD.c.id == 1).values(last_hash=prev))
    return Tampering("rehash", f"event {seq} edited and the chain re-hashed", seq,
                     anchor_only=True)


def tamper(conn, kind: str, rng: random.Random, key: bytes) -> Tampering:
    disarm(conn)
    total = _count(conn)
    if kind == "edit":
        return _edit(conn, rng, total)
    if kind == "delete":
        return _delete(conn, rng, total)
    if kind == "insert":
        return _insert(conn, rng, total, key)
    if kind == "reorder":
        return _reorder(conn, rng, total)
    if kind == "truncate":
        return _truncate(conn, rng, total)
    if kind == "rehash":
        return rehash(conn, rng, total, key)
    raise ValueError(kind)


def renumber_and_rehash(conn, removed: list[int]) -> int:
    """Delete the events ``removed``, number the rest 1, 2, ... again and re-hash the whole
    chain and its head, as a short independent script would (issue 23): the chain is whole
    again. Returns how many were deleted."""
    disarm(conn)
    if removed:
        conn.execute(delete(EVENTS).where(EVENTS.c.seq.in_(removed)))
    seqs = conn.execute(select(EVENTS.c.seq).order_by(EVENTS.c.seq)).scalars().all()
    conn.execute(update(EVENTS).values(seq=EVENTS.c.seq + 10_000_000))
    prev = chain.GENESIS
    for new, old in enumerate(seqs, start=1):
        conn.execute(update(EVENTS).where(EVENTS.c.seq == old + 10_000_000).values(seq=new))
        row = dict(_row(conn, new))
        row["hash"] = chain.event_hash(trail.hashed(row, json.loads(row["details"])), prev)
        _set(conn, new, prev_hash=prev, hash=row["hash"])
        prev = row["hash"]
    conn.execute(update(HEAD).where(HEAD.c.id == 1).values(count=len(seqs), last_hash=prev))
    return len(removed)
