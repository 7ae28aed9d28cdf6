"""Every report's figures, computed a second way: plain Python over the stored rows (see
report_data.py), compared with the SQL the reports run. Periods, dimensions, branches and
drill data vary; history matters (an August report taken in December rebuilds August's end)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta, timezone

import pytest

from complaintctl.domain.classification import default_text, parse
from complaintctl.services.reporting import reports
from complaintctl.services.reporting.reports.sql import DIMENSIONS

import report_data as rd
from conftest import STAFF, actor

PERIODS = {"2025-Q3": (date(2025, 7, 1), date(2025, 9, 30)),
           "2025-08": (date(2025, 8, 1), date(2025, 8, 31)),
           "2025": (date(2025, 1, 1), date(2025, 12, 31)),
           "2025-H2": (date(2025, 7, 1), date(2025, 12, 31))}


@pytest.fixture(scope="module")
def history(database_factory):
    from complaintctl.services.admin import staff

    db = database_factory("reports")
    with db.session(write=True) as session:
        staff.init_admin(session=session, username="admin", name="Admin")
        for username, name, role, branch in STAFF:
            staff.add(session=session, actor=actor("admin"), username=username, name=name,
                      role=role, branch=branch)
    rd.build(db, actor("admin"))
    yield db, rd.load(db)
    db.close()


def run(db, name, **options):
    with db.session() as session:
        return reports.run(session=session, actor=actor(options.pop("who", "admin")), name=name,
                           as_of=rd.AS_OF, **options).as_json()


def bounds(period):
    start, end = PERIODS[period]
    return rd.midnight(start), rd.midnight(end + timedelta(days=1))


def rows_by(result, by):
    return {row[by] if by else "*": row for row in result["rows"]}


def close(a, b, tol=0.011):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= tol


def test_the_fixture_has_the_variety_the_checks_need(history):
    _db, rows = history
    statuses = {r.status for r in rows}
    assert {"registered", "assigned", "investigating", "resolved", "closed", "archived",
            "withdrawn", "merged"} <= statuses
    assert any(r.reopen_count for r in rows) and any("drill" in r.tags for r in rows)
    assert any(r.decided_at and r.decided_at > r.due_at for r in rows)  # some decided late
    assert any(r.root_cause for r in rows)
    decided = [r for r in rows if r.decided_at]
    # the clock: applied extensions, requests never approved, pauses, reviews; and first
    # decisions that were late against the due time of the day but not against the due time
    # a later reopen or review moved the stored due_at to
    assert any(r.extended for r in decided) and any(r.pauses for r in decided)
    assert any(not r.extended and any(d.get("state") == "requested" for d in r.details)
               for r in decided)
    assert any(r.review_requests(rd.AS_OF - timedelta(days=400), rd.AS_OF) for r in rows)
    assert any(r.late and r.decided_at <= r.due_at for r in decided)


# --- summary -------------------------------------------------------------------------------------


@pytest.mark.parametrize("period", list(PERIODS))
@pytest.mark.parametrize("by", [None, *DIMENSIONS])
def test_summary_equals_a_plain_python_count(history, period, by):
    db, rows = history
    start, end = bounds(period)
    snapshot = min(end, rd.AS_OF)
    expected = {}
    for value, members in rd.group(rd.in_scope(rows), by).items():
        figures = {
            "received": sum(start <= r.received_at < end for r in members),
            "decided": sum(bool(r.decided_at and start <= r.decided_at < end) for r in members),
            "closed": sum(bool(r.closed_at and start <= r.closed_at < end) for r in members),
            "open": sum(r.open_at(snapshot) for r in members),
        }
        if any(figures.values()):
            expected[value] = figures
    result = run(db, "summary", period=period, by=by)
    got = {k: {f: v[f] for f in rd_keys()} for k, v in rows_by(result, by).items()}
    if by is None:
        expected = expected or {"*": dict.fromkeys(rd_keys(), 0)}
    assert got == expected
    everyone = rd.in_scope(rows)
    assert result["totals"]["received"] == sum(start <= r.received_at < end for r in everyone)
    assert result["totals"]["open"] == sum(r.open_at(snapshot) for r in everyone)


def rd_keys():
    return ["received", "decided", "closed", "open"]


def test_summary_of_one_branch_and_with_drills(history):
    db, rows = history
    start, end = bounds("2025-Q3")
    for branch, drills in (("SH01", False), (None, True)):
        members = rd.in_scope(rows, branch=branch, include_drills=drills)
        result = run(db, "summary", period="2025-Q3", branch=branch, include_drills=drills)
        assert result["totals"]["received"] == sum(start <= r.received_at < end for r in members)
    assert run(db, "summary", period="2025-Q3", include_drills=True)["totals"]["received"] > \
        run(db, "summary", period="2025-Q3")["totals"]["received"]


# --- sla and handlers ----------------------------------------------------------------------------


def decided_in(members, start, end):
    return [r for r in members if r.decided_at and start <= r.decided_at < end]


@pytest.mark.parametrize("by", [None, "product", "branch", "tag", "channel"])
def test_sla_equals_a_plain_python_computation(history, by):
    db, rows = history
    start, end = bounds("2025-Q3")
    result = rows_by(run(db, "sla", period="2025-Q3", by=by), by)
    for value, members in rd.group(rd.in_scope(rows), by).items():
        decided = decided_in(members, start, end)
        overdue = sum(r.status in rd.UNDECIDED and r.due_at < rd.AS_OF for r in members)
        if not decided and not overdue:
            assert value not in result
            continue
        row = result[value]
        late = sum(r.late for r in decided)
        extended = sum(not r.late and r.extended for r in decided)
        assert row["decided"] == len(decided)
        assert row["late"] == late and row["within_extension"] == extended
        assert row["within_15_days"] == len(decided) - late - extended
        assert row["extensions"] == sum(r.extended for r in decided)
        assert row["pauses"] == sum(r.pauses for r in decided)
        assert row["overdue_now"] == overdue
        spans = [rd.days(r) for r in decided]
        assert close(row["mean_days_to_decision"], sum(spans) / len(spans) if spans else None)
        assert close(row["p90_days_to_decision"], rd.nearest_rank(spans, 0.9))
        if decided:
            assert close(row["on_time_rate"], (len(decided) - late) / len(decided), 0.0001)


@pytest.mark.parametrize("period", ["2025-08", "2025-Q3"])
def test_handlers_equal_a_plain_python_computation(history, period):
    db, rows = history
    start, end = bounds(period)
    snapshot = min(end, rd.AS_OF)
    result = rows_by(run(db, "handlers", period=period), "handler")
    for value, members in rd.group(rd.in_scope(rows), "handler").items():
        row = result.get(value)
        decided = decided_in(members, start, end)
        closed = [r for r in members if r.closed_at and start <= r.closed_at < end
                  and r.satisfaction is not None]
        open_ = sum(r.open_at(snapshot) for r in members)
        if row is None:
            assert not decided and not closed and not open_
            continue
        assert row["open"] == open_ and row["decided"] == len(decided)
        assert close(row["median_days_to_decision"],
                     rd.nearest_rank([rd.days(r) for r in decided], 0.5))
        assert close(row["on_time_rate"], sum(not r.late for r in decided) / len(decided)
                     if decided else None, 0.0001)
        assert row["overdue_now"] == sum(r.status in rd.UNDECIDED and r.due_at < rd.AS_OF
                                         for r in members)
        assert row["responses"] == len(closed)
        if closed:
            assert close(row["mean_satisfaction"], sum(r.satisfaction for r in closed) / len(closed))


# --- aging and trend -----------------------------------------------------------------------------


@pytest.mark.parametrize("period,by", [("2025-08", None), ("2025", "product"), ("2025-Q3", "tag")])
def test_aging_equals_a_plain_python_computation(history, period, by):
    db, rows = history
    _start, end = bounds(period)
    snapshot = min(end, rd.AS_OF)
    day = (snapshot - timedelta(microseconds=1)).astimezone(rd.TZ).date()
    expected = defaultdict(lambda: defaultdict(int))
    for r in rd.in_scope(rows):
        if not r.open_at(snapshot):
            continue
        age = (day - r.received_at.astimezone(rd.TZ).date()).days
        bucket = next(k for k, lo, hi in [("age_0_3", 0, 3), ("age_4_7", 4, 7),
                                          ("age_8_15", 8, 15), ("age_16_30", 16, 30),
                                          ("age_31_60", 31, 60), ("age_over_60", 61, 10**6)]
                      if lo <= age <= hi)
        for value in ([r.status_at(snapshot)] if by is None else r.value(by)):
            expected[value][bucket] += 1
    result = run(db, "aging", period=period, by=by)
    key = by or "status"
    got = {row[key]: {k: v for k, v in row.items() if k.startswith("age_") and v}
           for row in result["rows"]}
    assert got == {k: dict(v) for k, v in expected.items()}
    assert result["by"] == key


@pytest.mark.parametrize("every", ["day", "week", "month"])
def test_trend_equals_a_plain_python_count_per_bucket(history, every):
    db, rows = history
    result = run(db, "trend", period="2025-Q3", every=every)
    members = rd.in_scope(rows)
    for row in result["rows"]:
        start = rd.midnight(date.fromisoformat(row["from"]))
        end = rd.midnight(date.fromisoformat(row["to"]) + timedelta(days=1))
        assert row["received"] == sum(start <= r.received_at < end for r in members), row
        assert row["decided"] == sum(bool(r.decided_at and start <= r.decided_at < end)
                                     for r in members), row
    assert sum(r["received"] for r in result["rows"]) == result["totals"]["received"]
    labels = [r["bucket"] for r in result["rows"]]
    assert labels[0] == {"day": "2025-07-01", "week": "2025-W27", "month": "2025-07"}[every]


def test_trend_marks_the_busy_day_as_a_spike_against_its_trailing_baseline(history):
    db, rows = history
    result = run(db, "trend", period="2025-08", every="day", include_drills=True)
    by_day = {r["bucket"]: r for r in result["rows"]}
    busy = by_day["2025-08-20"]
    members = rd.in_scope(rows, include_drills=True)
    previous = []
    for n in range(7, 0, -1):
        day = date(2025, 8, 20) - timedelta(days=n)
        previous.append(sum(rd.midnight(day) <= r.received_at < rd.midnight(
            day + timedelta(days=1)) for r in members))
    assert busy["baseline"] == round(sum(previous) / 7, 2)
    assert busy["spike"] is (busy["received"] >= 5 and busy["received"] > busy["baseline"] + 3 * max(
        busy["baseline"], 1) ** 0.5)
    assert busy["received"] >= 3


# --- outcomes and satisfaction -------------------------------------------------------------------


@pytest.mark.parametrize("by", [None, "product", "outcome", "tag"])
def test_outcomes_equal_a_plain_python_computation(history, by):
    db, rows = history
    start, end = bounds("2025-Q3")
    result = run(db, "outcomes", period="2025-Q3", by=by)
    got = rows_by(result, by)
    for value, members in rd.group(rd.in_scope(rows), by).items():
        decided = decided_in(members, start, end)
        if not decided:
            assert value not in got
            continue
        row = got[value]
        assert row["decided"] == len(decided)
        for outcome in ("upheld", "partially_upheld", "not_upheld"):
            assert row[outcome] == sum(r.outcome == outcome for r in decided)
        for kind in ("apology", "compensation", "fee_refund", "explanation"):
            assert row[f"remedy_{kind}"] == sum(any(k == kind for k, _a in r.remedies)
                                                for r in decided)
        cents = sum(a or 0 for r in decided for k, a in r.remedies
                    if k in ("compensation", "fee_refund"))
        assert row["compensation_paid"] == f"{cents / 100:.2f}"


@pytest.mark.parametrize("by", [None, "branch", "channel"])
def test_satisfaction_equals_a_plain_python_computation(history, by):
    db, rows = history
    start, end = bounds("2025")
    got = rows_by(run(db, "satisfaction", period="2025", by=by), by)
    for value, members in rd.group(rd.in_scope(rows), by).items():
        closed = [r for r in members if r.closed_at and start <= r.closed_at < end]
        decided = decided_in(members, start, end)
        if not closed and not decided:
            continue
        row = got[value]
        scored = [r.satisfaction for r in closed if r.satisfaction is not None]
        assert row["closed"] == len(closed) and row["responses"] == len(scored)
        assert [row[f"score_{n}"] for n in range(1, 6)] == [scored.count(n) for n in range(1, 6)]
        assert close(row["mean_satisfaction"], sum(scored) / len(scored) if scored else None)
        assert row["disputed"] == sum(r.disputed for r in closed)
        assert row["reopened"] == sum(r.reopen_count > 0 for r in decided)
        assert close(row["reopen_rate"], row["reopened"] / len(decided) if decided else None,
                     0.0001)
        assert close(row["disputed_rate"], row["disputed"] / len(closed) if closed else None,
                     0.0001)
        assert row["review_requests"] == sum(r.review_requests(start, end) for r in members)


# --- root causes and regulatory ------------------------------------------------------------------


def test_root_causes_equal_a_plain_python_count(history):
    db, rows = history
    start, end = bounds("2025")
    result = run(db, "root-causes", period="2025")
    closed = [r for r in rd.in_scope(rows) if r.closed_at and start <= r.closed_at < end]
    expected = defaultdict(int)
    for r in closed:
        expected[r.root_cause] += 1
    assert {row["root_cause"]: row["closed"] for row in result["rows"]} == dict(expected)
    assert result["totals"]["closed"] == len(closed)
    assert result["by"] == "root_cause"
    # the actions on each cause: linked to its complaints closed in the period, or opened on
    # the cause itself; open, overdue (past due at AS_OF's bank date) and done among them
    today = rd.AS_OF.astimezone(rd.TZ).date()
    for row in result["rows"]:
        code = row["root_cause"]
        mine = {a for r in closed if r.root_cause == code for a in r.actions}
        mine |= {a for a in rd.ACTIONS if a.cause is not None and a.cause == code}
        assert row["actions"] == sorted(a.id for a in mine)
        assert row["share"] == round(row["closed"] / len(closed), 4)
        active = [a for a in mine if a.status in ("open", "in_progress")]
        assert (row["actions_open"], row["actions_overdue"], row["actions_done"]) == (
            len(active), sum(a.due_on < today for a in active),
            sum(a.status == "done" for a in mine))
    classified = sum(r.root_cause is not None for r in closed)
    assert (result["totals"]["classified"], result["totals"]["actions"]) == (
        classified, len({a.id for r in closed if r.root_cause for a in r.actions}
                        | {a.id for a in rd.ACTIONS if a.cause in expected}))
    assert sum(row["actions_overdue"] for row in result["rows"]) >= 1
    assert sum(row["actions_done"] for row in result["rows"]) >= 1


def test_regulatory_tables_equal_a_plain_python_computation(history):
    db, rows = history
    start, end = bounds("2025-Q3")
    snapshot = min(end, rd.AS_OF)
    table = parse(default_text())
    result = run(db, "regulatory", period="2025-Q3")
    assert result["period"] == {"from": "2025-07-01", "to": "2025-09-30"} and result["by"] is None
    sections = defaultdict(dict)
    for row in result["rows"]:
        sections[row["section"]][row.get("code", row.get("product"))] = row
    members = rd.in_scope(rows)
    received = [r for r in members if start <= r.received_at < end]
    # A: channels mapped to their codes, rolled up to the parents
    expected_a = defaultdict(int)
    for r in received:
        code = table.a_code(r.channel)
        while code:
            expected_a[code] += 1
            code = table.codes[code].parent
    assert {k: v["received"] for k, v in sections["jrt_a"].items() if v["received"]} == \
        dict(expected_a)
    expected_b = defaultdict(int)
    for r in received:
        expected_b[table.b_code(r.product)] += 1
    assert {k: v["received"] for k, v in sections["jrt_b"].items() if v["received"]} == \
        dict(expected_b)
    expected_c = defaultdict(int)
    for r in received:
        expected_c[r.root_cause or "unclassified"] += 1
    assert {k: v["received"] for k, v in sections["jrt_c"].items() if v["received"]} == \
        dict(expected_c)
    # FCA return by product
    for product, group in rd.group(members, "product").items():
        decided = decided_in(group, start, end)
        row = sections["fca"].get(product)
        opened = sum(start <= r.received_at < end for r in group)
        outstanding = sum(r.open_at(snapshot) for r in group)
        if row is None:
            assert not decided and not opened and not outstanding
            continue
        local = [(r, r.received_at.astimezone(rd.TZ).date()) for r in decided]
        three = sum(r.decided_at < rd.midnight(rd.business_days_after(d, 3) + timedelta(days=1))
                    for r, d in local)
        eight = sum(r.decided_at < rd.midnight(d + timedelta(days=57)) for r, d in local)
        assert (row["received"], row["closed"], row["outstanding"]) == \
            (opened, len(decided), outstanding)
        assert row["closed_within_3_business_days"] == three
        assert row["closed_within_8_weeks"] == eight - three
        assert row["closed_later"] == len(decided) - eight
        assert row["upheld"] == sum(r.outcome in ("upheld", "partially_upheld") for r in decided)
        cents = sum(a or 0 for r in decided for k, a in r.remedies
                    if k in ("compensation", "fee_refund"))
        assert row["redress_paid"] == f"{cents / 100:.2f}"
    # CFPB timely response of the quarter's complaints
    timely = sum(bool(r.decided_at and not r.late) for r in received)
    untimely = sum(bool(r.decided_at and r.late)
                   or (not r.decided_at and r.status in rd.UNDECIDED and r.due_at < rd.AS_OF)
                   for r in received)
    totals = result["totals"]["cfpb"]
    assert (totals["timely"], totals["responses"]) == (timely, timely + untimely)
    assert close(totals["timely_response_rate"], timely / (timely + untimely), 0.0001)


def test_branch_staff_see_their_branch_only(history):
    db, rows = history
    start, end = bounds("2025-Q3")
    mine = rd.in_scope(rows, branch="SH01")
    result = run(db, "summary", period="2025-Q3", who="sup2")
    assert result["totals"]["received"] == sum(start <= r.received_at < end for r in mine)


# --- the monitor ---------------------------------------------------------------------------------


@pytest.mark.parametrize("when,branch", [
    (datetime(2025, 8, 20, 4, 0, tzinfo=timezone.utc), None),  # the busy day, afternoon
    (datetime(2025, 9, 15, 2, 0, tzinfo=timezone.utc), None),
    (datetime(2025, 9, 15, 2, 0, tzinfo=timezone.utc), "SH01"),
])
def test_the_monitor_equals_a_plain_python_computation(history, when, branch):
    """The monitor counts the complaints as they stand, with times measured from --as-of."""
    from complaintctl.services.reporting import monitor

    db, rows = history
    with db.session() as session:
        out = monitor.snapshot(session=session, actor=actor("admin"), branch=branch, as_of=when)
    members = rd.in_scope(rows, branch=branch)
    open_ = [r for r in members if r.status in rd.OPEN]
    undecided = [r for r in members if r.status in rd.UNDECIDED]
    by_status = defaultdict(int)
    for r in open_:
        by_status[r.status] += 1
    assert out["open_by_status"] == dict(by_status) and out["open"] == len(open_)
    assert out["overdue"] == sum(r.due_at < when for r in undecided)
    assert out["due_24h"] == sum(when <= r.due_at < when + timedelta(hours=24)
                                 for r in undecided)
    assert out["unassigned"] == sum(r.assignee is None for r in open_)
    for key in ("branch", "product"):
        expected = {}
        for value, group in rd.group(members, key).items():
            last = sum(when - timedelta(hours=24) <= r.received_at < when for r in group)
            before = sum(when - timedelta(days=31) <= r.received_at < when - timedelta(hours=24)
                         for r in group)
            if last or before:
                baseline = round(before / 30, 2)
                expected[value] = (last, baseline, last >= 5 and last > baseline + 3 * max(
                    baseline, 1) ** 0.5)
        assert {r[key]: (r["last_24h"], r["baseline_daily"], r["spike"])
                for r in out["last_24h"][f"by_{key}"]} == expected
    day = when.astimezone(rd.TZ).date()
    monday = day - timedelta(days=day.weekday())
    trend = []
    for n in range(7, -1, -1):
        start = monday - timedelta(weeks=n)
        scores = [r.satisfaction for r in members if r.closed_at and r.satisfaction is not None
                  and rd.midnight(start) <= r.closed_at < rd.midnight(start + timedelta(days=7))]
        trend.append((f"{start.isocalendar()[0]}-W{start.isocalendar()[1]:02d}", len(scores),
                      round(sum(scores) / len(scores), 2) if scores else None))
    assert [(w["week"], w["responses"], w["mean"]) for w in out["satisfaction_trend"]] == trend
    if when.day == 20:  # the fixture's three receipts on the busy day are in the last 24 h
        assert sum(r["last_24h"] for r in out["last_24h"]["by_branch"]) >= 3
    else:
        assert out["open"] and out["overdue"] and any(n for _w, n, _m in trend)
