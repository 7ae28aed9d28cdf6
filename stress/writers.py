"""Writers under load on one SQLite file, and a backup taken while they write.

Eight clerk processes register 500 complaints each through the real CLI (in-process: the same
Click command, error mapping and database handling as the console script), while another
process imports a generated CFPB file of 2,000 rows, two more run ``list`` without pause, and
one takes a ``db backup`` copy every 30 s while the others write. Afterwards:

- numbers by SQL: 0 duplicates, 0 gaps in each year's counter;
- 0 errors shown to users (a non-zero exit or an ``Error:`` line, from any process);
- ``db check`` and ``audit verify`` pass on the file and on every backup copy.

Prints commits/s (write transactions committed per second of the run) and the wait for the
write lock (``BEGIN IMMEDIATE``) of every write transaction: p50, p99 and the longest. The run is
made once per way of waiting (``--modes``, default both, in the same run): ``sqlite`` (SQLite's
busy handler alone) and ``backoff`` (complaintctl's jittered retry, db.py). Exits 1 on a miss.

    python stress/writers.py                                   # 8 x 500, both modes
    python stress/writers.py --writers 4 --per-writer 50 --import-rows 200 --modes backoff
    python stress/writers.py --json
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import queue
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import kit  # noqa: E402

def worker(role: str, index: int, url: str, mode: str, job: dict, ready, go, stop,
           writers_done, results) -> None:
    """One process: reports ready, waits for the start, does its part, reports what it saw."""
    out = {"role": role, "index": index, "numbers": [], "errors": [], "runs": 0,
           "lock_waits": [], "backups": []}
    try:
        from complaintctl.store import engine

        engine.WRITE_LOCK_WAIT = mode
        engine.lock_waits = out["lock_waits"]
        cli = kit.Cli(url)
        me = f"w{index:02d}" if role == "writer" else ("boss" if role == "reader" else "admin")
        cli("staff", "list", "--format", "json", as_=me)  # imports done, file opened once
        del out["lock_waits"][:]
        ready.put(index)
        go.wait(120)

        def run(*args):
            done = cli(*args, as_=me)
            out["runs"] += 1
            if done.shown_error:
                out["errors"].append({"args": done.args[:3], "exit": done.exit_code,
                                      "stderr": done.stderr.strip()[-400:]})
            return done

        out["started"] = time.time()
        if role == "writer":
            for i in range(job["per_writer"]):
                made = run("register", "--channel", "phone", "--customer", f"客户 {index}-{i}",
                           "--phone", "13812345678", "--amount", "120.00",
                           "--summary", f"Card fee charged twice ({index}/{i})")
                if made.exit_code == 0:
                    out["numbers"].append(made.stdout.strip())
        elif role == "importer":
            time.sleep(job["import_delay"])
            done = run("import", job["import_file"], "--format", "cfpb", "--json")
            if done.exit_code == 0:
                out["import"] = json.loads(done.stdout)
        elif role == "reader":
            while not stop.is_set():
                run("list", "--sort", "number", "--limit", "50", "--format", "json")
        elif role == "backup":  # every BACKUP_EVERY seconds while the writers write
            for k in range(job["backups"]):
                if writers_done.wait(job["backup_every"]):
                    break
                dest = str(Path(job["backup_dir"]) / f"backup-{k}.db")
                began = time.time()
                if run("db", "backup", dest).exit_code == 0:
                    out["backups"].append({"path": dest, "began": began, "ended": time.time()})
        out["ended"] = time.time()
    except BaseException:  # noqa: BLE001 - reported to the parent, which counts it
        import traceback

        out["errors"].append({"args": [role], "exit": None, "stderr": traceback.format_exc()})
        ready.put(index)
    results.put(out)


def run_mode(mode: str, args, directory: Path) -> dict:
    """One complete run in a new database; returns its figures and checks."""
    from import_bench import generate

    url = kit.seed(directory / "complaints.db", clerks=args.writers)
    import_file = directory / "cfpb.csv"
    generate(import_file, args.import_rows, seed=11)
    backup_dir = directory / "backups"
    backup_dir.mkdir()
    job = {"per_writer": args.per_writer, "import_file": str(import_file),
           "import_delay": args.import_delay, "backup_dir": str(backup_dir),
           "backups": args.backups, "backup_every": args.backup_every}
    context = multiprocessing.get_context(args.start)
    ready, results = context.Queue(), context.Queue()
    go, stop, writers_done = context.Event(), context.Event(), context.Event()
    plan = [("writer", i) for i in range(args.writers)]
    plan += [("importer", 100)] if args.import_rows else []
    plan += [("reader", 200 + i) for i in range(args.readers)]
    plan += [("backup", 300)] if args.backups else []
    processes = [context.Process(target=worker, args=(role, i, url, mode, job, ready, go, stop,
                                                      writers_done, results)) for role, i in plan]
    for process in processes:
        process.start()
    reports: list[dict] = []
    try:
        for _ in processes:
            ready.get(timeout=300)
        began = time.time()
        go.set()
        writing = len([r for r in plan if r[0] in ("writer", "importer")])
        while len([r for r in reports if r["role"] in ("writer", "importer")]) < writing:
            reports.append(results.get(timeout=args.timeout))
        writers_done.set()
        while len([r for r in reports if r["role"] != "reader"]) < len(plan) - args.readers:
            reports.append(results.get(timeout=args.timeout))
        ended = max(r.get("ended", began) for r in reports if r["role"] in ("writer", "importer"))
        stop.set()
        while len(reports) < len(plan):
            reports.append(results.get(timeout=120))
    except queue.Empty:
        sys.exit(f"{mode}: a process neither finished nor reported within the timeout")
    finally:
        stop.set()
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
    return summarise(mode, args, url, reports, began, ended)


def summarise(mode, args, url, reports, began, ended) -> dict:
    waits = [w for r in reports if r["role"] in ("writer", "importer", "backup")
             for w in r["lock_waits"]]
    errors = [dict(e, role=r["role"]) for r in reports for e in r["errors"]]
    imported = next((r.get("import") for r in reports if r["role"] == "importer"), None)
    elapsed = ended - began
    writer_end = max(r.get("ended", 0) for r in reports if r["role"] == "writer")
    backups = [b for r in reports for b in r["backups"]]
    copies = []
    for backup in backups:
        checked = kit.verified(kit.url_of(Path(backup["path"])))
        copies.append({**checked, "under_load": backup["ended"] < writer_end,
                       **kit.numbers_report(kit.url_of(Path(backup["path"])))})
    numbers = kit.numbers_report(url)
    expected = args.writers * args.per_writer + (imported or {}).get("imported", 0)
    summary = {
        "mode": mode, "writers": args.writers, "per_writer": args.per_writer,
        "import_rows": args.import_rows, "readers": args.readers,
        "imported": (imported or {}).get("imported"), "seconds": round(elapsed, 2),
        "write_transactions": len(waits), "commits_per_s": round(len(waits) / elapsed, 1),
        "lock_wait_p50_ms": round(1000 * kit.percentile(waits, 0.50), 1),
        "lock_wait_p99_ms": round(1000 * kit.percentile(waits, 0.99), 1),
        "lock_wait_max_ms": round(1000 * max(waits, default=0), 1),
        "list_runs": sum(r["runs"] for r in reports if r["role"] == "reader"),
        "errors_shown": len(errors), "error_samples": errors[:5],
        **numbers, "expected": expected, **kit.verified(url),
        "backups": copies,
    }
    summary["ok"] = bool(
        not errors and numbers["duplicates"] == 0 and numbers["gaps"] == 0
        and numbers["stored"] == expected and summary["db_check_ok"] and summary["audit_ok"]
        and (imported is not None or not args.import_rows)
        and (copies or not args.backups)
        and all(c["db_check_ok"] and c["audit_ok"] and c["duplicates"] == 0 for c in copies)
        and all(c["under_load"] for c in copies)
    )
    return summary


def describe(s: dict) -> str:
    lines = [
        f"[{s['mode']}] {s['writers']} writers x {s['per_writer']} registrations + import of "
        f"{s['import_rows']} rows ({s['imported']} imported) + {s['readers']} list readers "
        f"({s['list_runs']} lists): {s['write_transactions']} write transactions in "
        f"{s['seconds']} s = {s['commits_per_s']} commits/s",
        f"[{s['mode']}] wait for the write lock: p50 {s['lock_wait_p50_ms']} ms, "
        f"p99 {s['lock_wait_p99_ms']} ms, longest {s['lock_wait_max_ms']} ms",
        f"[{s['mode']}] errors shown to users: {s['errors_shown']}; numbers: {s['stored']} stored "
        f"(expected {s['expected']}), {s['duplicates']} duplicates, {s['gaps']} gaps; "
        f"db check: {s['db_check']}; audit verify: {s['audit_verify']}",
    ]
    for k, c in enumerate(s["backups"]):
        when = "taken while the writers wrote" if c["under_load"] else "AFTER the writers"
        lines.append(f"[{s['mode']}] backup {k} ({when}, {c['stored']} complaints): db check: "
                     f"{c['db_check']}; audit verify: {c['audit_verify']}")
    for error in s["error_samples"]:
        lines.append(f"[{s['mode']}] ERROR {error}")
    return "\n".join(lines)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--writers", type=int, default=8)
    p.add_argument("--per-writer", type=int, default=500)
    p.add_argument("--import-rows", type=int, default=2000)
    p.add_argument("--import-delay", type=float, default=2.0,
                   help="seconds after the start before the import begins")
    p.add_argument("--readers", type=int, default=2)
    p.add_argument("--backups", type=int, default=3,
                   help="at most this many db backup copies, taken while the writers write")
    p.add_argument("--backup-every", type=float, default=30.0,
                   help="seconds between backup copies")
    p.add_argument("--modes", default="sqlite,backoff",
                   help="comma-separated: sqlite (busy handler alone), backoff (ours)")
    p.add_argument("--timeout", type=float, default=1800)
    p.add_argument("--start", choices=["spawn", "fork"], default="spawn",
                   help="how processes start (fork: at once, from this one; the test uses it)")
    p.add_argument("--keep", metavar="DIR", help="keep the databases in a new folder under DIR")
    p.add_argument("--json", action="store_true")
    return p


def main(argv: list[str] | None = None) -> list[dict]:
    args = parser().parse_args(argv)
    summaries = []
    for mode in args.modes.split(","):
        if args.keep:
            summary = run_mode(mode, args, Path(tempfile.mkdtemp(prefix=f"writers-{mode}-",
                                                                 dir=args.keep)))
        else:
            with tempfile.TemporaryDirectory(prefix=f"writers-{mode}-") as tmp:
                summary = run_mode(mode, args, Path(tmp))
        summaries.append(summary)
        if not args.json:
            print(describe(summary), flush=True)
    if args.json:
        print(json.dumps(summaries, ensure_ascii=False, indent=2))
    return summaries


if __name__ == "__main__":
    sys.exit(0 if all(s["ok"] for s in main()) else 1)
