"""Copying rows into the target: the generic table (ids kept or renumbered, foreign keys
rewritten, rows matched by a natural key), the counters, the settings and the audit chain."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import sqlalchemy as sa

from complaintctl.domain import chain
from complaintctl.i18n import _
from complaintctl.services.core import trail
from complaintctl.services.core.context import chain_key
from complaintctl.services.intake.migrate.results import Migration, TableCopy
from complaintctl.services.intake.migrate.tables import (
    CHUNK,
    MERGE_BY,
    count_rows,
    counted,
    has_surrogate_id,
    parents_first,
    self_columns,
    self_referencing,
    unique_keys,
)
from complaintctl.store import models


class Copier:
    def __init__(self, src, dst_session, result: Migration, *, target_chain: tuple[int, str]):
        self.src, self.dst, self.result = src, dst_session.connection(), result
        self.dst_session = dst_session
        self.maps: dict[str, dict[Any, Any]] = defaultdict(dict)
        self.remapped: set[str] = set()
        self.target_count, self.target_hash = target_chain
        self.postgres = self.dst.dialect.name == "postgresql"

    # the generic table

    def table(self, table) -> None:
        stats = self._stats(table)
        surrogate = has_surrogate_id(table)
        if surrogate:
            self.remapped.add(table.name)
            stats.kept_ids = self._ids_free(table)
        if self_referencing(table):  # parents first: read them all (small tables)
            rows = [dict(r._mapping) for r in self._read(table)]
            self._copy_rows(table, parents_first(table, rows), stats, surrogate)
            return
        for chunk in self._read(table).partitions(CHUNK):
            self._copy_rows(table, [dict(r._mapping) for r in chunk], stats, surrogate)

    def _copy_rows(self, table, rows: list[dict], stats: TableCopy, surrogate: bool) -> None:
        merge_by = MERGE_BY.get(table.name)
        rows = [self._rewrite(table, row) for row in rows]
        fresh = []
        for row in rows:
            existing = self._existing(table, row, merge_by, surrogate)
            if existing is None:
                fresh.append(row)
                continue
            stats.matched += 1
            if surrogate:
                self.maps[table.name][row["id"]] = existing["id"]
            differs = sorted(k for k in row if k != "id" and row[k] != existing[k]
                             and not (merge_by and k in ("created_at", "loaded_at")))
            if differs:
                key = ", ".join(str(row[k]) for k in (merge_by or [c.name for c in
                                                                    table.primary_key.columns]))
                self.result.notes.append(_(
                    "{table} {key}: the target's row was kept (it differs in {columns})").format(
                    table=table.name, key=key, columns=", ".join(differs)))
        self._insert(table, fresh, stats, surrogate)

    def _existing(self, table, row, merge_by, surrogate) -> dict | None:
        """The target's row that stands for ``row``: same merge key, same natural primary key,
        or (after foreign keys were rewritten onto matched rows) same unique key."""
        if merge_by:
            keys = [merge_by]
        elif not surrogate and not self._pk_rewritten(table):
            keys = [[c.name for c in table.primary_key.columns]]
        else:
            keys = [key for key in unique_keys(table) if any(
                fk.column.table.name in self.remapped for name in key
                for fk in table.c[name].foreign_keys)]
        for key in keys:
            if any(row[k] is None for k in key):
                continue
            found = self.dst.execute(sa.select(table).where(
                *[table.c[k] == row[k] for k in key])).first()
            if found is not None:
                return dict(found._mapping)
        return None

    def _pk_rewritten(self, table) -> bool:
        return any(fk.column.table.name in self.remapped
                   for c in table.primary_key.columns for fk in c.foreign_keys)

    def _insert(self, table, rows, stats: TableCopy, surrogate: bool) -> None:
        if surrogate:
            ids = (self._new_ids(table, len(rows)) if not stats.kept_ids
                   else [row["id"] for row in rows])
            for row, new in zip(rows, ids):
                self.maps[table.name][row["id"]] = new
                row["id"] = new
            # rows that point at rows of their own table: rewrite now that every id is known
            for column in self_columns(table):
                for row in rows:
                    if row[column] is not None:
                        row[column] = self.maps[table.name].get(row[column], row[column])
        for start in range(0, len(rows), CHUNK):
            self.dst.execute(table.insert(), rows[start:start + CHUNK])
        stats.copied += len(rows)
        if surrogate and stats.kept_ids and rows:
            self._advance_sequence(table)

    # ids

    def _ids_free(self, table) -> bool:
        low, high = self.src.execute(sa.select(sa.func.min(table.c.id),
                                               sa.func.max(table.c.id))).one()
        if low is None:
            return True
        taken = self.dst.execute(sa.select(sa.func.count()).select_from(table).where(
            table.c.id.between(low, high))).scalar()
        return taken == 0

    def _new_ids(self, table, n: int) -> list[int]:
        if n == 0:
            return []
        if self.postgres:
            return list(self.dst.execute(sa.text(
                "SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
                {"t": table.name, "n": n}).scalars())
        start = (self.dst.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0) + 1
        return list(range(start, start + n))

    def _advance_sequence(self, table) -> None:
        if not self.postgres:
            return
        self.dst.execute(sa.text(
            "SELECT setval(pg_get_serial_sequence(:t, 'id'), GREATEST("
            f"(SELECT MAX(id) FROM {self.dst.dialect.identifier_preparer.quote(table.name)}), "
            "(SELECT last_value FROM pg_sequences WHERE schemaname || '.' || sequencename = "
            "pg_get_serial_sequence(:t, 'id'))))"), {"t": table.name})

    # rows

    def _read(self, table, order=None):
        query = sa.select(table).where(*counted(table))
        if order is not None:
            query = query.order_by(order)
        elif table.primary_key.columns:
            query = query.order_by(*table.primary_key.columns)
        return self.src.execution_options(yield_per=CHUNK).execute(query)

    def _rewrite(self, table, row: dict) -> dict:
        for column in table.columns:
            for fk in column.foreign_keys:
                target = fk.column.table.name
                if target in self.remapped and target != table.name:
                    value = row[column.name]
                    if value is not None:
                        row[column.name] = self.maps[target][value]
        return row

    def _stats(self, table) -> TableCopy:
        stats = TableCopy(table.name)
        stats.source = count_rows(self.src, table)
        stats.before = count_rows(self.dst, table)
        self.result.tables.append(stats)
        return stats

    # the special tables

    def counters(self, table) -> None:
        stats = self._stats(table)
        for row in self._read(table):
            current = self.dst.execute(sa.select(table.c.value).where(
                table.c.name == row.name).with_for_update()).scalar()
            if current is None:
                self.dst.execute(table.insert(), {"name": row.name, "value": row.value})
                stats.copied += 1
            else:
                stats.matched += 1
                if row.value > current:
                    self.dst.execute(table.update().where(table.c.name == row.name)
                                     .values(value=row.value))

    def settings(self, table) -> None:
        stats = self._stats(table)
        key = table.c.key
        self.source_key = self.src.execute(sa.select(table.c.value).where(
            key == "chain_key")).scalar()
        for row in self._read(table):
            current = self.dst.execute(sa.select(table.c.value).where(
                table.c.key == row.key)).scalar()
            if current is None:
                self.dst.execute(table.insert(), {"key": row.key, "value": row.value})
                stats.copied += 1
            else:
                stats.matched += 1
                if current != row.value:
                    self.result.notes.append(_(
                        "setting {key}: the target's value was kept").format(key=row.key))

    source_key: str | None = None

    def events(self, table) -> None:
        """Copy the chain as it is into an empty chain, else append it re-linked."""
        stats = self._stats(table)
        self.remapped.add(table.name)
        stats.kept_ids = self._ids_free(table)
        verbatim = self.target_count == 0
        self.result.chain = "copied" if verbatim else "appended"
        source_head = self.src.execute(sa.select(models.AuditHead.__table__)).one()
        self.result.source_head = source_head.last_hash
        if verbatim and self.source_key is not None:
            setting = models.Setting.__table__
            self.dst.execute(setting.delete().where(setting.c.key == "chain_key"))
            self.dst.execute(setting.insert(), {"key": "chain_key", "value": self.source_key})
        key = bytes.fromhex(self.source_key) if verbatim and self.source_key else None
        if key is None:
            key = chain_key(self.dst_session)
            self.dst_session.flush()
        seq, prev = self.target_count, self.target_hash
        batch: list[dict] = []
        for r in self._read(table, order=table.c.seq):
            row = self._rewrite(table, dict(r._mapping))
            if not verbatim:
                seq += 1
                row["seq"], row["prev_hash"] = seq, prev
                if row["personal"] is not None:
                    row["personal_digest"] = chain.personal_digest(key,
                                                                   json.loads(row["personal"]))
                row["hash"] = chain.event_hash(trail.hashed(row, json.loads(row["details"])),
                                               prev)
                prev = row["hash"]
            else:
                seq, prev = row["seq"], row["hash"]
            if self.result.first_seq is None:
                self.result.first_seq = row["seq"]
            self.result.last_seq = row["seq"]
            batch.append(row)
            if len(batch) >= CHUNK:
                self._insert(table, batch, stats, True)
                batch = []
        self._insert(table, batch, stats, True)
        self.result.events = stats.copied
        if verbatim:
            seq, prev = source_head.count, source_head.last_hash
        self.chain_end = (seq, prev)

    chain_end: tuple[int, str] | None = None

    def finish_chain(self) -> None:
        if self.chain_end is None:
            return
        head = models.AuditHead.__table__
        count, last = self.chain_end
        self.dst.execute(head.update().where(head.c.id == 1).values(count=count, last_hash=last))
