"""Import batches: listing them, and undoing one whose complaints nobody has touched since."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select
from sqlmodel import Session

from complaintctl.domain import clock
from complaintctl.domain.enums import Action, EventKind
from complaintctl.domain.permissions import Permission
from complaintctl.errors import NotFound, UsageProblem
from complaintctl.i18n import _
from complaintctl.services.core import trail as audit
from complaintctl.services.core.context import Actor, now, timezone_of, use_case
from complaintctl.store.guards import erase_personal
from complaintctl.store.models import (
    Complaint,
    ComplaintIdentityKey,
    ComplaintTag,
    Event,
    ImportBatch,
    Remedy,
)

COMPLAINT = Complaint.__table__
TAGS = ComplaintTag.__table__
REMEDIES = Remedy.__table__
KEYS = ComplaintIdentityKey.__table__
EVENTS = Event.__table__


class BatchAlreadyUndone(UsageProblem):
    """The batch was undone before: ``batch`` and ``undone_at`` (ISO 8601, bank time) for the
    front-end to word; the message gives the time as ISO text."""

    def __init__(self, batch: int, undone_at: str):
        super().__init__(_("Batch {batch} was already undone on {at}.").format(
            batch=batch, at=undone_at))
        self.batch, self.undone_at = batch, undone_at


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
            raise BatchAlreadyUndone(batch, clock.iso(record.undone_at, timezone_of(session)))
        ids = select(COMPLAINT.c.id).where(COMPLAINT.c.import_batch_id == batch)
        _check_scope(session, actor, batch)
        _refuse_touched(session, batch, ids)
        _refuse_linked(session, batch, ids)
        count = session.execute(select(func.count()).select_from(COMPLAINT).where(
            COMPLAINT.c.import_batch_id == batch)).scalar_one()
        at = now()
        record.undone_at, record.undone_by = at, actor.username
        session.add(record)
        # on the chain before the removal: the database lets events be detached and erased
        # only by an undo (or a purge) already recorded in the transaction
        undone = audit.record(
            session, kind=EventKind.admin, action="import undo", actor=actor.username, at=at,
            details={"batch": batch, "file": record.file_name, "sha256": record.sha256,
                     "removed": count},
        )
        _remove(session, batch, ids, undone.seq)
    return {"batch": batch, "removed": count}


def _check_scope(session: Session, actor: Actor, batch: int) -> None:
    """The batch's complaints are withdrawn: each branch of them must be in the actor's
    withdraw scope (the matrix's, with the branches below a supervisor's organisation)."""
    for branch, number in session.execute(
        select(COMPLAINT.c.branch, func.min(COMPLAINT.c.number))
        .where(COMPLAINT.c.import_batch_id == batch)
        .group_by(COMPLAINT.c.branch).order_by(func.min(COMPLAINT.c.number))
    ).all():
        actor.check_in(Permission.withdraw, branch, number)


def _refuse_touched(session: Session, batch: int, ids) -> None:
    """A complaint of the batch changed since the import (any event but ``imported``): refuse."""
    touched = session.execute(
        select(EVENTS.c.number).where(
            EVENTS.c.complaint_id.in_(ids),
            EVENTS.c.kind == EventKind.change.value,
            EVENTS.c.action != Action.imported.value,
        ).limit(5)
    ).scalars().all()
    if touched:
        raise UsageProblem(_(
            "Batch {batch} can't be undone: {numbers} changed since the import. Withdraw or "
            "handle those complaints one by one instead.").format(
            batch=batch, numbers=", ".join(sorted(set(touched)))))


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


def _remove(session: Session, batch: int, ids, seq: int) -> None:
    """Delete the batch's complaints, their tags, remedies and identity keys, and detach their events (their
    personal data erased, through the database's one sanctioned path: ``seq`` is the undo's
    event)."""
    erase_personal(session, seq=seq, ids=session.execute(ids).scalars().all(), detach=True)
    for table in (TAGS, REMEDIES, KEYS):
        session.execute(delete(table).where(table.c.complaint_id.in_(ids)))
    session.execute(delete(COMPLAINT).where(COMPLAINT.c.import_batch_id == batch))
