"""Crash safety (issue 7, item 2): stress/crash.py, small: writers killed with SIGKILL at random
moments; after each kill the file passes every check. And the checks themselves catch what
they look for (a lost acknowledged change, a partial batch, an orphan event)."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest

STRESS = Path(__file__).resolve().parents[1] / "stress"
if str(STRESS) not in sys.path:
    sys.path.insert(0, str(STRESS))

import crash  # noqa: E402
import kit  # noqa: E402
from tampering import disarm

pytestmark = pytest.mark.sqlite_only("SIGKILL against one SQLite file")


@pytest.mark.slow
def test_ten_writers_killed_at_random_moments_lose_nothing():
    summary = crash.main(["--kills", "10", "--seed", "3", "--import-rows", "150",
                          "--window", "0.8", "--json"])
    assert summary["kills"] == 10
    assert summary["rounds_with_a_loss"] == 0, summary["failures"]
    kinds = summary["by_kind"]
    assert kinds["lifecycle"]["kills"] and kinds["import"]["kills"]
    assert kinds["lifecycle"]["acknowledged"] > 0  # the checks had changes to look for


@pytest.fixture
def worked(tmp_path):
    """A database with one complaint taken through its lifecycle and one imported batch, and
    the acknowledgements a writer would have written."""
    url = kit.seed(tmp_path / "complaints.db", clerks=1)
    cli = kit.Cli(url)
    evidence = tmp_path / "e.txt"
    evidence.write_text("statement")
    acked, number = [], None
    for step, (action, actor) in enumerate(crash.LIFECYCLE[:6]):
        run = cli(*crash._arguments(action, number, step, evidence), as_=actor)
        assert run.exit_code == 0, run.stderr
        number = number or run.stdout.strip()
        acked.append({"number": number, "action": action})
    data = crash.import_file(tmp_path, 20, 50_000_000, seed=1)
    run = cli("import", str(data), "--format", "cfpb", "--json")
    assert run.exit_code == 0, run.stderr
    acked.append({"batch": 1, "imported": 20})
    return url, acked, tmp_path / "complaints.db"


def test_the_checks_pass_on_an_intact_file(worked):
    url, acked, _path = worked
    assert crash.problems(url, acked) == {}


def _doctor(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(str(path))
    conn.execute("PRAGMA foreign_keys = OFF")
    disarm(conn)  # the append-only triggers, as an attacker with the file could
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


def test_the_checks_catch_a_lost_acknowledged_change(worked):
    url, acked, path = worked
    _doctor(path, "DELETE FROM event WHERE action = 'note'")
    found = crash.problems(url, acked)
    assert any("note: acknowledged 1, stored 0" in line for line in found["lost"])
    assert found["audit verify"]


def test_the_checks_catch_a_partially_applied_batch_and_orphans(worked):
    url, acked, path = worked
    _doctor(path, "DELETE FROM complaint WHERE id = (SELECT MAX(id) FROM complaint WHERE "
                  "import_batch_id = 1)")
    found = crash.problems(url, acked)
    assert found["partial batch"] == ["batch 1: 20 imported, 19 stored, 19 with their event"]
    # issue 20: the row's leaf in its batch's tree is left without its complaint
    assert any(line.startswith("leaf 19 of batch 1 (") and line.endswith(") has no complaint")
               for line in found["orphan"])
    assert found["db check"]


def test_the_checks_catch_a_status_its_timeline_does_not_explain(worked):
    url, acked, path = worked
    _doctor(path, f"UPDATE complaint SET status = 'closed' WHERE number = "
                  f"'{acked[0]['number']}'")
    found = crash.problems(url, acked)
    assert any("is closed but its timeline says investigating" in line
               for line in found["orphan"])
