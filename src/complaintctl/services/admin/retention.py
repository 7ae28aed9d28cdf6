"""Retention and erasure: legal holds, and purge of personal data past retention.

Personal data lives in the complaint's ``customer_*`` columns and description, in
``event.personal`` (the chain covers only its keyed digest, so erasing it leaves the chain
verifiable), in the customer's own notifications (address and text), in evidence files and
their names, and in the notification log. Purge erases all of them for complaints closed
before the cutoff (default: ``retention.years`` after closure) that are not under a legal hold
and were not registered late (issue 23: a late registration's record is kept, and the purge
says so with the reason), keeps the number and every figure the reports use, and writes one ``purge`` event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from complaintctl.domain.enums import EventKind, Status
from complaintctl.domain.permissions import Permission
from complaintctl.errors import InvalidData, UsageProblem
from complaintctl.i18n import _
from complaintctl.store.guards import erase_personal
from complaintctl.store.models import (
    Complaint,
    ComplaintIdentityKey,
    Evidence,
    Notification,
    NotificationAttempt,
)
from complaintctl.services.core import trail as audit
from complaintctl.services.complaints.registration import PERSONAL_COLUMNS
from complaintctl.services.core.kernel import get, resolve_number
from complaintctl.domain.clock import iso
from complaintctl.services.core.context import Actor, now, timezone_of, use_case

#: statuses whose handling is over: retention runs from their closure
ENDED = (Status.closed.value, Status.archived.value, Status.withdrawn.value,
         Status.merged.value)
ERASED = "[erased]"


def hold(*, session: Session, actor: Actor, number: str, reason: str) -> Complaint:
    """Put a complaint under a legal hold: purge keeps its personal data until released."""
    return _set_hold(session, actor, number, reason, on=True)


def release(*, session: Session, actor: Actor, number: str, reason: str) -> Complaint:
    """Lift a legal hold: the complaint's personal data follows the retention rule again."""
    return _set_hold(session, actor, number, reason, on=False)


def _set_hold(session: Session, actor: Actor, number: str, reason: str, *, on: bool):
    number = resolve_number(session, number)
    action = "hold" if on else "release"
    with use_case(session, actor, action, number):
        complaint = get(session, number, lock=True)
        actor.check(Permission.hold, complaint=complaint)
        reason = (reason or "").strip()
        if not reason:
            raise InvalidData(_("--reason is required and cannot be blank."))
        if on and complaint.legal_hold_at is not None:
            raise UsageProblem(_("{number} is already under a legal hold (since {at}).").format(
                number=number, at=complaint.legal_hold_at.isoformat(timespec="seconds")))
        if not on and complaint.legal_hold_at is None:
            raise UsageProblem(_("{number} is not under a legal hold.").format(number=number))
        if on and complaint.erased_at is not None:
            raise UsageProblem(_("{number}'s personal data was already erased on {at}; there "
                                 "is nothing left to hold.").format(
                number=number, at=complaint.erased_at.isoformat(timespec="seconds")))
        at = now()
        complaint.legal_hold_at, complaint.legal_hold_by = (at, actor.username) if on else (
            None, None)
        complaint.legal_hold_reason = reason if on else None
        session.add(complaint)
        audit.record(session, kind=EventKind.change, action=action, actor=actor.username, at=at,
                     complaint=complaint, from_status=complaint.status,
                     to_status=complaint.status, details={"reason": reason})
    return complaint


@dataclass
class PurgeResult:
    cutoff: datetime
    dry_run: bool
    purged: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    #: complaints registered late, kept: each {"number", "reason"}
    late: list[dict[str, str]] = field(default_factory=list)
    files_removed: int = 0
    digests: list[str] = field(default_factory=list)  # evidence files to remove after commit
    values: list[str] = field(default_factory=list)  # erased values, to scrub from the log

    def as_dict(self) -> dict[str, Any]:
        return {"closed_before": self.cutoff.isoformat(), "dry_run": self.dry_run,
                "purged": len(self.purged), "numbers": self.purged, "held": self.held,
                "late": self.late, "files_removed": self.files_removed}


def cutoff_for(session: Session, closed_before: datetime | None) -> datetime:
    """``--closed-before``, else now minus ``retention.years`` (a 29 February becomes the
    28th)."""
    if closed_before is not None:
        if closed_before > now():
            raise InvalidData(_("--closed-before {at} is in the future; retention only ends in "
                                "the past.").format(at=closed_before.isoformat()))
        _check_floor(session, closed_before)
        return closed_before
    from complaintctl.services.core import config

    years = config.load(session)["retention.years"]
    current = now()
    try:
        return current.replace(year=current.year - years)
    except ValueError:
        return current.replace(year=current.year - years, day=28)


def _check_floor(session: Session, closed_before: datetime) -> None:
    """Refuse a cutoff that would erase a complaint closed within the legal floor (Art 28)."""
    from complaintctl.services.core import config

    current = now()
    years = config.RETENTION_FLOOR_YEARS
    try:
        floor = current.replace(year=current.year - years)
    except ValueError:
        floor = current.replace(year=current.year - years, day=28)
    if closed_before > floor:
        raise config.BelowLegalFloor(config.floor_message(
            _("--closed-before {at}").format(at=iso(closed_before, timezone_of(session)))))


def purge(*, session: Session, actor: Actor, closed_before: datetime | None = None,
          dry_run: bool = False) -> PurgeResult:
    """Erase the personal data of complaints that ended before the cutoff (not on hold, not
    registered late: those are kept and reported).

    Evidence files are removed from the store by ``remove_files`` after the commit (a file
    removed inside a transaction that then rolled back could not come back).
    """
    with use_case(session, actor, "purge"):
        actor.check(Permission.database)
        cutoff = cutoff_for(session, closed_before)
        ended = func.coalesce(Complaint.closed_at, Complaint.last_event_at)
        due = list(session.exec(
            select(Complaint).where(col(Complaint.status).in_(ENDED), ended < cutoff,
                                    col(Complaint.erased_at).is_(None))
            .order_by(col(Complaint.id))).all())
        result = PurgeResult(cutoff, dry_run)
        result.held = [c.number for c in due if c.legal_hold_at is not None]
        result.late = [{"number": c.number, "reason": c.late_reason or ""} for c in due
                       if c.legal_hold_at is None and c.late_recorded_at is not None]
        erase = [c for c in due if c.legal_hold_at is None and c.late_recorded_at is None]
        result.purged = [c.number for c in erase]
        if dry_run:
            session.rollback()
            return result
        if erase:
            _erase_rows(session, erase, result)
        # the purge goes on the chain after the rows are erased (its event carries the state
        # they are left in: ``covers``) and before the events' personal parts are: the
        # database lets events be erased only by a purge already recorded in the transaction
        recorded = audit.record(session, kind=EventKind.admin, action="purge",
                                actor=actor.username, at=now(),
                                details={k: v for k, v in result.as_dict().items()
                                         if k != "files_removed"}, covers=erase)
        if erase:
            erase_personal(session, seq=recorded.seq, ids=[c.id for c in erase],
                           numbers=result.purged)
    return result


def _erase_rows(session: Session, erase: list[Complaint], result: PurgeResult) -> None:
    """The complaints' personal columns, their customer notifications and evidence names (the
    events' personal parts are erased after the purge's event, through ``erase_personal``)."""
    ids = [c.id for c in erase]
    at = now()
    for complaint in erase:
        for column in PERSONAL_COLUMNS:
            value = getattr(complaint, column)
            if value:
                result.values.append(str(value))
                setattr(complaint, column, None)
        complaint.erased_at = at
        session.add(complaint)
    customer = select(Notification.id).where(col(Notification.complaint_id).in_(ids),
                                             Notification.recipient == "customer")
    session.execute(update(NotificationAttempt.__table__)
                    .where(NotificationAttempt.__table__.c.notification_id.in_(customer))
                    .values(error=None))
    session.execute(update(Notification.__table__)
                    .where(Notification.__table__.c.id.in_(customer))
                    .values(address=None, body=ERASED, last_error=None))
    keys = ComplaintIdentityKey.__table__
    session.execute(delete(keys).where(keys.c.complaint_id.in_(ids)))
    kept = list(session.exec(select(Evidence).where(col(Evidence.complaint_id).in_(ids))).all())
    digests = {e.sha256 for e in kept}
    for evidence in kept:
        evidence.filename, evidence.description = ERASED, None
        session.add(evidence)
    still_used = set(session.exec(select(Evidence.sha256).where(
        col(Evidence.sha256).in_(digests), col(Evidence.complaint_id).not_in(ids))).all())
    result.digests = sorted(digests - still_used)


def remove_files(result: PurgeResult, store, log_path: Path | None) -> None:
    """After the commit: remove the purged complaints' evidence files, and scrub their
    personal values from the notification log."""
    for digest in result.digests:
        path = store.path_for(digest)
        if path.is_file():
            path.unlink()
            result.files_removed += 1
    if log_path is not None and log_path.is_file() and result.values:
        from complaintctl.infra.files import write_private

        text = log_path.read_text(encoding="utf-8", errors="replace")
        scrubbed = text
        for value in sorted(set(result.values), key=len, reverse=True):
            scrubbed = scrubbed.replace(value, ERASED)
        if scrubbed != text:
            write_private(log_path, scrubbed)
