"""Looking after a database: an online backup copy (SQLite's backup API, or ``pg_dump``) and the
integrity check. The functions take the ``Database`` (``store.db``) they work on."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from complaintctl.errors import DatabaseProblem
from complaintctl.i18n import _
from complaintctl.store import engine


def backup(database, dest: Path) -> Path:
    """An online copy: SQLite's backup API, or pg_dump's custom format for PostgreSQL;
    both consistent while others write."""
    if database.is_postgresql:
        return pg_dump(database.url, Path(dest))
    if database.path is None:
        raise DatabaseProblem(
            _("db backup copies SQLite files; back up other databases with their own tools.")
        )
    import sqlite3

    dest = Path(dest).expanduser().resolve()
    _refuse_existing(dest)
    from complaintctl.infra.files import PRIVATE_FILE, copy_tree_private, private_dirs

    private_dirs(dest.parent)  # 0700, every folder made

    os.close(os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    source = sqlite3.connect(str(database.path), timeout=engine.BUSY_TIMEOUT_MS / 1000)
    target = sqlite3.connect(str(dest))
    try:
        with target:
            source.backup(target)
    finally:
        target.close()
        source.close()
    os.chmod(dest, PRIVATE_FILE)
    if database.evidence_dir.is_dir():
        copy_tree_private(database.evidence_dir, dest.with_name(dest.name + ".evidence"))
    return dest


def pg_dump(url: str, dest: Path) -> Path:
    """``pg_dump --format=custom`` of the URL's database into ``dest``, readable by its owner
    only; the password goes in the environment, not on the command line."""
    import subprocess

    from sqlalchemy.engine import make_url

    dest = dest.expanduser().resolve()
    _refuse_existing(dest)
    program = shutil.which("pg_dump")
    if program is None:
        raise DatabaseProblem(
            _("pg_dump is not installed here; install the PostgreSQL client tools "
              "(apt-get install postgresql-client) or run pg_dump on the server.")
        )
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)  # not on the command line, where ps shows it
    libpq = parsed.set(drivername="postgresql", password=None).render_as_string()
    from complaintctl.infra.files import private_dirs

    private_dirs(dest.parent)  # 0700, every folder made
    os.close(os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # private first
    done = subprocess.run(
        [program, "--format=custom", "--no-owner", f"--file={dest}", f"--dbname={libpq}"],
        env=env, capture_output=True, text=True,
    )
    if done.returncode != 0:
        dest.unlink(missing_ok=True)
        raise DatabaseProblem(
            _("pg_dump failed: {problem}").format(
                problem=(done.stderr.strip().splitlines() or ["?"])[-1])
        )
    os.chmod(dest, 0o600)
    return dest


def _refuse_existing(dest: Path) -> None:
    if dest.exists():
        raise DatabaseProblem(
            _("{dest} already exists; choose a new file name.").format(dest=dest)
        )


def check(database) -> list[str]:
    """Problems found by integrity_check and foreign_key_check (empty when all is well).

    PostgreSQL enforces foreign keys itself; there we look for constraints left
    unvalidated and indexes left invalid (a failed CREATE INDEX CONCURRENTLY, a restore
    gone wrong).
    """
    with database.engine.connect() as conn:
        if database.is_sqlite:
            return _sqlite_problems(conn)
        if database.is_postgresql:
            return _pg_problems(conn)
    return []


def _sqlite_problems(conn) -> list[str]:
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError as SQLDatabaseError

    problems: list[str] = []
    # a badly damaged file makes the check itself fail: that is the finding
    try:
        rows = [r[0] for r in conn.execute(text("PRAGMA integrity_check"))]
    except SQLDatabaseError as error:
        rows = [str(error.orig or error).splitlines()[0]]
    if rows != ["ok"]:
        problems.extend(f"integrity_check: {r}" for r in rows)
    try:
        for row in conn.execute(text("PRAGMA foreign_key_check")):
            problems.append(
                f"foreign_key_check: table {row[0]} row {row[1]} refers to a missing {row[2]}"
            )
    except SQLDatabaseError as error:
        problems.append(f"foreign_key_check: {str(error.orig or error).splitlines()[0]}")
    return problems


def _pg_problems(conn) -> list[str]:
    from sqlalchemy import text

    problems: list[str] = []
    for table, name in conn.execute(text(
        "SELECT conrelid::regclass::text, conname FROM pg_constraint "
        "WHERE NOT convalidated AND connamespace = current_schema()::regnamespace"
    )):
        problems.append(f"constraint {name} on {table} is not validated")
    for (name,) in conn.execute(text(
        "SELECT indexrelid::regclass::text FROM pg_index i JOIN pg_class c "
        "ON c.oid = i.indexrelid WHERE NOT (indisvalid AND indisready) "
        "AND c.relnamespace = current_schema()::regnamespace"
    )):
        problems.append(f"index {name} is invalid; REINDEX it")
    return problems
