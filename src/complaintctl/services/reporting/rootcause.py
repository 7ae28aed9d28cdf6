"""Root causes of closed complaints and the rectification actions that answer them (CBIRC Art 9,
26: root-cause rectification; FCA DISP 1.3.3). Supervisors record them; every change is audited.

They belong to the closure review the bank's plan describes (archive, review and summarise for
improvement), so they need the ``archive`` permission: supervisors of the branch, and admins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from complaintctl.domain import classification
from complaintctl.domain.clock import iso
from complaintctl.domain.enums import EventKind, Status
from complaintctl.domain.permissions import Permission
from complaintctl.errors import InvalidData, NotFound, TransitionNotAllowed, UsageProblem
from complaintctl.i18n import _
from complaintctl.store.models import (
    Complaint,
    ComplaintRootCause,
    Rectification,
    RectificationComplaint,
    Staff,
)
from complaintctl.services.core import trail as audit
from complaintctl.services.core.kernel import effective_time, get, resolve_number
from complaintctl.services.core.context import (
    Actor,
    get_setting,
    now,
    refusals_recorded,
    set_setting,
    timezone_of,
    use_case,
)

CODES_SETTING = "jrt0169_codes"
ROOT_CAUSE_STATUSES = (Status.closed.value, Status.archived.value)
RECTIFICATION_STATUSES = ("open", "in_progress", "done", "cancelled")
ACTIVE_RECTIFICATION = ("open", "in_progress")


# --- the code table ------------------------------------------------------------------------------


def code_table(session: Session) -> classification.CodeTable:
    """The bank's table if one was loaded, else the packaged top levels."""
    text = get_setting(session, CODES_SETTING)
    if text is None:
        return classification.parse(classification.default_text())
    return classification.parse(text, source=_("the stored code table"))


def load_codes(*, session: Session, actor: Actor, text: str, source: str) -> classification.CodeTable:
    """Replace the code table (admin): checked first, stored in the database, audited."""
    with use_case(session, actor, "rootcause codes load"):
        actor.check(Permission.database)
        table = classification.parse(text, source=source)
        set_setting(session, CODES_SETTING, text)
        audit.record(
            session, kind=EventKind.admin, action="rootcause codes load", actor=actor.username,
            at=now(), details={"source": source, "title": table.title,
                               "codes": len(table.codes)},
        )
    return table


# --- root causes ---------------------------------------------------------------------------------


def set_root_cause(
    *, session: Session, actor: Actor, number: str, code: str, note: str | None = None,
    at: datetime | None = None,
) -> ComplaintRootCause:
    """Record (or change) the root cause of a closed complaint: a C code of the table."""
    number = resolve_number(session, number)
    with use_case(session, actor, "rootcause", number):
        complaint = get(session, number, lock=True)
        actor.check(Permission.archive, complaint=complaint)
        if complaint.status not in ROOT_CAUSE_STATUSES:
            raise TransitionNotAllowed(
                _("Can't record a root cause on {number} when it is {status}; close it first "
                  "(root causes are found on closed complaints).").format(
                    number=number, status=complaint.status)
            )
        table = code_table(session)
        code = code.strip().upper()
        if not table.is_cause(code):
            raise InvalidData(
                _("'{code}' is not a cause (C code); see `complaintctl rootcause codes "
                  "--dimension C`.").format(code=code)
            )
        at = effective_time(session, at, complaint)
        row = session.get(ComplaintRootCause, complaint.id)
        old = row.code if row is not None else None
        if row is None:
            row = ComplaintRootCause(complaint_id=complaint.id, code=code, recorded_by="",
                                     recorded_at=at)
        row.code, row.note, row.recorded_by, row.recorded_at = (
            code, (note or "").strip() or None, actor.username, at)
        session.add(row)
        complaint.last_event_at = at
        session.add(complaint)
        audit.record(
            session, kind=EventKind.change, action="rootcause", actor=actor.username, at=at,
            complaint=complaint, from_status=complaint.status, to_status=complaint.status,
            details={"changes": {"root_cause": [old, code]}, "note": row.note},
        )
    return row


# --- rectification actions -----------------------------------------------------------------------


@dataclass
class RectificationView:
    id: int
    what: str
    cause: str | None
    owner: str
    branch: str | None
    due_on: date
    status: str
    note: str | None
    created_by: str
    created_at: datetime
    done_at: datetime | None
    complaints: list[str]

    def overdue(self, today: date) -> bool:
        return self.status in ACTIVE_RECTIFICATION and self.due_on < today

    def as_dict(self, today: date, tz=None) -> dict[str, Any]:
        return {
            "id": self.id, "what": self.what, "cause": self.cause, "owner": self.owner,
            "branch": self.branch, "due": self.due_on.isoformat(), "status": self.status,
            "overdue": self.overdue(today), "note": self.note, "created_by": self.created_by,
            "created_at": iso(self.created_at, tz), "done_at": iso(self.done_at, tz),
            "complaints": self.complaints,
        }


def _parse_due(text: str | date) -> date:
    if isinstance(text, date):
        return text
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidData(_("--due '{text}' is not a date; write it as YYYY-MM-DD.").format(
            text=text)) from None


def _owner(session: Session, username: str) -> str:
    staff = session.exec(select(Staff).where(Staff.username == username)).first()
    if staff is None or not staff.active:
        raise InvalidData(_("{user} is not an active member of staff; see `complaintctl staff "
                            "list`.").format(user=username))
    return staff.username


def _get_action(session: Session, action_id: int, *, lock: bool = False) -> Rectification:
    query = select(Rectification).where(Rectification.id == action_id)
    if lock:
        query = query.with_for_update()
    row = session.exec(query).first()
    if row is None:
        raise NotFound(_("No rectification action {id}; see `complaintctl rectify list`.").format(
            id=action_id))
    return row


def _check_scope(actor: Actor, action: Rectification,
                 permission: Permission = Permission.archive) -> None:
    """An action belongs to the branch of who opened it (none: head office); the matrix's
    branch scope applies to it as to a complaint, with the same refusal."""
    actor.check_in(permission, action.branch,
                   _("rectification action {id}").format(id=action.id))


def _link(session: Session, actor: Actor, action: Rectification, numbers: list[str]) -> list[str]:
    linked = set(session.exec(
        select(RectificationComplaint.complaint_id)
        .where(RectificationComplaint.rectification_id == action.id)).all())
    added = []
    for number in numbers:
        complaint = get(session, number)
        actor.check(Permission.archive, complaint=complaint)
        if complaint.id in linked:
            continue
        session.add(RectificationComplaint(rectification_id=action.id,
                                           complaint_id=complaint.id))
        linked.add(complaint.id)
        added.append(complaint.number)
    return added


def open_action(
    *, session: Session, actor: Actor, what: str, owner: str, due: str | date,
    cause: str | None = None, numbers: list[str] | None = None, note: str | None = None,
) -> Rectification:
    """Open a rectification action (what, owner, due date), linking any complaints given."""
    with use_case(session, actor, "rectify open"):
        actor.check(Permission.archive)
        what = (what or "").strip()
        if not what:
            raise InvalidData(_("--what is required and cannot be blank."))
        if cause:
            cause = cause.strip().upper()
            if not code_table(session).is_cause(cause):
                raise InvalidData(_("'{code}' is not a cause (C code); see `complaintctl "
                                    "rootcause codes --dimension C`.").format(code=cause))
        at = now()
        action = Rectification(
            what=what, cause=cause or None, owner=_owner(session, owner), branch=actor.branch,
            due_on=_parse_due(due), status="open", note=(note or "").strip() or None,
            created_by=actor.username, created_at=at, updated_at=at,
        )
        session.add(action)
        session.flush()
        added = _link(session, actor, action, numbers or [])
        audit.record(
            session, kind=EventKind.admin, action="rectify open", actor=actor.username, at=at,
            details={"rectification": action.id, "what": what, "owner": action.owner,
                     "due": action.due_on.isoformat(), "cause": action.cause,
                     "complaints": added},
        )
    return action


def link(*, session: Session, actor: Actor, action_id: int, numbers: list[str]) -> list[str]:
    """Link more complaints to an action; returns the numbers newly linked."""
    with use_case(session, actor, "rectify link"):
        action = _get_action(session, action_id, lock=True)
        _check_scope(actor, action)
        added = _link(session, actor, action, [resolve_number(session, n) for n in numbers])
        action.updated_at = now()
        session.add(action)
        audit.record(
            session, kind=EventKind.admin, action="rectify link", actor=actor.username,
            at=action.updated_at, details={"rectification": action.id, "complaints": added},
        )
    return added


def update(
    *, session: Session, actor: Actor, action_id: int, status: str | None = None,
    owner: str | None = None, due: str | None = None, note: str | None = None,
) -> Rectification:
    """Change an action's status (open, in_progress, done, cancelled), owner, due date or note."""
    with use_case(session, actor, "rectify update"):
        action = _get_action(session, action_id, lock=True)
        _check_scope(actor, action)
        changes: dict[str, list[Any]] = {}
        at = now()
        if status is not None:
            if status not in RECTIFICATION_STATUSES:
                raise InvalidData(_("--status must be one of {choices}.").format(
                    choices=", ".join(RECTIFICATION_STATUSES)))
            if status != action.status:
                changes["status"] = [action.status, status]
                action.status = status
                action.done_at = at if status == "done" else None
        if owner is not None and owner != action.owner:
            changes["owner"] = [action.owner, _owner(session, owner)]
            action.owner = owner
        if due is not None:
            new_due = _parse_due(due)
            if new_due != action.due_on:
                changes["due"] = [action.due_on.isoformat(), new_due.isoformat()]
                action.due_on = new_due
        if note is not None and note != action.note:
            changes["note"] = [action.note, note]
            action.note = note or None
        if not changes:
            raise InvalidData(_("Nothing to change: give --status, --owner, --due or --note with "
                                "a new value."))
        action.updated_at = at
        session.add(action)
        audit.record(
            session, kind=EventKind.admin, action="rectify update", actor=actor.username, at=at,
            details={"rectification": action.id, "changes": changes},
        )
    return action


def _views(session: Session, actions: list[Rectification]) -> list[RectificationView]:
    numbers: dict[int, list[str]] = {a.id: [] for a in actions}  # type: ignore[misc]
    if actions:
        for action_id, number in session.exec(
            select(RectificationComplaint.rectification_id, Complaint.number)
            .join(Complaint, col(Complaint.id) == RectificationComplaint.complaint_id)
            .where(col(RectificationComplaint.rectification_id).in_(list(numbers)))
            .order_by(RectificationComplaint.rectification_id, Complaint.number)
        ):
            numbers[action_id].append(number)
    return [
        RectificationView(a.id, a.what, a.cause, a.owner, a.branch, a.due_on, a.status, a.note,
                          a.created_by, a.created_at, a.done_at, numbers[a.id])  # type: ignore
        for a in actions
    ]


def list_actions(
    *, session: Session, actor: Actor, status: list[str] | None = None, overdue: bool = False,
    today: date | None = None,
) -> list[dict[str, Any]]:
    """Rectification actions the actor may read (their branch's; all for head office)."""
    with refusals_recorded(session, actor, "rectify list"):
        actor.check(Permission.read)
    for value in status or ():
        if value not in RECTIFICATION_STATUSES:  # a typo would list nothing, as if none were
            raise UsageProblem(_("--status must be one of {choices}.").format(
                choices=", ".join(RECTIFICATION_STATUSES)))
    tz = timezone_of(session)
    today = today or now().astimezone(tz).date()
    query = select(Rectification).order_by(Rectification.id)
    branches = actor.visible_branches()
    if branches is not None:
        query = query.where(col(Rectification.branch).in_(sorted(branches)))
    if status:
        query = query.where(col(Rectification.status).in_(status))
    if overdue:
        query = query.where(col(Rectification.status).in_(ACTIVE_RECTIFICATION),
                            Rectification.due_on < today)
    return [v.as_dict(today, tz) for v in _views(session, list(session.exec(query).all()))]


def show_action(*, session: Session, actor: Actor, action_id: int) -> dict[str, Any]:
    with refusals_recorded(session, actor, "rectify show"):
        actor.check(Permission.read)
        action = _get_action(session, action_id)
        _check_scope(actor, action, Permission.read)
    tz = timezone_of(session)
    return _views(session, [action])[0].as_dict(now().astimezone(tz).date(), tz)
