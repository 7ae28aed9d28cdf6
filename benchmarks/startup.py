#!/usr/bin/env python3
"""How long complaintctl takes to start, against the libraries it stands on.

Run by hand (not a test):  python benchmarks/startup.py [--runs 15]

It builds a small demo database, then times, in one run, each of

    python -c "import typer"      python -c "import sqlmodel"
    complaintctl --help           complaintctl --db DEMO --as admin show NUM

as separate processes: one warm-up round, then ``--runs`` rounds, the four commands
interleaved in each round so a busy machine slows them alike. It prints the median wall time
of each (and its median CPU time, user + system, steadier on a loaded machine) and the two
ratios the project targets: ``--help / import typer`` <= 1.5 and ``show / import sqlmodel``
<= 1.3. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {"help": 1.5, "show": 1.3}


def complaintctl() -> list[str]:
    """The installed console script beside this Python, else ``python -m complaintctl``."""
    script = Path(sys.executable).with_name("complaintctl")
    return [str(script)] if script.exists() else [sys.executable, "-m", "complaintctl"]


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one run; fails loudly if the command fails."""
    before = os.times()
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - started
    after = os.times()
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    cpu = (after.children_user - before.children_user) + (after.children_system
                                                          - before.children_system)
    return wall, cpu


def build_demo(directory: Path, env: dict[str, str]) -> tuple[Path, str]:
    path = directory / "demo.db"
    subprocess.run(complaintctl() + ["demo", "--db", str(path)], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    listed = subprocess.run(
        complaintctl() + ["--db", str(path), "--as", "admin", "list", "--format", "json",
                          "--limit", "1"], env=env, check=True, capture_output=True)
    return path, json.loads(listed.stdout)[0]["number"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed rounds (default 15)")
    args = parser.parse_args()

    # PYTHONDONTWRITEBYTECODE is dropped too: with it, complaintctl's own modules (an editable
    # install) would be compiled from source on every run, which an installed tool never does
    # (pip writes the bytecode); the warm-up round writes it, as a first run would.
    env = {k: v for k, v in os.environ.items()
           if k not in ("COMPLAINTCTL_DB", "COMPLAINTCTL_USER", "PYTHONPROFILEIMPORTTIME",
                        "PYTHONDONTWRITEBYTECODE")}
    directory = Path(tempfile.mkdtemp(prefix="complaintctl-startup-"))
    try:
        db, number = build_demo(directory, env)
        commands = {
            "import typer": [sys.executable, "-c", "import typer"],
            "import sqlmodel": [sys.executable, "-c", "import sqlmodel"],
            "help": complaintctl() + ["--help"],
            "show": complaintctl() + ["--db", str(db), "--as", "admin", "show", number],
        }
        for argv in commands.values():  # warm-up: bytecode caches, the page cache
            timed(argv, env)
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for _round in range(args.runs):
            for name, argv in commands.items():
                samples[name].append(timed(argv, env))
    finally:
        shutil.rmtree(directory, ignore_errors=True)

    wall = {n: statistics.median(w for w, _c in s) for n, s in samples.items()}
    cpu = {n: statistics.median(c for _w, c in s) for n, s in samples.items()}
    labels = {"help": "complaintctl --help", "show": f"complaintctl show {number}"}
    print(f"median of {args.runs} runs each (after one warm-up), Python {sys.version.split()[0]}")
    print(f"{'command':<32}{'wall ms':>10}{'cpu ms':>10}")
    for name in commands:
        print(f"{labels.get(name, 'python -c ' + repr(name)):<32}"
              f"{wall[name] * 1000:>10.0f}{cpu[name] * 1000:>10.0f}")
    missed = False
    for name, base in (("help", "import typer"), ("show", "import sqlmodel")):
        ratio, ratio_cpu = wall[name] / wall[base], cpu[name] / cpu[base]
        ok = ratio <= TARGETS[name]
        missed |= not ok
        print(f"{labels[name].split(' CMP')[0]:<22} / {base:<16} {ratio:5.2f} "
              f"(cpu {ratio_cpu:4.2f})  target <= {TARGETS[name]}  "
              f"{'met' if ok else 'MISSED'}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
