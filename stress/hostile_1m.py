"""A 1,000,000-row hostile import file (issue 7, item 8; too slow for the test suite).

Every row is valid but hostile: formula payloads, Rich markup, SQL-looking text, Chinese, quoted
newlines and commas, 2,000-character descriptions; the last record is cut off inside a quoted
field. ``complaintctl import`` (a child process, as a user runs it) must refuse the whole file
with exit 5 and one ``Error:`` line naming that last line, write nothing (complaints, batches
and events counted before and after, ``db check`` and ``audit verify`` after), and keep its
memory flat. With ``--valid`` the cut-off record is left out and all rows must be imported.

Prints rows, seconds, rows/s, peak RSS, the outcome and the checks; exits 1 on a miss.

    python stress/hostile_1m.py                  # 1,000,000 rows, the last one cut off
    python stress/hostile_1m.py --rows 100000 --valid
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import kit  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from hostile import MARKUP, SQL, formula_payloads  # noqa: E402

HEADER = ["channel", "customer_name", "customer_phone", "summary", "description", "amount",
          "tags", "external_ref"]


def generate(path: Path, rows: int, *, cut_off: bool) -> None:
    texts = formula_payloads() + MARKUP + SQL + ["信用卡年费重复扣收", 'line 1\nline 2, "quoted"']
    long = "长文本，" * 500
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(HEADER)
        for i in range(rows - (1 if cut_off else 0)):
            text = texts[i % len(texts)]
            writer.writerow(["phone", text, "13812345678", text,
                             long if i % 100 == 0 else text, f"{i % 9000}.{i % 100:02d}",
                             "elderly" if i % 7 == 0 else "", f"HOSTILE-{i}"])
        if cut_off:
            f.write('phone,x,13812345678,"this record never ends,\r\n')


def counts(db: Path) -> tuple[int, int, int]:
    import sqlite3

    conn = sqlite3.connect(str(db))
    try:
        return tuple(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                     for t in ("complaint", "import_batch", "event"))
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--valid", action="store_true", help="no cut-off record: all rows import")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        directory = Path(tmp)
        db = directory / "complaints.db"
        url = kit.seed(db, clerks=1)
        data = directory / "hostile.csv"
        generate(data, args.rows, cut_off=not args.valid)
        before = counts(db)
        env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), COMPLAINTCTL_LANG="en")
        began = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-m", "complaintctl", "--db", url, "--as", "admin", "import",
             str(data), "--format", "native", "--json"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        stdout, stderr = child.communicate()
        seconds = time.perf_counter() - began
        after = counts(db)
        checked = kit.verified(url)
        size = data.stat().st_size
    errors = [line for line in stderr.splitlines() if line.startswith("Error: ")]
    if args.valid:
        outcome_ok = child.returncode == 0 and after[0] - before[0] == args.rows
    else:
        outcome_ok = (child.returncode == 5 and len(errors) == 1 and after == before
                      and "ends inside a quoted field" in errors[0])
    summary = {
        "rows": args.rows, "bytes": size, "seconds": round(seconds, 1),
        "rows_per_s": round(args.rows / seconds), "exit": child.returncode,
        "stderr": stderr.strip()[-500:], "before": before, "after": after,
        "traceback": "Traceback" in stderr, **checked,
        "peak_rss_mb": _peak_rss_mb(),
    }
    summary["ok"] = (outcome_ok and not summary["traceback"] and checked["db_check_ok"]
                     and checked["audit_ok"])
    cut = "" if args.valid else ", the last cut off"
    print(f"{args.rows} hostile rows ({size / 1e6:.0f} MB{cut}): exit {child.returncode} in {summary['seconds']} s ({summary['rows_per_s']} rows/s), "
          f"peak RSS {summary['peak_rss_mb']} MB")
    print(f"stderr: {summary['stderr']}")
    print(f"complaints, batches, events before {before} and after {after}; db check: "
          f"{checked['db_check']}; audit verify: {checked['audit_verify']}")
    print("OK" if summary["ok"] else "MISS")
    return summary


def _peak_rss_mb() -> float:
    """The import child's peak resident memory (the only child this process waited for)."""
    import resource

    return round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)


if __name__ == "__main__":
    sys.exit(0 if main()["ok"] else 1)
