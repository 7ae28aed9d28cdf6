"""Writers under load (issue 7, items 1 and 3): a small run of stress/writers.py in the suite,
and the bugs it found, pinned."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from complaintctl.domain.enums import EventKind
from complaintctl.services import audit
from complaintctl.services.context import now

STRESS = Path(__file__).resolve().parents[1] / "stress"


def _append(session, action: str) -> None:
    audit.record(session, kind=EventKind.admin, action=action, actor="admin", at=now())
    session.commit()


def test_a_session_that_committed_before_appends_after_the_events_others_added_since(seeded):
    """Found under load: an import's session, reused for detection after its commit, numbered
    its next event after the chain head as it had seen it (UNIQUE constraint failed: event.seq)."""
    with seeded.session() as session:
        before = audit.verify(session).events
    with seeded.session(write=True) as first:
        chain = audit.BulkAppender(first)  # as an import holds it, until after its commit
        rows = chain.build([dict(kind=EventKind.admin, action="first", actor="admin", at=now())])
        chain.insert(first, rows)
        chain.close(first)
        _append(first, "import")
        with seeded.session(write=True) as other:
            _append(other, "other")
        _append(first, "first again")
        del chain
    with seeded.session() as session:
        result = audit.verify(session)
        assert (result.ok, result.events) == (True, before + 4)
        assert [e.action for e in audit.log(session, limit=4)] == ["first", "import", "other",
                                                                  "first again"]
