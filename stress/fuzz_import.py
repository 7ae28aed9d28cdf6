"""Coverage-guided fuzzing of ``complaintctl import`` with atheris (optional).

    pip install atheris
    python stress/fuzz_import.py -atheris_runs=20000          # or -max_total_time=600
    python stress/fuzz_import.py corpus_dir/ -max_len=4096    # grow a corpus in corpus_dir/

Each input is written to a file and imported through the real CLI into one SQLite database
(format auto, then once more as JSON Lines when it looks like JSON). The harness fails (atheris
saves the input as crash-*) when an import ends other than with our own outcome: exit 0, or
exit 1-5 with one ``Error:`` line and nothing written; a traceback or an internal error fails.
The same checks as tests/test_hostile_import.py, which runs Hypothesis in the suite.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import kit  # noqa: E402

try:
    import atheris
except ImportError:  # pragma: no cover - optional
    sys.exit("atheris is not installed: pip install atheris")

with atheris.instrument_imports():
    import complaintctl.services.intake.reading.readers  # noqa: F401
    import complaintctl.services.intake.reading.layouts  # noqa: F401
    import complaintctl.services.intake.reading.dates  # noqa: F401
    import complaintctl.services.intake.reading.source  # noqa: F401

WORK = Path(tempfile.mkdtemp(prefix="fuzz-import-"))
URL = kit.seed(WORK / "complaints.db", clerks=1)
CLI = kit.Cli(URL)


def _counts() -> tuple[int, int]:
    import sqlite3

    conn = sqlite3.connect(str(WORK / "complaints.db"))
    try:
        return (conn.execute("SELECT COUNT(*) FROM complaint").fetchone()[0],
                conn.execute("SELECT COUNT(*) FROM event WHERE kind <> 'refusal'").fetchone()[0])
    finally:
        conn.close()


def check(data: bytes, name: str) -> None:
    path = WORK / name
    path.write_bytes(data)
    before = _counts()
    run = CLI("import", str(path), "--json")
    errors = [line for line in run.stderr.splitlines() if line.startswith("Error: ")]
    if ("Traceback" in run.stderr or "internal error" in run.stderr
            or run.exit_code not in (0, 1, 2, 3, 4, 5)
            or (run.exit_code != 0 and (len(errors) != 1 or _counts() != before))):
        raise AssertionError(f"{name}: exit {run.exit_code}: {run.stderr[-2000:]}")


def one_input(data: bytes) -> None:
    check(data, "input.csv")
    if data.lstrip()[:1] in (b"{", b"["):
        check(data, "input.jsonl")


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
