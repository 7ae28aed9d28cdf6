"""The complaint lifecycle use cases: register, assign, contact, investigate, note, consult,
answer, evidence, resolve, close, reopen, withdraw, merge, archive."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from complaintctl.domain import clock, lifecycle, money
from complaintctl.domain.enums import (
    MONETARY_REMEDIES,
    OPEN_STATUSES,
    Action,
    Channel,
    ContactVia,
    Direction,
    EventKind,
    Outcome,
    Priority,
    RemedyKind,
    Status,
)
from complaintctl.domain.permissions import Permission
from complaintctl.domain.priority import derive_priority
from complaintctl.domain.text import problem as unstorable, shown
from complaintctl.errors import (
    InvalidData,
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
    UsageProblem,
)
from complaintctl.i18n import _
from complaintctl.models import (
    Complaint,
    ComplaintTag,
    Consultation,
    Contact,
    Counter,
    Evidence,
    Remedy,
    Staff,
)
from complaintctl.services import audit
from complaintctl.services.context import (
    Actor,
    now,
    refusals_recorded,
    timezone_of,
    use_case,
)

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


def _at(session: Session, at: datetime | None, complaint: Complaint | None) -> datetime:
    current = now()
    at = at or current
    clock.check_effective_time(
        at, now=current, previous=complaint.last_event_at if complaint is not None else None
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
    from complaintctl.services import clock as clock_service

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
        branch = (new.branch or "").strip() or actor.branch
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
            raise InvalidData(
                _("--received-at {received} is after the registration time; check it.").format(
                    received=received_at.isoformat()
                )
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
        from complaintctl.services import clock as clock_service

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


# --- working on a complaint --------------------------------------------------------------------


def assign(
    *, session: Session, actor: Actor, number: str, to: str, at: datetime | None = None
) -> Complaint:
    """Assign (or reassign) a complaint to a handler of its branch."""
    number = normalise_number(number)
    with use_case(session, actor, Action.assign.value, number):
        complaint = get(session, number, lock=True)
        actor.check(Permission.assign, complaint=complaint)
        action = (
            Action.assign if complaint.status == Status.registered.value else Action.reassign
        )
        lifecycle.apply(Status(complaint.status), action, number=number)
        staff = session.exec(select(Staff).where(Staff.username == to)).first()
        if staff is None or not staff.active:
            raise InvalidData(
                _("{user} is not an active member of staff; see `complaintctl staff list`.").format(
                    user=to
                )
            )
        if staff.role not in ("handler", "supervisor", "admin"):
            raise InvalidData(
                _("{user} is a {role}; complaints are assigned to handlers or supervisors.").format(
                    user=to, role=staff.role
                )
            )
        if staff.branch is not None and staff.branch != complaint.branch:
            raise InvalidData(
                _("{user} works for branch {theirs}; {number} belongs to branch {branch}.").format(
                    user=to, theirs=staff.branch, number=number, branch=complaint.branch or "-"
                )
            )
        if complaint.assignee == to:
            raise UsageProblem(
                _("{number} is already assigned to {user}.").format(number=number, user=to)
            )
        at = _at(session, at, complaint)
        changes: dict[str, list[Any]] = {}
        _set(complaint, changes, assignee=to)
        _change(session, actor, complaint, action, at, details={"changes": changes})
    return complaint


def contact(
    *,
    session: Session,
    actor: Actor,
    number: str,
    via: ContactVia,
    summary: str,
    direction: Direction = Direction.out,
    at: datetime | None = None,
) -> Complaint:
    """Log a contact with the customer; the first outbound one is the acknowledgement."""
    number = normalise_number(number)
    with use_case(session, actor, Action.contact.value, number):
        complaint = get(session, number, lock=True)
        actor.check(Permission.contact, complaint=complaint)
        lifecycle.apply(Status(complaint.status), Action.contact, number=number)
        summary = _text(summary, _("The contact summary (--summary)"))
        at = _at(session, at, complaint)
        log_contact(session, actor, complaint, via=via, summary=summary, direction=direction,
                    at=at)
    return complaint


def log_contact(
    session: Session,
    actor: Actor,
    complaint: Complaint,
    *,
    via: ContactVia,
    summary: str,
    direction: Direction,
    at: datetime,
    details: dict[str, Any] | None = None,
    personal: dict[str, Any] | None = None,
) -> Contact:
    """The contact itself, for a use case that has checked permission and time (``contact``,
    mail intake): the row, the acknowledgement time, the timeline event."""
    row = Contact(
        complaint_id=complaint.id, at=at, via=via.value, direction=direction.value,
        summary=summary, by=actor.username,
    )
    session.add(row)
    changes: dict[str, list[Any]] = {}
    if direction is Direction.out and complaint.acknowledged_at is None:
        _set(complaint, changes, acknowledged_at=at)
    _change(
        session, actor, complaint, Action.contact, at,
        details={"via": via.value, "direction": direction.value, "summary": summary,
                 "changes": changes, **(details or {})},
        personal=personal,
    )
    return row


def investigate(
    *, session: Session, actor: Actor, number: str, at: datetime | None = None
) -> Complaint:
    number = normalise_number(number)
    with use_case(session, actor, Action.investigate.value, number):
        complaint = get(session, number, lock=True)
        actor.check(Permission.investigate, complaint=complaint)
        at = _at(session, at, complaint)
        _change(session, actor, complaint, Action.investigate, at)
    return complaint


def note(
    *, session: Session, actor: Actor, number: str, text: str, at: datetime | None = None
) -> Complaint:
    """An internal note on the timeline (never shown to the customer)."""
    number = normalise_number(number)
    with use_case(session, actor, Action.note.value, number):
        complaint = get(session, number, lock=True)
        actor.check(Permission.note, complaint=complaint)
        lifecycle.apply(Status(complaint.status), Action.note, number=number)
        text = _text(text, _("The note"))
        at = _at(session, at, complaint)
        log_note(session, actor, complaint, text=text, at=at)
    return complaint


def log_note(session: Session, actor: Actor, complaint: Complaint, *, text: str,
             at: datetime, details: dict[str, Any] | None = None) -> None:
    """The note itself, for a use case that has checked permission and time."""
    _change(session, actor, complaint, Action.note, at, details={"text": text, **(details or {})})


def consult(
    *,
    session: Session,
    actor: Actor,
    number: str,
    department: str,
    question: str,
    at: datetime | None = None,
) -> Consultation:
    """Ask another department; its answer is recorded with ``answer``."""
    number = normalise_number(number)
    with use_case(session, actor, Action.consult.value, number):
        complaint = get(session, number, lock=True)
        actor.check(Permission.consult, complaint=complaint)
        lifecycle.apply(Status(complaint.status), Action.consult, number=number)
        department = _text(department, _("The department (--department)"))
        question = _text(question, _("The question (--question)"))
        at = _at(session, at, complaint)
        consultation = Consultation(
            complaint_id=complaint.id, department=department, question=question,
            asked_by=actor.username, asked_at=at,
        )
        session.add(consultation)
        session.flush()
        _change(
            session, actor, complaint, Action.consult, at,
            details={"consultation": consultation.id, "department": department,
                     "question": question},
        )
    return consultation


def answer(
    *,
    session: Session,
    actor: Actor,
    number: str,
    consultation_id: int,
    text: str,
    at: datetime | None = None,
) -> Consultation:
    """Record a department's answer to a consultation."""
    number = normalise_number(number)
    with use_case(session, actor, Action.answer.value, number):
        complaint = get(session, number, lock=True)
        actor.check(Permission.consult, complaint=complaint)
        lifecycle.apply(Status(complaint.status), Action.answer, number=number)
        consultation = session.get(Consultation, consultation_id)
        if consultation is None or consultation.complaint_id != complaint.id:
            raise NotFound(
                _("{number} has no consultation {id}; see `complaintctl show {number}`.").format(
                    number=number, id=consultation_id
                )
            )
        if consultation.answer is not None:
            raise UsageProblem(
                _("Consultation {id} of {number} is already answered.").format(
                    id=consultation_id, number=number
                )
            )
        text = _text(text, _("The answer"))
        at = _at(session, at, complaint)
        consultation.answer, consultation.answered_by, consultation.answered_at = (
            text, actor.username, at,
        )
        session.add(consultation)
        _change(
            session, actor, complaint, Action.answer, at,
            details={"consultation": consultation.id, "department": consultation.department,
                     "answer": text},
        )
    return consultation


def add_evidence(
    *,
    session: Session,
    actor: Actor,
    number: str,
    store,
    path,
    description: str | None = None,
    at: datetime | None = None,
) -> Evidence:
    """Copy a file into the content-addressed store and record it against the complaint."""
    number = normalise_number(number)
    with use_case(session, actor, Action.evidence.value, number):
        complaint = get(session, number, lock=True)
        actor.check(Permission.evidence, complaint=complaint)
        lifecycle.apply(Status(complaint.status), Action.evidence, number=number)
        at = _at(session, at, complaint)
        stored = store.put(path)
        evidence = Evidence(
            complaint_id=complaint.id, sha256=stored.sha256, size=stored.size,
            filename=stored.filename, description=description or None,
            added_by=actor.username, added_at=at,
        )
        session.add(evidence)
        session.flush()
        _change(
            session, actor, complaint, Action.evidence, at,
            details={"evidence": evidence.id, "sha256": stored.sha256, "size": stored.size},
            # a file's name and description may name the customer: erasable, like all
            # personal data (the chain covers their keyed digest)
            personal={"filename": stored.filename, "description": description},
        )
    return evidence


def evidence_list(*, session: Session, actor: Actor, number: str) -> list[Evidence]:
    complaint = get(session, number)
    with refusals_recorded(session, actor, "evidence list", complaint.number):
        actor.check(Permission.read, complaint=complaint)
    return list(
        session.exec(
            select(Evidence).where(Evidence.complaint_id == complaint.id).order_by(Evidence.id)
        ).all()
    )


# --- decision and closure ----------------------------------------------------------------------


def resolve(
    *,
    session: Session,
    actor: Actor,
    number: str,
    outcome: Outcome,
    findings: str,
    remedies: list[RemedyInput],
    notified_via: ContactVia,
    proof: str | None = None,
    at: datetime | None = None,
) -> Complaint:
    """Record the decision, its remedies, and how the customer was told (CBIRC Art 19, 21)."""
    number = normalise_number(number)
    with use_case(session, actor, Action.resolve.value, number):
        complaint = get(session, number, lock=True)
        actor.check(Permission.resolve, complaint=complaint)
        lifecycle.apply(Status(complaint.status), Action.resolve, number=number)
        findings = _text(findings, _("The findings (--findings)"))
        rows = _remedy_rows(outcome, remedies)
        at = _at(session, at, complaint)
        for old in session.exec(select(Remedy).where(Remedy.complaint_id == complaint.id)):
            session.delete(old)
        for kind, cents, note_text in rows:
            session.add(
                Remedy(complaint_id=complaint.id, kind=kind.value, amount_cents=cents,
                       note=note_text)
            )
        changes: dict[str, list[Any]] = {}
        _set(
            complaint, changes, outcome=outcome.value, findings=findings, notified_at=at,
            notified_via=notified_via.value, notice_proof=proof or None,
        )
        _change(
            session, actor, complaint, Action.resolve, at,
            details={
                "changes": changes,
                "remedies": [
                    {"kind": k.value, "amount": money.format_amount(c), "note": n}
                    for k, c, n in rows
                ],
            },
        )
    return complaint


def _remedy_rows(
    outcome: Outcome, remedies: list[RemedyInput]
) -> list[tuple[RemedyKind, int | None, str | None]]:
    rows = []
    for remedy in remedies:
        cents = money.parse_amount(remedy.amount)
        if remedy.kind in MONETARY_REMEDIES and not cents:
            raise InvalidData(
                _("Remedy {kind} needs an amount: --remedy {kind}:200.").format(
                    kind=remedy.kind.value
                )
            )
        if remedy.kind not in MONETARY_REMEDIES and cents is not None:
            raise InvalidData(
                _("Remedy {kind} takes no amount; only compensation and fee_refund do.").format(
                    kind=remedy.kind.value
                )
            )
        rows.append((remedy.kind, cents, remedy.note))
    if outcome is not Outcome.not_upheld and not rows:
        raise InvalidData(
            _("An {outcome} complaint needs at least one --remedy (e.g. apology).").format(
                outcome=outcome.value
            )
        )
    if outcome is Outcome.not_upheld and any(k in MONETARY_REMEDIES for k, _c, _n in rows):
        raise InvalidData(
            _("A not_upheld complaint gets no money; use partially_upheld or drop the remedy.")
        )
    return rows


def close(
    *,
    session: Session,
    actor: Actor,
    number: str,
    satisfaction: int,
    feedback: str | None = None,
    disputed: bool = False,
    at: datetime | None = None,
) -> Complaint:
    """Close after checking the customer's satisfaction (1-5)."""
    number = normalise_number(number)
    with use_case(session, actor, Action.close.value, number):
        complaint = get(session, number, lock=True)
        actor.check(Permission.close, complaint=complaint)
        lifecycle.apply(Status(complaint.status), Action.close, number=number)
        if not 1 <= satisfaction <= 5:
            raise InvalidData(_("--satisfaction must be a whole number from 1 to 5."))
        if satisfaction <= 2 and not disputed:
            raise InvalidData(
                _(
                    "The customer is dissatisfied ({score}/5): close with --disputed to record "
                    "the dispute, or `complaintctl reopen {number} --reason ...` to keep working."
                ).format(score=satisfaction, number=number)
            )
        at = _at(session, at, complaint)
        changes: dict[str, list[Any]] = {}
        _set(
            complaint, changes, satisfaction=satisfaction, feedback=feedback or None,
            disputed=disputed, closed_at=at,
        )
        _change(session, actor, complaint, Action.close, at, details={"changes": changes})
    return complaint


def reopen(
    *, session: Session, actor: Actor, number: str, reason: str, at: datetime | None = None
) -> Complaint:
    number = normalise_number(number)
    with use_case(session, actor, Action.reopen.value, number):
        complaint = get(session, number, lock=True)
        actor.check(Permission.reopen, complaint=complaint)
        lifecycle.apply(Status(complaint.status), Action.reopen, number=number)
        reason = _text(reason, _("The reason (--reason)"))
        at = _at(session, at, complaint)
        changes: dict[str, list[Any]] = {}
        _set(
            complaint, changes, reopen_count=complaint.reopen_count + 1, closed_at=None,
            satisfaction=None, feedback=None, disputed=False,
        )
        _change(
            session, actor, complaint, Action.reopen, at,
            details={"reason": reason, "changes": changes},
        )
    return complaint


def withdraw(
    *, session: Session, actor: Actor, number: str, reason: str, at: datetime | None = None
) -> Complaint:
    """The complainant withdrew (CBIRC Art 15): handling ends the day it is received."""
    number = normalise_number(number)
    with use_case(session, actor, Action.withdraw.value, number):
        complaint = get(session, number, lock=True)
        actor.check(Permission.withdraw, complaint=complaint)
        lifecycle.apply(Status(complaint.status), Action.withdraw, number=number)
        reason = _text(reason, _("The reason (--reason)"))
        at = _at(session, at, complaint)
        _change(session, actor, complaint, Action.withdraw, at, details={"reason": reason})
    return complaint


def merge(
    *, session: Session, actor: Actor, number: str, into: str, at: datetime | None = None
) -> Complaint:
    """Merge a duplicate into another complaint; both keep their history."""
    number, into = normalise_number(number), normalise_number(into)
    with use_case(session, actor, Action.merge.value, number):
        if number == into:
            raise UsageProblem(_("A complaint cannot be merged into itself."))
        complaint = get(session, number, lock=True)
        target = get(session, into, lock=True)
        actor.check(Permission.merge, complaint=complaint)
        actor.check(Permission.merge, complaint=target)
        lifecycle.apply(Status(complaint.status), Action.merge, number=number)
        if Status(target.status) not in OPEN_STATUSES:
            raise TransitionNotAllowed(
                _("Can't merge {number} into {into} when it is {status}; merge into an open "
                  "complaint.").format(number=number, into=into, status=target.status)
            )
        at = _at(session, at, complaint)
        clock.check_effective_time(at, now=now(), previous=target.last_event_at)
        changes: dict[str, list[Any]] = {}
        _set(complaint, changes, merged_into=into)
        _change(session, actor, complaint, Action.merge, at,
                details={"into": into, "changes": changes})
        target.last_event_at = at
        session.add(target)
        audit.record(
            session, kind=EventKind.change, action=Action.merge.value, actor=actor.username,
            at=at, complaint=target, from_status=target.status, to_status=target.status,
            details={"merged_from": number},
        )
    return complaint


def archive(
    *, session: Session, actor: Actor, number: str, at: datetime | None = None
) -> Complaint:
    number = normalise_number(number)
    with use_case(session, actor, Action.archive.value, number):
        complaint = get(session, number, lock=True)
        actor.check(Permission.archive, complaint=complaint)
        lifecycle.apply(Status(complaint.status), Action.archive, number=number)
        at = _at(session, at, complaint)
        changes: dict[str, list[Any]] = {}
        _set(complaint, changes, archived_at=at)
        _change(session, actor, complaint, Action.archive, at, details={"changes": changes})
    return complaint
