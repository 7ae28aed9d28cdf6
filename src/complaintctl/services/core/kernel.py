"""The complaint kernel: what every use case on one complaint shares. Loading and locking a
complaint by number, the effective time of an action, recording a lifecycle change with its
audit event (and the events that follow from it, through the bus), setting fields with the
changes noted, allocating complaint numbers, and who may be a complaint's assignee.
Registration, handling, decisions, reviews, approvals, the clock and the importer all build on
these; none keeps a private copy."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from complaintctl.domain import clock, lifecycle, limits
from complaintctl.domain.enums import Action, EventKind, Status
from complaintctl.domain.events import ComplaintChanged
from complaintctl.domain.permissions import Permission
from complaintctl.errors import InvalidData, NotFound
from complaintctl.i18n import _
from complaintctl.store.models import Complaint, Counter, Staff
from complaintctl.services.core import bus, lateness, recusal, trail
from complaintctl.services.core.context import Actor, now, timezone_of, use_case

NUMBER = re.compile(r"^CMP-\d{4}-\d{6,}$")


#: What a clerk may type for a complaint number besides the whole of it: ``2025-17`` (that
#: year's 17th) and ``17`` (this year's, in the bank's time zone); leading zeros optional.
SHORT_NUMBER = re.compile(r"^(?:CMP-)?(?:(?P<year>\d{4})-)?(?P<n>\d{1,9})$")


def resolve_number(session: Session, number: str) -> str:
    """The one reading of a complaint number as typed, for every command that takes one:
    spaces dropped and upper-cased (``cmp-2026-000042``), or a short form expanded
    (``42`` -> this year's ``CMP-2026-000042`` by the bank's clock and zone; ``2025-17`` ->
    ``CMP-2025-000017``). Anything else is returned as typed, for the caller to refuse."""
    text = number.strip().upper()
    short = SHORT_NUMBER.match(text)
    if short is None:
        return text
    year = int(short["year"]) if short["year"] else now().astimezone(timezone_of(session)).year
    return f"CMP-{year}-{int(short['n']):06d}"


def get(session: Session, number: str, *, lock: bool = False) -> Complaint:
    """The complaint numbered ``number`` (locked for update with ``lock``), or NotFound."""
    number = resolve_number(session, number)
    query = select(Complaint).where(Complaint.number == number)
    if lock:
        query = query.with_for_update()
    complaint = session.exec(query).first()
    if complaint is None:
        raise NotFound(
            _("No complaint {number}; check the number with `complaintctl list`.").format(
                number=number
            )
        )
    return complaint


@contextmanager
def acting_on(session: Session, actor: Actor, action: Action, number: str,
              permission: Permission, *, applies: Action | None = None) -> Iterator[Complaint]:
    """A use case on one complaint, in its transaction (``use_case``): the complaint locked,
    the actor's permission on it checked, their recusal (CBIRC Art 17: a recorded conflict on
    it refuses them, ``core.recusal``), then the action against its status, in that order,
    so a refusal names the first thing wrong (and is audited). ``applies``: the lifecycle's
    action checked, where it is not the use case's own (an approval request is checked as
    ``approve``)."""
    with use_case(session, actor, action.value, number):
        complaint = get(session, number, lock=True)
        actor.check(permission, complaint=complaint)
        recusal.check_actor(session, actor.username,
                            lifecycle.COMMAND_NAMES.get(action, action.value), complaint)
        lifecycle.apply(Status(complaint.status), applies or action, number=number)
        yield complaint


def effective_time(session: Session, at: datetime | None, complaint: Complaint | None, *,
                   late: bool = True) -> datetime:
    """When an action took effect: ``at`` (``--at``) or now, checked against the present and
    the complaint's last event (an action cannot come before the one it follows), and, unless
    ``late`` is False (``register`` checks its receipt time too), against the late window:
    more than ``clock.late_window_days`` back needs ``--late-reason`` (``lateness.check``)."""
    current = now()
    at = at or current
    clock.check_effective_time(
        at, now=current, previous=complaint.last_event_at if complaint is not None else None,
        tz=timezone_of(session),
    )
    if late:
        lateness.check(session, at, at=at, recorded=current)
    return at


def required_text(value: str | None, what: str, *, required: bool = True,
                  field: str | None = None) -> str | None:
    """``value`` stripped; a blank one is refused naming ``what`` (or None if not required),
    one longer than ``field``'s limit (``domain.limits``) too."""
    value = (value or "").strip()
    if not value:
        if required:
            raise InvalidData(_("{what} is required and cannot be blank.").format(what=what))
        return None
    if field is not None:
        limits.check(field, value)
    return value


def record_change(
    session: Session,
    actor: Actor,
    complaint: Complaint,
    action: Action,
    at: datetime,
    *,
    details: dict[str, Any] | None = None,
    personal: dict[str, Any] | None = None,
) -> None:
    """Apply ``action`` through the lifecycle table and append its timeline event. The
    ``ComplaintChanged`` handlers (the clock, recusal, approvals, notifications) run first, in
    this transaction; what they add goes into the event's details."""
    old = Status(complaint.status)
    new = lifecycle.apply(old, action, number=complaint.number)
    complaint.status = new.value
    complaint.last_event_at = at
    session.add(complaint)
    extra = bus.publish(session, ComplaintChanged(complaint, actor, action, at, old))
    if extra:
        details = {**(details or {}), **extra}
    trail.record(
        session,
        kind=EventKind.change,
        action=action.value,
        actor=actor.username,
        at=at,
        complaint=complaint,
        from_status=old.value,
        to_status=new.value,
        details=details,
        personal=personal,
    )


def change_with_text(
    *, session: Session, actor: Actor, number: str, action: Action, permission: Permission,
    key: str, text: str | None, what: str, field: str | None = None, at: datetime | None,
    fields: Callable[[Complaint], dict[str, Any]] | None = None,
) -> Complaint:
    """A use case whose change carries one required text (a reason, a note) under ``key`` in its
    event's details: ``acting_on``, the text checked (blank, or over ``field``'s limit), the
    effective time, then ``fields`` (made from the complaint) set with their changes noted, and
    the change recorded."""
    number = resolve_number(session, number)
    with acting_on(session, actor, action, number, permission) as complaint:
        details: dict[str, Any] = {key: required_text(text, what, field=field)}
        at = effective_time(session, at, complaint)
        if fields is not None:
            changes: dict[str, list[Any]] = {}
            set_fields(complaint, changes, **fields(complaint))
            details["changes"] = changes
        record_change(session, actor, complaint, action, at, details=details)
    return complaint


def set_fields(complaint: Complaint, changes: dict[str, list[Any]], **values: Any) -> None:
    """Set fields, noting [old, new] in ``changes`` for each that changes (datetimes as ISO
    text), for the audit event's details."""
    for name, value in values.items():
        old = getattr(complaint, name)
        if old != value:
            changes[name] = [_plain(old), _plain(value)]
            setattr(complaint, name, value)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def allocate_numbers(session: Session, year: int, count: int = 1) -> list[str]:
    """``count`` new complaint numbers of ``year``, as one block: the year's counter advances
    by ``count`` in this transaction (UPDATE ... RETURNING), so a number is never reused and
    concurrent writers get disjoint blocks."""
    if count < 1:
        return []
    name = f"CMP-{year}"
    last = session.execute(
        update(Counter)
        .where(Counter.name == name)
        .values(value=Counter.value + count)
        .returning(Counter.value)
    ).scalar()
    if last is None:
        try:
            with session.begin_nested():
                session.add(Counter(name=name, value=count))
            last = count
        except IntegrityError:  # another writer created the row first (PostgreSQL)
            return allocate_numbers(session, year, count)
    return [f"CMP-{year}-{value:06d}" for value in range(last - count + 1, last + 1)]


#: the roles a complaint may be assigned to
ASSIGNABLE_ROLES = ("handler", "supervisor", "admin")


def assignee_problem(staff: Staff | None, branch: str | None) -> str | None:
    """Why ``staff`` cannot hold a complaint of ``branch``: ``inactive`` (unknown or no
    longer active), ``role`` (not a handler, supervisor or admin) or ``branch`` (works for
    another branch); None if they can. ``assign`` and the importer word it each their way."""
    if staff is None or not staff.active:
        return "inactive"
    if staff.role not in ASSIGNABLE_ROLES:
        return "role"
    if staff.branch is not None and staff.branch != branch:
        return "branch"
    return None
