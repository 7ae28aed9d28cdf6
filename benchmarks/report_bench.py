"""Report speed: each report against equivalent hand-written SQL on the same database.

Builds N complaints (default 1,000,000) with their timeline events, tags, remedies and root
causes by bulk insert through SQLAlchemy Core (realistic mixes: 20 branches, 30 products, most
complaints decided within 15 days and a tail late, a few still open, 1% drill data), then in one
run times every report (``services.reports.run``, as the CLI calls it) and a hand-written
SQLite query computing the same figures, best of three each, and prints the ratios (target:
each <= 2x). Then ``list`` with two filters and --limit 50 (target: < 0.1 s beyond start-up).

    python benchmarks/report_bench.py                 # 1,000,000 complaints
    python benchmarks/report_bench.py --rows 200000 --db /tmp/bench.db --keep
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

OPEN = "('registered','assigned','investigating','resolved','suspended','under_review')"
SCOPE = ("c.status <> 'merged' AND c.id NOT IN "
         "(SELECT complaint_id FROM complaint_tag WHERE tag IN ('drill','test'))")
DEC = ("(SELECT complaint_id, MIN(at) AS d FROM event WHERE action IN ('resolve','imported') "
       "AND to_status IN ('resolved','closed','archived') GROUP BY complaint_id)")
STATUS_AT = ("CASE WHEN c.last_event_at < :t THEN c.status ELSE COALESCE((SELECT e.to_status "
             "FROM event e WHERE e.complaint_id = c.id AND e.kind = 'change' AND e.at < :t AND "
             "e.to_status IS NOT NULL ORDER BY e.at DESC, e.id DESC LIMIT 1), 'registered') END")
LOCAL = "'+8 hours'"  # Asia/Shanghai, no daylight saving
DUE = "COALESCE(c.decision_due_at, c.due_at)"  # the due time the first decision is judged by

HAND = {
    "summary": [
        f"SELECT product, count(*) FROM complaint c WHERE received_at >= :s AND received_at < :e "
        f"AND {SCOPE} GROUP BY product",
        f"SELECT c.product, count(*) FROM complaint c JOIN {DEC} x ON x.complaint_id = c.id "
        f"WHERE x.d >= :s AND x.d < :e AND {SCOPE} GROUP BY c.product",
        f"SELECT product, count(*) FROM complaint c WHERE closed_at >= :s AND closed_at < :e "
        f"AND {SCOPE} GROUP BY product",
        f"SELECT product, count(*) FROM complaint c WHERE received_at < :t AND {SCOPE} "
        f"AND {STATUS_AT} IN {OPEN} GROUP BY product",
    ],
    "sla": [
        f"SELECT c.product, count(*), sum(x.d <= {DUE}), sum(x.d > {DUE}), "
        f"sum(julianday(x.d) - julianday(c.received_at)), "
        f"sum(EXISTS (SELECT 1 FROM approval a WHERE a.complaint_id = c.id AND a.kind = "
        f"'extension' AND a.status = 'approved' AND a.decided_at <= x.d)), "
        f"sum((SELECT count(*) FROM pause p WHERE p.complaint_id = c.id AND p.started_at < x.d)) "
        f"FROM complaint c JOIN {DEC} x ON x.complaint_id = c.id WHERE x.d >= :s AND x.d < :e "
        f"AND {SCOPE} GROUP BY c.product",
        f"SELECT product, min(days) FROM (SELECT c.product, julianday(x.d) - "
        f"julianday(c.received_at) AS days, row_number() OVER (PARTITION BY c.product ORDER BY "
        f"julianday(x.d) - julianday(c.received_at)) AS rn, count(*) OVER (PARTITION BY "
        f"c.product) AS n FROM complaint c JOIN {DEC} x ON x.complaint_id = c.id WHERE "
        f"x.d >= :s AND x.d < :e AND {SCOPE}) WHERE rn * 100 >= n * 90 GROUP BY product",
        f"SELECT min(days) FROM (SELECT julianday(x.d) - julianday(c.received_at) AS days, "
        f"row_number() OVER (ORDER BY julianday(x.d) - julianday(c.received_at)) AS rn, "
        f"count(*) OVER () AS n FROM complaint c JOIN {DEC} x ON x.complaint_id = c.id WHERE "
        f"x.d >= :s AND x.d < :e AND {SCOPE}) WHERE rn * 100 >= n * 90",
        f"SELECT product, count(*) FROM complaint c WHERE status IN ('registered','assigned',"
        f"'investigating','suspended') AND due_at < :now AND {SCOPE} GROUP BY product",
    ],
    "aging": [
        f"SELECT st, CAST(julianday(date(:t, {LOCAL}, '-1 second')) - julianday(date("
        f"received_at, {LOCAL})) AS INTEGER) AS age, count(*) FROM (SELECT c.received_at, "
        f"{STATUS_AT} AS st FROM complaint c WHERE received_at < :t AND {SCOPE}) WHERE st IN "
        f"{OPEN} GROUP BY st, age",
    ],
    "trend": [
        f"SELECT date(received_at, {LOCAL}) AS day, count(*) FROM complaint c WHERE received_at "
        f">= :s0 AND received_at < :e AND {SCOPE} GROUP BY day",
        f"SELECT date(x.d, {LOCAL}) AS day, count(*) FROM complaint c JOIN {DEC} x ON "
        f"x.complaint_id = c.id WHERE x.d >= :s0 AND x.d < :e AND {SCOPE} GROUP BY day",
    ],
    "outcomes": [
        f"SELECT c.product, count(*), sum(outcome = 'upheld'), sum(outcome = "
        f"'partially_upheld'), sum(outcome = 'not_upheld') FROM complaint c JOIN {DEC} x ON "
        f"x.complaint_id = c.id WHERE x.d >= :s AND x.d < :e AND {SCOPE} GROUP BY c.product",
        f"SELECT c.product, r.kind, count(DISTINCT c.id), sum(r.amount_cents) FROM complaint c "
        f"JOIN {DEC} x ON x.complaint_id = c.id JOIN remedy r ON r.complaint_id = c.id WHERE "
        f"x.d >= :s AND x.d < :e AND {SCOPE} GROUP BY c.product, r.kind",
    ],
    "satisfaction": [
        f"SELECT product, count(*), count(satisfaction), sum(satisfaction), sum(disputed), "
        f"sum(satisfaction = 1), sum(satisfaction = 2), sum(satisfaction = 3), "
        f"sum(satisfaction = 4), sum(satisfaction = 5) FROM complaint c WHERE closed_at >= :s "
        f"AND closed_at < :e AND {SCOPE} GROUP BY product",
        f"SELECT c.product, count(*), sum(c.reopen_count > 0) FROM complaint c JOIN {DEC} x ON "
        f"x.complaint_id = c.id WHERE x.d >= :s AND x.d < :e AND {SCOPE} GROUP BY c.product",
        f"SELECT c.product, count(*) FROM complaint c JOIN event e ON e.complaint_id = c.id "
        f"WHERE e.kind = 'change' AND e.action IN ('review_request', 'review request') AND "
        f"e.at >= :s AND e.at < :e AND {SCOPE} GROUP BY c.product",
    ],
    "handlers": [
        f"SELECT assignee, count(*) FROM complaint c WHERE received_at < :t AND {SCOPE} "
        f"AND {STATUS_AT} IN {OPEN} GROUP BY assignee",
        f"SELECT c.assignee, count(*), sum(x.d <= {DUE}) FROM complaint c JOIN {DEC} x ON "
        f"x.complaint_id = c.id WHERE x.d >= :s AND x.d < :e AND {SCOPE} GROUP BY c.assignee",
        f"SELECT assignee, min(days) FROM (SELECT c.assignee, julianday(x.d) - "
        f"julianday(c.received_at) AS days, row_number() OVER (PARTITION BY c.assignee ORDER BY "
        f"julianday(x.d) - julianday(c.received_at)) AS rn, count(*) OVER (PARTITION BY "
        f"c.assignee) AS n FROM complaint c JOIN {DEC} x ON x.complaint_id = c.id WHERE "
        f"x.d >= :s AND x.d < :e AND {SCOPE}) WHERE rn * 100 >= n * 50 GROUP BY assignee",
        f"SELECT assignee, count(*), sum(satisfaction) FROM complaint c WHERE closed_at >= :s "
        f"AND closed_at < :e AND satisfaction IS NOT NULL AND {SCOPE} GROUP BY assignee",
        f"SELECT assignee, count(*) FROM complaint c WHERE status IN ('registered','assigned',"
        f"'investigating','suspended') AND due_at < :now AND {SCOPE} GROUP BY assignee",
    ],
    "root-causes": [
        f"SELECT rc.code, count(*) FROM complaint c LEFT JOIN complaint_root_cause rc ON "
        f"rc.complaint_id = c.id WHERE closed_at >= :s AND closed_at < :e AND {SCOPE} "
        f"GROUP BY rc.code",
        f"SELECT DISTINCT rc.code, l.rectification_id FROM complaint c LEFT JOIN "
        f"complaint_root_cause rc ON rc.complaint_id = c.id JOIN rectification_complaint l ON "
        f"l.complaint_id = c.id WHERE closed_at >= :s AND closed_at < :e AND {SCOPE}",
    ],
    "regulatory": [
        f"SELECT {col}, sum(received_at >= :s AND received_at < :e), sum(closed_at >= :s AND "
        f"closed_at < :e) FROM complaint c {join} WHERE ((received_at >= :s AND received_at < "
        f":e) OR (closed_at >= :s AND closed_at < :e)) AND {SCOPE} GROUP BY {col}"
        for col, join in (("channel", ""), ("product", ""),
                          ("rc.code", "LEFT JOIN complaint_root_cause rc ON rc.complaint_id = "
                                      "c.id"))
    ] + [
        # FCA: the third business day after receipt from the local weekday; 8 weeks = 56 days
        f"SELECT c.product, count(*), sum(date(x.d, {LOCAL}) <= date(c.received_at, {LOCAL}, "
        f"'+' || CASE CAST(strftime('%w', c.received_at, {LOCAL}) AS INTEGER) WHEN 3 THEN 5 "
        f"WHEN 4 THEN 5 WHEN 5 THEN 5 WHEN 6 THEN 4 ELSE 3 END || ' days')), "
        f"sum(date(x.d, {LOCAL}) <= date(c.received_at, {LOCAL}, '+56 days')), "
        f"sum(c.outcome IN ('upheld','partially_upheld')) FROM complaint c JOIN {DEC} x ON "
        f"x.complaint_id = c.id WHERE x.d >= :s AND x.d < :e AND {SCOPE} GROUP BY c.product",
        f"SELECT c.product, sum(r.amount_cents) FROM complaint c JOIN {DEC} x ON x.complaint_id "
        f"= c.id JOIN remedy r ON r.complaint_id = c.id WHERE r.kind IN ('compensation', "
        f"'fee_refund') AND x.d >= :s AND x.d < :e AND {SCOPE} GROUP BY c.product",
        f"SELECT product, count(*) FROM complaint c WHERE received_at >= :s AND received_at < :e "
        f"AND {SCOPE} GROUP BY product",
        f"SELECT product, count(*) FROM complaint c WHERE received_at < :t AND {SCOPE} "
        f"AND {STATUS_AT} IN {OPEN} GROUP BY product",
        f"SELECT c.product, count(*), sum(x.d IS NOT NULL AND x.d <= {DUE}), sum((x.d IS NOT "
        f"NULL AND x.d > {DUE}) OR (x.d IS NULL AND c.status IN ('registered','assigned',"
        f"'investigating','suspended') AND c.due_at < :now)) FROM complaint c LEFT JOIN {DEC} x "
        f"ON x.complaint_id = c.id WHERE c.received_at >= :s AND c.received_at < :e AND {SCOPE} "
        f"GROUP BY c.product",
    ],
}

BRANCHES = [f"BR{n:02d}" for n in range(1, 21)]
PRODUCTS = ["借记卡", "信用卡", "个人贷款", "房贷", "转账汇款", "储蓄存款", "理财产品", "基金代销",
            "保险代销", "外汇", "手机银行", "网上银行", "ATM", "现金业务", "征信", "个人信息",
            "Credit card or prepaid card", "Mortgage", "Checking or savings account",
            "Debt collection", "Student loan", "Vehicle loan or lease", "Money transfer",
            "Credit reporting", "Payday loan", "Bank account or service", "Consumer Loan",
            "Prepaid card", "Other financial service", "trade_finance"]
CHANNELS = ["counter"] * 25 + ["phone"] * 30 + ["online"] * 25 + ["email"] * 6 + \
    ["regulator"] * 6 + ["letter"] * 3 + ["self_service"] * 3 + ["social_media"] * 2
ISSUES = [f"issue {n}" for n in range(50)]


def ts(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def build(path: Path, rows: int, seed: int = 5) -> None:
    """A database at head with ``rows`` complaints and their events, by Core bulk insert."""
    from complaintctl.store.db import Database, resolve_url

    db = Database(resolve_url(str(path)))
    db.create()
    rng = random.Random(seed)
    start = datetime(2024, 12, 1, tzinfo=timezone.utc)
    span = (datetime(2026, 11, 20, tzinfo=timezone.utc) - start).total_seconds()
    handlers = {b: [f"{b.lower()}h{n}" for n in range(1, 6)] for b in BRANCHES}
    now = datetime(2026, 11, 20, tzinfo=timezone.utc)
    with db.engine.connect() as conn:
        driver = conn.connection.driver_connection  # outside a transaction: a bulk load
        driver.execute("PRAGMA synchronous = OFF")
        driver.execute("PRAGMA cache_size = -400000")
        _fill(conn, rows, rng, start, span, handlers, now)
        conn.commit()
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    print(file=sys.stderr)
    db.engine.dispose()


def _fill(conn, rows, rng, start, span, handlers, now) -> None:
    from sqlalchemy import insert

    from complaintctl.store.models import (
        Complaint,
        ComplaintRootCause,
        ComplaintTag,
        Event,
        Rectification,
        RectificationComplaint,
        Remedy,
        Staff,
    )

    if True:
        conn.execute(insert(Staff.__table__), [
            {"username": h, "name": h, "role": "handler", "branch": b, "active": True,
             "created_at": start} for b in BRANCHES for h in handlers[b]])
        batch = 20_000
        seq = 0
        for first in range(0, rows, batch):
            complaints, tags, remedies, events, causes = [], [], [], [], []
            for cid in range(first + 1, min(rows, first + batch) + 1):
                received = start + timedelta(seconds=rng.random() * span)
                registered = received + timedelta(minutes=rng.randint(1, 300))
                branch = rng.choice(BRANCHES)
                due = (received + timedelta(days=16)).replace(hour=15, minute=59, second=59,
                                                              microsecond=0)
                late = rng.random() < 0.1
                decide_days = rng.uniform(15.5, 45) if late else rng.lognormvariate(1.5, 0.6)
                decided = registered + timedelta(days=min(decide_days, 80))
                closed = decided + timedelta(days=rng.uniform(0.5, 5))
                if decided > now or rng.random() < 0.02:
                    status = rng.choice(["registered", "assigned", "investigating"])
                    decided = closed = None
                elif closed > now or rng.random() < 0.03:
                    status, closed = "resolved", None
                else:
                    status = rng.choice(["closed"] * 7 + ["archived"] * 3)
                if rng.random() < 0.01:
                    status, decided, closed = "withdrawn", None, None
                outcome = rng.choice(["upheld", "partially_upheld", "not_upheld", "not_upheld"]) \
                    if decided else None
                last = closed or decided or registered
                complaints.append({
                    "id": cid, "number": f"CMP-B-{cid:08d}", "status": status,
                    "channel": rng.choice(CHANNELS), "external_source": "",
                    "received_at": received, "registered_at": registered,
                    "registered_by": "bench", "customer_name": "客户", "group_size": 1,
                    "branch": branch, "product": rng.choice(PRODUCTS),
                    "issue": rng.choice(ISSUES), "summary": "投诉摘要",
                    "amount_cents": rng.choice([None, 5000, 120000]), "currency": "CNY",
                    "priority": rng.choice(["low", "normal", "normal", "high", "urgent"]),
                    "priority_set": False,
                    "assignee": rng.choice(handlers[branch]) if status != "registered" else None,
                    "due_at": due, "decision_due_at": due if decided else None,
                    "outcome": outcome,
                    "satisfaction": rng.choice([1, 2, 3, 4, 4, 5, 5, None]) if closed else None,
                    "disputed": rng.random() < 0.05, "reopen_count": int(rng.random() < 0.04),
                    "closed_at": closed, "last_event_at": last,
                })
                if rng.random() < 0.1:
                    tags.append({"complaint_id": cid,
                                 "tag": rng.choice(["elderly", "vulnerable", "media", "repeat"])})
                if rng.random() < 0.01:
                    tags.append({"complaint_id": cid, "tag": "drill"})
                timeline = [("register", None, "registered", registered)]
                if status != "registered":
                    timeline.append(("assign", "registered", "assigned",
                                     registered + timedelta(hours=1)))
                if decided:
                    timeline.append(("resolve", "investigating", "resolved", decided))
                if closed:
                    timeline.append(("close", "resolved", "closed", closed))
                if status == "withdrawn":
                    timeline.append(("withdraw", "assigned", "withdrawn",
                                     registered + timedelta(days=2)))
                for action, before, after, at in timeline:
                    seq += 1
                    events.append({"seq": seq, "complaint_id": cid, "number": f"CMP-B-{cid:08d}",
                                   "kind": "change", "action": action, "actor": "bench",
                                   "at": at, "recorded_at": at, "from_status": before,
                                   "to_status": after, "details": "{}", "prev_hash": "0" * 64,
                                   "hash": "0" * 64})
                if outcome in ("upheld", "partially_upheld"):
                    remedies.append({"complaint_id": cid, "kind": "apology"})
                    remedies.append({"complaint_id": cid, "kind": "compensation",
                                     "amount_cents": rng.choice([5000, 20000, 100000])})
                if closed and rng.random() < 0.5:
                    causes.append({"complaint_id": cid, "code": rng.choice(
                        ["C01", "C02", "C03", "C04", "C05", "C09"]), "recorded_by": "bench",
                        "recorded_at": closed})
            conn.execute(insert(Complaint.__table__), complaints)
            for table, values in ((ComplaintTag, tags), (Remedy, remedies), (Event, events),
                                  (ComplaintRootCause, causes)):
                if values:
                    conn.execute(insert(table.__table__), values)
            print(f"\r  {min(rows, first + batch):,} complaints", end="", file=sys.stderr)
        conn.execute(insert(Rectification.__table__), [
            {"id": n, "what": f"整改 {n}", "cause": "C03", "owner": "br01h1", "branch": None,
             "due_on": (now - timedelta(days=n)).date(), "status": "open", "created_by": "bench",
             "created_at": now, "updated_at": now} for n in range(1, 21)])
        conn.execute(insert(RectificationComplaint.__table__), [
            {"rectification_id": n % 20 + 1, "complaint_id": n * 37 % rows + 1}
            for n in range(1, 2001)])


def best(fn, times: int = 3) -> float:
    out = []
    for _ in range(times):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return min(out)


def database_at(path: Path | None, rows: int, *, keep: bool, name: str, make=None) -> Path:
    """The benchmark's database: ``path`` reused when kept (``--keep``), else ``rows``
    complaints built anew by ``make`` (default ``build``) in ``path`` or a temporary folder."""
    path = path or Path(tempfile.mkdtemp()) / name
    if not (keep and path.exists()):
        if path.exists():
            path.unlink()
        t0 = time.perf_counter()
        (make or build)(path, rows)
        print(f"built {rows:,} complaints in {time.perf_counter() - t0:.1f} s ({path})")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep (or reuse) --db")
    parser.add_argument("--period", default="2026-Q3")
    parser.add_argument("--by", default="product")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many timings")
    args = parser.parse_args()
    path = database_at(args.db, args.rows, keep=args.keep, name="bench.db")

    from complaintctl.store.db import Database, resolve_url
    from complaintctl.domain import period as periods
    from complaintctl.domain.enums import Role
    from complaintctl.services.complaints import queries
    from complaintctl.services.reporting import reports
    from complaintctl.services.core.context import Actor

    db = Database(resolve_url(str(path)))
    admin = Actor("admin", Role.admin, None)
    as_of = datetime(2026, 11, 20, 4, 0, tzinfo=timezone.utc)
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Shanghai")
    period = periods.parse_period(args.period)
    s, e = period.bounds(tz)
    every = periods.default_every(period)
    first = periods.preceding(periods.buckets(period, every), every, 7)[0].start
    params = {"s": ts(s), "e": ts(e), "t": ts(min(e, as_of)), "now": ts(as_of),
              "s0": ts(periods.local_midnight(first, tz))}
    raw = sqlite3.connect(str(path))
    raw.execute("PRAGMA cache_size = -200000")
    print(f"\n{'report':<14}{'complaintctl':>14}{'hand SQL':>12}{'ratio':>8}")
    ratios = {}
    with db.session() as session:
        session.connection().exec_driver_sql("PRAGMA cache_size = -200000")
        for name in reports.REPORTS:
            by = args.by if name not in ("aging", "trend", "handlers", "root-causes",
                                         "regulatory") else None

            def ours(name=name, by=by):
                reports.run(session=session, actor=admin, name=name, period=args.period, by=by,
                            as_of=as_of)

            def hand(name=name):
                for sql in HAND[name]:
                    raw.execute(sql, {k: v for k, v in params.items()
                                      if f":{k}" in sql}).fetchall()

            ours()  # warm the cache for both
            hand()
            a, b = best(ours, args.repeat), best(hand, args.repeat)
            ratios[name] = a / b
            print(f"{name:<14}{a:>13.3f}s{b:>11.3f}s{a / b:>8.2f}")

        def listing():
            queries.list_complaints(session=session, actor=admin, filters=queries.Filters(
                status=["investigating"], branch="BR07"), limit=50)

        listing()
        took = best(listing, 5)
        print(f"\nlist --status investigating --branch BR07 --limit 50: {took * 1000:.1f} ms "
              f"(target < 100 ms)")
    worst = max(ratios, key=ratios.get)
    print(f"worst ratio: {worst} {ratios[worst]:.2f} (target <= 2.00)")
    if not args.keep and args.db is None:
        os.remove(path)


if __name__ == "__main__":
    main()
