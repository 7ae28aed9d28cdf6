"""8 processes each register 200 complaints in one SQLite file: 1,600 distinct, contiguous
numbers, no error, and `db check` and `audit verify` pass (issue 2)."""

from __future__ import annotations

import multiprocessing
import re

import pytest

WORKERS, EACH = 8, 200


def _worker(url: str, clerk: str, count: int, queue) -> None:
    try:
        from complaintctl.db import Database
        from complaintctl.domain.enums import Channel, Role
        from complaintctl.services import complaints
        from complaintctl.services.complaints import NewComplaint
        from complaintctl.services.context import Actor

        database = Database(url)
        actor = Actor(clerk, Role.clerk, "BJ01")
        numbers = []
        for i in range(count):
            with database.session(write=True) as session:
                c = complaints.register(session=session, actor=actor, new=NewComplaint(
                    channel=Channel.phone, customer=f"客户{i}", summary=f"并发登记 {clerk} {i}"))
                numbers.append(c.number)
        queue.put((clerk, numbers, None))
    except Exception as error:  # noqa: BLE001 - reported to the test, which fails on it
        queue.put((clerk, [], f"{type(error).__name__}: {error}"))


@pytest.mark.slow
def test_eight_processes_registering_200_each_get_1600_distinct_contiguous_numbers(seeded, cli):
    from complaintctl.domain.enums import Role
    from complaintctl.services import staff

    from conftest import actor

    with seeded.session(write=True) as session:
        for w in range(WORKERS):
            staff.add(session=session, actor=actor("admin"), username=f"c{w}", name=f"Clerk {w}",
                      role=Role.clerk, branch="BJ01")
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(seeded.url, f"c{w}", EACH, queue))
             for w in range(WORKERS)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=600) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    errors = [(clerk, err) for clerk, _n, err in results if err]
    assert errors == []
    numbers = [n for _c, ns, _e in results for n in ns]
    assert len(numbers) == WORKERS * EACH == len(set(numbers))
    counters = sorted(int(re.fullmatch(r"CMP-\d{4}-(\d{6})", n).group(1)) for n in numbers)
    assert counters == list(range(1, WORKERS * EACH + 1))
    check = cli("db", "check")
    assert (check.exit_code, check.stderr.strip()) == (0, "Database check passed.")
    verify = cli("audit", "verify")
    assert verify.exit_code == 0, verify.stderr
    assert verify.stderr.startswith("The audit trail is intact:")
