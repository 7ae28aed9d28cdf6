"""The same reports on PostgreSQL: the generated quarter copied from SQLite into a fresh
PostgreSQL database gives the same JSON for every report (the SQL is dialect-neutral).
Skips when no PostgreSQL answers at 127.0.0.1:5432 or psycopg is not installed."""

from __future__ import annotations

import os
import uuid

import pytest

import report_data as rd
from conftest import STAFF, actor

PG = os.environ.get("COMPLAINTCTL_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
TABLES = ["setting", "staff", "complaint", "complaint_tag", "remedy", "event", "pause", "approval",
          "complaint_root_cause", "rectification", "rectification_complaint"]


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    pytest.importorskip("psycopg", reason="psycopg is not installed (pip install psycopg)")
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError
    from sqlmodel import SQLModel

    from complaintctl.store import models
    from complaintctl.store.db import Database, resolve_url
    from complaintctl.services.admin import staff

    models.load_all()  # create_all below makes every table

    admin_engine = create_engine(PG, isolation_level="AUTOCOMMIT")
    name = f"complaintctl_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin_engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        pytest.skip(f"no PostgreSQL at {PG}: {str(error.orig).splitlines()[0]}")
    lite = Database(resolve_url(str(tmp_path_factory.mktemp("pg") / "complaints.db")))
    lite.create()
    with lite.session(write=True) as session:
        staff.init_admin(session=session, username="admin", name="Admin")
        from conftest import widen_late_window

        widen_late_window(lite)
        for username, full, role, branch in STAFF:
            staff.add(session=session, actor=actor("admin"), username=username, name=full,
                      role=role, branch=branch)
    rd.build(lite, actor("admin"), n=60, seed=11)
    pg = Database(PG.rsplit("/", 1)[0] + f"/{name}")
    tables = SQLModel.metadata.tables
    wanted = [tables[t] for t in TABLES]
    SQLModel.metadata.create_all(pg.engine)
    with lite.engine.connect() as source, pg.engine.begin() as target:
        for table in wanted:
            rows = [dict(r._mapping) for r in source.execute(table.select())]
            if rows:
                target.execute(table.insert(), rows)
    yield lite, pg
    pg.engine.dispose()
    lite.engine.dispose()
    with admin_engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin_engine.dispose()


def run(db, name, **options):
    from complaintctl.services.reporting import reports

    with db.session() as session:
        return reports.run(session=session, actor=actor("admin"), name=name, as_of=rd.AS_OF,
                           **options).as_json()


def same(a, b, path="$"):
    if isinstance(a, float) or isinstance(b, float):
        assert a is not None and b is not None and abs(a - b) < 0.011, path
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{path}[{i}]")
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


@pytest.mark.slow
@pytest.mark.parametrize("name,options", [
    ("summary", {"period": "2025-Q3", "by": "product"}),
    ("summary", {"period": "2025-08", "by": "tag"}),
    ("sla", {"period": "2025-Q3", "by": "branch"}),
    ("aging", {"period": "2025-08"}),
    ("trend", {"period": "2025-Q3", "every": "week"}),
    ("trend", {"period": "2025-08", "every": "day", "by": "channel"}),
    ("outcomes", {"period": "2025", "by": "outcome"}),
    ("satisfaction", {"period": "2025"}),
    ("handlers", {"period": "2025-Q3"}),
    ("root-causes", {"period": "2025"}),
    ("regulatory", {"period": "2025-Q3"}),
])
def test_every_report_gives_the_same_figures_on_postgresql(both, name, options):
    lite, pg = both
    expected = run(lite, name, **options)
    assert expected["rows"], "the fixture should give this report something to count"
    same(run(pg, name, **options), expected)
