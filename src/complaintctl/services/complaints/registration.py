"""A complaint's registration, and what every lifecycle use case shares: the number, loading
and locking a complaint, recording a change with its event. Working on a complaint is
``services.handling``; the decision and closure ``services.decisions``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from complaintctl.domain import clock, lifecycle, money
from complaintctl.domain.enums import (
    Action,
    Channel,
    EventKind,
    Priority,
    RemedyKind,
    Status,
)
from complaintctl.domain.permissions import Permission
from complaintctl.domain.priority import derive_priority
from complaintctl.domain.text import problem as unstorable
from complaintctl.domain.text import shown
from complaintctl.errors import (
    InvalidData,
    NotFound,
    PermissionDenied,
)
from complaintctl.i18n import _, format_datetime
from complaintctl.store.models import Complaint, ComplaintTag, Counter
from complaintctl.services.core import trail as audit
from complaintctl.services.core import filter_values
from complaintctl.services.core.context import Actor, now, timezone_of, use_case

NUMBER = re.compile(r"^CMP-\d{4}-\d{6,}$")
TAG = re.compile(r"^[\w.-]{1,40}$")
PERSONAL_COLUMNS = {
    "customer_name": "name",
    "customer_phone": "phone",
    "customer_email": "email",
    "customer_id_number": "id_number",
    "customer_account": "account",
    "customer_ref": "customer_id",
    "description": "description",
}


@dataclass
class NewComplaint:
    """What a clerk, a script or an importer supplies to register a complaint."""

    channel: Channel
    customer: str
    summary: str
    phone: str | None = None
    email: str | None = None
    id_number: str | None = None
    account: str | None = None
    customer_id: str | None = None
    group_size: int = 1
    branch: str | None = None
    product: str | None = None
    issue: str | None = None
    description: str | None = None
    amount: str | None = None
    currency: str = "CNY"
    tags: list[str] = field(default_factory=list)
    priority: Priority | None = None
    received_at: datetime | None = None
    source_ref: str | None = None
    external_ref: str | None = None
    external_source: str = ""


@dataclass(frozen=True)
class RemedyInput:
    kind: RemedyKind
    amount: str | None = None
    note: str | None = None

    @classmethod
    def parse(cls, text: str) -> RemedyInput:
        """``compensation:200`` or ``apology``."""
        kind, _sep, amount = text.partition(":")
        try:
            parsed = RemedyKind(kind.strip())
        except ValueError:
            raise InvalidData(
                _("'{kind}' is not a remedy; use one of {kinds} (KIND or KIND:AMOUNT).").format(
                    kind=kind, kinds=", ".join(k.value for k in RemedyKind)
                )
            ) from None
        return cls(parsed, amount.strip() or None)


# --- helpers ---------------------------------------------------------------------------------


def normalise_number(number: str) -> str:
    return number.strip().upper()


def get(session: Session, number: str, *, lock: bool = False) -> Complaint:
    number = normalise_number(number)
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
              permission: Permission) -> Iterator[Complaint]:
    """A use case on one complaint, in its transaction (``use_case``): the complaint locked,
    the actor's permission on it checked, then the action against its status, in that order,
    so a refusal names the first thing wrong (and is audited)."""
    with use_case(session, actor, action.value, number):
        complaint = get(session, number, lock=True)
        actor.check(permission, complaint=complaint)
        lifecycle.apply(Status(complaint.status), action, number=number)
        yield complaint


def _at(session: Session, at: datetime | None, complaint: Complaint | None) -> datetime:
    current = now()
    at = at or current
    clock.check_effective_time(
        at, now=current, previous=complaint.last_event_at if complaint is not None else None,
        tz=timezone_of(session),
    )
    return at


def _text(value: str | None, what: str, *, required: bool = True) -> str | None:
    value = (value or "").strip()
    if not value:
        if required:
            raise InvalidData(_("{what} is required and cannot be blank.").format(what=what))
        return None
    return value


def _change(
    session: Session,
    actor: Actor,
    complaint: Complaint,
    action: Action,
    at: datetime,
    *,
    details: dict[str, Any] | None = None,
    personal: dict[str, Any] | None = None,
) -> None:
    """Apply ``action`` through the lifecycle table and append its timeline event."""
    old = Status(complaint.status)
    new = lifecycle.apply(old, action, number=complaint.number)
    complaint.status = new.value
    complaint.last_event_at = at
    session.add(complaint)
    details = _clock_hook(session, actor, complaint, action, at, old, details)
    audit.record(
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


def _clock_hook(session, actor, complaint, action, at, old, details):
    """The regulatory clock's part of every change: due time, recusal, compensation, notices."""
    from complaintctl.services.clock import state as clock_service

    extra = clock_service.on_change(session, actor, complaint, action, at, previous=old)
    return {**(details or {}), **extra} if extra else details


def _set(complaint: Complaint, changes: dict[str, list[Any]], **values: Any) -> None:
    """Set fields, noting [old, new] for each that changes (datetimes as ISO text)."""
    for name, value in values.items():
        old = getattr(complaint, name)
        if old != value:
            changes[name] = [_plain(old), _plain(value)]
            setattr(complaint, name, value)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def next_number(session: Session, year: int) -> str:
    """Advance the year's counter in this transaction (UPDATE ... RETURNING): never reused."""
    name = f"CMP-{year}"
    value = session.execute(
        update(Counter)
        .where(Counter.name == name)
        .values(value=Counter.value + 1)
        .returning(Counter.value)
    ).scalar()
    if value is None:
        try:
            with session.begin_nested():
                session.add(Counter(name=name, value=1))
            value = 1
        except IntegrityError:  # another writer created the row first (PostgreSQL)
            return next_number(session, year)
    return f"CMP-{year}-{value:06d}"


# --- registration ----------------------------------------------------------------------------


_NEW_TEXT_FIELDS = ("customer", "summary", "phone", "email", "id_number", "account",
                    "customer_id", "branch", "product", "issue", "description", "currency",
                    "source_ref", "external_ref")


_NEW_COLUMNS = {"customer": "customer_name", "phone": "customer_phone",
                "email": "customer_email", "id_number": "customer_id_number",
                "account": "customer_account", "customer_id": "customer_ref"}


@cache
def _limits() -> dict[str, int]:
    """The length limit of each NewComplaint field stored in a column of limited length."""
    columns = {c.name: c.type.length for c in Complaint.__table__.c
               if getattr(c.type, "length", None)}
    return {name: columns[_NEW_COLUMNS.get(name, name)] for name in _NEW_TEXT_FIELDS
            if _NEW_COLUMNS.get(name, name) in columns and name != "currency"}  # checked below


def validate_new(new: NewComplaint) -> dict[str, Any]:
    """Check and normalise a new complaint's fields. Raises InvalidData naming the field."""
    limits = _limits()
    for name in _NEW_TEXT_FIELDS:
        value = getattr(new, name)
        if not isinstance(value, str):
            continue
        why = unstorable(value)
        if why:
            raise InvalidData(_("The {field} cannot be stored: {problem}.").format(
                field=name.replace("_", " "), problem=why))
        if name in limits and len(value.strip()) > limits[name]:  # PostgreSQL would refuse it
            raise InvalidData(_("{field} is longer than {n} characters").format(
                field=name, n=limits[name]))
    for tag in new.tags:
        if unstorable(tag):
            raise InvalidData(_("Tag '{tag}' must be 1-40 letters, digits, '_', '.' or '-'.")
                              .format(tag=shown(tag)))
    customer = _text(new.customer, _("The customer's name (--customer)"))
    summary = _text(new.summary, _("The summary (--summary)"))
    if new.group_size < 1:
        raise InvalidData(_("--group-size must be 1 or more."))
    tags = []
    for tag in new.tags:
        tag = tag.strip().lower()
        if not TAG.match(tag):
            raise InvalidData(
                _("Tag '{tag}' must be 1-40 letters, digits, '_', '.' or '-'.").format(tag=tag)
            )
        if tag not in tags:
            tags.append(tag)
    currency = (new.currency or "CNY").strip().upper()
    if not re.match(r"^[A-Z]{3}$", currency):
        raise InvalidData(
            _("Currency '{currency}' must be a 3-letter ISO code like CNY.").format(
                currency=new.currency
            )
        )
    if new.email and "@" not in new.email:
        raise InvalidData(_("'{email}' is not an email address.").format(email=new.email))
    return {
        "customer": customer,
        "summary": summary,
        "tags": tags,
        "currency": currency,
        "amount_cents": money.parse_amount(new.amount),
    }


def register(
    *, session: Session, actor: Actor, new: NewComplaint, at: datetime | None = None
) -> Complaint:
    """Register a complaint with a new unique number; returns it."""
    with use_case(session, actor, Action.register.value):
        branch = (new.branch or "").strip()
        branch = filter_values.spelled_branch(session, actor, branch) if branch else actor.branch
        actor.check(Permission.register)
        if not actor.works_for(branch):
            raise PermissionDenied(
                _(
                    "Permission denied: {user} registers complaints for branch {own}, not {branch}."
                ).format(user=actor.username, own=actor.branch, branch=branch)
            )
        clean = validate_new(new)
        at = _at(session, at, None)
        received_at = new.received_at or at
        if received_at > at:
            tz = timezone_of(session)
            raise InvalidData(
                _("--received-at {received} is after the registration time ({at}); check "
                  "it.").format(received=format_datetime(received_at.astimezone(tz)),
                                at=format_datetime(at.astimezone(tz)))
            )
        if new.external_ref:
            existing = session.exec(
                select(Complaint.number).where(
                    Complaint.external_source == new.external_source,
                    Complaint.external_ref == new.external_ref,
                )
            ).first()
            if existing:
                raise InvalidData(
                    _("External reference {ref} is already registered as {number}.").format(
                        ref=new.external_ref, number=existing
                    )
                )
        tz = timezone_of(session)
        priority = new.priority or derive_priority(
            amount=money.to_decimal(clean["amount_cents"]),
            tags=frozenset(clean["tags"]),
            channel=new.channel,
            group_size=new.group_size,
        )
        complaint = Complaint(
            number=next_number(session, at.astimezone(tz).year),
            status=Status.registered.value,
            channel=new.channel.value,
            source_ref=new.source_ref or None,
            external_source=new.external_source,
            external_ref=new.external_ref or None,
            received_at=received_at,
            registered_at=at,
            registered_by=actor.username,
            customer_name=clean["customer"],
            customer_phone=new.phone or None,
            customer_email=new.email or None,
            customer_id_number=new.id_number or None,
            customer_account=new.account or None,
            customer_ref=new.customer_id or None,
            group_size=new.group_size,
            branch=branch,
            product=new.product or None,
            issue=new.issue or None,
            summary=clean["summary"],
            description=new.description or None,
            amount_cents=clean["amount_cents"],
            currency=clean["currency"],
            priority=Priority(priority).value,
            priority_set=new.priority is not None,
            due_at=clock.decision_due(received_at, tz=tz),
            last_event_at=at,
        )
        session.add(complaint)
        session.flush()
        for tag in clean["tags"]:
            session.add(ComplaintTag(complaint_id=complaint.id, tag=tag))
        from complaintctl.services.clock import state as clock_service

        clock_service.on_register(session, actor, complaint, at)
        audit.record(
            session,
            kind=EventKind.change,
            action=Action.register.value,
            actor=actor.username,
            at=at,
            complaint=complaint,
            from_status=None,
            to_status=Status.registered.value,
            details={
                "channel": complaint.channel,
                "received_at": received_at.isoformat(),
                "branch": branch,
                "product": complaint.product,
                "issue": complaint.issue,
                "summary": complaint.summary,
                "amount": money.format_amount(complaint.amount_cents),
                "currency": complaint.currency,
                "group_size": complaint.group_size,
                "tags": clean["tags"],
                "priority": complaint.priority,
                "due_at": complaint.due_at.isoformat(),
                "source_ref": complaint.source_ref,
                "external_ref": complaint.external_ref,
            },
            personal={
                "name": complaint.customer_name,
                "phone": complaint.customer_phone,
                "email": complaint.customer_email,
                "id_number": complaint.customer_id_number,
                "account": complaint.customer_account,
                "customer_id": complaint.customer_ref,
                "description": complaint.description,
            },
        )
        clock_service.after_register(session, actor, complaint, at)
    return complaint
