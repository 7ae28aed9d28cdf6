"""16 concurrent writer processes on PostgreSQL: no duplicate numbers, no gaps, no error shown
to a user, the audit chain intact. Runs benchmarks/pg_writers.py and checks its database a
second way. Skips without a PostgreSQL server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from complaintctl.store.db import Database
from conftest import BACKEND, Cli

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "pg_writers.py"
WRITERS, EACH = 16, 8


@pytest.mark.slow
@pytest.mark.skipif(BACKEND != "postgresql", reason=(
    "sixteen writer processes take a minute: this runs in the PostgreSQL run "
    "(COMPLAINTCTL_TEST_BACKEND=postgresql, as .ci/run does)"))
def test_sixteen_writers_get_distinct_gapless_numbers_without_an_error(pg_server):
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--url", pg_server.admin_url, "--writers", str(WRITERS),
         "--per-writer", str(EACH), "--mix", "lifecycle", "--keep", "--json"],
        capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    database = Database(summary["database"])
    try:
        assert summary["errors"] == []
        assert summary["gave_up"] == 0
        assert summary["transactions"] == WRITERS * EACH * 4  # register, assign, contact, note
        # a second way: the stored numbers, by SQL
        with database.engine.connect() as conn:
            numbers = list(conn.execute(sa.text("SELECT number FROM complaint")).scalars())
            events = conn.execute(sa.text("SELECT count(*) FROM event")).scalar()
            actions = dict(conn.execute(sa.text(
                "SELECT action, count(*) FROM event GROUP BY action")).all())
        serials = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
        assert serials == list(range(1, WRITERS * EACH + 1))  # distinct, and no gaps
        assert len({n.split("-")[1] for n in numbers}) == 1
        assert summary["numbers_given"] == len(numbers)
        # every transaction left its one event; setup: init, the plan, two staff and a clerk
        # a writer; the rest is the emergency plan's (CBIRC Art 29): 128 registrations of one
        # branch on one day form a cluster, so an incident is declared at the registration that
        # forms it and each later one is linked to it (how many depends on the interleaving)
        for action in ("register", "assign", "contact", "note"):
            assert actions.pop(action) == WRITERS * EACH, action
        assert (actions.pop("init"), actions.pop("plan load"), actions.pop("staff add")) == (
            1, 1, 2 + WRITERS)
        assert actions.pop("incident declare") == 1
        assert set(actions) <= {"incident link", "incident escalate"}
        assert 0 < actions.get("incident link", 0) < WRITERS * EACH
        run = Cli(database)("audit", "verify", as_="admin")
        assert (run.exit_code, run.stderr) == (0, f"The audit trail is intact: {events} events.\n")
    finally:
        database.close()
        pg_server.drop(summary["database"])
