"""The online platform under load: C concurrent clients x N submissions to a real
`complaintctl serve`, then a check that every complaint exists exactly once.

Makes a new database (a temporary SQLite file, or with --pg SERVER_URL a new database on that
PostgreSQL server, dropped at the end), adds the intake clerk, measures the in-process
`register` rate (the services called directly, the ratio to beat), starts `serve` on a free
port of 127.0.0.1 (behind a pretend proxy: each request names its own client in
X-Forwarded-For, so the per-client rate limits do not apply to the load), and sends the
submissions to POST /api/v1/complaints from C threads. Reports throughput, p50/p99 latency,
every non-201 status, and lost and duplicated complaints counted by SQL.

    python benchmarks/web_bench.py                          # SQLite, 16 x 500
    python benchmarks/web_bench.py --pg postgresql://postgres@127.0.0.1:5432/postgres --workers 2
    python benchmarks/web_bench.py --clients 4 --per-client 50 --json
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

BIN = Path(sys.executable).parent / "complaintctl"


def cli(url: str, *args: str) -> None:
    subprocess.run([str(BIN), "--db", url, *args], check=True, capture_output=True,
                   timeout=120)


def prepare(url: str) -> None:
    cli(url, "init", "--admin", "admin", "--no-auth")
    cli(url, "--as", "admin", "staff", "add", "online", "--name", "网上投诉平台", "--role",
        "clerk")


def in_process_rate(url: str, count: int) -> float:
    """Registrations per second through ``complaints.registration.register`` itself."""
    from complaintctl.domain.enums import Channel
    from complaintctl.services import bootstrap
    from complaintctl.services.admin.database import open_database
    from complaintctl.services.complaints import registration
    from complaintctl.services.core.context import resolve_actor

    bootstrap.start()
    database = open_database(url)
    began = time.perf_counter()
    for i in range(count):
        with database.session(write=True) as session:
            actor = resolve_actor(session, "online", "register")
            registration.register(session=session, actor=actor, new=registration.NewComplaint(
                channel=Channel.online, customer="基准客户", summary=f"in-process {i}",
                phone=f"137{i:08d}", external_source="bench"))
    elapsed = time.perf_counter() - began
    database.close()
    return count / elapsed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(url: str, workers: int):
    port = free_port()
    process = subprocess.Popen(
        [str(BIN), "--db", url, "--as", "online", "serve", "--port", str(port), "--workers",
         str(workers), "--forwarded-allow-ips", "127.0.0.1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    address = f"http://127.0.0.1:{port}"
    import httpx

    for _i in range(300):
        try:
            if httpx.get(address + "/healthz", timeout=1).status_code == 200:
                return process, address
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("serve did not start: " + process.stderr.read().decode()[-500:])


def load(address: str, clients: int, per_client: int) -> dict:
    import httpx

    latencies: list[float] = []
    statuses: Counter = Counter()
    numbers: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients)

    def client(c: int) -> None:
        mine_lat, mine_status, mine_numbers = [], Counter(), []
        with httpx.Client(base_url=address, timeout=30) as http:
            barrier.wait()
            for i in range(per_client):
                n = c * per_client + i
                began = time.perf_counter()
                try:
                    r = http.post("/api/v1/complaints", json={
                        # a customer of their own each (with one phone for all, each would be
                        # every earlier one's possible repeat: issue 21's check)
                        "name": f"客户{c}", "phone": f"138{n:08d}",
                        "description": f"bench {c} {i} 年费重复扣收", "consent": True},
                        headers={"X-Forwarded-For": f"198.18.{n // 250}.{n % 250 + 1}"})
                    mine_status[r.status_code] += 1
                    if r.status_code == 201:
                        mine_numbers.append(r.json()["number"])
                except httpx.HTTPError as error:
                    mine_status[type(error).__name__] += 1
                mine_lat.append(time.perf_counter() - began)
        with lock:
            latencies.extend(mine_lat)
            statuses.update(mine_status)
            numbers.extend(mine_numbers)

    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {"seconds": round(elapsed, 2), "requests": len(latencies),
            "throughput": round(len(latencies) / elapsed, 1),
            "p50_ms": round(statistics.median(latencies) * 1000, 1),
            "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
            "statuses": {str(k): v for k, v in sorted(statuses.items(), key=str)},
            "numbers": numbers}


def check(url: str, clients: int, per_client: int, numbers: list[str]) -> dict:
    """Every submission stored exactly once, with distinct numbers, counted by SQL."""
    from sqlalchemy import create_engine, text

    from complaintctl.services.admin.database import open_database

    engine = create_engine(open_database(url).url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT number, summary FROM complaint "
                                 "WHERE summary LIKE 'bench %'")).all()
    engine.dispose()
    by_summary = Counter(r.summary for r in rows)
    expected = {f"bench {c} {i} 年费重复扣收" for c in range(clients) for i in range(per_client)}
    return {"stored": len(rows), "lost": len(expected - set(by_summary)),
            "duplicated": sum(n - 1 for n in by_summary.values() if n > 1),
            "distinct_numbers": len({r.number for r in rows}) == len(rows),
            "answers_match_rows": sorted(numbers) == sorted(r.number for r in rows)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--per-client", type=int, default=500)
    parser.add_argument("--in-process", type=int, default=500,
                        help="registrations for the in-process rate")
    parser.add_argument("--pg", help="a PostgreSQL server URL: bench on a new database there")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ.pop("COMPLAINTCTL_DB", None)
    name = f"web_bench_{os.getpid()}"
    if args.pg:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        server = make_url(args.pg).set(drivername="postgresql+psycopg")
        admin = create_engine(server.render_as_string(False), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = server.set(database=name).render_as_string(False)
    else:
        url = str(Path(tempfile.mkdtemp(prefix="web-bench-")) / "complaints.db")
    try:
        prepare(url)
        rate = in_process_rate(url, args.in_process)
        process, address = start(url, args.workers)
        try:
            result = load(address, args.clients, args.per_client)
        finally:
            process.terminate()
            process.wait(30)
        stored = check(url, args.clients, args.per_client, result.pop("numbers"))
    finally:
        if args.pg:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    report = {"backend": "postgresql" if args.pg else "sqlite", "workers": args.workers,
              "clients": args.clients, "per_client": args.per_client, **result, **stored,
              "in_process_per_s": round(rate, 1),
              "web_vs_in_process": round(result["throughput"] / rate, 2)}
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
        return
    for key, value in report.items():
        print(f"{key:>20}: {value}")


if __name__ == "__main__":
    main()
