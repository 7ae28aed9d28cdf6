"""Import speed: complaintctl import against a plain sqlite3 executemany of the same rows.

Generates N CFPB-shaped rows (default 1,000,000; realistic field lengths; 20% with multi-line
narratives) into a CSV file, then in one run times:

(a) a plain ``sqlite3`` executemany of the same parsed rows into one table (18 TEXT columns, no
    index, one transaction; the rows are parsed before the clock starts). Also shown: (a+) the
    same with the CSV parsing inside the timing, streaming. Each is the median of three runs.
(b) ``complaintctl import FILE --format cfpb`` in a child process on a new database: every row
    validated, numbered, evented on the hash chain, with all indexes.

(m0) a minimal Python import: the CSV parsed while timed, each row numbered, written with its
    number and source key (both unique) by executemany; no validation, no event. (m) the same
    with one event per row: four fields as JSON, hashed (SHA-256) onto a chain. What any import
    written in Python that keys its rows (and, for (m), keeps an audit chain) cannot go below.

(s) the floor: a plain sqlite3 executemany of the rows (b) stored (complaints and their events,
    read back from (b)'s file) into a new file with complaintctl's schema and indexes, the way
    (b) writes them (the secondary indexes dropped first and built again at the end, the
    unique ones kept): what SQLite itself costs for these rows, with no Python work per row
    (NULLs and booleans bound through the adapters complaintctl registers, see db.py).
(s0) the same rows into the same tables with no index at all besides the primary keys, and
    no index built afterwards: what the width of the rows alone costs.
(s1) the complaint rows of (s0) alone, without their events.

(o) the issue's reference point, "a row-by-row ORM import (about 20x slower here)": the rows
    (b) stored (complaints and their events, read back from (b)'s file, so already validated,
    numbered and hashed) added one by one as ORM objects, a flush each, one transaction, on a
    sample of ``--orm-sample`` rows (default 20,000). Its ratio takes the sample's rate for all
    N rows, which favours (o): it does not slow down as the tables grow.

(u) ``sqlite-utils insert DB complaints FILE --csv`` in a child process on a new file: what a
    user picking a tool would compare against (issue 20's target: (b) at least 3x its rows per
    second). Installed in the benchmark's environment only, not a project dependency:
    ``.venv/bin/pip install sqlite-utils``; skipped (said so) when it is not found.

Prints rows/s of each, the time ratio (b)/(a) (and (b)/(a+), (s)/(a)), and the peak RSS of (b)
(the child's own ``ru_maxrss`` from ``os.wait4``). Targets: ratio <= 2.5, peak RSS < 200 MB.

With ``--pg URL`` (a database on a PostgreSQL server, used to create the benchmark's own), the
same on PostgreSQL, each in a new database dropped afterwards:

(c) a plain ``COPY ... FROM STDIN`` (psycopg) of the same parsed rows into one table of 18 TEXT
    columns, no index, one transaction; (c+) the same with the CSV parsing inside the timing.
(d) ``complaintctl import FILE --format cfpb`` with COMPLAINTCTL_DB on a new PostgreSQL
    database (its bulk rows go in by COPY too).

Prints the ratio (d)/(c) (target <= 2.5). CPU seconds are the client's only: the server's work
is not in them, so the wall-clock ratio is the one to quote (on a quiet machine).

    python benchmarks/import_bench.py            # 1,000,000 rows
    python benchmarks/import_bench.py --rows 200000
    python benchmarks/import_bench.py --rows 200000 --pg postgresql://postgres@127.0.0.1/test
    python benchmarks/import_bench.py --rows 200000 --pg postgresql://postgres@127.0.0.1/test \
        --only-pg
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

HEADER = [
    "Date received", "Product", "Sub-product", "Issue", "Sub-issue",
    "Consumer complaint narrative", "Company public response", "Company", "State", "ZIP code",
    "Tags", "Consumer consent provided?", "Submitted via", "Date sent to company",
    "Company response to consumer", "Timely response?", "Consumer disputed?", "Complaint ID",
]
PRODUCTS = [
    ("Credit reporting, credit repair services, or other personal consumer reports",
     "Credit reporting", "Incorrect information on your report",
     "Information belongs to someone else"),
    ("Debt collection", "I do not know", "Attempts to collect debt not owed", "Debt is not yours"),
    ("Mortgage", "Conventional home mortgage", "Trouble during payment process", ""),
    ("Credit card or prepaid card", "General-purpose credit card or charge card",
     "Problem with a purchase shown on your statement", "Credit card company isn't resolving a "
     "dispute about a purchase on your statement"),
    ("Checking or savings account", "Checking account", "Managing an account",
     "Deposits and withdrawals"),
    ("Student loan", "Federal student loan servicing", "Dealing with your lender or servicer",
     "Trouble with how payments are being handled"),
    ("Vehicle loan or lease", "Loan", "Managing the loan or lease", "Billing problem"),
    ("Money transfer, virtual currency, or money service", "Domestic (US) money transfer",
     "Fraud or scam", ""),
]
COMPANIES = ["EQUIFAX, INC.", "Experian Information Solutions Inc.",
             "TRANSUNION INTERMEDIATE HOLDINGS, INC.", "CAPITAL ONE FINANCIAL CORPORATION",
             "BANK OF AMERICA, NATIONAL ASSOCIATION", "WELLS FARGO & COMPANY",
             "JPMORGAN CHASE & CO.", "Navient Solutions, LLC.", "PORTFOLIO RECOVERY ASSOCIATES INC"]
STATES = ["CA", "FL", "TX", "NY", "GA", "IL", "PA", "NC", "OH", "NJ", "VA", "MI", "AZ", "MD"]
VIA = ["Web"] * 78 + ["Referral"] * 9 + ["Phone"] * 7 + ["Postal mail"] * 4 + ["Fax"] * 2
RESPONSES = (["Closed with explanation"] * 84 + ["Closed with non-monetary relief"] * 12
             + ["Closed with monetary relief"] * 3 + ["In progress"] + ["Untimely response"])
WORDS = ("the account payment report credit company debt collector my was not I they have "
         "been for and to of a in on this with that XXXX called told me letter dispute "
         "information balance late fees interest loan bank card").split()
PUBLIC = "Company has responded to the consumer and the CFPB and chooses not to provide a public response"


def narrative(rng: random.Random) -> str:
    paragraphs = []
    for _p in range(rng.randint(2, 5)):
        paragraphs.append(" ".join(rng.choice(WORDS) for _w in range(rng.randint(25, 70))) + ".")
    return "\n".join(paragraphs)


def generate(path: Path, n: int, seed: int = 3) -> None:
    rng = random.Random(seed)
    start = date(2019, 1, 1)
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(HEADER)
        for i in range(n):
            product, sub_product, issue, sub_issue = rng.choice(PRODUCTS)
            received = start + timedelta(days=rng.randrange(0, 1460))
            sent = received + timedelta(days=rng.choice((0, 0, 0, 1, 2, 5)))
            has_narrative = rng.random() < 0.2
            writer.writerow([
                received.isoformat(), product, sub_product, issue, sub_issue,
                narrative(rng) if has_narrative else "",
                PUBLIC if rng.random() < 0.4 else "",
                rng.choice(COMPANIES), rng.choice(STATES), f"{rng.randrange(100, 999)}XX",
                rng.choice(["", "", "", "", "", "", "", "", "Older American", "Servicemember"]),
                "Consent provided" if has_narrative else rng.choice(["N/A", "Other", ""]),
                rng.choice(VIA), sent.isoformat(), rng.choice(RESPONSES),
                "Yes" if rng.random() < 0.98 else "No", "N/A", str(3_000_000 + i),
            ])


def median_of(runs: int, measure, *args) -> tuple[float, float]:
    """The run of median wall time of ``runs`` runs of ``measure(*args)`` (its database file
    removed before each): a baseline of two or three seconds moved by a third between runs on
    this machine, and every ratio is taken against it."""
    *_rest, db = args
    results = []
    for _ in range(runs):
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        results.append(measure(*args))
    return sorted(results)[runs // 2]


def plain_sqlite(path: Path, rows: list[list[str]] | None, db: Path) -> tuple[float, float]:
    """(a): one table of 18 TEXT columns, one transaction, executemany; (wall, CPU) seconds."""
    con = sqlite3.connect(db)
    con.execute(f"CREATE TABLE complaints ({', '.join(f'c{i} TEXT' for i in range(18))})")
    sql = f"INSERT INTO complaints VALUES ({', '.join('?' * 18)})"
    started, cpu = time.perf_counter(), time.process_time()
    if rows is None:
        with open(path, encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            next(reader)
            con.executemany(sql, reader)
    else:
        con.executemany(sql, rows)
    con.commit()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    con.close()
    return elapsed, cpu


def pg_database(server: str, name: str, *, drop: bool = False) -> str:
    """Create (or drop) database ``name`` on ``server``'s server; returns its libpq URL."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(server).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' if drop
                     else f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


def plain_copy(path: Path, rows: list[list[str]] | None, url: str) -> tuple[float, float]:
    """(c): one table of 18 TEXT columns, one transaction, COPY FROM STDIN; (wall, CPU)."""
    import psycopg

    with psycopg.connect(url) as conn:
        conn.execute(f"CREATE TABLE complaints ({', '.join(f'c{i} TEXT' for i in range(18))})")
        conn.commit()
        started, cpu = time.perf_counter(), time.process_time()
        with conn.cursor() as cursor, cursor.copy("COPY complaints FROM STDIN") as copy:
            if rows is None:
                with open(path, encoding="utf-8", newline="") as f:
                    reader = csv.reader(f)
                    next(reader)
                    for row in reader:
                        copy.write_row(row)
            else:
                for row in rows:
                    copy.write_row(row)
        conn.commit()
        return time.perf_counter() - started, time.process_time() - cpu


def schema_floor(source: Path, db: Path, *, indexes: bool = True,
                 events: bool = True) -> tuple[float, float]:
    """(s): SQLite's own share of (b): a plain executemany of the rows (b) stored (complaints and
    their events, no Python work per row left) into a new file with complaintctl's schema, one
    transaction, the same pragmas as complaintctl's import, and its indexes handled as (b)
    handles them on a large import: unique ones kept, the others built at the end.
    (s0) with ``indexes=False``: no index but the primary keys, none built; (s1) also with
    ``events=False``: the complaint rows alone."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    src = sqlite3.connect(source)
    tables = [sql for (sql,) in src.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL "
        "AND name NOT LIKE 'sqlite_%'")]
    index_sql = [sql for (sql,) in src.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")]
    unique = [sql for sql in index_sql if sql.lstrip().upper().startswith("CREATE UNIQUE")]
    deferred = [sql for sql in index_sql if sql not in unique]
    if not indexes:
        unique, deferred = [], []
    out = sqlite3.connect(db, isolation_level=None)
    for pragma in ("journal_mode = WAL", "synchronous = FULL", "cache_size = -65536"):
        out.execute(f"PRAGMA {pragma}")
    for sql in tables + unique:
        out.execute(sql)
    elapsed = cpu = 0.0
    out.execute("BEGIN IMMEDIATE")
    present = {name for (name,) in src.execute("SELECT name FROM sqlite_master")}
    # (b)'s per-row records: its imported events (before issue 20) or its batch's leaves
    filled = (("complaint", ""), ("event", " WHERE action = 'imported'"), ("import_leaf", ""))
    for table, where in [f for f in filled if f[0] in present] if events else filled[:1]:
        columns = [row[1] for row in src.execute(f"PRAGMA table_info({table})")]
        rows = src.execute(f"SELECT * FROM {table}{where}")
        insert = (f"INSERT INTO {table} ({', '.join(columns)}) "
                  f"VALUES ({', '.join('?' * len(columns))})")
        started, cpu_started = time.perf_counter(), time.process_time()
        while batch := rows.fetchmany(10_000):
            out.executemany(insert, batch)
            elapsed += time.perf_counter() - started
            cpu += time.process_time() - cpu_started
            started, cpu_started = time.perf_counter(), time.process_time()
    started, cpu_started = time.perf_counter(), time.process_time()
    out.execute("PRAGMA cache_size = -16384")  # as DeferredIndexes.restore builds them
    for sql in deferred:
        out.execute(sql)
    out.execute("COMMIT")
    elapsed += time.perf_counter() - started
    cpu += time.process_time() - cpu_started
    out.close()
    src.close()
    return elapsed, cpu


def minimal_import(path: Path, db: Path, *, events: bool = True) -> tuple[float, float]:
    """(m): the least any Python import with an event per row does, no validation at all:
    the CSV parsed (streaming), each row numbered and written with executemany (chunks of
    2,000) into one table of the 18 columns plus its number and source key, both unique, and
    an event of four fields hashed (SHA-256) onto a chain into a second table; the pragmas of
    (b), one transaction. (m0) with ``events=False``: the rows and their keys alone."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    con = sqlite3.connect(db, isolation_level=None)
    for pragma in ("journal_mode = WAL", "synchronous = FULL", "cache_size = -65536"):
        con.execute(f"PRAGMA {pragma}")
    con.execute(f"CREATE TABLE complaints (id INTEGER PRIMARY KEY, "
                f"{', '.join(f'c{i} TEXT' for i in range(18))}, number TEXT UNIQUE, "
                "source TEXT, ref TEXT, UNIQUE (source, ref))")
    con.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, seq INTEGER UNIQUE, "
                "complaint_id INTEGER, details TEXT, prev_hash TEXT, hash TEXT)")
    insert = (f"INSERT INTO complaints ({', '.join(f'c{i}' for i in range(18))}, number, "
              f"source, ref) VALUES ({', '.join('?' * 21)})")
    insert_events = ("INSERT INTO events (seq, complaint_id, details, prev_hash, hash) "
                     "VALUES (?, ?, ?, ?, ?)")
    encode = json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode
    sha256 = hashlib.sha256
    started, cpu = time.perf_counter(), time.process_time()
    con.execute("BEGIN IMMEDIATE")
    prev, seq = "0" * 64, 0
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        rows, chain = [], []
        for row in reader:
            seq += 1
            number = f"CMP-2026-{seq:07d}"
            row += (number, "cfpb", row[17])
            rows.append(row)
            if events:
                details = encode({"line": reader.line_num, "number": number, "ref": row[17],
                                  "status": row[14]})
                digest = sha256((prev + details).encode()).hexdigest()
                chain.append((seq, seq, details, prev, digest))
                prev = digest
            if len(rows) == 2000:
                con.executemany(insert, rows)
                con.executemany(insert_events, chain)
                rows, chain = [], []
        con.executemany(insert, rows)
        con.executemany(insert_events, chain)
    con.execute("COMMIT")
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    con.close()
    return elapsed, cpu


def orm_rows(source: Path, db: Path, n: int) -> tuple[float, float, int]:
    """(o): the issue's reference point, "a row-by-row ORM import": the first ``n`` complaints
    (b) stored and their ``imported`` events, read back from (b)'s file, added one by one to a
    new complaintctl database as ORM objects (``session.add`` and a flush for each complaint
    and each event, one transaction). No validation, numbering or hashing is timed: the values
    are (b)'s, ready. (wall, CPU) seconds and the rows written."""
    from sqlalchemy import select

    from complaintctl.store.db import Database
    from complaintctl.store.models import AuditHead, Complaint, Event

    env = dict(os.environ, COMPLAINTCTL_DB=str(db), COMPLAINTCTL_USER="bench")
    subprocess.run([sys.executable, "-m", "complaintctl", "init", "--admin", "bench", "--name",
                    "Bench"], env=env, check=True, capture_output=True)

    def values(row, **changes) -> dict:
        fields = {k: getattr(row, k) for k in type(row).model_fields if k != "id"}
        return fields | changes

    with Database(f"sqlite:///{source}").session() as read:
        complaints = [values(c, import_batch_id=None) for c in read.execute(
            select(Complaint).order_by(Complaint.id).limit(n)).scalars()]
        events = [values(e) for e in read.execute(
            select(Event).where(Event.action == "imported").order_by(Event.id).limit(n)
        ).scalars()]
    target = Database(f"sqlite:///{db}")
    with target.session(write=True) as session:
        seq = session.execute(select(AuditHead.count)).scalar_one()
        started, cpu = time.perf_counter(), time.process_time()
        for offset, complaint in enumerate(complaints, start=1):
            row = Complaint(**complaint)
            session.add(row)
            session.flush()
            if offset <= len(events):  # since issue 20 (b) stores no event per row
                session.add(Event(**(events[offset - 1] | {"complaint_id": row.id,
                                                           "seq": seq + offset})))
                session.flush()
        session.commit()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    target.close()
    return elapsed, cpu, len(complaints)


def complaintctl_import(path: Path, db: Path | str) -> tuple[float, float, int, dict]:
    """(b): the real command in a child process: (seconds, CPU seconds, peak RSS, summary)."""
    env = dict(os.environ, COMPLAINTCTL_DB=str(db), COMPLAINTCTL_USER="bench")
    exe = [sys.executable, "-m", "complaintctl"]
    subprocess.run([*exe, "init", "--admin", "bench", "--name", "Bench"], env=env, check=True,
                   capture_output=True)
    out = tempfile.TemporaryFile()
    started = time.perf_counter()
    child = subprocess.Popen([*exe, "import", str(path), "--format", "cfpb", "--json"],
                             env=env, stdout=out, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    out.seek(0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"complaintctl import failed: {child.stderr.read().decode()}")
    rss = usage.ru_maxrss * 1024  # kilobytes on Linux
    return elapsed, usage.ru_utime + usage.ru_stime, rss, json.loads(out.read())


def sqlite_utils_insert(path: Path, db: Path) -> tuple[float, float, int] | None:
    """(u): ``sqlite-utils insert --csv`` in a child process: (seconds, CPU seconds, peak
    RSS), or None when sqlite-utils is not installed beside this Python nor on the PATH."""
    import shutil

    beside = Path(sys.executable).with_name("sqlite-utils")
    exe = str(beside) if beside.exists() else shutil.which("sqlite-utils")
    if exe is None:
        return None
    started = time.perf_counter()
    child = subprocess.Popen([exe, "insert", str(db), "complaints", str(path), "--csv"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"sqlite-utils insert failed: {child.stderr.read().decode()}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", help="keep the generated files in this directory")
    parser.add_argument("--pg", metavar="URL", help="also run (c) and (d) on this PostgreSQL "
                        "server (a database there to connect to)")
    parser.add_argument("--only-pg", action="store_true", help="skip (a) and (b)")
    parser.add_argument("--orm-sample", type=int, default=20_000, metavar="N",
                        help="rows written by (o), the row-by-row ORM import (default 20,000)")
    args = parser.parse_args()
    work = Path(args.keep or tempfile.mkdtemp(prefix="import-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    data = work / f"cfpb_{args.rows}.csv"
    if not data.exists():
        t = time.perf_counter()
        generate(data, args.rows)
        print(f"generated {args.rows:,} rows ({data.stat().st_size / 1e6:.0f} MB) in "
              f"{time.perf_counter() - t:.1f} s", file=sys.stderr)
    if args.pg:
        postgresql(data, args.rows, args.pg)
        if args.only_pg:
            return
    for name in ("a.db", "a_plus.db", "b.db", "s.db", "s0.db", "s1.db", "m.db", "m0.db", "o.db"):
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(work / name) + suffix).unlink(missing_ok=True)
    # (b) first, while this process is small: Linux carries a parent's peak RSS into a
    # forked child's ru_maxrss, so (b) after loading the parsed rows would report ours
    b, b_cpu, rss, summary = complaintctl_import(data, work / "b.db")
    (work / "u.db").unlink(missing_ok=True)
    utils = sqlite_utils_insert(data, work / "u.db")
    with open(data, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        parsed = list(reader)
    a, a_cpu = median_of(3, plain_sqlite, data, parsed, work / "a.db")
    del parsed
    a_plus, a_plus_cpu = median_of(3, plain_sqlite, data, None, work / "a_plus.db")
    least, least_cpu = minimal_import(data, work / "m.db")
    least0, least0_cpu = minimal_import(data, work / "m0.db", events=False)
    # the NULLs and booleans of (b)'s rows bind as complaintctl binds them (see db.py)
    sqlite3.register_adapter(type(None), {}.get)
    sqlite3.register_adapter(bool, int)
    floor, floor_cpu = schema_floor(work / "b.db", work / "s.db")
    bare, bare_cpu = schema_floor(work / "b.db", work / "s0.db", indexes=False)
    alone, alone_cpu = schema_floor(work / "b.db", work / "s1.db", indexes=False, events=False)
    orm, orm_cpu, sample = orm_rows(work / "b.db", work / "o.db", min(args.orm_sample, args.rows))
    n = args.rows
    if summary["imported"] != n:
        sys.exit(f"imported {summary['imported']} of {n} rows: {summary}")
    print(f"rows: {n:,}")
    print(f"(a)  sqlite3 executemany, median of 3:   {a:8.2f} s  {n / a:10,.0f} rows/s")
    print(f"(a+) csv parse + executemany, median of 3:{a_plus:8.2f} s  {n / a_plus:10,.0f} rows/s")
    print(f"(m0) minimal Python import, no event:    {least0:8.2f} s  {n / least0:10,.0f} rows/s")
    print(f"(m)  minimal Python import with events:  {least:8.2f} s  {n / least:10,.0f} rows/s")
    print(f"(b)  complaintctl import:                {b:8.2f} s  {n / b:10,.0f} rows/s")
    print(f"(s)  sqlite3 executemany of (b)'s stored rows into its schema: {floor:8.2f} s  "
          f"{n / floor:10,.0f} rows/s")
    print(f"(s0) the same, no index at all:         {bare:8.2f} s  {n / bare:10,.0f} rows/s")
    print(f"(s1) the complaint rows alone, no index: {alone:8.2f} s  {n / alone:10,.0f} rows/s")
    print(f"(o)  row-by-row ORM, {sample:,} of (b)'s rows: {orm:8.2f} s  "
          f"{sample / orm:10,.0f} rows/s")
    print(f"ratio (b)/(a):  {b / a:.2f}   (target <= 2.5)")
    print(f"ratio (o)/(a):  {orm / sample * n / a:.2f}   (the issue expects about 20: a "
          "row-by-row ORM import, here of rows already validated, numbered and hashed)")
    print(f"ratio (o)/(b):  {orm / sample * n / b:.2f}   (how much faster (b) is than (o))")
    print(f"ratio (m0)/(a): {least0 / a:.2f}   (parse, number and key the rows: no validation, "
          "no event)")
    print(f"ratio (m)/(a):  {least / a:.2f}   (the same with one small hashed event per row)")
    print(f"ratio (s)/(a):  {floor / a:.2f}   (SQLite's own work for complaintctl's rows and "
          "indexes, no Python per row)")
    print(f"ratio (s0)/(a): {bare / a:.2f}   (the rows' width alone: complaints and events, "
          "no index)")
    print(f"ratio (s1)/(a): {alone / a:.2f}   (the complaint rows alone: no event, no index)")
    print(f"ratio (b)/(s):  {b / floor:.2f}   (complaintctl's own work beyond SQLite's)")
    print(f"ratio (b)/(a+): {b / a_plus:.2f}")
    print(f"peak RSS of (b): {rss / 2**20:.0f} MB   (target < 200 MB)")
    if utils is None:
        print("(u)  sqlite-utils insert --csv: not installed (pip install sqlite-utils)")
    else:
        u, u_cpu, u_rss = utils
        print(f"(u)  sqlite-utils insert --csv:          {u:8.2f} s  {n / u:10,.0f} rows/s  "
              f"peak RSS {u_rss / 2**20:.0f} MB  CPU {u_cpu:.2f} s")
        print(f"rows/s (b)/(u): {u / b:.2f}   (target >= 3)")
    print(f"CPU seconds (less sensitive to other load): (a) {a_cpu:.2f}  (a+) {a_plus_cpu:.2f}  "
          f"(m0) {least0_cpu:.2f}  (m) {least_cpu:.2f}  (b) {b_cpu:.2f}  (s) {floor_cpu:.2f}  "
          f"(s0) {bare_cpu:.2f}  (s1) {alone_cpu:.2f}  (o) {orm_cpu:.2f} for {sample:,} rows")
    print(f"CPU ratios: (b)/(a) {b_cpu / a_cpu:.2f}  (m0)/(a) {least0_cpu / a_cpu:.2f}  "
          f"(m)/(a) {least_cpu / a_cpu:.2f}  (s)/(a) {floor_cpu / a_cpu:.2f}  "
          f"(s0)/(a) {bare_cpu / a_cpu:.2f}  (s1)/(a) {alone_cpu / a_cpu:.2f}  "
          f"(b)/(s) {b_cpu / floor_cpu:.2f}  "
          f"(b)/(a+) {b_cpu / a_plus_cpu:.2f}  (o)/(a) {orm_cpu / sample * n / a_cpu:.2f}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def postgresql(data: Path, n: int, server: str) -> None:
    """(c), (c+) and (d) on PostgreSQL, each in a database of its own, dropped afterwards."""
    stamp = f"{os.getpid()}_{int(time.time())}"
    names = {k: f"complaintctl_importbench_{k}_{stamp}" for k in ("c", "c_plus", "d")}
    try:
        d_url = pg_database(server, names["d"]).replace("postgresql://", "postgresql+psycopg://")
        d, d_cpu, rss, summary = complaintctl_import(data, d_url)
        with open(data, encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            next(reader)
            parsed = list(reader)
        c, c_cpu = plain_copy(data, parsed, pg_database(server, names["c"]))
        del parsed
        c_plus, c_plus_cpu = plain_copy(data, None, pg_database(server, names["c_plus"]))
    finally:
        for name in names.values():
            pg_database(server, name, drop=True)
    if summary["imported"] != n:
        sys.exit(f"imported {summary['imported']} of {n} rows on PostgreSQL: {summary}")
    print(f"PostgreSQL, rows: {n:,}")
    print(f"(c)  COPY of parsed rows:                {c:8.2f} s  {n / c:10,.0f} rows/s")
    print(f"(c+) csv parse + COPY:                   {c_plus:8.2f} s  {n / c_plus:10,.0f} rows/s")
    print(f"(d)  complaintctl import:                {d:8.2f} s  {n / d:10,.0f} rows/s")
    print(f"ratio (d)/(c):  {d / c:.2f}   (target <= 2.5)")
    print(f"ratio (d)/(c+): {d / c_plus:.2f}")
    print(f"peak RSS of (d): {rss / 2**20:.0f} MB")
    print(f"client CPU seconds (the server's are not in them): (c) {c_cpu:.2f}  "
          f"(c+) {c_plus_cpu:.2f}  (d) {d_cpu:.2f}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
