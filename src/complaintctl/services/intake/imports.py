"""Batch import: a file of complaints in, validated row by row, all or nothing by default.

One transaction per import. Rows are read as a stream and written in chunks through SQLAlchemy
Core executemany (never one ORM object per row): numbers come from the year's counter in one
``UPDATE ... RETURNING`` per chunk, every complaint gets an ``imported`` event appended to the
hash chain in bulk (``audit.record_many``), and the import itself is a batch record. A row whose
key (``external_source`` + ``external_ref``) is already stored is skipped, so importing a file
twice adds nothing. Rejected rows go to the rejects file with their line and reason;
``max_errors`` (default 0) decides whether the good rows are committed.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from complaintctl.store.engine import tune_for_bulk
from complaintctl.domain import clock, money
from complaintctl.domain.enums import (
    MONETARY_REMEDIES,
    Action,
    Channel,
    EventKind,
    Outcome,
    Priority,
    RemedyKind,
    Status,
)
from complaintctl.domain.permissions import Permission
from complaintctl.domain.priority import derive_priority
from complaintctl.errors import InvalidData, NotFound, UsageProblem
from complaintctl.i18n import _, format_datetime, language
from complaintctl.services.intake.reading import layouts, readers
from complaintctl.services.intake.reading.dates import AmbiguousDates, DateReader, check_format
from complaintctl.services.intake.reading.source import Source, display_name
from complaintctl.store.models import (
    Complaint,
    ComplaintTag,
    Counter,
    Event,
    ImportBatch,
    Remedy,
    Staff,
)
from complaintctl.services.audit import trail as audit
from complaintctl.services.core import filter_values
from complaintctl.store.bulk import IMPORT_TABLES, DeferredIndexes, bulk_table
from complaintctl.services.complaints.registration import NUMBER, NewComplaint, validate_new
from complaintctl.services.core.context import Actor, now, timezone_of, use_case

CHUNK = 1000
#: a SQLite import expected to bring at least this many rows, and at least as many as the
#: complaints already stored, rebuilds the secondary indexes at the end (``DeferredIndexes``);
#: the estimate is made from the first ``ESTIMATE_AFTER`` rows and the file's size
DEFER_INDEXES_FROM = 50_000
ESTIMATE_AFTER = 10 * CHUNK
MAX_LISTED_ERRORS = 20
COMPLAINT = Complaint.__table__
TAGS = ComplaintTag.__table__
REMEDIES = Remedy.__table__

_DATE_FIELDS = ("received_at", "sent_to_company_at", "acknowledged_at", "notified_at",
                "closed_at", "archived_at")
_BOOL_FIELDS = ("timely_response", "consumer_disputed", "disputed")
_TRUE = frozenset({"yes", "y", "true", "t", "1", "是"})
_FALSE = frozenset({"no", "n", "false", "f", "0", "否"})
_HISTORY_STATUSES = {
    Status.registered, Status.assigned, Status.investigating, Status.resolved, Status.closed,
    Status.archived, Status.withdrawn,
}
#: columns that must never hold card or login secrets (JR/T 0171 class C3)
SENSITIVE_COLUMN = re.compile(
    r"password|passwd|passcode|pwd|^pin$|^pins$|pincode|pinnumber|cvv|cvc|cvn|securitycode|"
    r"密码|口令|安全码"
)
#: the same secrets written into free text ("PIN: 1234", "password = hunter2", "密码：123456")
SENSITIVE_TEXT = re.compile(
    r"(?i)\b(?:pin(?:\s*(?:code|number|no\.?))?|cvv2?|cvc2?|cvn|(?:card\s+)?security\s+code)"
    r"\s*(?:is|was|:|=|：)?\s*\d{3,6}\b"
    r"|\bpass(?:word|code)\s*(?:is\s*)?[:=：]\s*\S+"
    r"|(?:密码|安全码|口令)\s*(?:是|为|[:=：])\s*\S+"
)
_TEXT_FIELDS = ("summary", "description", "findings", "feedback", "notice_proof")
_FIELD_COLUMNS = {"customer": "customer_name", "phone": "customer_phone",
                  "email": "customer_email", "id_number": "customer_id_number",
                  "account": "customer_account", "customer_id": "customer_ref"}
_SECRET_WORDS = ("pin", "cv", "security", "pass", "密码", "安全码", "口令")


def _may_hold_secret(text: str) -> bool:
    """A cheap first look (substring tests) before SENSITIVE_TEXT's full search."""
    folded = text.lower()
    return any(word in folded for word in _SECRET_WORDS)


@dataclass
class ImportOptions:
    format: str = "auto"
    mapping: str | None = None
    dayfirst: bool = False
    date_format: str | None = None
    encoding: str | None = None
    dry_run: bool = False
    rejects: str | None = None
    max_errors: int = 0
    tag: str | None = None


@dataclass
class ImportSummary:
    """What an import did (or, for a dry run or a refused file, would have done)."""

    batch: int | None = None
    file: str = ""
    sha256: str = ""
    format: str = ""
    encoding: str = ""
    source: str = ""
    read: int = 0
    imported: int = 0
    skipped: int = 0
    rejected: int = 0
    junk_lines: int = 0
    dry_run: bool = False
    committed: bool = False
    keyed: bool = True
    first_number: str | None = None
    last_number: str | None = None
    ignored_columns: list[str] = field(default_factory=list)
    rejects_file: str | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    refusal: str | None = None
    incidents: list[dict[str, Any]] = field(default_factory=list)  # what detection did after

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Rollback(Exception):
    """Raised inside the transaction to undo it (dry run, too many errors)."""


@dataclass
class _Row:
    line: int
    key: str | None
    values: dict[str, Any]
    tags: list[str]
    remedies: list[tuple[str, int | None, str | None]]
    details: dict[str, Any]
    personal: dict[str, Any]
    #: complaint numbers the row carries (a file exported from a complaintctl database)
    numbers: tuple[str, ...] = ()


# --- opening the file ------------------------------------------------------------------------


def _open_records(source: Source, options: ImportOptions, layout_override):
    """(records iterator, bound layout, container name, junk lines, CSV header)."""
    fmt = options.format
    container = "csv"
    if fmt in ("json", "jsonl"):
        container = fmt
    elif fmt == "auto":
        if layout_override is not None and layout_override.container:
            container = layout_override.container
        else:
            suffix = Path(source.name).suffix.lower()
            first = source.first_char()
            if suffix in (".jsonl", ".ndjson") or (first == "{" and suffix != ".json"):
                container = "jsonl"
            elif suffix == ".json" or first == "[":
                container = "json"
    if layout_override is not None:
        candidates = [layout_override]
    elif fmt == "native":
        candidates = [layouts.native()]
    elif fmt == "cfpb":
        candidates = [layouts.cfpb()]
    else:
        candidates = [layouts.cfpb(), layouts.native()]

    def recognise(header):
        for layout in candidates:
            if layout.recognise(header):
                return layout
        return None

    layouts_expected = [_("the {name} columns ({cols})").format(name=c.name, cols=c.expected())
                        for c in candidates]
    expected = layouts_expected[0] if len(layouts_expected) == 1 else _(
        "{one} or {other}").format(one=layouts_expected[0], other=layouts_expected[1])
    if container == "csv":
        found = readers.CsvInput(source.text, recognise=recognise, encoding=source.encoding,
                                 expected=expected)
        return (found.records(), found.layout.bind(found.header), "csv", found.junk_lines,
                found.header)
    records = (readers.jsonl_records if container == "jsonl" else readers.json_array_records)(
        source.text, source.encoding
    )
    first = next(records, None)
    if first is None:
        raise InvalidData(_("The file holds no records."))
    line, row = first
    if isinstance(row, readers.Broken):  # no keys to recognise the layout by: say why
        raise InvalidData(_("Line {line}: {reason}; fix the file.").format(
            line=line, reason=row.reason))
    header = list(row)
    layout = recognise(header)
    if layout is None:
        raise InvalidData(
            _("Line {line}: the record's keys match neither {expected}; pass --mapping.").format(
                line=line, expected=expected
            )
        )

    def chained():
        yield first
        yield from records

    return chained(), _JsonBound(layout, header), container, 0, []


class _JsonBound(layouts.Bound):
    """JSON records carry their own keys: bind each record's keys as it comes."""

    def __init__(self, layout, first_keys: list[str]):
        super().__init__(layout, [], [])
        self._cache: dict[tuple[str, ...], layouts.Bound] = {}
        self._keyed = layout.bind(first_keys).keyed

    @property
    def keyed(self) -> bool:
        return self._keyed

    def convert(self, row):
        names = tuple(row)
        bound = self._cache.get(names)
        if bound is None:
            bound = self.layout.bind(list(names))
            if len(self._cache) < 64:
                self._cache[names] = bound
            for name in bound.ignored:
                if name not in self.ignored:
                    self.ignored.append(name)
        return bound.convert(row)


# --- the use case ------------------------------------------------------------------------------


def import_file(
    *,
    session: Session,
    actor: Actor,
    source: Source,
    options: ImportOptions,
    progress: Callable[[int, int], None] | None = None,
) -> ImportSummary:
    """Import one file as one batch. See the module docstring."""
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
    summary = ImportSummary(file=display_name(source.name), dry_run=options.dry_run,
                            encoding=source.encoding)
    importer = _Importer(session, actor, source, options, mapping, summary, progress)
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
            summary.refusal = _refusal(summary, options)
        if not options.dry_run or summary.refusal:
            summary.first_number = summary.last_number = None
    return summary


def _refusal(summary: ImportSummary, options: ImportOptions) -> str:
    first = summary.errors[0]
    where = (
        _("the rejected rows are in {file}").format(file=summary.rejects_file)
        if summary.rejects_file else _("pass --rejects FILE to get them all")
    )
    return _(
        "{n} row(s) rejected (more than --max-errors {max}), so nothing was imported; line "
        "{line}: {reason}. Fix the rows ({where}) or pass --max-errors N to import the good "
        "ones."
    ).format(n=summary.rejected, max=options.max_errors, line=first["line"],
             reason=first["reason"], where=where)


class _Importer:
    def __init__(self, session, actor, source, options, mapping, summary, progress):
        self.session = session
        self.actor = actor
        self.source = source
        self.options = options
        self.mapping = mapping
        self.summary = summary
        self.progress = progress
        self.rejects: _RejectsWriter | None = None
        self.writer = _Writer()
        self.indexes = DeferredIndexes()
        self.tz = timezone_of(session)
        self.now = now()
        self.year = self.now.astimezone(self.tz).year
        self._due: dict[Any, datetime] = {}
        from complaintctl.services.clock.state import import_clock

        self._clock = import_clock(session)  # the clock profile in force and its decision rule
        self._priority: dict[Any, str] = {}
        self._staff: dict[str, Staff | None] = {}
        self._branches: dict[str, str] = {}  # a branch as given -> as stored
        self.tag = None
        if options.tag:
            self.tag = validate_new(NewComplaint(channel=Channel.other, customer="-",
                                                 summary="-", tags=[options.tag]))["tags"][0]
        columns = {c.name: c.type.length for c in COMPLAINT.c  # String or SQLModel's AutoString
                   if getattr(c.type, "length", None)}
        #: each field's length limit, by the column it fills
        self.limits = {field: columns[_FIELD_COLUMNS.get(field, field)]
                       for field in layouts.FIELDS if _FIELD_COLUMNS.get(field, field) in columns}
        self.template = {c.name: None for c in COMPLAINT.c if c.name != "id"}

    def close(self) -> None:
        self.writer.close()
        if self.rejects is not None:
            self.rejects.close()

    # -- the run

    def run(self) -> None:
        try:
            self._run()
        except BaseException:
            self.writer.close()  # let a chunk in flight finish before the transaction rolls back
            raise

    def _run(self) -> None:
        session, summary, options = self.session, self.summary, self.options
        records, bound, container, junk, header = _open_records(
            self.source, options, self.mapping)
        layout = bound.layout
        self.bound = bound
        self.layout = layout
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
            self.rejects = _RejectsWriter(options.rejects, container, header)
            summary.rejects_file = options.rejects
        batch = ImportBatch(
            file_name=summary.file[:500], format=summary.format[:16], source=layout.source,
            encoding=self.source.encoding, tag=self.tag, imported_by=self.actor.username,
            imported_at=self.now,
        )
        tune_for_bulk(session.connection())
        session.add(batch)
        session.flush()
        self.batch_id = batch.id
        self.chain = audit.BulkAppender(session)
        pending: list[_Row] = []
        for line, row in records:
            summary.read += 1
            prepared = self._prepare(line, row)
            if prepared is not None:
                pending.append(prepared)
                if len(pending) >= CHUNK:
                    if summary.read == ESTIMATE_AFTER:
                        self._after_the_first_rows()
                    self._write(pending)
                    pending = []
                    if self.progress:
                        self.progress(self.source.bytes_read, summary.read)
        self._write(pending)
        self.writer.wait()
        self.indexes.restore(session.connection())
        self.chain.close(session)
        self.dates.finish()
        if isinstance(bound, _JsonBound):
            summary.ignored_columns = list(bound.ignored)
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
                     "rejected": summary.rejected, "tag": self.tag},
        )

    def _after_the_first_rows(self) -> None:
        """Tune the rest of a large import to the back end: on PostgreSQL, refresh the planner's
        statistics of the tables being filled (inside this transaction the planner would still
        take them for as small as they were, and scan them whole for each chunk's look-ups of
        keys and ids); on SQLite, defer the secondary indexes when the file is large."""
        self.writer.wait()  # the connection is ours for the statements
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
        stored = self.session.execute(select(func.count()).select_from(COMPLAINT)).scalar_one()
        if expected >= stored:
            self.indexes.drop(self.session.connection())

    # -- one row

    def _reject(self, line: int, row, reason: str, *, redact: bool = False) -> None:
        summary = self.summary
        summary.rejected += 1
        if len(summary.errors) < MAX_LISTED_ERRORS:
            summary.errors.append({"line": line, "reason": reason})
        if self.rejects is not None:
            self.rejects.write(line, row, reason, redact=self.sensitive_columns if redact else None)

    def _prepare(self, line: int, row) -> _Row | None:
        if isinstance(row, readers.Broken):
            self._reject(line, row, row.reason)
            return None
        for column in self.sensitive_columns:
            if layouts.clean(row.get(column)) is not None:
                self._reject(line, row, _(
                    "column '{column}' holds a password, PIN or card security code; such data "
                    "is never stored: remove the column and import again").format(column=column),
                    redact=True)
                return None
        try:
            fields = self.bound.convert(row)
            for name in _TEXT_FIELDS:
                text = fields.get(name)
                if text and _may_hold_secret(text) and SENSITIVE_TEXT.search(text):
                    self._reject(line, row, _(
                        "the {field} holds what looks like a password, PIN or card security "
                        "code; such data is never stored: remove it and import again").format(
                        field=name), redact=True)
                    return None
            return self._validate(line, fields)
        except AmbiguousDates:
            raise
        except InvalidData as error:
            self._reject(line, row, str(error))
            return None

    def _date(self, fields, name, line):
        text = fields.get(name)
        if text is None:
            return None
        try:
            return self.dates.parse(text, line)
        except AmbiguousDates:
            raise
        except InvalidData as error:
            raise InvalidData(f"{name}: {error}") from None

    def _validate(self, line: int, f: dict[str, Any]) -> _Row:
        dates = {name: self._date(f, name, line) for name in _DATE_FIELDS if name in f}
        received_at = dates.get("received_at") or self.now
        if received_at > self.now:
            raise InvalidData(_("received_at {value} is in the future").format(
                value=f.get("received_at")))
        bools = {name: _bool(f[name], name) for name in _BOOL_FIELDS if name in f}
        channel_text = f.get("channel")
        if channel_text is None:
            raise InvalidData(_("the channel is missing; give one of {known}").format(
                known=", ".join(c.value for c in Channel)))
        try:
            channel = Channel(channel_text.lower())
        except ValueError:
            raise InvalidData(_("channel '{value}' is not one of {known}").format(
                value=channel_text, known=", ".join(c.value for c in Channel))) from None
        tags = _split(f.get("tags"))
        if self.tag and self.tag not in tags:
            tags.append(self.tag)
        group_size = _int(f.get("group_size"), "group_size") or 1
        new = NewComplaint(
            channel=channel, customer=f.get("customer") or "", summary=f.get("summary") or "",
            phone=f.get("phone"), email=f.get("email"), id_number=f.get("id_number"),
            account=f.get("account"), customer_id=f.get("customer_id"), group_size=group_size,
            branch=f.get("branch") or self.actor.branch, product=f.get("product"),
            issue=f.get("issue"), description=f.get("description"), amount=f.get("amount"),
            currency=f.get("currency") or "CNY", tags=tags, received_at=received_at,
            source_ref=f.get("source_ref"),
            # a row without a reference of its own is known by its number in the database it
            # was exported from (a native file's number column): importing it again adds nothing
            external_ref=f.get("external_ref") or f.get("original_number"),
            external_source=self.layout.source,
        )
        clean = validate_new(new)
        branch = self._branch((new.branch or "").strip() or None)
        if not self.actor.works_for(branch):
            raise InvalidData(_(
                "branch {branch}: {user} imports complaints for branch {own} only").format(
                branch=branch or "-", user=self.actor.username, own=self.actor.branch))
        status = self._status(f.get("status"))
        outcome = _enum(Outcome, f.get("outcome"), "outcome")
        remedies = _remedies(f.get("remedies"))
        if outcome is None and status in (Status.resolved, Status.closed, Status.archived) and (
            remedies and self.layout.name != "cfpb"
        ):
            raise InvalidData(_("remedies are given but no outcome"))
        priority = _enum(Priority, f.get("priority"), "priority")
        if priority is None:
            key = (clean["amount_cents"], tuple(clean["tags"]), channel, group_size)
            derived = self._priority.get(key)
            if derived is None:
                derived = derive_priority(
                    amount=money.to_decimal(clean["amount_cents"]),
                    tags=frozenset(clean["tags"]), channel=channel, group_size=group_size,
                ).value
                if len(self._priority) < 10_000:
                    self._priority[key] = derived
        else:
            derived = priority.value
        local_day = received_at.astimezone(self.tz).date()
        due = self._due.get(local_day)
        if due is None:
            due = self._due[local_day] = self._clock.due(received_at)
        assignee = f.get("assignee")
        if assignee is not None:
            self._check_assignee(assignee, branch)
        elif status in (Status.assigned, Status.investigating):
            raise InvalidData(_("status {status} needs an assignee").format(status=status.value))
        closed_at = dates.get("closed_at")
        if status in (Status.closed, Status.archived) and closed_at is None:
            sent = dates.get("sent_to_company_at")  # the CFPB's: closed by then at the latest
            closed_at = max(received_at, sent) if sent and sent <= self.now else received_at
        if status not in (Status.closed, Status.archived):
            closed_at = None
        archived_at = dates.get("archived_at") if status is Status.archived else None
        if status is Status.archived and archived_at is None:
            archived_at = closed_at
        for name, value in (("closed_at", closed_at), ("archived_at", archived_at)):
            if value is not None and (value < received_at or value > self.now):
                raise InvalidData(_("{field} {value} is before received_at or in the future")
                                  .format(field=name, value=f.get(name) or value.isoformat()))
        satisfaction = _int(f.get("satisfaction"), "satisfaction")
        if satisfaction is not None and not 1 <= satisfaction <= 5:
            raise InvalidData(_("satisfaction must be a whole number from 1 to 5"))
        disputed = bools.get("disputed")
        values = dict(self.template)
        values.update(
            status=status.value, channel=channel.value, source_ref=new.source_ref,
            external_source=self.layout.source, external_ref=new.external_ref,
            received_at=received_at, registered_at=self.now,
            registered_by=self.actor.username, customer_name=clean["customer"],
            customer_phone=new.phone, customer_email=new.email,
            customer_id_number=new.id_number, customer_account=new.account,
            customer_ref=new.customer_id, group_size=group_size, branch=branch,
            product=new.product, issue=new.issue, summary=clean["summary"],
            description=new.description, amount_cents=clean["amount_cents"],
            currency=clean["currency"], priority=derived, priority_set=priority is not None,
            assignee=assignee, due_at=due, acknowledged_at=dates.get("acknowledged_at"),
            clock_profile=self._clock.profile, paused=False, extension_level=0,
            escalation_level=0, warned_percent=0,
            outcome=outcome.value if outcome else None, findings=f.get("findings"),
            notified_at=dates.get("notified_at"), notified_via=f.get("notified_via"),
            notice_proof=f.get("notice_proof"), satisfaction=satisfaction,
            feedback=f.get("feedback"), disputed=bool(disputed), reopen_count=0,
            closed_at=closed_at, archived_at=archived_at, last_event_at=self.now,
            import_batch_id=self.batch_id, sub_product=f.get("sub_product"),
            sub_issue=f.get("sub_issue"), company=f.get("company"), state=f.get("state"),
            zip_code=f.get("zip_code"), consumer_consent=f.get("consumer_consent"),
            company_response=f.get("company_response"),
            company_public_response=f.get("company_public_response"),
            sent_to_company_at=dates.get("sent_to_company_at"),
            timely_response=bools.get("timely_response"),
            consumer_disputed=bools.get("consumer_disputed"),
        )
        limits = self.limits
        for name, value in f.items():
            limit = limits.get(name)
            if limit is not None and value.__class__ is str and len(value) > limit:
                raise InvalidData(_("{field} is longer than {n} characters").format(
                    field=name, n=limit))
        details = {
            "batch": self.batch_id, "line": line, "source": self.layout.source,
            "external_ref": new.external_ref, "channel": channel.value,
            "received_at": received_at.isoformat(), "branch": branch, "product": new.product,
            "issue": new.issue, "summary": clean["summary"],
            "amount": money.format_amount(clean["amount_cents"]),
            "currency": clean["currency"], "tags": clean["tags"], "priority": derived,
            "status": status.value, "outcome": values["outcome"],
        }
        if f.get("original_number"):
            details["original_number"] = f["original_number"]
        personal = {
            "name": clean["customer"], "phone": new.phone, "email": new.email,
            "id_number": new.id_number, "account": new.account, "customer_id": new.customer_id,
            "description": new.description,
        }
        numbers = tuple(dict.fromkeys(n for n in (f.get("original_number"), new.external_ref)
                                      if n and NUMBER.match(n)))
        return _Row(line, new.external_ref, values, clean["tags"], remedies, details, personal,
                    numbers)

    def _status(self, text: str | None) -> Status:
        if text is None:
            return Status.registered
        try:
            status = Status(text.lower())
        except ValueError:
            status = None
        if status not in _HISTORY_STATUSES:
            raise InvalidData(_("status '{value}' cannot be imported; use one of {known}").format(
                value=text, known=", ".join(s.value for s in Status if s in _HISTORY_STATUSES)))
        return status

    def _branch(self, code: str | None) -> str | None:
        """A row's branch as the database spells it (``filter_values.spelled_branch``)."""
        if code is None or code == self.actor.branch:
            return code
        spelled = self._branches.get(code)
        if spelled is None:
            self.writer.wait()  # the connection is ours for this look-up
            spelled = filter_values.spelled_branch(self.session, self.actor, code)
            if len(self._branches) < 10_000:
                self._branches[code] = spelled
        return spelled

    def _check_assignee(self, username: str, branch: str | None) -> None:
        if username not in self._staff:
            self.writer.wait()  # the connection is ours for this look-up
            self._staff[username] = self.session.execute(
                select(Staff).where(Staff.username == username)
            ).scalar_one_or_none()
        staff = self._staff[username]
        if staff is None or not staff.active or staff.role not in ("handler", "supervisor",
                                                                    "admin"):
            raise InvalidData(_(
                "assignee {user} is not an active handler or supervisor; add them with "
                "`complaintctl staff add` or clear the column").format(user=username))
        if staff.branch is not None and staff.branch != branch:
            raise InvalidData(_("assignee {user} works for branch {theirs}, not {branch}").format(
                user=username, theirs=staff.branch, branch=branch or "-"))

    # -- one chunk

    def _write(self, rows: list[_Row]) -> None:
        if not rows:
            return
        session, summary = self.session, self.summary
        self.writer.wait()  # the connection is ours again
        existing = self._stored_keys([r.key for r in rows if r.key])
        here = self._found_here(rows)
        fresh: list[_Row] = []
        seen: set[str] = set()
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
        if not fresh:
            return
        first = _allocate(session, self.year, len(fresh))
        params, tags, remedies, events = [], [], [], []
        for offset, row in enumerate(fresh):
            number = f"CMP-{self.year}-{first + offset:06d}"
            row.values["number"] = number
            params.append(row.values)
            for tag in row.tags:
                tags.append({"complaint_id": number, "tag": tag})
            for kind, cents, note in row.remedies:
                remedies.append({"complaint_id": number, "kind": kind, "amount_cents": cents,
                                 "note": note})
            row.details["remedies"] = [
                {"kind": k, "amount": money.format_amount(c)} for k, c, _n in row.remedies
            ]
            events.append({
                "kind": EventKind.change, "action": Action.imported.value,
                "actor": self.actor.username, "at": self.now, "complaint_id": number,
                "number": number, "from_status": None, "to_status": row.values["status"],
                "details": row.details, "personal": row.personal,
            })
        events = self.chain.build(events)  # complaint_id is not hashed: filled in on insert
        self.writer.submit(self._insert, params, tags, remedies, events)
        summary.imported += len(fresh)
        if summary.first_number is None:
            summary.first_number = fresh[0].values["number"]
        summary.last_number = fresh[-1].values["number"]

    def _insert(self, params, tags, remedies, events) -> None:
        """One chunk's rows into the database; runs on the writer thread (see ``_Writer``)."""
        session = self.session
        bulk_table(session, COMPLAINT).insert(session, params)
        ids = dict(session.execute(
            select(COMPLAINT.c.number, COMPLAINT.c.id).where(
                COMPLAINT.c.number.in_([p["number"] for p in params]))
        ).all())
        for rows in (tags, remedies, events):
            for row in rows:
                row["complaint_id"] = ids[row["complaint_id"]]
        bulk_table(session, TAGS).insert(session, tags)
        bulk_table(session, REMEDIES).insert(session, remedies)
        self.chain.insert(session, events)

    def _stored_keys(self, keys: list[str]) -> set[str]:
        if not keys:
            return set()
        return set(self.session.execute(
            select(COMPLAINT.c.external_ref).where(
                COMPLAINT.c.external_source == self.layout.source,
                COMPLAINT.c.external_ref.in_(keys),
            )
        ).scalars())

    def _found_here(self, rows: list[_Row]) -> set[int]:
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


class _Writer:
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


def _allocate(session: Session, year: int, n: int) -> int:
    """Advance the year's counter by ``n`` in this transaction; the first of the new numbers."""
    name = f"CMP-{year}"
    value = session.execute(
        update(Counter).where(Counter.name == name).values(value=Counter.value + n)
        .returning(Counter.value)
    ).scalar()
    if value is None:
        try:
            with session.begin_nested():
                session.add(Counter(name=name, value=n))
            value = n
        except IntegrityError:  # another writer created the row first (PostgreSQL)
            return _allocate(session, year, n)
    return value - n + 1


# --- value helpers -----------------------------------------------------------------------------


def _bool(text: str, name: str) -> bool:
    folded = text.strip().casefold()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise InvalidData(_("{field} '{value}' is not yes/no or true/false").format(
        field=name, value=text))


def _int(text: str | None, name: str) -> int | None:
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        raise InvalidData(_("{field} '{value}' is not a whole number").format(
            field=name, value=text)) from None


def _enum(kind, text: str | None, name: str):
    if text is None:
        return None
    try:
        return kind(text.strip().lower())
    except ValueError:
        raise InvalidData(_("{field} '{value}' is not one of {known}").format(
            field=name, value=text, known=", ".join(k.value for k in kind))) from None


def _split(text: str | None) -> list[str]:
    if not text:
        return []
    return [t.strip() for t in re.split(r"[;,，、]", text) if t.strip()]


def _remedies(text: str | None) -> list[tuple[str, int | None, str | None]]:
    rows = []
    for part in _split(text):
        kind_text, _sep, amount = part.partition(":")
        kind = _enum(RemedyKind, kind_text, "remedy")
        cents = money.parse_amount(amount or None)
        if cents is not None and kind not in MONETARY_REMEDIES:
            raise InvalidData(_("remedy {kind} takes no amount").format(kind=kind.value))
        rows.append((kind.value, cents, None))
    return rows


class _RejectsWriter:
    """Rejected rows with their line and reason: CSV (the file's own columns, then ``line``
    and ``reason``) for CSV input, JSON Lines for JSON input. Secrets are blanked. The CSV
    starts with a UTF-8 byte order mark, as exports do, so that Excel shows its Chinese right
    whatever the input's encoding (a GB18030 file's rejects included); the import reads it."""

    def __init__(self, path: str, container: str, header: list[str]):
        self.path = Path(path).expanduser()
        from complaintctl.infra.files import open_private

        encoding = "utf-8-sig" if container == "csv" else "utf-8"
        self.file = open_private(self.path, "w", encoding=encoding, newline="")
        self.container = container
        self.header = header
        self.writer = None
        if container == "csv":
            self.writer = csv.writer(self.file, lineterminator="\r\n")
            self.writer.writerow([*header, "line", "reason"])

    def write(self, line: int, row, reason: str, *, redact: list[str] | None) -> None:
        if isinstance(row, readers.Broken):
            fields = _split_raw(row.raw, len(self.header)) if self.writer else {"raw": row.raw}
        else:
            fields = dict(row)
        if redact is not None:
            for column in redact:
                if column in fields and fields[column]:
                    fields[column] = "[removed]"
            for column, value in fields.items():
                if isinstance(value, str) and SENSITIVE_TEXT.search(value):
                    fields[column] = SENSITIVE_TEXT.sub("[removed]", value)
        if self.writer is not None:
            if isinstance(fields, list):
                self.writer.writerow([*fields, line, reason])
            else:
                self.writer.writerow([*(fields.get(h, "") for h in self.header), line, reason])
        else:
            self.file.write(json.dumps({"line": line, "reason": reason, "record": fields},
                                       ensure_ascii=False) + "\n")

    def close(self) -> None:
        self.file.close()


def _split_raw(raw: str, width: int) -> list[str]:
    """A broken CSV record's fields, read leniently, padded or cut to the header's width."""
    import io

    try:
        fields = [f for row in csv.reader(io.StringIO(raw)) for f in row]
    except csv.Error:
        fields = [raw]
    fields = fields[:width] if len(fields) > width else fields + [""] * (width - len(fields))
    if width and len(fields) == width and sum(map(len, fields)) < len(raw.strip()) // 2:
        fields = [raw] + [""] * (width - 1)
    return fields


def _refuse_linked(session: Session, batch: int, ids) -> None:
    """An incident (detection links an import's complaints when they fire a trigger) or a
    rectification action that holds some of the batch's complaints keeps them: refuse."""
    from complaintctl.store.models import IncidentComplaint, RectificationComplaint

    links = []
    for table, key, what in (
        (IncidentComplaint.__table__, "incident_id", _("incident {id}")),
        (RectificationComplaint.__table__, "rectification_id", _("rectification action {id}")),
    ):
        rows = session.execute(
            select(table.c[key], COMPLAINT.c.number)
            .join(COMPLAINT, COMPLAINT.c.id == table.c.complaint_id)
            .where(table.c.complaint_id.in_(ids)).order_by(table.c[key], COMPLAINT.c.number)
        ).all()
        links += [f"{number} ({what.format(id=key_id)})" for key_id, number in rows]
    if links:
        raise UsageProblem(_(
            "Batch {batch} can't be undone: {links} linked since the import. Withdraw or handle "
            "those complaints one by one instead.").format(batch=batch, links=", ".join(links[:5])))


# --- batches -----------------------------------------------------------------------------------


def list_batches(*, session: Session, actor: Actor, limit: int | None = None) -> list[dict]:
    """The import batches, newest first."""
    actor.check(Permission.read)
    query = select(ImportBatch).order_by(ImportBatch.id.desc())
    if limit:
        query = query.limit(limit)
    tz = timezone_of(session)
    return [
        {
            "batch": b.id, "file": b.file_name, "sha256": b.sha256, "format": b.format,
            "source": b.source, "read": b.rows_read, "imported": b.rows_imported,
            "skipped": b.rows_skipped, "rejected": b.rows_rejected, "tag": b.tag,
            "by": b.imported_by, "at": clock.iso(b.imported_at, tz),
            "undone_at": clock.iso(b.undone_at, tz), "undone_by": b.undone_by,
        }
        for b in session.execute(query).scalars()
    ]


def undo(*, session: Session, actor: Actor, batch: int) -> dict[str, Any]:
    """Remove a batch's complaints, if none was touched since the import (audited).

    Their ``imported`` events stay on the hash chain (the chain cannot lose links); they are
    detached from the removed complaints and their personal data is erased (the chain covers
    only its keyed digest, so it still verifies). Numbers are never reused.
    """
    with use_case(session, actor, "import undo"):
        actor.check(Permission.withdraw)
        record = session.get(ImportBatch, batch)
        if record is None:
            raise NotFound(_("No import batch {batch}; see `complaintctl import list`.").format(
                batch=batch))
        if record.undone_at is not None:
            at = clock.iso(record.undone_at, timezone_of(session))
            raise UsageProblem(_("Batch {batch} was already undone on {at}.").format(
                batch=batch, at=format_datetime(at[:16]) if language() == "zh" else at))
        ids = select(COMPLAINT.c.id).where(COMPLAINT.c.import_batch_id == batch)
        # the batch's complaints are withdrawn: each branch of them must be in the actor's
        # withdraw scope (the matrix's, with the branches below a supervisor's organisation)
        for branch, number in session.execute(
            select(COMPLAINT.c.branch, func.min(COMPLAINT.c.number))
            .where(COMPLAINT.c.import_batch_id == batch)
            .group_by(COMPLAINT.c.branch).order_by(func.min(COMPLAINT.c.number))
        ).all():
            actor.check_in(Permission.withdraw, branch, number)
        events = Event.__table__
        touched = session.execute(
            select(events.c.number).where(
                events.c.complaint_id.in_(ids),
                events.c.kind == EventKind.change.value,
                events.c.action != Action.imported.value,
            ).limit(5)
        ).scalars().all()
        if touched:
            raise UsageProblem(_(
                "Batch {batch} can't be undone: {numbers} changed since the import. Withdraw or "
                "handle those complaints one by one instead.").format(
                batch=batch, numbers=", ".join(sorted(set(touched)))))
        _refuse_linked(session, batch, ids)
        count = session.execute(
            select(func.count()).select_from(COMPLAINT).where(
                COMPLAINT.c.import_batch_id == batch)
        ).scalar_one()
        session.execute(
            update(events).where(events.c.complaint_id.in_(ids))
            .values(complaint_id=None, personal=None)
        )
        for table in (TAGS, REMEDIES):
            session.execute(delete(table).where(table.c.complaint_id.in_(ids)))
        session.execute(delete(COMPLAINT).where(COMPLAINT.c.import_batch_id == batch))
        at = now()
        record.undone_at, record.undone_by = at, actor.username
        session.add(record)
        audit.record(
            session, kind=EventKind.admin, action="import undo", actor=actor.username, at=at,
            details={"batch": batch, "file": record.file_name, "sha256": record.sha256,
                     "removed": count},
        )
    return {"batch": batch, "removed": count}
