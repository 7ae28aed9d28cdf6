"""The bulk append keeps the hash chain exactly as appending one event at a time would."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlmodel import select

from complaintctl.domain.enums import EventKind
from complaintctl.store.models import AuditHead, Event
from complaintctl.services.audit import trail as audit
from complaintctl.services.core import trail
from complaintctl.services.core import trail as audit_module
from complaintctl.services.core.context import set_setting
from tampering import disarm

FIXED = datetime(2026, 11, 28, 2, 30, 15, 123456, tzinfo=timezone.utc)
EVENTS = [
    dict(kind=EventKind.change, action="imported", actor="admin", at=FIXED, number=f"CMP-2026-{i:06d}",
         from_status=None, to_status="closed" if i % 2 else "registered",
         details={"batch": 1, "line": i + 1, "summary": f"投诉 {i} \"quoted\" \\ back",
                  "tags": ["elderly"] if i % 3 == 0 else [], "amount": None, "n": 1.5},
         personal={"name": f"张{i}", "phone": "13812345678" if i % 2 else None,
                   "description": "line one\nline two"})
    for i in range(1, 8)
] + [dict(kind=EventKind.admin, action="import", actor="admin", at=FIXED, details={})]


def _chain(db, monkeypatch, bulk: bool):
    monkeypatch.setattr(audit_module, "now", lambda: FIXED)
    with db.session(write=True) as session:
        set_setting(session, "chain_key", "ab" * 32)
        trail.record(session, kind=EventKind.admin, action="init", actor="admin", at=FIXED)
        if bulk:
            trail.record_many(session, EVENTS[:3])
            trail.record_many(session, [])
            trail.record_many(session, EVENTS[3:])
        else:
            for event in EVENTS:
                trail.record(session, **event)
        session.commit()
    with db.session() as session:
        rows = session.exec(select(Event).order_by(Event.seq)).all()
        head = session.get(AuditHead, 1)
        return ([(e.seq, e.number, e.details, e.personal, e.personal_digest, e.prev_hash, e.hash)
                 for e in rows], (head.count, head.last_hash), audit.verify(session).ok)


@pytest.fixture
def second_db(tmp_path):
    from complaintctl.store.db import Database, resolve_url

    database = Database(resolve_url(str(tmp_path / "second.db")))
    database.create()
    yield database
    database.engine.dispose()


def test_record_many_builds_the_same_chain_as_record_one_by_one(db, second_db, monkeypatch):
    one_by_one = _chain(db, monkeypatch, bulk=False)
    bulk = _chain(second_db, monkeypatch, bulk=True)
    assert bulk == one_by_one
    assert bulk[2] is True and len(bulk[0]) == len(EVENTS) + 1


def test_a_bulk_appended_event_altered_by_hand_is_caught(db, monkeypatch):
    _chain(db, monkeypatch, bulk=True)
    from sqlalchemy import text

    with db.engine.begin() as conn:
        disarm(conn)  # the append-only triggers, as an attacker with the file could
        conn.execute(text("UPDATE event SET details = replace(details, '投诉 3', '投诉 9') "
                          "WHERE seq = 4"))
    with db.session() as session:
        result = audit.verify(session)
    assert not result.ok and result.bad_seq == 4
