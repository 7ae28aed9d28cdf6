"""The migrations produce exactly the models' schema, on SQLite and on PostgreSQL; the head
revision complaintctl reads cheaply from the files is Alembic's; an older database is upgraded
on first use after a backup copy is left beside it."""

from __future__ import annotations

import sqlite3
from contextlib import closing

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Integer, MetaData, inspect, text
from sqlmodel import SQLModel

import complaintctl.store.models
from complaintctl.store.db import Database, resolve_url
from complaintctl.store.schema import head_revision

complaintctl.store.models.load_all()  # every table on SQLModel.metadata, models_ext's too


def schema_diff(engine, metadata=SQLModel.metadata) -> list:
    """What Alembic's autogenerate would change to turn the database into ``metadata``."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, metadata)


def test_a_blank_sqlite_database_migrated_to_head_has_exactly_the_models_schema(tmp_path):
    database = Database(resolve_url(str(tmp_path / "blank.db")))
    database.create()
    assert schema_diff(database.engine) == []
    tables = set(inspect(database.engine).get_table_names())
    assert tables == set(SQLModel.metadata.tables) | {"alembic_version"}


def test_the_comparison_sees_a_difference_when_there_is_one(db):
    """Guards the test above: a column the database lacks is reported, with its table."""
    changed = MetaData()
    for table in SQLModel.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["complaint"].append_column(Column("extra_flag", Integer, nullable=True))
    diff = schema_diff(db.engine, changed)
    assert [(d[0], d[2], d[3].name) for d in diff] == [("add_column", "complaint", "extra_flag")]


def test_the_head_revision_read_from_the_files_is_alembics_head(db):
    script = ScriptDirectory.from_config(db.alembic_config())
    assert script.get_heads() == [head_revision()]
    assert db.current_revision() == head_revision()


def test_an_older_database_is_upgraded_on_first_use_with_a_backup_beside_it(tmp_path):
    path = tmp_path / "complaints.db"
    old = Database(resolve_url(str(path)))
    path.touch(mode=0o600)
    old.upgrade("0001")
    assert old.current_revision() == "0001" != head_revision()
    with old.engine.begin() as conn:  # something of the user's that must survive
        conn.execute(text("INSERT INTO setting (key, value) VALUES ('timezone', 'Europe/London')"))
    old.engine.dispose()

    database = Database(resolve_url(str(path)))
    database.ensure_ready()

    assert database.current_revision() == head_revision()
    assert schema_diff(database.engine) == []
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM setting WHERE key = 'timezone'")).scalar() \
            == "Europe/London"
    backups = list(tmp_path.glob("complaints.db.before-0001-upgrade-*"))
    assert len(backups) == 1
    with closing(sqlite3.connect(backups[0])) as copy:
        assert copy.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
        assert copy.execute("SELECT value FROM setting").fetchall() == [("Europe/London",)]
    database.ensure_ready()  # at head now: no second backup
    assert len(list(tmp_path.glob("complaints.db.before-*"))) == 1


def test_a_blank_postgresql_database_migrated_to_head_has_exactly_the_models_schema(pg_url):
    """On a new, uniquely named database of the test server (conftest's pg_url: dropped
    afterwards; skipped, saying why, without a server)."""
    database = Database(pg_url)
    try:
        database.create()
        assert database.current_revision() == head_revision()
        assert schema_diff(database.engine) == []
    finally:
        database.engine.dispose()


def test_the_migrations_go_down_to_nothing_and_up_again_on_postgresql(pg_url):
    from alembic import command

    database = Database(pg_url)
    try:
        database.create()
        command.downgrade(database.alembic_config(), "base")
        assert set(inspect(database.engine).get_table_names()) == {"alembic_version"}
        database.upgrade()
        assert schema_diff(database.engine) == []
    finally:
        database.dispose()


def test_a_sqlite_database_with_complaints_goes_down_past_the_rebuilt_complaint_table_and_up(
        tmp_path):
    """Dropping a column rebuilds SQLite's table: with foreign keys enforced, dropping the old
    complaint table (pointed at by its contacts, events, remedies, ...) once failed. The demo's
    rows go down to 0012 and up again, every foreign key intact and foreign keys on again."""
    from alembic import command
    from typer.testing import CliRunner

    from complaintctl.cli import app

    path = tmp_path / "demo.db"
    assert CliRunner().invoke(app, ["demo", "--db", str(path)]).exit_code == 0
    database = Database(resolve_url(str(path)))
    try:
        with database.engine.connect() as conn:
            complaints = conn.execute(text("SELECT count(*) FROM complaint")).scalar()
            contacts = conn.execute(text("SELECT count(*) FROM contact")).scalar()
        assert complaints > 5 and contacts > 0
        command.downgrade(database.alembic_config(), "0012")
        assert database.current_revision() == "0012"
        database.upgrade()
        assert database.current_revision() == head_revision()
        with database.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM complaint")).scalar() == complaints
            assert conn.execute(text("SELECT count(*) FROM contact")).scalar() == contacts
            assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert schema_diff(database.engine) == []
    finally:
        database.dispose()
