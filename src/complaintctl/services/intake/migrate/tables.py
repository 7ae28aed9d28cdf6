"""The tables as the copy sees them: which are matched instead of copied, which have a
surrogate id that may change, their unique keys, the rows that migrate, parents before children."""

from __future__ import annotations

import sqlalchemy as sa

from complaintctl.store import models

models.load_all()  # every table is copied, models_ext's too

CHUNK = 2000
#: tables whose rows are matched to the target's by these columns instead of copied
MERGE_BY = {"staff": ("username",), "plan_version": ("digest", "text")}
#: handled by hand: the chain head, the counters, the settings and the events
SPECIAL = {"audit_head", "counter", "setting", "event"}


def remapped_tables(tables) -> set[str]:
    """Tables whose rows are identified by a surrogate integer id (it may change)."""
    return {t.name for t in tables if has_surrogate_id(t)}


def has_surrogate_id(table) -> bool:
    pk = list(table.primary_key.columns)
    return (len(pk) == 1 and pk[0].name == "id" and not pk[0].foreign_keys
            and pk[0].type.python_type is int)


def unique_keys(table) -> list[tuple[str, ...]]:
    keys = {tuple(c.name for c in con.columns) for con in table.constraints
            if isinstance(con, sa.UniqueConstraint)}
    keys |= {tuple(c.name for c in index.columns) for index in table.indexes if index.unique}
    keys |= {(c.name,) for c in table.columns if c.unique}
    return sorted(keys)


def counted(table) -> list:
    """Rows that migrate as rows: each database keeps its own key for personal digests."""
    if table.name == "setting":
        return [table.c.key != "chain_key"]
    return []


def count_rows(conn, table) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(table)
                        .where(*counted(table))).scalar()


def self_referencing(table) -> bool:
    return bool(self_columns(table))


def self_columns(table) -> list[str]:
    return [c.name for c in table.columns
            for fk in c.foreign_keys if fk.column.table.name == table.name]


def parents_first(table, rows: list[dict]) -> list[dict]:
    """Rows ordered so each one's parent (same table) comes before it."""
    (column,) = self_columns(table)[:1] or (None,)
    if column is None:
        return rows
    pk = [c.name for c in table.primary_key.columns][0]
    by_key = {row[pk]: row for row in rows}

    def depth(row, seen=()):
        parent = row[column]
        if parent is None or parent not in by_key or parent in seen:
            return 0
        return 1 + depth(by_key[parent], (*seen, parent))

    return sorted(rows, key=depth)
