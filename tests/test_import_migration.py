"""Migration 0002 (import batches) produces exactly the models' schema, and goes down again."""

from __future__ import annotations


def test_the_migrated_schema_equals_the_models(db):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import complaintctl.store.models

    complaintctl.store.models.load_all()

    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_0002_downgrades_and_upgrades_again(db):
    from alembic import command
    from sqlalchemy import inspect

    command.downgrade(db.alembic_config(), "0001")
    with db.engine.connect() as conn:
        inspector = inspect(conn)
        assert not inspector.has_table("import_batch")
        assert "import_batch_id" not in {c["name"] for c in inspector.get_columns("complaint")}
    command.upgrade(db.alembic_config(), "head")
    with db.engine.connect() as conn:
        assert inspect(conn).has_table("import_batch")
