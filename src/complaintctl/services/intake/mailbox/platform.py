"""The online platform's records (``intake json``, ``register --json``): JSON objects
registered all or none, a record already registered skipped as a duplicate."""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlmodel import Session

from complaintctl.domain.clock import iso
from complaintctl.domain.enums import EventKind
from complaintctl.domain.permissions import Permission
from complaintctl.errors import ComplaintError, InvalidRecord
from complaintctl.i18n import _
from complaintctl.services.core import trail as audit
from complaintctl.services.complaints import registration as complaints
from complaintctl.services.core.context import Actor, now, one_transaction, refusals_recorded, \
    timezone_of
from complaintctl.services.intake.mail import records


@dataclass
class RecordResult:
    line: int | None
    result: str  # registered, duplicate, failed; valid: checked, not stored (dry run, or
    # another record of the batch failed)
    number: str | None = None
    due_at: str | None = None
    field: str | None = None
    reason: str | None = None
    #: possible repeats of a registered record: {number, score, reasons} (``repeats``)
    possible_duplicates: list[dict[str, Any]] = dataclasses.field(default_factory=list)


@dataclass
class RecordsSummary:
    dry_run: bool
    records: list[RecordResult] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {"read": len(self.records),
                "registered": sum(r.result == "registered" for r in self.records),
                "duplicates": sum(r.result == "duplicate" for r in self.records),
                "failed": sum(r.result == "failed" for r in self.records)}

    @property
    def exit_code(self) -> int:
        return 5 if any(r.result == "failed" for r in self.records) else 0

    def as_dict(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, **self.counts,
                "numbers": [r.number for r in self.records if r.result == "registered"],
                "valid": sum(r.result == "valid" for r in self.records),
                "records": [_record_dict(r) for r in self.records]}


def _record_dict(record: RecordResult) -> dict[str, Any]:
    """A record's result; ``possible_duplicates`` only where there are some."""
    data = asdict(record)
    if not data["possible_duplicates"]:
        data.pop("possible_duplicates")
    return data


def register_records(
    *, session: Session, actor: Actor, texts: list[tuple[int | None, str]],
    dry_run: bool = False,
) -> RecordsSummary:
    """Register the platform's records, all or none.

    Every record is checked first (the interactive path's rules); when any is invalid nothing
    is registered and each bad record is reported with its field and the reason. Then all are
    registered in one transaction; a record whose ``external_ref`` is already registered is
    skipped as a duplicate (so a platform may safely send a record again).
    """
    with refusals_recorded(session, actor, "intake json"):
        actor.check(Permission.register)
    tz = timezone_of(session)
    session.rollback()
    summary = RecordsSummary(dry_run)
    checked = _checked(texts, tz, summary)
    if summary.exit_code:
        return summary
    with one_transaction(session, commit=not dry_run):
        for (line, new), result in zip(checked, summary.records, strict=True):
            if _duplicate(session, new, result):
                continue
            try:
                done = complaints.register_checked(session=session, actor=actor, new=new)
            except ComplaintError as error:
                if line is not None:
                    error.args = (_("line {line}: {text}").format(line=line, text=error),)
                raise
            if not dry_run:  # a dry run's numbers are rolled back: not shown
                result.result = "registered"
                complaint = done.complaint
                result.number, result.due_at = complaint.number, iso(complaint.due_at, tz)
                result.possible_duplicates = [c.as_dict() for c in done.possible_duplicates]
        audit.record(session, kind=EventKind.admin, action="intake json", actor=actor.username,
                     at=now(), details={
                         "read": len(summary.records),
                         "registered": sum(r.result == "registered" for r in summary.records),
                         "duplicates": sum(r.result == "duplicate" for r in summary.records)})
    return summary


def _checked(texts: list[tuple[int | None, str]], tz, summary: RecordsSummary) -> list:
    """Each record read and checked: (line, NewComplaint) for the valid ones; every record's
    result (valid, or failed with its field and reason) goes into ``summary``."""
    checked = []
    for line, text in texts:
        try:
            checked.append((line, records.to_new_complaint(records.loads(text, line=line),
                                                          tz=tz, line=line)))
            summary.records.append(RecordResult(line, "valid"))
        except InvalidRecord as error:
            summary.records.append(RecordResult(line, "failed", field=error.field,
                                                reason=error.reason))
    return checked


def _duplicate(session: Session, new, result: RecordResult) -> bool:
    """Whether the record's ``external_ref`` is registered already (then ``result`` says so)."""
    existing = complaints.registered_as(session, new)
    if not existing:
        return False
    result.result, result.number = "duplicate", existing
    result.reason = _("external_ref {ref} is already registered as {number}"
                      ).format(ref=new.external_ref, number=existing)
    return True
