"""The import use case: one file, one batch, one transaction; all or nothing by default.

Records are read as a stream (``opening``), checked one by one (``validation``) and written a
chunk at a time (``writing``) while the next chunk is read. The batch record and the admin
event that closes the import are written here; rejected rows go to the summary's errors and
the rejects file (``rejects``).
"""

from __future__ import annotations

from typing import Callable

from sqlalchemy import func, select
from sqlmodel import Session

from complaintctl.domain.enums import Channel, EventKind
from complaintctl.domain.permissions import Permission
from complaintctl.errors import InvalidData, UsageProblem
from complaintctl.i18n import _
from complaintctl.services.clock.state import opening_clock
from complaintctl.services.core import trail as audit
from complaintctl.services.complaints.registration import NewComplaint, validate_new
from complaintctl.services.core.context import Actor, chain_key, now, timezone_of, use_case
from complaintctl.services.intake.imports.opening import JsonBound, open_records
from complaintctl.services.intake.imports.rejects import RejectsWriter
from complaintctl.services.intake.imports.summary import ImportOptions, ImportSummary, refusal
from complaintctl.services.intake.imports.validation import Row, RowValidator, SecretFound
from complaintctl.services.intake.imports.values import SENSITIVE_COLUMN
from complaintctl.services.intake.imports.writing import BackgroundWriter, ChunkWriter, Leaves
from complaintctl.services.intake.reading import layouts
from complaintctl.services.intake.reading.dates import AmbiguousDates, DateReader, check_format
from complaintctl.services.intake.reading.source import Source, display_name
from complaintctl.store.bulk import IMPORT_TABLES, DeferredIndexes
from complaintctl.store.engine import tune_for_bulk
from complaintctl.store.models import Complaint, ImportBatch

CHUNK = 1000
#: a SQLite import expected to bring at least this many rows, and at least as many as the
#: complaints already stored, rebuilds the secondary indexes at the end (``DeferredIndexes``);
#: the estimate is made from the first ``ESTIMATE_AFTER`` rows and the file's size
DEFER_INDEXES_FROM = 50_000
ESTIMATE_AFTER = 10 * CHUNK
MAX_LISTED_ERRORS = 20


class _Rollback(Exception):
    """Raised inside the transaction to undo it (dry run, too many errors)."""


def import_file(
    *,
    session: Session,
    actor: Actor,
    source: Source,
    options: ImportOptions,
    progress: Callable[[int, int], None] | None = None,
) -> ImportSummary:
    """Import one file as one batch. See the module docstring."""
    mapping = _checked_options(options)
    summary = ImportSummary(file=display_name(source.name), dry_run=options.dry_run,
                            encoding=source.encoding)
    importer = Importer(session, actor, source, options, mapping, summary, progress)
    try:
        with use_case(session, actor, "import"):
            actor.check(Permission.register)
            importer.run()
            if options.dry_run:
                raise _Rollback
            if summary.rejected > options.max_errors:
                raise _Rollback
            summary.committed = True
    except _Rollback:
        pass
    finally:
        importer.close()
    if summary.committed and summary.imported:
        from complaintctl.services.emergency import detection

        summary.incidents = detection.after_import(session=session, by=actor.username)
    if not summary.committed:
        summary.batch = None
        if summary.rejected > options.max_errors:
            summary.refusal = refusal(summary, options)
        if not options.dry_run or summary.refusal:
            summary.first_number = summary.last_number = None
    return summary


def _checked_options(options: ImportOptions) -> layouts.Layout | None:
    """Refuse options that do not fit together; the ``--mapping`` layout, if one is given."""
    if options.dayfirst and options.date_format:
        raise UsageProblem(_("Pass --dayfirst or --date-format, not both."))
    if options.max_errors < 0:
        raise UsageProblem(_("--max-errors must be 0 or more."))
    if options.date_format:
        check_format(options.date_format, "--date-format")
    mapping = layouts.load_mapping(options.mapping) if options.mapping else None
    if mapping is not None and options.format not in ("auto", "json", "jsonl"):
        raise UsageProblem(_("--mapping describes the layout itself; drop --format {fmt}.").format(
            fmt=options.format))
    return mapping


class Importer:
    """One run of ``import_file``: opens the file, checks and writes its rows, records the
    batch. ``run`` inside the use case's transaction, ``close`` after it."""

    def __init__(self, session, actor, source, options, mapping, summary, progress):
        self.session = session
        self.actor = actor
        self.source = source
        self.options = options
        self.mapping = mapping
        self.summary = summary
        self.progress = progress
        self.rejects: RejectsWriter | None = None
        self.background = BackgroundWriter()
        self.indexes = DeferredIndexes()
        self.tz = timezone_of(session)
        self.now = now()
        self.year = self.now.astimezone(self.tz).year
        self.clock = opening_clock(session)  # the clock profile in force and its decision rule
        self.tag = None
        if options.tag:
            self.tag = validate_new(NewComplaint(channel=Channel.other, customer="-",
                                                 summary="-", tags=[options.tag]))["tags"][0]

    def close(self) -> None:
        self.background.close()
        if self.rejects is not None:
            self.rejects.close()

    def run(self) -> None:
        try:
            batch = self._start()
            self._read_and_write()
            self._finish(batch)
        except BaseException:
            self.background.close()  # let a chunk in flight finish before the rollback
            raise

    def _start(self) -> ImportBatch:
        """Open the file, note its layout in the summary, add the batch record and set up
        the validator and the chunk writer."""
        session, summary, options = self.session, self.summary, self.options
        self.records, bound, container, junk, header = open_records(
            self.source, options, self.mapping)
        self.bound = bound
        layout = bound.layout
        summary.format = layout.name if container == "csv" else f"{container}:{layout.name}"
        summary.source = layout.source
        summary.junk_lines = junk
        summary.keyed = bound.keyed
        summary.ignored_columns = list(bound.ignored)
        self.sensitive_columns = [c for c in bound.ignored if SENSITIVE_COLUMN.search(
            layouts.norm(c))]
        self.sensitive_columns += [c for c, _f in bound.pairs if SENSITIVE_COLUMN.search(
            layouts.norm(c))]
        self.dates = DateReader(
            tz=self.tz, dayfirst=options.dayfirst or layout.dayfirst,
            date_format=options.date_format or layout.date_format,
        )
        if options.rejects:
            self.rejects = RejectsWriter(options.rejects, container, header)
            summary.rejects_file = options.rejects
        batch = ImportBatch(
            file_name=summary.file[:500], format=summary.format[:16], source=layout.source,
            encoding=self.source.encoding, tag=self.tag, imported_by=self.actor.username,
            imported_at=self.now,
        )
        tune_for_bulk(session.connection())
        session.add(batch)
        session.flush()
        self.validator = RowValidator(
            session=session, actor=self.actor, bound=bound, dates=self.dates, tz=self.tz,
            now=self.now, tag=self.tag, batch_id=batch.id, clock=self.clock,
            wait=self.background.wait, sensitive_columns=self.sensitive_columns)
        self.leaves = Leaves(batch.id)
        self.writer = ChunkWriter(
            session=session, key=chain_key(session), at=self.now, year=self.year, tz=self.tz,
            source=layout.source, leaves=self.leaves, background=self.background,
            summary=summary)
        return batch

    def _read_and_write(self) -> None:
        """Every record checked; the good ones written a chunk at a time."""
        summary, check, write, reject = self.summary, self.validator.check, self.writer.write, \
            self._reject
        pending: list[Row] = []
        for line, row in self.records:
            summary.read += 1
            try:
                pending.append(check(line, row))
            except AmbiguousDates:
                raise
            except SecretFound as error:
                reject(line, row, str(error), redact=True)
                continue
            except InvalidData as error:
                reject(line, row, str(error))
                continue
            if len(pending) >= CHUNK:
                if summary.read == ESTIMATE_AFTER:
                    self._after_the_first_rows()
                write(pending)
                pending = []
                if self.progress:
                    self.progress(self.source.bytes_read, summary.read)
        write(pending)
        self.background.wait()

    def _finish(self, batch: ImportBatch) -> None:
        """Rebuild deferred indexes, and record the batch and its one event: the Merkle
        root over its rows' leaves (``Leaves``) with the batch's figures."""
        session, summary = self.session, self.summary
        self.indexes.restore(session.connection())
        self.dates.finish()
        if isinstance(self.bound, JsonBound):
            summary.ignored_columns = list(self.bound.ignored)
        summary.sha256 = self.source.sha256()
        if self.progress:
            self.progress(self.source.bytes_read, summary.read)
        batch.sha256 = summary.sha256
        batch.rows_read, batch.rows_imported = summary.read, summary.imported
        batch.rows_skipped, batch.rows_rejected = summary.skipped, summary.rejected
        batch.junk_lines = summary.junk_lines
        session.add(batch)
        summary.batch = batch.id
        audit.record(
            session, kind=EventKind.admin, action="import", actor=self.actor.username,
            at=self.now,
            details={"batch": batch.id, "file": summary.file, "sha256": summary.sha256,
                     "format": summary.format, "read": summary.read,
                     "imported": summary.imported, "skipped": summary.skipped,
                     "rejected": summary.rejected, "tag": self.tag,
                     "merkle": self.leaves.details()},
        )

    def _after_the_first_rows(self) -> None:
        """Tune the rest of a large import to the back end: on PostgreSQL, refresh the planner's
        statistics of the tables being filled (inside this transaction the planner would still
        take them for as small as they were, and scan them whole for each chunk's look-ups of
        keys and ids); on SQLite, defer the secondary indexes when the file is large."""
        self.background.wait()  # the connection is ours for the statements
        connection = self.session.connection()
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("ANALYZE " + ", ".join(IMPORT_TABLES))
            return
        size, read = self.source.size, self.source.bytes_read
        if not size or not read:
            return  # standard input: the size is not known
        expected = self.summary.read * size / read
        if expected < DEFER_INDEXES_FROM:
            return
        stored = self.session.execute(
            select(func.count()).select_from(Complaint.__table__)).scalar_one()
        if expected >= stored:
            self.indexes.drop(self.session.connection())

    def _reject(self, line: int, row, reason: str, *, redact: bool = False) -> None:
        summary = self.summary
        summary.rejected += 1
        if len(summary.errors) < MAX_LISTED_ERRORS:
            summary.errors.append({"line": line, "reason": reason})
        if self.rejects is not None:
            self.rejects.write(line, row, reason, redact=self.sensitive_columns if redact else None)
