"""``db migrate-to``: copy a branch's database (normally its SQLite file) into another one
(normally the central PostgreSQL), keeping complaint numbers and the audit chain.

Every table is copied generically from the models' metadata, parents before children. In one
target transaction, with the target's chain head locked (other writers wait):

- complaint numbers (and other unique keys) that exist on both sides refuse the whole copy,
  with a report of the collisions; nothing is written;
- ids are kept when none of them is taken in the target (the first branch into a new central
  database keeps everything as it was); otherwise rows get new ids and every foreign key that
  points at them is rewritten;
- staff are matched by user name, and plan versions by content: a row already in the target
  stands for the branch's (differences are reported, the target's row is kept); so are rows
  of tables keyed by a natural key (organisations) and settings;
- the year counters become the larger of the two, so numbers are never reused;
- the audit chain: into an empty chain the events are copied exactly (same sequence numbers,
  hashes and key for personal-data digests); onto a chain that already has events they are
  appended in order, re-linked and re-hashed, and the branch's own chain head is recorded in
  the closing ``db migrate-to`` event, so the original stays provable from the branch file;
- evidence files are copied into the target's evidence store (content-addressed: no clashes).

Before committing, the copy is verified: per-table counts, and ``audit verify`` on the target.
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import SQLModel

from complaintctl.store import models
from complaintctl.domain import chain
from complaintctl.domain.enums import EventKind, Role
from complaintctl.errors import DatabaseProblem, PermissionDenied, UsageProblem
from complaintctl.i18n import _
from complaintctl.services.audit import trail as audit
from complaintctl.services.core import trail
from complaintctl.services.core.context import chain_key, now

models.load_all()  # every table is copied, models_ext's too

CHUNK = 2000
#: tables whose rows are matched to the target's by these columns instead of copied
MERGE_BY = {"staff": ("username",), "plan_version": ("digest", "text")}
#: handled by hand: the chain head, the counters, the settings and the events
SPECIAL = {"audit_head", "counter", "setting", "event"}


@dataclass
class TableCopy:
    table: str
    source: int = 0
    copied: int = 0
    matched: int = 0
    kept_ids: bool = True
    before: int = 0
    after: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"table": self.table, "source": self.source, "copied": self.copied,
                "matched": self.matched, "kept_ids": self.kept_ids,
                "target_before": self.before, "target_after": self.after}


@dataclass
class Migration:
    source: str
    target: str
    dry_run: bool
    chain: str = ""
    events: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    source_head: str = ""
    tables: list[TableCopy] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    evidence_files: int = 0
    verified_events: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "target": self.target, "dry_run": self.dry_run,
                "chain": self.chain, "events": self.events, "first_seq": self.first_seq,
                "last_seq": self.last_seq, "source_head": self.source_head,
                "tables": [t.as_dict() for t in self.tables], "notes": self.notes,
                "evidence_files": self.evidence_files,
                "audit_verify": {"ok": True, "events": self.verified_events}}


class Collision(DatabaseProblem):
    """Rows of the source would take keys (complaint numbers) the target already uses."""


def migrate(*, source, target, actor: str, dry_run: bool = False) -> Migration:
    """Copy ``source`` (a Database) into ``target`` (a Database at head); see the module doc."""
    if source.url == target.url:
        raise UsageProblem(_("The target is the database itself; give the central database's "
                             "URL."))
    result = Migration(source.display(), target.display(), dry_run)
    tables = list(SQLModel.metadata.sorted_tables)
    with source.session() as src_session, target.session(write=True) as dst_session:
        src, dst = src_session.connection(), dst_session.connection()
        checked = audit.verify(src_session)
        if not checked.ok:
            raise DatabaseProblem(_(
                "The branch's audit trail is broken ({problem}); restore a good backup before "
                "migrating it.").format(problem=checked.problem))
        head = dst.execute(sa.select(models.AuditHead.__table__).where(
            models.AuditHead.__table__.c.id == 1).with_for_update()).one()
        _check_actor(dst, actor)
        collisions = _collisions(src, dst, tables)
        if collisions:
            raise Collision(_report(collisions))
        copier = _Copier(src, dst_session, result, target_chain=(head.count, head.last_hash))
        for table in tables:
            if table.name == "event":
                copier.events(table)
            elif table.name == "counter":
                copier.counters(table)
            elif table.name == "setting":
                copier.settings(table)
            elif table.name != "audit_head":
                copier.table(table)
        copier.finish_chain()
        dst_session.expire_all()
        trail.record(
            dst_session, kind=EventKind.admin, action="db migrate-to", actor=actor, at=now(),
            details={"source": result.source, "chain": result.chain, "events": result.events,
                     "first_seq": result.first_seq, "last_seq": result.last_seq,
                     "source_head": result.source_head,
                     "copied": {t.table: t.copied for t in result.tables if t.copied}},
        )
        dst_session.flush()
        _verify(src, dst, result, copier)
        checked = audit.verify(dst_session)
        if not checked.ok:
            raise DatabaseProblem(_("The copy failed verification ({problem}); nothing was "
                                    "written.").format(problem=checked.problem))
        result.verified_events = checked.events
        result.evidence_files = _copy_evidence(src, source, target, dry_run=dry_run)
        if dry_run:
            dst_session.rollback()
        else:
            dst_session.commit()
    return result


# --- before copying --------------------------------------------------------------------------


def _check_actor(dst, actor: str) -> None:
    """Into a target with staff, only one of its admins may migrate."""
    staff = models.Staff.__table__
    if dst.execute(sa.select(sa.func.count()).select_from(staff)).scalar() == 0:
        return
    row = dst.execute(sa.select(staff.c.role, staff.c.active).where(
        staff.c.username == actor)).first()
    if row is None or row.role != Role.admin.value or not row.active:
        raise PermissionDenied(_(
            "Permission denied: {user} is not an admin of the target database; ask one of its "
            "admins to run the migration.").format(user=actor))


def _remapped_tables(tables) -> set[str]:
    """Tables whose rows are identified by a surrogate integer id (it may change)."""
    return {t.name for t in tables if _surrogate(t)}


def _surrogate(table) -> bool:
    pk = list(table.primary_key.columns)
    return (len(pk) == 1 and pk[0].name == "id" and not pk[0].foreign_keys
            and pk[0].type.python_type is int)


def _unique_keys(table) -> list[tuple[str, ...]]:
    keys = {tuple(c.name for c in con.columns) for con in table.constraints
            if isinstance(con, sa.UniqueConstraint)}
    keys |= {tuple(c.name for c in index.columns) for index in table.indexes if index.unique}
    keys |= {(c.name,) for c in table.columns if c.unique}
    return sorted(keys)


def _collisions(src, dst, tables) -> dict[str, list[str]]:
    """Unique keys of source rows that the target already holds, per table and key."""
    remapped = _remapped_tables(tables)
    found: dict[str, list[str]] = {}
    for table in tables:
        if table.name in SPECIAL or table.name in MERGE_BY:
            continue
        for key in _unique_keys(table):
            columns = [table.c[name] for name in key]
            if any(fk.column.table.name in remapped for c in columns for fk in c.foreign_keys):
                continue  # rewritten on the way in, so it cannot clash
            values = [tuple(r) for r in src.execute(sa.select(*columns)) if None not in tuple(r)]
            clashes = []
            for start in range(0, len(values), 500):
                chunk = values[start:start + 500]
                match = (columns[0].in_([v[0] for v in chunk]) if len(columns) == 1
                         else sa.tuple_(*columns).in_(chunk))
                clashes += [tuple(r) for r in dst.execute(sa.select(*columns).where(match))]
            if clashes:
                label = f"{table.name}.{'+'.join(key)}"
                found[label] = sorted("/".join(str(v) for v in c) for c in clashes)
    return found


def _report(collisions: dict[str, list[str]]) -> str:
    lines = []
    for label, values in collisions.items():
        shown = ", ".join(values[:20]) + (_(" and {n} more").format(n=len(values) - 20)
                                          if len(values) > 20 else "")
        lines.append(_("{key}: {n} already in the target: {values}").format(
            key=label, n=len(values), values=shown))
    return _(
        "Nothing was copied: the target already uses keys of the branch's (complaint numbers "
        "are unique and never change):\n{lines}\nKeep this branch on a database of its own, "
        "or migrate it into a central database that has not numbered complaints in the same "
        "years."
    ).format(lines="\n".join("  " + line for line in lines))


# --- copying ---------------------------------------------------------------------------------


class _Copier:
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
        surrogate = _surrogate(table)
        if surrogate:
            self.remapped.add(table.name)
            stats.kept_ids = self._ids_free(table)
        if _self_referencing(table):  # parents first: read them all (small tables)
            rows = [dict(r._mapping) for r in self._read(table)]
            self._copy_rows(table, _parents_first(table, rows), stats, surrogate)
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
            keys = [key for key in _unique_keys(table) if any(
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
            for column in _self_columns(table):
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
        query = sa.select(table).where(*_counted(table))
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
        stats.source = _count(self.src, table)
        stats.before = _count(self.dst, table)
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


def _counted(table) -> list:
    """Rows that migrate as rows: each database keeps its own key for personal digests."""
    if table.name == "setting":
        return [table.c.key != "chain_key"]
    return []


def _count(conn, table) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(table)
                        .where(*_counted(table))).scalar()


def _self_referencing(table) -> bool:
    return bool(_self_columns(table))


def _self_columns(table) -> list[str]:
    return [c.name for c in table.columns
            for fk in c.foreign_keys if fk.column.table.name == table.name]


def _parents_first(table, rows: list[dict]) -> list[dict]:
    """Rows ordered so each one's parent (same table) comes before it."""
    (column,) = _self_columns(table)[:1] or (None,)
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


# --- after copying ---------------------------------------------------------------------------


def _verify(src, dst, result: Migration, copier: _Copier) -> None:
    """Every table grew by what was copied, and every complaint number arrived."""
    problems = []
    for stats in result.tables:
        table = SQLModel.metadata.tables[stats.table]
        stats.after = _count(dst, table)
        grew = stats.after - stats.before
        if stats.table == "event":
            grew -= 1  # the closing migrate-to event
        if grew != stats.copied or stats.copied + stats.matched != stats.source:
            problems.append(f"{stats.table}: {stats.source} in the branch, {stats.copied} copied, "
                            f"{stats.matched} matched, the target grew by {grew}")
    complaint = models.Complaint.__table__
    numbers = [n for (n,) in src.execute(sa.select(complaint.c.number))]
    arrived = 0
    for start in range(0, len(numbers), 500):
        arrived += dst.execute(sa.select(sa.func.count()).select_from(complaint).where(
            complaint.c.number.in_(numbers[start:start + 500]))).scalar()
    if arrived != len(numbers):
        problems.append(f"complaint numbers: {len(numbers)} in the branch, {arrived} arrived")
    if problems:
        raise DatabaseProblem(_("The copy failed verification; nothing was written:\n{problems}")
                              .format(problems="\n".join("  " + p for p in problems)))


def _copy_evidence(src, source, target, *, dry_run: bool) -> int:
    """Copy the branch's evidence files into the target's store; returns how many were (or,
    in a dry run, would be) new."""
    table = models.Evidence.__table__
    digests = {d for (d,) in src.execute(sa.select(table.c.sha256).distinct())}
    from complaintctl.infra.evidence import EvidenceStore

    mine, theirs = EvidenceStore(source.evidence_dir), EvidenceStore(target.evidence_dir)
    copied = 0
    for digest in sorted(digests):
        path, dest = mine.path_for(digest), theirs.path_for(digest)
        if dest.exists():
            continue
        if not path.exists():
            raise DatabaseProblem(_(
                "Evidence file {digest} is missing from the branch's store ({where}); restore it "
                "before migrating.").format(digest=digest, where=source.evidence_dir))
        copied += 1
        if dry_run:
            continue
        dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        shutil.copy2(path, dest)
        dest.chmod(0o600)
    return copied
