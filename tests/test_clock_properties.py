"""Hypothesis over stored complaints: whatever happens to a complaint, `due` agrees with the
stored due_at, and an extension never moves the stored due time earlier."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clockkit import register, t, to_investigating
from complaintctl.domain.enums import ContactVia, Outcome, PauseReason
from complaintctl.errors import ComplaintError
from complaintctl.services.complaints import approvals, decisions, handling, queries
from complaintctl.services.clock import pauses
from complaintctl.services.reporting import explain
from conftest import actor

ADMIN, SUP, H1, CLERK = actor("admin"), actor("sup"), actor("h1"), actor("clerk")
STEPS = st.lists(st.tuples(st.sampled_from(["pause", "resume", "extend", "resolve", "reopen",
                                            "note"]),
                           st.integers(1, 96 * 3600)), min_size=1, max_size=8)


@pytest.mark.slow
@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start_hours=st.integers(0, 24 * 60), steps=STEPS)
def test_due_agrees_with_the_stored_due_at_after_any_sequence(seeded, start_hours, steps):
    received = t("2026-01-05T00:00") + timedelta(hours=start_hours)
    with seeded.session(write=True) as session:
        c = register(session, CLERK, received=received.strftime("%Y-%m-%dT%H:%M"))
        at = received + timedelta(minutes=30)
        to_investigating(session, SUP, H1, c.number, at=at.strftime("%Y-%m-%dT%H:%M"))
        number, level = c.number, 0
        for what, gap in steps:
            at += timedelta(seconds=gap)
            before = session.get(type(c), c.id).due_at
            try:
                if what == "pause":
                    pauses.pause(session=session, actor=H1, number=number,
                                reason=PauseReason.appraisal,
                                customer_notified_via=ContactVia.phone, at=at)
                elif what == "resume":
                    pauses.resume(session=session, actor=H1, number=number, at=at)
                elif what == "extend":
                    approvals.extend(session=session, actor=ADMIN, number=number, level=level + 1,
                                 reason="complex", customer_notified_via=ContactVia.letter, at=at)
                    level += 1
                    after = session.get(type(c), c.id).due_at
                    assert after >= before  # an extension never moves the due time earlier
                elif what == "resolve":
                    decisions.resolve(
                        reasons="核实结果", basis="合同条款", proof="CALL-1",
                        session=session, actor=H1, number=number,
                                outcome=Outcome.not_upheld, findings="checked", remedies=[],
                                notified_via=ContactVia.phone, at=at)
                elif what == "reopen":
                    decisions.reopen(session=session, actor=SUP, number=number, reason="new facts",
                               at=at)
                    level = 0
                else:
                    handling.note(session=session, actor=H1, number=number, text="n", at=at)
            except ComplaintError:
                session.rollback()
            explained = explain.explain(session=session, actor=ADMIN, number=number)
            shown = queries.show(session=session, actor=ADMIN, number=number)
            assert shown["due_at"] == explained["stored_due_at"]
            if explained["agrees"] is not None:  # a running clock
                assert explained["agrees"], explained["steps"]
