"""Audit chain verification at scale, and tamper detection (issue 7, item 4).

Builds a SQLite database with N events on the hash chain (default 1,000,000; through the
chain's own bulk appender, so the chain is exactly what the commands write: a fifth of the
events carry personal data behind the keyed digest), then in one run:

(a) ``audit verify``: the walk over every event (link, hash, personal digest), timed.
(b) the baseline: plain ``hashlib.sha256`` over the same columns' bytes, read with plain
    sqlite3 in the same order, one digest per event (what any verification must at least do).
(c) ``audit verify --anchor``: the same against an anchor taken first.
(d) detection: one tampering of each of the five kinds (edit a field, delete, insert, reorder,
    truncate the tail), a careful truncation (head moved back too) and a complete re-hash of
    the last events, each in a transaction rolled back afterwards, on the big database; then
    ``--tamperings`` (default 1,000) random tamperings of the five kinds on a small database
    built the same way. Each must be detected (against the anchor) and the first bad event
    named.

Prints the times, the ratio (a)/(b) and the detection rate; exits 1 if anything was missed.

    python benchmarks/audit_verify.py                 # 1,000,000 events
    python benchmarks/audit_verify.py --events 100000 --tamperings 200
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from sqlmodel import Session  # noqa: E402

from complaintctl.store.db import Database, resolve_url  # noqa: E402
from complaintctl.domain.enums import EventKind  # noqa: E402
from complaintctl.services.audit import trail as audit  # noqa: E402
from complaintctl.services.core import trail  # noqa: E402
from complaintctl.services.admin import staff
from complaintctl.services.core.context import chain_key  # noqa: E402

ACTIONS = ["register", "assign", "contact", "investigate", "note", "resolve", "close"]
STATUSES = ["registered", "assigned", "assigned", "investigating", "investigating", "resolved",
            "closed"]


def build(path: Path, events: int, seed: int = 1) -> Database:
    db = Database(resolve_url(str(path)))
    db.create()
    with db.session(write=True) as session:
        staff.init_admin(session=session, username="admin", name="Admin")
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    made = 1  # init_admin's event
    while made < events:
        batch = min(50_000, events - made)
        items = []
        for i in range(batch):
            n = made + i
            step = n % len(ACTIONS)
            number = f"CMP-2026-{n // len(ACTIONS):06d}"
            item = {
                "kind": EventKind.change, "action": ACTIONS[step],
                "actor": rng.choice(("clerk", "h1", "h2", "sup")),
                "at": start + timedelta(seconds=n * 7), "number": number,
                "from_status": STATUSES[step - 1] if step else None, "to_status": STATUSES[step],
                "details": {"summary": "信用卡年费重复扣收", "branch": "BJ01",
                            "amount": f"{rng.randint(1, 99999)}.00", "tags": ["elderly"]}
                if step == 0 else {"text": "客户来电催办" * rng.randint(1, 3)},
            }
            if step == 0:
                item["personal"] = {"name": "张伟", "phone": f"138{rng.randint(0, 99999999):08d}",
                                    "id_number": "110101199003071233"}
            items.append(item)
        with db.session(write=True) as session:
            trail.record_many(session, items)
            session.commit()
        made += batch
    db.engine.dispose()
    return db


def baseline(path: Path) -> float:
    """Plain hashlib over the same bytes: read the hashed columns in order, one SHA-256 each."""
    conn = sqlite3.connect(path)
    started = time.perf_counter()
    count = 0
    for row in conn.execute(
        "SELECT seq, number, kind, action, actor, at, recorded_at, from_status, to_status, "
        "details, personal_digest, personal, prev_hash, hash FROM event ORDER BY seq"
    ):
        hashlib.sha256("\x1f".join("" if v is None else str(v) for v in row).encode()).hexdigest()
        count += 1
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def timed_verify(db: Database, anchor=None):
    started = time.perf_counter()
    with db.session() as session:
        result = audit.verify(session, anchor=anchor)
    return result, time.perf_counter() - started


def detect(db: Database, anchor, kinds, rng: random.Random) -> tuple[Counter, Counter, list]:
    from tampering import tamper

    tried, caught, misses = Counter(), Counter(), []
    with db.engine.connect() as conn:
        with Session(bind=conn) as session:
            key = chain_key(session)
        conn.rollback()
        for kind in kinds:
            transaction = conn.begin()
            try:
                done = tamper(conn, kind, rng, key)
                with Session(bind=conn) as session:
                    result = audit.verify(session, anchor=anchor)
            finally:
                transaction.rollback()
            tried[kind] += 1
            # the first bad event is named exactly, or (a re-hash past the anchor's
            # checkpoints) the stretch that holds it begins at or before it
            # (a forged insertion is named itself where the anchor kept its hash, else the
            # genuine event it displaced is)
            named = (not result.ok and result.bad_seq is not None and (
                result.bad_seq in (done.bad_seq, done.anchored_bad_seq)
                or (done.anchor_only and result.bad_seq <= done.anchored_bad_seq)))
            if named:
                caught[kind] += 1
            else:
                misses.append((done, result.problem))
    return tried, caught, misses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--tamperings", type=int, default=1000)
    parser.add_argument("--small", type=int, default=300, help="events in the small database")
    args = parser.parse_args()
    from tampering import KINDS

    with tempfile.TemporaryDirectory(prefix="audit-verify-") as tmp:
        started = time.perf_counter()
        db = build(Path(tmp) / "big.db", args.events)
        print(f"built {args.events:,} events in {time.perf_counter() - started:.1f} s")
        base = baseline(db.path)
        result, plain = timed_verify(db)
        assert result.ok and result.events == args.events, result
        with db.session() as session:
            _result, anchor = audit.take_anchor(session)
        anchored_result, anchored = timed_verify(db, anchor)
        assert anchored_result.ok, anchored_result
        print(f"(a) audit verify:           {plain:7.2f} s  ({args.events / plain:,.0f} events/s)")
        print(f"(b) plain hashlib baseline: {base:7.2f} s")
        print(f"(c) audit verify --anchor:  {anchored:7.2f} s  "
              f"({len(anchor.checkpoints)} checkpoints)")
        print(f"ratio (a)/(b): {plain / base:.2f}")
        rng = random.Random(20261128)
        big = detect(db, anchor, list(KINDS) + ["rehash"], rng)
        db.engine.dispose()
        small = build(Path(tmp) / "small.db", args.small, seed=2)
        with small.session() as session:
            _r, small_anchor = audit.take_anchor(session)
        kinds = [KINDS[i % len(KINDS)] for i in range(args.tamperings)]
        campaign = detect(small, small_anchor, kinds, rng)
    missed = big[2] + campaign[2]
    total = sum(big[0].values()) + sum(campaign[0].values())
    caught = sum(big[1].values()) + sum(campaign[1].values())
    print(f"detection on {args.events:,} events: {sum(big[1].values())}/{sum(big[0].values())} "
          f"({dict(big[1])})")
    print(f"detection on {args.small} events: {sum(campaign[1].values())}/"
          f"{sum(campaign[0].values())} ({dict(campaign[1])})")
    print(f"detection rate: {100 * caught / total:.1f}% ({caught}/{total}), first bad event "
          "named in each")
    for done, problem in missed:
        print(f"MISSED: {done} -> {problem}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
