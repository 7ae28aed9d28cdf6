"""Writers under load (issue 7, items 1 and 3): a small run of stress/writers.py in the suite,
and the bugs it found, pinned."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from complaintctl.domain.enums import EventKind
from complaintctl.services.audit import trail as audit
from complaintctl.services.core import trail
from complaintctl.services.core.context import now

STRESS = Path(__file__).resolve().parents[1] / "stress"


def _append(session, action: str) -> None:
    trail.record(session, kind=EventKind.admin, action=action, actor="admin", at=now())
    session.commit()


def test_a_session_that_committed_before_appends_after_the_events_others_added_since(seeded):
    """Found under load: an import's session, reused for detection after its commit, numbered
    its next event after the chain head as it had seen it (UNIQUE constraint failed: event.seq)."""
    with seeded.session() as session:
        before = audit.verify(session).events
    with seeded.session(write=True) as first:
        chain = trail.BulkAppender(first)  # as an import holds it, until after its commit
        rows = chain.build([dict(kind=EventKind.admin, action="first", actor="admin", at=now())])
        chain.insert(first, rows)
        chain.close(first)
        _append(first, "import")
        with seeded.session(write=True) as other:
            _append(other, "other")
        _append(first, "first again")
        del chain
    with seeded.session() as session:
        result = audit.verify(session)
        assert (result.ok, result.events) == (True, before + 4)
        assert [e.action for e in audit.log(session, limit=4)] == ["first", "import", "other",
                                                                  "first again"]


@pytest.mark.sqlite_only("counts SQLite's BEGIN IMMEDIATE (engine.lock_waits)")
def test_register_takes_the_write_lock_once(cli, monkeypatch):
    """Found under load: register read the time zone after its commit, in a second write
    transaction, so every registration queued for the write lock twice."""
    from complaintctl.store import engine

    waits: list[float] = []
    monkeypatch.setattr(engine, "lock_waits", waits)
    run = cli("register", "--channel", "phone", "--customer", "x", "--summary", "y", as_="clerk")
    assert (run.exit_code, run.stderr.split(";")[0]) == (0, "Registered " + run.stdout.strip())
    assert len(waits) == 1


def _writers():
    if str(STRESS) not in sys.path:
        sys.path.insert(0, str(STRESS))
    import writers

    return writers


@pytest.mark.slow
@pytest.mark.sqlite_only("many processes on one SQLite file; benchmarks/pg_writers.py does "
                         "PostgreSQL")
def test_writers_an_import_readers_and_a_backup_at_once_lose_nothing_and_show_no_error():
    """stress/writers.py, small: 4 clerks x 25 registrations, an import of 100 rows, a list
    reader and a db backup, all at once on one file."""
    (summary,) = _writers().main([
        "--writers", "4", "--per-writer", "25", "--import-rows", "100", "--import-delay", "0.2",
        "--readers", "1", "--backups", "1", "--backup-every", "0.5", "--modes", "backoff",
        "--start", "fork", "--json"])
    assert summary["errors_shown"] == 0, summary["error_samples"]
    assert summary["imported"] == 100
    assert (summary["stored"], summary["duplicates"], summary["gaps"]) == (200, 0, 0)
    assert summary["write_transactions"] == 4 * 25 + 2  # registrations, import, its detection
    assert summary["list_runs"] > 0
    assert (summary["db_check_ok"], summary["audit_ok"]) == (True, True)
    (copy,) = summary["backups"]
    assert copy["under_load"] and copy["db_check_ok"] and copy["audit_ok"]
    assert copy["duplicates"] == 0 and copy["stored"] <= 200
    assert summary["ok"]


@pytest.mark.sqlite_only("restoring a SQLite file (a PostgreSQL backup is a pg_dump archive)")
def test_a_backup_restored_by_the_readme_procedure_works(cli, seeded, tmp_path):
    """README, "Restoring a backup": stop complaintctl, move the file and its -wal and -shm
    aside, copy the backup and its evidence store in; then commands work on it."""
    import shutil

    evidence = tmp_path / "statement.txt"
    evidence.write_text("card statement")

    def register(summary: str) -> str:
        run = cli("register", "--channel", "phone", "--customer", "x", "--summary", summary,
                  as_="clerk")
        assert run.exit_code == 0, run.stderr
        return run.stdout.strip()

    kept = register("before the backup")
    assert cli("assign", kept, "--to", "h1", as_="sup").exit_code == 0
    assert cli("investigate", kept, as_="sup").exit_code == 0
    assert cli("evidence", "add", kept, str(evidence), as_="sup").exit_code == 0
    backup = tmp_path / "backups" / "complaints-backup.db"
    assert cli("db", "backup", str(backup)).exit_code == 0
    lost = register("after the backup")
    live = seeded.path
    seeded.dispose()

    aside = tmp_path / "aside"
    aside.mkdir()
    for suffix in ("", "-wal", "-shm", ".evidence"):  # the procedure, step by step
        old = live.with_name(live.name + suffix)
        if old.exists():
            shutil.move(old, aside / old.name)
    shutil.copy2(backup, live)
    shutil.copytree(backup.with_name(backup.name + ".evidence"),
                    live.with_name(live.name + ".evidence"))

    check = cli("db", "check")
    assert (check.exit_code, check.stderr.strip()) == (0, "Database check passed.")
    verify = cli("audit", "verify")
    assert verify.exit_code == 0 and verify.stderr.startswith("The audit trail is intact")
    assert cli("show", kept, as_="sup").exit_code == 0
    gone = cli("show", lost, as_="sup")
    assert gone.exit_code == 1 and lost in gone.stderr
    listed = cli("evidence", "list", kept, "--format", "json", as_="sup")
    assert listed.exit_code == 0 and "statement.txt" in listed.stdout
    again = register("after the restore")  # the counter comes back with the copy
    assert again == lost
    assert cli("audit", "verify").exit_code == 0


@pytest.mark.sqlite_only("SQLite's write lock, held by another connection")
def test_a_writer_that_cannot_get_the_lock_in_time_says_so_and_writes_nothing(cli, monkeypatch):
    import sqlite3

    from complaintctl.store import engine

    def counts():
        conn = sqlite3.connect(str(cli.database.path))
        try:
            return [conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                    for t in ("complaint", "event")]
        finally:
            conn.close()

    monkeypatch.setattr(engine, "BUSY_TIMEOUT_MS", 300)
    before = counts()
    holder = sqlite3.connect(str(cli.database.path), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        run = cli("register", "--channel", "phone", "--customer", "x", "--summary", "y",
                  as_="clerk")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert (run.exit_code, run.stderr) == (1, "Error: Other writers kept the database busy for "
                                              "0.3 s and nothing was saved; run the command "
                                              "again in a moment.\n")
    assert counts() == before
    assert cli("register", "--channel", "phone", "--customer", "x", "--summary", "y",
               as_="clerk").exit_code == 0
