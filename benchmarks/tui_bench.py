"""The workspace's speed (issue 21): time to open on a large database and an action's round
trip, against a baseline measured in the same run.

Builds N complaints (default 100,000; ``report_bench.build``: 20 branches, most decided, a few
open) plus a supervisor of branch BR01, then, interleaved over ``--runs`` rounds,
the wall time of

- the baseline: ``complaintctl --as sup list --branch BR01 --status assigned --limit 50`` (a
  process: start-up, the database opened, one query, a table printed);
- the workspace opened: a process that imports the workspace, resolves the actor, builds the
  app and draws the first tab (the supervisor's branch, most urgent first) headless at 80x24,
  then exits;

and, in this process, an action's round trip in the open workspace: the assign form saved
(``handling.assign``) and the complaint screen read again (``show`` and the evidence), each
timed from the key to the redrawn screen.

    python benchmarks/tui_bench.py                  # 100,000 complaints
    python benchmarks/tui_bench.py --rows 20000 --db /tmp/tui-bench.db --keep
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

CHILD = """
import asyncio, sys, time
t0 = time.perf_counter()
from complaintctl.cli.common import State
from complaintctl.services import bootstrap
from complaintctl.tui.app import WorkspaceApp
from complaintctl.tui.workspace import Workspace
bootstrap.start()
app = WorkspaceApp(Workspace(State(db_option=sys.argv[1], user_option="sup")), poll=0)
async def go():
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("b")
        await pilot.pause()
        assert app.screen.rows, "no rows drawn"
asyncio.run(go())
"""


def staff(path: Path) -> None:
    """The supervisor the bench acts as and an admin (the build made the handlers), inserted
    as the build inserts its rows: it writes its own chain of events, which a use case here
    could not append to."""
    import sqlite3

    conn = sqlite3.connect(str(path))
    conn.executemany(
        "INSERT OR IGNORE INTO staff (username, name, role, branch, email, active, created_at, senior) "
        "VALUES (?, ?, ?, ?, NULL, 1, '2024-12-01 00:00:00.000000', 0)",
        [("admin", "Admin", "admin", None), ("sup", "Supervisor", "supervisor", "BR01")])
    # the build leaves the chain head at 0: point it at its last event, so actions can append
    conn.execute("UPDATE audit_head SET count = (SELECT max(seq) FROM event), last_hash = "
                 "(SELECT hash FROM event ORDER BY seq DESC LIMIT 1)")
    conn.commit()
    conn.close()


def wall(argv: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**os.environ, "COLUMNS": "80"})
    return time.perf_counter() - t0


def round_trips(path: Path, times: int) -> list[float]:
    from complaintctl.cli.common import State
    from complaintctl.services import bootstrap
    from complaintctl.tui.app import WorkspaceApp
    from complaintctl.tui.workspace import Workspace

    bootstrap.start()
    app = WorkspaceApp(Workspace(State(db_option=str(path), user_option="sup")), poll=0)
    out: list[float] = []

    async def go():
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("b")
            await pilot.pause()
            number = next(r["number"] for r in app.screen.rows if r["status"] == "assigned")
            app.open_complaint(number)
            await pilot.pause()
            for n in range(times):
                await pilot.press("a")
                await pilot.pause()
                app.screen.query_one("#field-to").value = f"br01h{1 + n % 2}"
                t0 = time.perf_counter()
                await pilot.press("ctrl+s")
                await pilot.pause()
                out.append(time.perf_counter() - t0)

    asyncio.run(go())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep (or reuse) --db")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from report_bench import build, database_at

    def make(path: Path, rows: int) -> None:
        build(path, rows)
        staff(path)

    path = database_at(args.db, args.rows, keep=args.keep, name="tui-bench.db", make=make)
    exe = str(Path(sys.executable).with_name("complaintctl"))
    baseline_argv = [exe, "--db", str(path), "--as", "sup", "list", "--branch", "BR01",
                     "--status", "assigned", "--limit", "50"]
    open_argv = [sys.executable, "-c", CHILD, str(path)]
    wall(baseline_argv), wall(open_argv)  # warm the page cache
    base, opened = [], []
    for _ in range(args.runs):
        base.append(wall(baseline_argv))
        opened.append(wall(open_argv))
    b, o = statistics.median(base), statistics.median(opened)
    print(f"list --limit 50 (baseline): median {b:.2f} s ({min(base):.2f}-{max(base):.2f})")
    print(f"workspace opened, first tab drawn: median {o:.2f} s "
          f"({min(opened):.2f}-{max(opened):.2f}); {o / b:.2f}x the baseline; target < 1 s",
          flush=True)
    trips = round_trips(path, max(args.runs, 5))
    t = statistics.median(trips)
    print(f"assign round trip (key to redrawn screen): median {t * 1000:.0f} ms "
          f"({min(trips) * 1000:.0f}-{max(trips) * 1000:.0f}); target < 100 ms")
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
