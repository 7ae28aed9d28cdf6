"""``list``'s speed at scale (issue 22): each common filter against the start-up floor.

Builds N complaints (default 1,000,000) by bulk insert through SQLAlchemy Core, the mixes of
benchmarks/report_bench.py (20 branches, 30 products, most complaints decided within 15 days
of receipt over two years up to now, about 3% still open, a tenth tagged, 1% drills; no
timeline events: ``list`` reads none), on a database that does not check sign-in. Then, as
separate processes, interleaved round by round so a busy machine slows them alike, it times
``complaintctl --version`` and ``--help`` (the start-up floor) and ``complaintctl list`` with
the common filters (and ``show``, a command that opens the database, and a shell completion of a
number), and prints each one's median wall time and its difference from the floor (target for
``list``: <= 0.15 s); then the service alone, in process, for each filter.

    python benchmarks/list_bench.py                       # 1,000,000 complaints
    python benchmarks/list_bench.py --rows 200000 --db /tmp/list.db --keep
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from report_bench import BRANCHES, CHANNELS, ISSUES, PRODUCTS, database_at

TARGET = 0.15
#: (label, arguments after ``list``)
CASES = [
    ("list (the default queue)", []),
    ("list --status investigating", ["--status", "investigating"]),
    ("list --branch BR07", ["--branch", "BR07"]),
    ("list --product 信用卡", ["--product", "信用卡"]),
    ("list --text 年费", ["--text", "年费"]),
    ("list --phone 5678", ["--phone", "5678"]),
    ("list --branch BR07 --sort due", ["--branch", "BR07", "--sort", "due"]),
]
OPEN = ("registered", "assigned", "investigating")


def build(path: Path, rows: int, seed: int = 22) -> None:
    """A database at head with ``rows`` complaints and their tags; ``admin`` may act."""
    from complaintctl.services.identity import acting
    from complaintctl.store.db import Database, resolve_url
    from complaintctl.store.models import Staff

    db = Database(resolve_url(str(path)))
    db.create()
    with db.session(write=True) as session:
        acting.set_mode(session, no_auth=True)
        session.add(Staff(username="admin", name="Admin", role="admin", active=True,
                          created_at=datetime.now(UTC)))
        session.commit()
    with db.engine.connect() as conn:
        driver = conn.connection.driver_connection
        driver.execute("PRAGMA synchronous = OFF")
        driver.execute("PRAGMA cache_size = -400000")
        _fill(conn, rows, random.Random(seed))
        conn.commit()
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    print(file=sys.stderr)
    db.engine.dispose()


def _fill(conn, rows: int, rng: random.Random) -> None:
    from sqlalchemy import insert

    from complaintctl.store.models import Complaint, ComplaintTag

    now = datetime.now(UTC)
    start = now - timedelta(days=730)
    handlers = {b: [f"{b.lower()}h{n}" for n in range(1, 6)] for b in BRANCHES}
    summaries = ["信用卡年费重复扣收", "转账未到账", "柜台服务态度差", "理财产品收益不符", "ATM 吞卡"]
    batch = 20_000
    for first in range(0, rows, batch):
        complaints, tags = [], []
        for cid in range(first + 1, min(rows, first + batch) + 1):
            received = start + timedelta(seconds=rng.random() * 730 * 86400)
            decided = received + timedelta(days=rng.lognormvariate(1.5, 0.6))
            status = rng.choice(["closed"] * 7 + ["archived"] * 3)
            if decided > now or rng.random() < 0.03:
                status = rng.choice(OPEN)
            branch = rng.choice(BRANCHES)
            complaints.append({
                "id": cid, "number": f"CMP-B-{cid:08d}", "status": status,
                "channel": rng.choice(CHANNELS), "external_source": "",
                "received_at": received, "registered_at": received, "registered_by": "bench",
                "customer_name": rng.choice(["张伟", "王芳", "李娜", "刘洋"]),
                "customer_phone": f"13{rng.randrange(10 ** 9):09d}", "group_size": 1,
                "branch": branch, "product": rng.choice(PRODUCTS), "issue": rng.choice(ISSUES),
                "summary": rng.choice(summaries),
                "amount_cents": rng.choice([None, 5000, 120000, 50_000_000]), "currency": "CNY",
                "priority": rng.choice(["low", "normal", "normal", "high", "urgent"]),
                "priority_set": False,
                "assignee": rng.choice(handlers[branch]) if status != "registered" else None,
                "due_at": received + timedelta(days=15),
                "reopen_count": int(rng.random() < 0.04),
                "closed_at": decided if status in ("closed", "archived") else None,
                "last_event_at": decided if status in ("closed", "archived") else received,
            })
            if rng.random() < 0.1:
                tags.append({"complaint_id": cid,
                             "tag": rng.choice(["elderly", "vulnerable", "media", "repeat"])})
            if rng.random() < 0.01:
                tags.append({"complaint_id": cid, "tag": "drill"})
        conn.execute(insert(Complaint.__table__), complaints)
        if tags:
            conn.execute(insert(ComplaintTag.__table__), tags)
        print(f"\r  {min(rows, first + batch):,} complaints", end="", file=sys.stderr)


def complaintctl() -> list[str]:
    script = Path(sys.executable).with_name("complaintctl")
    return [str(script)] if script.exists() else [sys.executable, "-m", "complaintctl"]


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          check=False)
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return time.perf_counter() - started


def in_process(path: Path) -> None:
    """The service alone (``queries.page``, as ``list`` calls it), best of three per case."""
    from complaintctl.domain.enums import QUEUE_STATUSES, Role
    from complaintctl.services.admin.database import open_database
    from complaintctl.services.complaints import queries
    from complaintctl.services.core.context import Actor

    queue = sorted(s.value for s in QUEUE_STATUSES)
    options = {"--status": "status", "--branch": "branch", "--product": "product",
               "--text": "text", "--phone": "phone", "--sort": "sort"}
    admin = Actor("admin", Role.admin, None)
    print(f"\n{'queries.page in process':<34}{'best':>9}{'matched':>10}")
    with open_database(str(path)).session() as session:
        for label, extra in CASES:
            given = dict(zip(extra[::2], extra[1::2]))
            sort = given.pop("--sort", "urgency")
            filters = {options[k]: v for k, v in given.items()}
            filters["status"] = [filters["status"]] if "status" in filters else queue
            best = float("inf")
            for _ in range(3):
                t0 = time.perf_counter()
                found = queries.page(session=session, actor=admin, sort=queries.SortKey(sort),
                                     filters=queries.Filters(**filters))
                best = min(best, time.perf_counter() - t0)
            print(f"{label:<34}{best * 1000:>7.1f}ms{found['total']:>10,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep (or reuse) --db")
    parser.add_argument("--runs", type=int, default=7, help="rounds timed (median)")
    args = parser.parse_args()
    path = database_at(args.db, args.rows, keep=args.keep, name="list.db", make=build)
    env = {**os.environ, "COLUMNS": "100", "COMPLAINTCTL_LANG": "en"}
    base = complaintctl()
    runs = {"--version": base + ["--version"], "--help": base + ["--help"],
            "show (a database command)": base + ["--db", str(path), "--as", "admin", "show",
                                                 "CMP-B-00000001"]}
    for label, extra in CASES:
        runs[label] = base + ["--db", str(path), "--as", "admin", "list", *extra]
    words = f"complaintctl --db {path} --as admin show CMP-B-0000012"
    runs["complete: show CMP-B-0000012<TAB>"] = base
    completing = {**env, "_COMPLAINTCTL_COMPLETE": "complete_bash", "COMP_WORDS": words,
                  "COMP_CWORD": "6"}
    times: dict[str, list[float]] = {label: [] for label in runs}
    for _round in range(args.runs + 1):  # the first round warms the caches, not counted
        for label, argv in runs.items():
            took = timed(argv, completing if label.startswith("complete") else env)
            if _round:
                times[label].append(took)
    median = {label: statistics.median(values) for label, values in times.items()}
    floor = median["--version"]
    print(f"\n{'command':<34}{'median':>9}{'- floor':>10}")
    worst = 0.0
    for label in runs:
        diff = median[label] - floor
        if label.startswith("list"):
            worst = max(worst, diff)
        print(f"{label:<34}{median[label]:>8.3f}s{diff:>+9.3f}s")
    print(f"\nworst difference from the floor: {worst:.3f} s (target <= {TARGET:.2f} s)")
    in_process(path)
    if not args.keep and args.db is None:
        os.remove(path)
    sys.exit(0 if worst <= TARGET else 1)


if __name__ == "__main__":
    main()
