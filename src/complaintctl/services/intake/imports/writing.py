"""Writing: a chunk of checked rows into the database. Rows whose key is already stored (or
that are this database's own complaints, exported and imported back) are skipped; the rest get
numbers from the year's counter as one block (``kernel.allocate_numbers``, the numbering
``register`` uses: one ``UPDATE ... RETURNING`` per chunk), and are inserted with their
tags, remedies and leaves (``Leaves``: the batch's Merkle tree, whose root the batch's one
event carries) through the bulk writer (``store.bulk``), on a background thread while the
next chunk is read."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import select
from sqlmodel import Session

from complaintctl.domain import merkle
from complaintctl.services.complaints import repeats
from complaintctl.services.core.kernel import allocate_numbers
from complaintctl.services.core.state import stamp_of_values
from complaintctl.services.intake.imports.summary import ImportSummary
from complaintctl.services.intake.imports.validation import Row
from complaintctl.store.bulk import bulk_table
from complaintctl.store.models import (Complaint, ComplaintIdentityKey, ComplaintTag, ImportLeaf,
                                      Remedy)

COMPLAINT = Complaint.__table__
TAGS = ComplaintTag.__table__
REMEDIES = Remedy.__table__
LEAVES = ImportLeaf.__table__
KEYS = ComplaintIdentityKey.__table__


class Leaves:
    """The batch's leaves as its rows are numbered: each row's leaf row (its place, number,
    status and stamp) for ``import_leaf``, and the Merkle root built as they go."""

    def __init__(self, batch_id: int):
        self.batch_id = batch_id
        self.tree = merkle.Builder()

    def add(self, number: str, status: str, stamp: str) -> dict:
        position = self.tree.size
        self.tree.add(merkle.leaf_hash(merkle.leaf_data(number, stamp)))
        return {"batch_id": self.batch_id, "position": position, "number": number,
                "status": status, "stamp": stamp}

    def details(self) -> dict:
        """What the batch's event says of its tree (hashed with the event)."""
        return {"algorithm": merkle.ALGORITHM, "leaves": self.tree.size,
                "root": self.tree.root()}


class ChunkWriter:
    """Writes one import's chunks: ``leaves`` gathers the batch's Merkle leaves (``Leaves``),
    ``background`` runs the inserts (``BackgroundWriter``)."""

    def __init__(self, *, session: Session, key: bytes, at: datetime, year: int, tz, source: str,
                 leaves: Leaves, background: BackgroundWriter, summary: ImportSummary):
        self.session, self.key, self.now, self.year, self.tz = session, key, at, year, tz
        self.source, self.leaves, self.background, self.summary = (
            source, leaves, background, summary)

    def write(self, rows: list[Row]) -> None:
        """Skip the rows already stored, number the others and hand them to the writer."""
        if not rows:
            return
        self.background.wait()  # the connection is ours again
        fresh = self._fresh(rows)
        if not fresh:
            return
        numbers = allocate_numbers(self.session, self.year, len(fresh))
        found = self._repeats(fresh)
        params, tags, remedies, leaves, keys = [], [], [], [], []
        key, leaf = self.key, self.leaves.add
        for number, row, candidates in zip(numbers, fresh, found, strict=True):
            row.values["number"] = number
            self._mark(row, number, candidates)
            params.append(row.values)
            keys.extend({"complaint_id": number, "digest": d, "kind": k}
                        for d, k in repeats.keys_of_row(row.values).items())
            for tag in row.tags:
                tags.append({"complaint_id": number, "tag": tag})
            own = [{"complaint_id": number, "kind": kind, "amount_cents": cents, "note": note}
                   for kind, cents, note in row.remedies]
            remedies.extend(own)
            leaves.append(leaf(number, row.values["status"],
                               stamp_of_values(key, row.values, row.tags, own)))
        self.background.submit(self._insert, params, tags, remedies, leaves, keys)
        summary = self.summary
        summary.imported += len(fresh)
        if summary.first_number is None:
            summary.first_number = fresh[0].values["number"]
        summary.last_number = fresh[-1].values["number"]

    def _fresh(self, rows: list[Row]) -> list[Row]:
        """The rows to insert: not stored yet, and each key once (the first row with it)."""
        existing = self._stored_keys([r.key for r in rows if r.key])
        here = self._found_here(rows)
        fresh: list[Row] = []
        seen: set[str] = set()
        summary = self.summary
        for row in rows:
            if id(row) in here:
                summary.skipped += 1
                continue
            if row.key is not None:
                if row.key in existing or row.key in seen:
                    summary.skipped += 1
                    continue
                seen.add(row.key)
            fresh.append(row)
        return fresh

    def _repeats(self, fresh: list[Row]) -> list[list[repeats.Candidate]]:
        """Each row's possible repeats among the stored complaints (one look-up a chunk)."""
        if getattr(self, "_settings", None) is None:
            self._settings = repeats.Settings.of(self.session)
        return repeats.for_chunk(self.session, [r.values for r in fresh], self.now,
                                 self._settings)

    def _mark(self, row: Row, number: str, found: list[repeats.Candidate]) -> None:
        """A row with possible repeats: listed in the report, not stopped; a repeat of a
        decided complaint flagged ``repeat_of`` (stored, so in the row's leaf)."""
        if not found:
            return
        row.values["repeat_of"] = repeats.repeat_of(found)
        self.summary.possible_duplicates.append(
            {"line": row.line, "number": number, "repeat_of": row.values["repeat_of"],
             "candidates": [c.as_dict() for c in found]})

    def _insert(self, params, tags, remedies, leaves, keys=()) -> None:
        """One chunk's rows into the database; runs on the writer thread."""
        session = self.session
        bulk_table(session, COMPLAINT).insert(session, params)
        ids = dict(session.execute(
            select(COMPLAINT.c.number, COMPLAINT.c.id).where(
                COMPLAINT.c.number.in_([p["number"] for p in params]))
        ).all())
        for rows in (tags, remedies, keys):
            for row in rows:
                row["complaint_id"] = ids[row["complaint_id"]]
        bulk_table(session, TAGS).insert(session, tags)
        bulk_table(session, REMEDIES).insert(session, remedies)
        bulk_table(session, LEAVES).insert(session, leaves)
        bulk_table(session, KEYS).insert(session, list(keys))

    def _stored_keys(self, keys: list[str]) -> set[str]:
        if not keys:
            return set()
        return set(self.session.execute(
            select(COMPLAINT.c.external_ref).where(
                COMPLAINT.c.external_source == self.source,
                COMPLAINT.c.external_ref.in_(keys),
            )
        ).scalars())

    def _found_here(self, rows: list[Row]) -> set[int]:
        """The rows (their ``id()``) that are complaints of this database, exported and
        imported back: a number of this database received at the same moment, or on the same
        day where the file gives only the date (the CFPB's Date received). The number alone
        proves nothing: every database numbers from CMP-YYYY-000001, so another database's
        complaint with a number used here too is a new complaint, not one already stored."""
        wanted = {n for row in rows for n in row.numbers}
        if not wanted:
            return set()
        received = dict(self.session.execute(
            select(COMPLAINT.c.number, COMPLAINT.c.received_at).where(
                COMPLAINT.c.number.in_(wanted))
        ).all())
        return {id(row) for row in rows for n in row.numbers
                if n in received and self._same_receipt(received[n], row.values["received_at"])}

    def _same_receipt(self, stored: datetime, given: datetime) -> bool:
        if stored == given:
            return True
        local = given.astimezone(self.tz)
        return local.time() == time(0) and stored.astimezone(self.tz).date() == local.date()


class BackgroundWriter:
    """One background thread that writes a chunk while the next is read and validated.

    The database driver releases the GIL while the database works, so the two overlap on a
    second core. Only one chunk is ever in flight, and the main thread waits for it (``wait``)
    before it touches the connection itself, so the session is never used by two threads at
    once; an error in the writer is raised again by ``wait``.
    """

    def __init__(self):
        self._pool = None
        self._job = None

    def submit(self, fn, *args) -> None:
        self.wait()
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-writer")
        self._job = self._pool.submit(fn, *args)

    def wait(self) -> None:
        job, self._job = self._job, None
        if job is not None:
            job.result()

    def close(self) -> None:
        try:
            if self._job is not None:
                self._job.exception()  # let it finish before the transaction ends
        finally:
            self._job = None
            if self._pool is not None:
                self._pool.shutdown(wait=True)

