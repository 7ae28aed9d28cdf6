"""Bulk inserts for the import's fast path: one executemany per chunk through SQLAlchemy Core's
connection (``exec_driver_sql`` with the INSERT compiled once for the back end), values handed
over in the driver's own form, so no Python conversion runs per value or per row.

The models' UTC datetime columns convert every value in Python (TypeDecorator, then the
dialect's formatter): at a million rows that costs more than SQLite's own work. ``BulkTable``
is a copy of a table whose columns bind as given; its ``insert`` turns aware UTC datetimes
into what the models' types would have stored (on SQLite the same text, microseconds always
written, so comparisons and reads back are unchanged; on other back ends the datetime
itself), caching repeated values.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa

from complaintctl.store.base import UTCDateTime


_TABLES: dict[tuple[str, str], BulkTable] = {}


def bulk_table(session, table: sa.Table) -> BulkTable:
    """The BulkTable for ``table`` on the session's back end (made once)."""
    dialect = session.get_bind().dialect.name
    found = _TABLES.get((table.name, dialect))
    if found is None:
        found = _TABLES[(table.name, dialect)] = BulkTable(table, dialect)
    return found


class BulkTable:
    def __init__(self, table: sa.Table, dialect: str):
        self.sqlite = dialect == "sqlite"
        self.postgresql = dialect == "postgresql"
        columns = []
        self.time_columns = []
        for column in table.c:
            kind = column.type
            if isinstance(kind, UTCDateTime):
                self.time_columns.append(column.name)
                kind = sa.String() if self.sqlite else sa.DateTime(timezone=True)
            elif isinstance(kind, sa.Boolean):
                kind = sa.Integer() if self.sqlite else sa.Boolean()
            elif isinstance(kind, sa.Integer):
                kind = sa.BigInteger() if isinstance(kind, sa.BigInteger) else sa.Integer()
            else:
                kind = sa.String()
            columns.append(sa.Column(column.name, kind, primary_key=column.primary_key))
        self.table = sa.Table(table.name, sa.MetaData(), *columns)
        self._text: dict[datetime, str] = {}
        self._statements: dict[tuple, tuple[str, list[str] | None]] = {}

    def _stored(self, value: datetime) -> str:
        text = self._text.get(value)
        if text is None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            text = value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
            if len(self._text) > 100_000:
                self._text.clear()
            self._text[value] = text
        return text

    def insert(self, session, rows: list[dict[str, Any]]) -> None:
        """One executemany of ``rows`` (dicts with the same keys); changes their datetimes.
        On PostgreSQL, one ``COPY ... FROM STDIN`` instead (psycopg's copy, in the session's
        transaction): ten to twenty times faster than even a pipelined executemany. PostgreSQL
        refuses COPY into a table under row-level security (a hardened database's application
        role, `db harden`): there the rows go in with the executemany."""
        if not rows:
            return
        if self.postgresql and not self._row_security(session):
            self._copy(session, rows)
            return
        if self.sqlite and self.time_columns:
            stored = self._stored
            names = [n for n in self.time_columns if n in rows[0]]
            for row in rows:
                for name in names:
                    value = row[name]
                    if value is not None:
                        row[name] = stored(value)
        keys = tuple(rows[0])
        statement = self._statements.get((keys, dialect := session.get_bind().dialect.name))
        if statement is None:
            compiled = sa.insert(self.table).values(
                {k: sa.bindparam(k) for k in keys}
            ).compile(dialect=session.get_bind().dialect)
            order = compiled.positiontup if compiled.positional else None
            statement = self._statements[(keys, dialect)] = (str(compiled), order)
        sql, order = statement
        if order is not None:
            params = [tuple([row[k] for k in order]) for row in rows]
        else:
            params = rows
        session.connection().exec_driver_sql(sql, params)

    def _row_security(self, session) -> bool:
        """Whether row-level security applies to this table for the connected role."""
        return bool(session.connection().exec_driver_sql(
            "SELECT row_security_active(%(t)s)", {"t": self.table.name}).scalar())

    def _copy(self, session, rows: list[dict[str, Any]]) -> None:
        keys = list(rows[0])
        connection = session.connection()
        quote = connection.dialect.identifier_preparer.quote
        statement = (f"COPY {quote(self.table.name)} ({', '.join(quote(k) for k in keys)}) "
                     "FROM STDIN")
        with connection.connection.driver_connection.cursor() as cursor:
            with cursor.copy(statement) as copy:
                write = copy.write_row
                for row in rows:
                    write([row[k] for k in keys])


#: the page cache while deferred indexes are built (KiB)
REBUILD_CACHE_KIB = 16_384
#: the tables an import fills, whose secondary indexes a large SQLite import may defer
IMPORT_TABLES = ("complaint", "event", "complaint_tag", "remedy")


class DeferredIndexes:
    """A large import on SQLite drops the secondary (non-unique) indexes of the tables it fills
    and builds them again at the end, in the same transaction: building an index once from all
    the rows costs far less than updating it row by row after it has outgrown the page cache.
    The unique indexes stay, so numbers and source keys are checked as the rows go in. Nothing
    is visible to others before the commit, and a rollback brings the indexes back with the rest.
    Other back ends keep their indexes (PostgreSQL would lock the tables against readers)."""

    def __init__(self):
        self.dropped: list[str] = []

    def drop(self, connection, tables: tuple[str, ...] = IMPORT_TABLES) -> int:
        if connection.dialect.name != "sqlite" or self.dropped:
            return 0
        marks = ", ".join("?" * len(tables))
        rows = connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({marks}) ORDER BY name", tuple(tables)).all()
        for name, sql in rows:
            if sql.lstrip().upper().startswith("CREATE UNIQUE"):
                continue
            connection.exec_driver_sql(f'DROP INDEX "{name}"')
            self.dropped.append(sql)
        return len(self.dropped)

    def restore(self, connection) -> None:
        """Build the dropped indexes again. SQLite's sorter takes as much memory as the page
        cache is allowed besides the cache itself, so the cache is made small for the builds
        (they read each table once; a large cache buys nothing) to keep the peak memory down."""
        if not self.dropped:
            return
        cache = connection.exec_driver_sql("PRAGMA cache_size").scalar()
        connection.exec_driver_sql(f"PRAGMA cache_size = -{REBUILD_CACHE_KIB}")
        for sql in self.dropped:
            connection.exec_driver_sql(sql)
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(cache)}")
        self.dropped = []
