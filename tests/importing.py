"""Helpers shared by the import and export tests."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
CFPB = FIXTURES / "cfpb_canonical.csv"


def run_import(cli, path, *args, as_="admin", input=None):
    """``complaintctl import PATH ARGS --json``: the run and its summary object (or None)."""
    run = cli("import", str(path), *args, "--json", as_=as_, input=input)
    try:
        summary = json.loads(run.stdout) if run.stdout.strip() else None
    except json.JSONDecodeError:
        summary = None
    return run, summary


def stored(db):
    """Every complaint, as a dict of its columns, in number order."""
    from sqlmodel import select

    from complaintctl.store.models import Complaint

    with db.session() as session:
        return [c.model_dump() for c in session.exec(select(Complaint).order_by(Complaint.id))]


def count(db, model) -> int:
    from sqlalchemy import func
    from sqlmodel import select

    with db.session() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def chain_ok(db) -> bool:
    from complaintctl.services.audit import trail as audit

    with db.session() as session:
        return audit.verify(session).ok


def csv_text(header, rows, *, newline="\n") -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def plain_csv_records(path, *, skip_lines=0, encoding="utf-8") -> int:
    """Records in a CSV file counted by the csv module alone (blank records not counted)."""
    with open(path, encoding=encoding, newline="") as f:
        for _ in range(skip_lines):
            f.readline()
        rows = [r for r in csv.reader(f) if r]
    return len(rows) - 1
