"""Hypothesis: whatever complaints arrive and whenever detection runs, it never opens a
duplicate, never puts a complaint in two active incidents, and a second run at the same time
changes nothing."""

from __future__ import annotations

import os
import shutil
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import func, select
from tests.conftest import STAFF, actor, widen_late_window

from complaintctl.store.db import Database, resolve_url
from complaintctl.domain import emergency as rules
from complaintctl.domain.enums import Channel
from complaintctl.store.models import Complaint, Incident, IncidentComplaint
from complaintctl.services.emergency import detection, plans
from complaintctl.services.admin import staff
from complaintctl.services.complaints.registration import NewComplaint, register

EXAMPLES = int(os.environ.get("COMPLAINTCTL_DETECTION_EXAMPLES", "12"))  # more by hand
T0 = (datetime.now(timezone.utc) - timedelta(days=5)).replace(microsecond=0)

complaint = st.fixed_dictionaries({
    "minutes": st.integers(0, 60 * 48),
    "product": st.sampled_from(["card", "loan", "fx"]),
    "issue": st.sampled_from(["fee", "delay", None]),
    "group": st.sampled_from([1, 1, 1, 19, 20, 50]),
    "counter": st.booleans(),
    "tags": st.lists(st.sampled_from(["media", "vulnerable", "accident",
                                      "regulator_designated"]), max_size=2),
})


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "t.db"
    db = Database(resolve_url(str(path)))
    db.create()
    widen_late_window(db)  # the arrivals are at fixed times, long past
    with db.session(write=True) as s:
        staff.init_admin(session=s, username="admin", name="Admin")
        for username, name, role, branch in STAFF:
            staff.add(session=s, actor=actor("admin"), username=username, name=name, role=role,
                      branch=branch)
    db.engine.dispose()
    return path


@pytest.mark.slow
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(arrivals=st.lists(complaint, min_size=1, max_size=25),
       runs=st.lists(st.integers(0, 60 * 50), min_size=1, max_size=4))
def test_detection_never_duplicates_and_is_idempotent(template, tmp_path, arrivals, runs):
    path = tmp_path / f"{uuid.uuid4().hex}.db"
    shutil.copy(template, path)
    db = Database(resolve_url(str(path)))
    try:
        with db.session(write=True) as s:
            for i, a in enumerate(sorted(arrivals, key=lambda a: a["minutes"])):
                when = T0 + timedelta(minutes=a["minutes"], seconds=i)
                register(session=s, actor=actor("clerk"), at=when, new=NewComplaint(
                    channel=Channel.counter if a["counter"] else Channel.phone, customer="c",
                    summary="s", product=a["product"], issue=a["issue"], branch="BJ01",
                    group_size=a["group"], tags=a["tags"], received_at=when,
                    # a joint complaint in person names its representatives (CBIRC Art 12)
                    representatives=[{"name": "代表", "phone": "13800000000"}]
                    if a["counter"] and a["group"] > 1 else []))
            for minutes in sorted(runs):
                at = T0 + timedelta(minutes=minutes, seconds=30)
                detection.detect(session=s, actor=actor("sup"), as_of=at)
                assert detection.detect(session=s, actor=actor("sup"), as_of=at) == []
                active = s.exec(select(Incident).where(Incident.status == "active")).all()
                keys = [i.cluster_key for i in active]
                assert len(keys) == len(set(keys))
                per_complaint = s.exec(
                    select(IncidentComplaint.complaint_id, func.count())
                    .join(Incident, Incident.id == IncidentComplaint.incident_id)
                    .where(Incident.status == "active")
                    .group_by(IncidentComplaint.complaint_id)).all()
                assert all(n == 1 for _cid, n in per_complaint)
                assert all(i.level in (1, 2, 3, 4) for i in active)
                # every complaint of every cluster that fires is in some incident
                plan = plans.parsed(plans.stored_plan(s))
                facts, _by = detection.load_facts(s, since=at - timedelta(days=31), as_of=at,
                                                  drill_id=None)
                fired = {n for f in rules.evaluate(plan, facts, at) for n in f.numbers}
                linked = set(s.exec(select(Complaint.number).join(
                    IncidentComplaint, IncidentComplaint.complaint_id == Complaint.id)).all())
                assert fired <= linked
    finally:
        db.engine.dispose()
