"""``list``'s urgency ranking in SQL (issue 22): the database's score of each complaint is the
domain's (``domain.urgency``, computed in Python from the row) within rounding, the page it
ranks is the one a full ranking in Python gives, and the main list query uses the indexes."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlmodel import select

from complaintctl.domain.enums import QUEUE_STATUSES, Channel
from complaintctl.store.models import Complaint, ComplaintTag, Pause

PRIORITIES = ["urgent", "high", "normal", "low"]
STATUSES = ["registered", "assigned", "investigating", "under_review", "resolved", "closed"]


@pytest.fixture
def varied(seeded):
    """40 complaints whose every scored field varies: priority, the two scored tags, channel,
    joint complainants, amount, reopenings, escalation, a paused clock and due times from
    three weeks ahead to two weeks past; a few share their terms exactly (ties)."""
    from complaintctl.services.complaints import registration
    from complaintctl.services.core.context import now
    from conftest import actor

    rng = random.Random(22)
    at = now()
    with seeded.session() as session:
        for i in range(40):
            registration.register(session=session, actor=actor("clerk"),
                                  new=registration.NewComplaint(
                                      channel=Channel.phone, summary=f"第 {i} 件", customer="张伟"))
        session.commit()
        for i, c in enumerate(session.exec(select(Complaint).order_by(Complaint.id)).all()):
            twin = i >= 32  # the last eight alike
            c.priority = "high" if twin else rng.choice(PRIORITIES)
            c.status = "investigating" if twin else rng.choice(STATUSES)
            c.channel = "phone" if twin else rng.choice(["phone", "regulator"])
            c.group_size = 1 if twin else rng.choice([1, 2, 7, 20, 35])
            c.amount_cents = None if twin else rng.choice([None, 50_000, 100_001, 2_345_600,
                                                           150_000_000])
            c.reopen_count = 0 if twin else rng.choice([0, 1, 4])
            c.escalation_level = 0 if twin else rng.choice([0, 1, 2])
            c.due_at = at + timedelta(days=3) if twin else at + timedelta(
                hours=rng.uniform(-14 * 24, 21 * 24))
            c.paused = not twin and rng.random() < 0.2
            if c.paused:
                session.add(Pause(complaint_id=c.id, reason="appraisal", started_by="sup",
                                  customer_notified_via="phone",
                                  started_at=at - timedelta(hours=rng.uniform(1, 200))))
            for tag in ("elderly", "vulnerable"):
                if not twin and rng.random() < 0.3:
                    session.add(ComplaintTag(complaint_id=c.id, tag=tag))
            session.add(c)
        session.commit()
    return seeded


def test_the_sql_score_is_the_domains_score_of_each_complaint(varied):
    from complaintctl.services.clock.state import open_pauses, view_fields
    from complaintctl.services.complaints.searches import urgency_in_sql
    from complaintctl.services.core import config
    from complaintctl.services.core.context import now

    at = now()
    with varied.session() as session:
        weights = config.load(session).weights
        in_sql = dict(session.exec(select(Complaint.id, urgency_in_sql(session, weights, at))).all())
        rows = session.exec(select(Complaint)).all()
        paused = open_pauses(session, [c.id for c in rows if c.paused])
        tags: dict[int, list[str]] = {}
        for cid, tag in session.exec(select(ComplaintTag.complaint_id, ComplaintTag.tag)):
            tags.setdefault(cid, []).append(tag)
        python = {c.id: view_fields(c, tags=tags.get(c.id, []), paused_since=paused.get(c.id),
                                    as_of=at, weights=weights)["urgency"] for c in rows}
    assert len(in_sql) == 40
    assert {cid: round(score, 2) for cid, score in in_sql.items()} == pytest.approx(
        python, abs=0.011)
    assert len(set(python.values())) > 25  # the scores differ: the comparison means something


def test_the_page_ranked_in_sql_is_the_full_ranking_in_python(varied):
    from complaintctl.services.complaints import queries
    from conftest import actor

    admin = actor("admin")
    filters = queries.Filters(status=sorted(s.value for s in QUEUE_STATUSES))
    with varied.session() as session:
        query, _checked = queries.matching(session, admin, filters, "list")
        every = queries.with_clock(session, session.exec(query).all(), unmask=False)
        every.sort(key=lambda row: (-row["urgency"], row["number"]))
        for limit in (1, 7, 30, None):
            page = queries.page(session=session, actor=admin, filters=filters, limit=limit)
            assert [row["number"] for row in page["rows"]] == [
                row["number"] for row in every][:limit], limit
            assert page["total"] == len(every)


def test_the_main_list_query_reads_the_status_index_not_the_whole_table(varied):
    from complaintctl.services.complaints import queries
    from complaintctl.services.complaints.searches import SLACK, urgency_in_sql
    from complaintctl.services.core.context import now
    from conftest import BACKEND, actor

    if BACKEND != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's; PostgreSQL plans by its statistics")
    filters = queries.Filters(status=sorted(s.value for s in QUEUE_STATUSES))
    with varied.session() as session:
        query, _checked = queries.matching(session, actor("admin"), filters, "list")
        ranked = query.order_by(urgency_in_sql(session, None, now()).desc(),
                                Complaint.id).limit(30 + SLACK)
        compiled = ranked.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
        connection = session.connection()
        # the statistics of a million complaints after an import's ANALYZE: six statuses,
        # so each status "matches" 200,000 rows (the open ones are really a few percent)
        connection.exec_driver_sql("ANALYZE")
        connection.exec_driver_sql(
            "DELETE FROM sqlite_stat1 WHERE tbl = 'complaint'")
        connection.exec_driver_sql(
            "INSERT INTO sqlite_stat1 VALUES ('complaint', 'ix_complaint_status_due', "
            "'1000000 200000 1'), ('complaint', 'ix_complaint_branch_status', "
            "'1000000 50000 10000'), ('complaint', 'ix_complaint_product', '1000000 33334')")
        connection.exec_driver_sql("ANALYZE sqlite_schema")  # the planner reads them again
        plan = [row[-1] for row in connection.exec_driver_sql(
            f"EXPLAIN QUERY PLAN {compiled}")]
        session.rollback()
    assert any("complaint USING INDEX ix_complaint_status_due" in step for step in plan), plan
    assert not any(step == "SCAN complaint" for step in plan), plan
    tags = [step for step in plan if "complaint_tag" in step]
    assert tags and all("USING" in step and "INDEX" in step for step in tags), plan
