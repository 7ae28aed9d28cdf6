"""The clock's migration (0003) produces exactly what the models declare."""

from __future__ import annotations


def test_the_migrated_schema_matches_the_models_including_the_clock_tables(db):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import complaintctl.store.models

    complaintctl.store.models.load_all()

    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_the_clock_tables_and_columns_exist(db):
    from sqlalchemy import inspect

    inspector = inspect(db.engine)
    tables = set(inspector.get_table_names())
    assert {"pause", "approval", "staff_conflict", "notification",
            "notification_attempt"} <= tables
    columns = {c["name"] for c in inspector.get_columns("complaint")}
    assert {"paused", "extension_level", "escalation_level", "warned_percent", "clock_profile",
            "clock_kind", "clock_started_at", "review_requested_at", "review_result"} <= columns
    assert "senior" in {c["name"] for c in inspector.get_columns("staff")}


def test_the_clock_migration_downgrades_and_upgrades_again(db):
    from alembic import command
    from sqlalchemy import inspect

    command.downgrade(db.alembic_config(), "0002")

    assert "notification" not in inspect(db.engine).get_table_names()
    db.upgrade("head")
    assert "notification" in inspect(db.engine).get_table_names()
