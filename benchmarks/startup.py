#!/usr/bin/env python3
"""Start-up time of `complaintctl --help` and `show NUM`, as ratios to baselines measured in
the same run: `python -c "import typer"` and `python -c "import sqlmodel"`.

Targets (issue 2): --help <= 1.5 x import typer; show <= 1.3 x import sqlmodel.

    .venv/bin/python benchmarks/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def median_seconds(argv: list[str], runs: int, env: dict[str, str]) -> float:
    subprocess.run(argv, capture_output=True, env=env, check=True)  # warm the page cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True, env=env, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    exe = shutil.which("complaintctl", path=str(Path(sys.executable).parent)) or "complaintctl"
    env = dict(os.environ, COMPLAINTCTL_LANG="en")
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "demo.db")
        subprocess.run([exe, "demo", "--db", db], capture_output=True, env=env, check=True)
        show = [exe, "--db", db, "--as", "admin", "show", "CMP-2026-000001"]
        figures = {
            "import typer": median_seconds([sys.executable, "-c", "import typer"], runs, env),
            "import sqlmodel": median_seconds([sys.executable, "-c", "import sqlmodel"], runs, env),
            "complaintctl --help": median_seconds([exe, "--help"], runs, env),
            "complaintctl show NUM": median_seconds(show, runs, env),
        }
    for name, seconds in figures.items():
        print(f"{name:24} {seconds * 1000:8.1f} ms (median of {runs})")
    help_ratio = figures["complaintctl --help"] / figures["import typer"]
    show_ratio = figures["complaintctl show NUM"] / figures["import sqlmodel"]
    print(f"--help / import typer    {help_ratio:5.2f}  (target <= 1.5)")
    print(f"show / import sqlmodel   {show_ratio:5.2f}  (target <= 1.3)")


if __name__ == "__main__":
    main()
