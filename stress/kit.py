"""What the stress scripts share: a seeded SQLite database, the real CLI run in-process, and the
checks a database must pass afterwards (numbers, ``db check``, ``audit verify``).

Each stress script puts ``src/`` on ``sys.path`` so it runs from a checkout without installing.
"""

from __future__ import annotations

import contextlib
import io
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for _path in (ROOT / "src", ROOT / "benchmarks"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))


def url_of(path: Path) -> str:
    from complaintctl.store.db import resolve_url

    return resolve_url(str(path))


def seed(path: Path, clerks: int = 8) -> str:
    """A new database at ``path`` with an admin, an auditor, a supervisor and handler of BJ01, and
    clerks ``w00``.. of BJ01, made through the services; returns its URL."""
    from complaintctl.store.db import Database
    from complaintctl.domain.enums import Role
    from complaintctl.services.admin import staff
    from complaintctl.services.core.context import Actor

    database = Database(url_of(path))
    database.create()
    admin = Actor("admin", Role.admin, None)
    with database.session(write=True) as session:
        staff.init_admin(session=session, username="admin", name="Admin")
        people = [("aud", Role.auditor, None), ("boss", Role.supervisor, "BJ01"),
                  ("handler", Role.handler, "BJ01")]
        people += [(f"w{i:02d}", Role.clerk, "BJ01") for i in range(clerks)]
        for username, role, branch in people:
            staff.add(session=session, actor=admin, username=username, name=username,
                      role=role, branch=branch)
    database.dispose()
    return database.url


@dataclass
class Run:
    args: list[str]
    exit_code: int
    stdout: str
    stderr: str

    @property
    def shown_error(self) -> bool:
        """What a user would count as an error: a non-zero exit or an ``Error:`` line."""
        return self.exit_code != 0 or "Error" in self.stderr or "Traceback" in self.stderr


class Cli:
    """complaintctl run in this process, as a clerk at a terminal would run it (the same Click
    command, error mapping and database handling; the command tree is built once)."""

    def __init__(self, url: str):
        import typer

        from complaintctl.cli import app

        self.url = url
        self.command = typer.main.get_command(app)

    def __call__(self, *args: str, as_: str = "admin") -> Run:
        from complaintctl.present import render

        render.reset()
        out, err = io.StringIO(), io.StringIO()
        argv = ["--db", self.url, "--as", as_, *args]
        code = 0
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                self.command.main(argv, prog_name="complaintctl", standalone_mode=True)
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None
                                                                        else 1)
            except BaseException:  # noqa: BLE001 - a traceback is what we look for
                import traceback

                err.write(traceback.format_exc())
                code = 99
        render.reset()
        return Run(list(args), code, out.getvalue(), err.getvalue())


def numbers_report(url: str) -> dict:
    """Complaint numbers checked by SQL: stored, duplicates, gaps within each year's counter."""
    import sqlite3

    from complaintctl.store.db import sqlite_path

    conn = sqlite3.connect(str(sqlite_path(url)))
    try:
        numbers = [r[0] for r in conn.execute("SELECT number FROM complaint")]
        counters = dict(conn.execute("SELECT name, value FROM counter"))
    finally:
        conn.close()
    serials: dict[str, list[int]] = {}
    for number in numbers:
        _cmp, year, serial = number.split("-")
        serials.setdefault(year, []).append(int(serial))
    gaps = sum(counters.get(f"CMP-{y}", 0) - len(set(s)) for y, s in serials.items())
    return {"stored": len(numbers), "duplicates": len(numbers) - len(set(numbers)), "gaps": gaps}


def verified(url: str) -> dict:
    """``db check`` and ``audit verify`` through the CLI, as the admin."""
    cli = Cli(url)
    check = cli("db", "check")
    verify = cli("audit", "verify")
    return {"db_check_ok": check.exit_code == 0, "db_check": check.stderr.strip(),
            "audit_ok": verify.exit_code == 0, "audit_verify": verify.stderr.strip()}


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, -(-int(fraction * 1000) * len(ordered) // 1000))
    return ordered[min(rank, len(ordered)) - 1]
