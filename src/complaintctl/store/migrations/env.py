"""Alembic environment, run programmatically by complaintctl.store.db (no alembic.ini for users)."""

from alembic import context
from sqlalchemy import create_engine

config = context.config


def _sqlite_foreign_keys(connection, on: bool) -> None:
    """SQLite rebuilds a table to drop a column (batch mode): with foreign keys enforced, the
    DROP of the old ``complaint`` deletes what every other table points at and fails. They are
    off while the migrations run (a PRAGMA that takes effect only outside a transaction, so on
    the driver's connection before the first one begins), checked once at the end, and on
    again before the connection goes back to the pool."""
    raw = connection.connection.driver_connection
    if not on:
        raw.execute("PRAGMA foreign_keys = OFF")
        return
    broken = raw.execute("PRAGMA foreign_key_check").fetchall()
    raw.execute("PRAGMA foreign_keys = ON")
    if broken:
        raise RuntimeError(f"the migration left {len(broken)} rows whose foreign key points at "
                           f"nothing (first: {broken[0]})")


def run() -> None:
    engine = config.attributes.get("engine") or create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _sqlite_foreign_keys(connection, on=False)
        try:
            context.configure(
                connection=connection,
                target_metadata=None,
                render_as_batch=sqlite,
                transaction_per_migration=True,
            )
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
        finally:
            if sqlite:
                if connection.in_transaction():  # a failed migration: back out first, since
                    connection.rollback()  # the PRAGMA is ignored inside a transaction
                _sqlite_foreign_keys(connection, on=True)


run()
