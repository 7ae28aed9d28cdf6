"""A complaint's registration: what a clerk, a script, the mailbox or the online platform
supplies (``NewComplaint``), its validation, the complaint's row and its ``register`` event.
What every use case on a complaint shares is ``services.core.kernel``; working on a complaint
is ``handling``, the decision and closure ``decisions``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from collections.abc import Mapping
from typing import Any

from pydantic_core import PydanticUndefined

from sqlmodel import Session, select

from complaintctl.domain import limits, money
from complaintctl.domain.enums import (
    Action,
    Channel,
    EventKind,
    Priority,
    RemedyKind,
    Status,
)
from complaintctl.domain.deadlines import ClockKind
from complaintctl.domain.events import ComplaintRegistered
from complaintctl.domain.late import Late
from complaintctl.domain.permissions import Permission
from complaintctl.domain.priority import derive_priority
from complaintctl.domain.text import problem as unstorable
from complaintctl.domain.text import shown
from complaintctl.errors import (
    InvalidData,
    PermissionDenied,
)
from complaintctl.i18n import _, format_datetime
from complaintctl.store.models import Complaint, ComplaintTag
from complaintctl.services.clock import state as clock
from complaintctl.services.complaints import register_rules, repeats
from complaintctl.services.core import bus, filter_values, lateness
from complaintctl.services.core import trail as audit
from complaintctl.services.core.context import Actor, now, timezone_of, use_case
from complaintctl.services.core.kernel import allocate_numbers, effective_time, required_text

TAG = re.compile(r"^[\w.-]{1,40}$")
PERSONAL_COLUMNS = {
    "customer_name": "name",
    "customer_phone": "phone",
    "customer_email": "email",
    "customer_id_number": "id_number",
    "customer_account": "account",
    "customer_ref": "customer_id",
    "description": "description",
    "representatives": "representatives",
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
    #: the receipt time is a record (the mail server's, the online platform's), not a
    #: person's word: the late-registration rule looks only at the registration time
    receipt_on_record: bool = False
    #: a joint complaint's representatives: {"name", "phone"} each (CBIRC Art 12)
    representatives: list[dict[str, str]] = field(default_factory=list)
    #: a regulator referral's deadline, YYYY-MM-DD (Art 33)
    regulator_due: str | None = None
    #: what the emergency plan reads as tags (Art 29; ``domain.attention``)
    media: str | None = None
    cause: str | None = None
    regulator_designated: bool = False


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


# --- registration ----------------------------------------------------------------------------


_NEW_TEXT_FIELDS = ("customer", "summary", "phone", "email", "id_number", "account",
                    "customer_id", "branch", "product", "issue", "description", "currency",
                    "source_ref", "external_ref")


def column_defaults() -> dict[str, Any]:
    """Every column of a new complaint (but its id) with the model's default, None where it
    has none: what a bulk writer starts a row from, as the model starts ``register``'s."""
    return {name: (None if field.default is PydanticUndefined else field.default)
            for name, field in Complaint.model_fields.items()
            if name in Complaint.__table__.c and name != "id"}


def validate_new(new: NewComplaint) -> dict[str, Any]:
    """Check and normalise a new complaint's fields. Raises InvalidData naming the field."""
    for name in _NEW_TEXT_FIELDS:
        value = getattr(new, name)
        if not isinstance(value, str):
            continue
        why = unstorable(value)
        if why:
            raise InvalidData(_("The {field} cannot be stored: {problem}.").format(
                field=name.replace("_", " "), problem=why))
        limits.check(name, value)  # domain/limits.py: the one table of lengths
    for tag in new.tags:
        if unstorable(tag):
            raise InvalidData(_("Tag '{tag}' must be 1-40 letters, digits, '_', '.' or '-'.")
                              .format(tag=shown(tag)))
    customer = required_text(new.customer, _("The customer's name (--customer)"))
    summary = required_text(new.summary, _("The summary (--summary)"))
    if new.group_size < 1:
        raise InvalidData(_("--group-size must be 1 or more."))
    rules = register_rules.check(new)
    tags = []
    for tag in [*new.tags, *rules.pop("attention_tags")]:
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
        **rules,
        "customer": customer,
        "summary": summary,
        "tags": tags,
        "currency": currency,
        "amount_cents": money.parse_amount(new.amount),
    }


@dataclass(frozen=True)
class Registered:
    """A registered complaint and its possible repeats (``repeats.candidates``), best first."""

    complaint: Complaint
    possible_duplicates: list[repeats.Candidate]


def register(
    *, session: Session, actor: Actor, new: NewComplaint, at: datetime | None = None
) -> Complaint:
    """Register a complaint with a new unique number; returns it (``register_checked`` also
    returns its possible repeats)."""
    return register_checked(session=session, actor=actor, new=new, at=at).complaint


def register_checked(
    *, session: Session, actor: Actor, new: NewComplaint, at: datetime | None = None
) -> Registered:
    """Register a complaint with a new unique number. The one way a complaint is
    registered: the importer, the mailbox and the online platform share its validation
    (``validate_new``), its row (``complaint_row``), its numbering (``kernel.allocate_numbers``)
    and its due time (``clock.opening_clock``). The customer's earlier complaints about the
    same matter are looked for (``repeats``); one already decided makes it a ``repeat_of``."""
    with use_case(session, actor, Action.register.value):
        branch = registering_branch(session, actor, new.branch)
        clean = validate_new(new)
        register_rules.require(new)
        at = effective_time(session, at, None, late=False)
        received_at = received_time(session, new, at)
        late = registered_late(session, new, at, received_at)
        _refuse_a_known_external_ref(session, new)
        opening = clock.opening_clock(session)
        number = allocate_numbers(session, at.astimezone(timezone_of(session)).year)[0]
        row = complaint_row(new, clean, number=number, branch=branch, received_at=received_at,
                            at=at, registered_by=actor.username, clock=opening)
        if late is not None:
            row.update(late_reason=late.reason, late_recorded_at=now())
        complaint = Complaint(**row)
        session.add(complaint)
        session.flush()
        for tag in clean["tags"]:
            session.add(ComplaintTag(complaint_id=complaint.id, tag=tag))
        found = _repeats(session, complaint, row, at)
        details = register_details(row, clean["tags"])
        if found:
            details.update(repeat_of=complaint.repeat_of, possible_duplicates=[
                {"number": c.number, "score": c.score} for c in found])
        audit.record(
            session, kind=EventKind.change, action=Action.register.value, actor=actor.username,
            at=at, complaint=complaint, from_status=None, to_status=Status.registered.value,
            details=details, personal=register_personal(row),
        )
        bus.publish(session, ComplaintRegistered(complaint, actor, at))
    return Registered(complaint, found)


def _repeats(session: Session, complaint: Complaint, row: dict[str, Any],
             at: datetime) -> list[repeats.Candidate]:
    """The new complaint's possible repeats; its identity keys kept; ``repeat_of`` set when
    one of them is decided already."""
    keys = repeats.keys_of_row(row)
    found = repeats.candidates(session, keys=keys, matter=repeats.matter_of_row(row), at=at,
                               exclude=complaint.id)
    repeats.store_keys(session, complaint.id, keys)
    complaint.repeat_of = repeats.repeat_of(found)
    if complaint.repeat_of:
        session.add(complaint)
        session.flush()
    return found


def registering_branch(session: Session, actor: Actor, given: str | None) -> str | None:
    """The branch a complaint is registered for (``--branch`` as stored, or the actor's own),
    once the actor is known to register complaints there."""
    branch = (given or "").strip()
    branch = filter_values.spelled_branch(session, actor, branch) if branch else actor.branch
    actor.check(Permission.register)
    if not actor.works_for(branch):
        raise PermissionDenied(
            _(
                "Permission denied: {user} registers complaints for branch {own}, not {branch}."
            ).format(user=actor.username, own=actor.branch, branch=branch)
        )
    return branch


def registered_late(session: Session, new: NewComplaint, at: datetime,
                    received_at: datetime) -> Late | None:
    """Whether the registration is late (``domain.late``): its time, or the receipt time a
    person gave (``--received-at``), more than ``clock.late_window_days`` back; refused
    without ``--late-reason``. A receipt on record (the mail server's, the platform's) is not
    a person's word: only the registration time counts then."""
    if new.receipt_on_record or received_at >= at:
        return lateness.check(session, at, at=at)
    return lateness.check(session, received_at, at=at, option="--received-at")


def received_time(session: Session, new: NewComplaint, at: datetime) -> datetime:
    """When the bank received the complaint (``--received-at``, else the registration time),
    never after the registration."""
    received_at = new.received_at or at
    if received_at > at:
        tz = timezone_of(session)
        raise InvalidData(
            _("--received-at {received} is after the registration time ({at}); check "
              "it.").format(received=format_datetime(received_at.astimezone(tz)),
                            at=format_datetime(at.astimezone(tz)))
        )
    return received_at


def registered_as(session: Session, new: NewComplaint) -> str | None:
    """The number under which ``new``'s external reference is registered already (None: it
    is not, or ``new`` has none). A bulk writer asks for a chunk's keys at once instead."""
    if not new.external_ref:
        return None
    return session.exec(
        select(Complaint.number).where(
            Complaint.external_source == new.external_source,
            Complaint.external_ref == new.external_ref,
        )
    ).first()


def _refuse_a_known_external_ref(session: Session, new: NewComplaint) -> None:
    existing = registered_as(session, new)
    if existing:
        raise InvalidData(
            _("External reference {ref} is already registered as {number}.").format(
                ref=new.external_ref, number=existing
            )
        )


def complaint_row(new: NewComplaint, clean: dict[str, Any], *, number: str | None,
                  branch: str | None, received_at: datetime, at: datetime, registered_by: str,
                  clock) -> dict[str, Any]:
    """The column values of a newly registered complaint: the one row builder (``register``
    makes a Complaint of it; the importer starts each row from it, numbered later a chunk at a
    time, and adds the history its file gives). ``clean`` is what ``validate_new`` returned;
    ``clock`` the opening clock (``clock.state.opening_clock``: profile and decision due)."""
    priority = new.priority or derive_priority(
        amount=money.to_decimal(clean["amount_cents"]),
        tags=frozenset(clean["tags"]),
        channel=new.channel,
        group_size=new.group_size,
    )
    return {
        "number": number,
        "status": Status.registered.value,
        "channel": new.channel.value,
        "source_ref": new.source_ref or None,
        "external_source": new.external_source,
        "external_ref": new.external_ref or None,
        "received_at": received_at,
        "registered_at": at,
        "registered_by": registered_by,
        "customer_name": clean["customer"],
        "customer_phone": clean["phone"],
        "customer_email": new.email or None,
        "customer_id_number": clean["id_number"],
        "customer_account": clean["account"],
        "customer_ref": new.customer_id or None,
        "group_size": new.group_size,
        "branch": branch,
        "product": new.product or None,
        "issue": new.issue or None,
        "summary": clean["summary"],
        "description": new.description or None,
        "amount_cents": clean["amount_cents"],
        "currency": clean["currency"],
        "priority": Priority(priority).value,
        "priority_set": new.priority is not None,
        "clock_profile": clock.profile,
        "clock_kind": ClockKind.decision.value,
        "clock_started_at": None,
        "due_at": clock.due(received_at),
        "last_event_at": at,
        "representatives": clean["representatives"],
        "regulator_due": clean["regulator_due"],
    }


def register_details(row: Mapping[str, Any], tags: list[str]) -> dict[str, Any]:
    """The ``register`` event's details, from the complaint's row (``complaint_row``'s): what
    the timeline shows of a registration."""
    return {
        "channel": row["channel"], "received_at": row["received_at"].isoformat(),
        "branch": row["branch"], "product": row["product"], "issue": row["issue"],
        "summary": row["summary"], "amount": money.format_amount(row["amount_cents"]),
        "currency": row["currency"], "tags": tags, "priority": row["priority"],
        "external_ref": row["external_ref"], "group_size": row["group_size"],
        "due_at": row["due_at"].isoformat(), "source_ref": row["source_ref"],
        "regulator_due": row["regulator_due"],
    }


def register_personal(row: Mapping[str, Any]) -> dict[str, Any]:
    """The personal data of the ``register`` event, from the complaint's row (kept apart from
    the details, digested in the chain)."""
    return {
        "name": row["customer_name"],
        "phone": row["customer_phone"],
        "email": row["customer_email"],
        "id_number": row["customer_id_number"],
        "account": row["customer_account"],
        "customer_id": row["customer_ref"],
        "description": row["description"],
        "representatives": row["representatives"],
    }
