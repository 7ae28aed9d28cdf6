"""What every table shares: the base class, the UTC timestamp column type and the helper that
declares such a column. ``models`` and ``models_ext`` both build on this module (and this module
on neither), so the two can be loaded one after the other without importing each other.

No ``from __future__ import annotations`` here either (see ``models``).
"""

from datetime import timezone

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel
from sqlmodel.main import SQLModelConfig


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every back end (SQLite hands back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class TableModel(SQLModel):
    """The base of every table: pydantic builds a table's validator and serializer when first
    used (``model_dump``), not when the class is defined; rows are made and read through
    SQLAlchemy, which needs neither."""

    model_config = SQLModelConfig(defer_build=True)


def timestamp(nullable: bool = True, index: bool = False):
    """A UTC timestamp column (``UTCDateTime``), NULL-able unless told otherwise."""
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)
