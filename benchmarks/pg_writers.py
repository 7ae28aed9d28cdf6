"""Concurrent writers on PostgreSQL: N processes running complaintctl commands at once.

Creates a new database on the server (dropped at the end unless --keep), adds one clerk per
writer and a supervisor, then starts N writer processes together. Each runs its commands
in-process through the real CLI (``complaintctl register``, and with ``--mix lifecycle`` also
``assign``, ``contact`` and ``note`` on what it registered), one transaction per command, and
reports every exit code, every error shown to the user, the numbers it was given and how often
the CLI retried a deadlock or serialization failure. Then the database is checked a second way:
duplicate and missing numbers by SQL, ``audit verify`` and ``db check``.

Prints commits/s and retries per 1,000 transactions (``--json`` for one JSON object).

    python benchmarks/pg_writers.py                       # 16 writers x 100 registrations
    python benchmarks/pg_writers.py --mix lifecycle --per-writer 50
    python benchmarks/pg_writers.py --url postgresql://postgres@db.example/postgres
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

WORKER = r"""
import functools, json, os, sys, time
import typer.testing
from typer.testing import CliRunner
if hasattr(typer.testing, "_get_command"):  # build the command tree once, not per command
    typer.testing._get_command = functools.cache(typer.testing._get_command)
from complaintctl.present import render
from complaintctl.infra import retry
from complaintctl.cli import app

url, me, per, mix, start_at = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], float(sys.argv[5])
runner = CliRunner()
out = {"writer": me, "numbers": [], "errors": [], "commands": 0}

def run(*args, as_=None):
    render.reset()
    result = runner.invoke(app, ["--db", url, "--as", as_ or me, *args])
    out["commands"] += 1
    if result.exit_code != 0 or "Error" in result.stderr:
        out["errors"].append({"args": list(args), "exit": result.exit_code,
                              "stderr": result.stderr.strip()})
    return result

run("staff", "list", "--format", "json")  # connect and warm up before the clock starts
out["commands"] = 0
while time.time() < start_at:
    time.sleep(0.005)
began = time.perf_counter()
for i in range(per):
    made = run("register", "--channel", "phone", "--customer", f"客户 {me} {i}",
               "--phone", "13812345678", "--summary", f"concurrency {me} {i}")
    number = made.stdout.strip()
    if made.exit_code == 0:
        out["numbers"].append(number)
    if mix == "lifecycle" and made.exit_code == 0:
        run("assign", number, "--to", "handler", as_="boss")
        run("contact", number, "--via", "phone", "--summary", "acknowledged", as_="handler")
        run("note", number, f"note by {me}")
out["elapsed"] = time.perf_counter() - began
out["retries"], out["gave_up"] = retry.stats.retries, retry.stats.gave_up
print(json.dumps(out))
"""


def admin_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql+psycopg").render_as_string(False)


def create_database(server: str, name: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    engine = create_engine(admin_url(server), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(admin_url(server)).set(database=name).render_as_string(False)


def drop_database(server: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(admin_url(server), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def prepare(url: str, writers: int) -> None:
    from complaintctl.store.db import Database
    from complaintctl.domain.enums import Role
    from complaintctl.services.admin import staff
    from complaintctl.services.core.context import Actor

    database = Database(url)
    database.create()
    admin = Actor("admin", Role.admin, None)
    with database.session(write=True) as session:
        staff.init_admin(session=session, username="admin", name="Admin")
        staff.add(session=session, actor=admin, username="boss", name="Supervisor",
                  role=Role.supervisor, branch="BJ01")
        staff.add(session=session, actor=admin, username="handler", name="Handler",
                  role=Role.handler, branch="BJ01")
        for i in range(writers):
            staff.add(session=session, actor=admin, username=f"w{i:02d}", name=f"Writer {i}",
                      role=Role.clerk, branch="BJ01")
    database.close()


def run_writers(url: str, writers: int, per_writer: int, mix: str) -> list[dict]:
    env = dict(os.environ, PYTHONPATH=str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               COMPLAINTCTL_LANG="en", COLUMNS="200")
    start_at = time.time() + 2.0 + 0.25 * writers  # every process imported and connected
    children = [
        subprocess.Popen([sys.executable, "-c", WORKER, url, f"w{i:02d}", str(per_writer), mix,
                          str(start_at)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
        for i in range(writers)
    ]
    results = []
    for child in children:
        stdout, stderr = child.communicate()
        if child.returncode != 0:
            sys.exit(f"a writer crashed:\n{stderr}")
        results.append(json.loads(stdout.strip().splitlines()[-1]))
    return results


def check(url: str) -> dict:
    """The database checked a second way: numbers by SQL, audit verify and db check by CLI."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        numbers = list(conn.execute(text("SELECT number FROM complaint")).scalars())
    engine.dispose()
    by_year: dict[str, list[int]] = {}
    for number in numbers:
        _cmp, year, serial = number.split("-")
        by_year.setdefault(year, []).append(int(serial))
    gaps = sum(max(s) - len(set(s)) for s in by_year.values())
    env = dict(os.environ, PYTHONPATH=str(SRC), COMPLAINTCTL_LANG="en")
    exe = [sys.executable, "-m", "complaintctl", "--db", url, "--as", "admin"]
    verify = subprocess.run([*exe, "audit", "verify"], env=env, capture_output=True, text=True)
    dbcheck = subprocess.run([*exe, "db", "check"], env=env, capture_output=True, text=True)
    return {"stored": len(numbers), "duplicates": len(numbers) - len(set(numbers)),
            "gaps": gaps, "audit_verify": verify.stderr.strip(),
            "audit_ok": verify.returncode == 0, "db_check_ok": dbcheck.returncode == 0}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
                        help="a database on the server, used to create the benchmark's own")
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--per-writer", type=int, default=100)
    parser.add_argument("--mix", choices=["register", "lifecycle"], default="register")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(SRC))
    name = f"complaintctl_bench_{os.getpid()}_{int(time.time())}"
    url = create_database(args.url, name)
    try:
        prepare(url, args.writers)
        results = run_writers(url, args.writers, args.per_writer, args.mix)
        checked = check(url)
    finally:
        if not args.keep:
            drop_database(args.url, name)
    commands = sum(r["commands"] for r in results)
    elapsed = max(r["elapsed"] for r in results)
    retries = sum(r["retries"] for r in results)
    summary = {
        "writers": args.writers, "per_writer": args.per_writer, "mix": args.mix,
        "transactions": commands, "seconds": round(elapsed, 2),
        "commits_per_s": round(commands / elapsed, 1),
        "retries": retries, "retries_per_1000": round(1000 * retries / max(commands, 1), 2),
        "gave_up": sum(r["gave_up"] for r in results),
        "errors": [e for r in results for e in r["errors"]],
        "numbers_given": sum(len(r["numbers"]) for r in results),
        **checked, "database": url if args.keep else None,
    }
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        print(f"{args.writers} writers x {args.per_writer} ({args.mix}): {commands} transactions "
              f"in {elapsed:.2f} s = {summary['commits_per_s']} commits/s")
        print(f"retries: {retries} ({summary['retries_per_1000']} per 1,000 transactions), "
              f"gave up: {summary['gave_up']}, errors shown to users: {len(summary['errors'])}")
        print(f"numbers: {checked['stored']} stored, {checked['duplicates']} duplicates, "
              f"{checked['gaps']} gaps; {checked['audit_verify']}; db check "
              f"{'passed' if checked['db_check_ok'] else 'FAILED'}")
    return summary


if __name__ == "__main__":
    main()
