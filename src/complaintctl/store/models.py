"""The stored model: SQLModel tables. Personal data lives only in the ``customer_*`` columns of
``complaint`` and in ``event.personal``, so retention can erase it in two places.

Imported lazily (SQLAlchemy is slow to import); ``complaintctl --help`` never loads it. Building
and configuring the table classes is the largest part of what ``show`` costs beyond importing
SQLModel (about a third), so:

- the tables only some commands use live in ``models_ext``, loaded on first use: importing one
  of them from here (``from complaintctl.store.models import Incident``) loads it; ``load_all()``
  puts every table on ``SQLModel.metadata`` (migrate-to, the schema tests);
- no ``from __future__ import annotations``: with string annotations, pydantic and SQLAlchemy
  evaluate every field's annotation again, for nothing;
- ``TableModel`` (``store.base``, shared with ``models_ext``) defers pydantic's validator and
  serializer until first used.
"""

from datetime import datetime

from sqlalchemy import BigInteger, Index, Text, UniqueConstraint, false, text
from sqlmodel import Field

from complaintctl.store.base import TableModel, timestamp


class Setting(TableModel, table=True):
    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(sa_type=Text)


class Counter(TableModel, table=True):
    """Per-year complaint number counters, advanced in the inserting transaction."""

    name: str = Field(primary_key=True, max_length=32)
    value: int = Field(default=0, sa_type=BigInteger)


class Staff(TableModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    role: str = Field(max_length=16)
    branch: str | None = Field(default=None, max_length=64, index=True)
    email: str | None = Field(default=None, max_length=254)
    active: bool = Field(default=True)
    created_at: datetime = timestamp(nullable=False)
    senior: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class Complaint(TableModel, table=True):
    __table_args__ = (
        UniqueConstraint("external_source", "external_ref", name="uq_complaint_external"),
        Index("ix_complaint_status_due", "status", "due_at"),
        Index("ix_complaint_branch_status", "branch", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20, unique=True)
    status: str = Field(max_length=20)
    channel: str = Field(max_length=20, index=True)
    source_ref: str | None = Field(default=None, max_length=200)
    external_source: str = Field(default="", max_length=32)
    external_ref: str | None = Field(default=None, max_length=200)
    received_at: datetime = timestamp(nullable=False, index=True)
    registered_at: datetime = timestamp(nullable=False)
    registered_by: str = Field(max_length=64)
    customer_name: str | None = Field(default=None, max_length=200)
    customer_phone: str | None = Field(default=None, max_length=40)
    customer_email: str | None = Field(default=None, max_length=254)
    customer_id_number: str | None = Field(default=None, max_length=40)
    customer_account: str | None = Field(default=None, max_length=64)
    customer_ref: str | None = Field(default=None, max_length=64)
    group_size: int = Field(default=1)
    branch: str | None = Field(default=None, max_length=64)
    product: str | None = Field(default=None, max_length=200, index=True)
    issue: str | None = Field(default=None, max_length=300)
    summary: str = Field(sa_type=Text)
    description: str | None = Field(default=None, sa_type=Text)
    amount_cents: int | None = Field(default=None, sa_type=BigInteger)
    currency: str = Field(default="CNY", max_length=3)
    priority: str = Field(max_length=10)
    priority_set: bool = Field(default=False)
    assignee: str | None = Field(default=None, max_length=64, index=True)
    due_at: datetime | None = timestamp()
    acknowledged_at: datetime | None = timestamp()
    outcome: str | None = Field(default=None, max_length=20)
    findings: str | None = Field(default=None, sa_type=Text)
    notified_at: datetime | None = timestamp()
    notified_via: str | None = Field(default=None, max_length=20)
    notice_proof: str | None = Field(default=None, max_length=500)
    satisfaction: int | None = Field(default=None)
    feedback: str | None = Field(default=None, sa_type=Text)
    disputed: bool = Field(default=False)
    reopen_count: int = Field(default=0)
    closed_at: datetime | None = timestamp()
    archived_at: datetime | None = timestamp()
    merged_into: str | None = Field(default=None, max_length=20)
    last_event_at: datetime = timestamp(nullable=False)
    # --- import batches (issue 3): where an imported complaint came from, and the fields of
    # other systems' exports (the CFPB's) kept as given so exports can give them back.
    import_batch_id: int | None = Field(default=None, foreign_key="import_batch.id", index=True)
    sub_product: str | None = Field(default=None, max_length=200)
    sub_issue: str | None = Field(default=None, max_length=300)
    company: str | None = Field(default=None, max_length=200)
    state: str | None = Field(default=None, max_length=64)
    zip_code: str | None = Field(default=None, max_length=16)
    consumer_consent: str | None = Field(default=None, max_length=64)
    company_response: str | None = Field(default=None, max_length=64)
    company_public_response: str | None = Field(default=None, sa_type=Text)
    sent_to_company_at: datetime | None = timestamp()
    timely_response: bool | None = Field(default=None)
    consumer_disputed: bool | None = Field(default=None)
    # the regulatory clock (issue 4); due_at above is recomputed by every event that moves it
    clock_profile: str | None = Field(default=None, max_length=32)
    clock_kind: str | None = Field(default=None, max_length=10)
    clock_started_at: datetime | None = timestamp()
    paused: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    extension_level: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    escalation_level: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    warned_percent: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    review_requested_at: datetime | None = timestamp()
    review_result: str | None = Field(default=None, max_length=10)
    # the due time the first decision was judged against: a reopen or a review restarts the
    # clock and moves due_at, and the reports still judge the first decision by this one
    # (NULL: due_at has not moved since the decision, or there was none)
    decision_due_at: datetime | None = timestamp()
    # retention (issue 7): a legal hold keeps personal data past retention; erased_at is when
    # purge erased it (the number and the statistics stay)
    legal_hold_at: datetime | None = timestamp()
    legal_hold_by: str | None = Field(default=None, max_length=64)
    legal_hold_reason: str | None = Field(default=None, sa_type=Text)
    erased_at: datetime | None = timestamp()
    # late registration (issue 23): the reason given for a receipt or registration time more
    # than clock.late_window_days back, and when that registration was recorded (NULL: on time)
    late_reason: str | None = Field(default=None, sa_type=Text)
    late_recorded_at: datetime | None = timestamp()
    # CBIRC Art 17, 19, 21 (issue 24): why the complaint must be reassigned (a conflict recorded
    # for its assignee), what the decision rests on, and the attempts to tell the customer
    reassign_reason: str | None = Field(default=None, sa_type=Text)
    decision_reasons: str | None = Field(default=None, sa_type=Text)
    decision_basis: str | None = Field(default=None, sa_type=Text)
    notice_language: str | None = Field(default=None, max_length=5)
    notice_attempts: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    notice_unreachable: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # the CBIRC 2020 rules (issue 24): a joint complaint's representatives (Art 12: JSON, a
    # list of {"name", "phone"}; personal data, purge erases it), how the customer's identity
    # was verified (Art 22), a regulator referral's deadline (an ISO date) and when its report
    # back was produced (Art 33)
    representatives: str | None = Field(default=None, sa_type=Text)
    identity_verified_at: datetime | None = timestamp()
    identity_method: str | None = Field(default=None, max_length=20)
    identity_verified_by: str | None = Field(default=None, max_length=64)
    regulator_due: str | None = Field(default=None, max_length=10)
    referral_reported_at: datetime | None = timestamp()
    # repeat complaints (issue 21): the decided complaint this one repeats (CBIRC Art 18)
    repeat_of: str | None = Field(default=None, max_length=20)


class ImportBatch(TableModel, table=True):
    """One run of ``complaintctl import``: the file, what became of its rows, and who ran it."""

    __tablename__ = "import_batch"

    id: int | None = Field(default=None, primary_key=True)
    file_name: str = Field(max_length=500)
    sha256: str = Field(default="", max_length=64)
    format: str = Field(max_length=16)
    source: str = Field(default="", max_length=32)
    encoding: str | None = Field(default=None, max_length=32)
    tag: str | None = Field(default=None, max_length=40)
    rows_read: int = Field(default=0)
    rows_imported: int = Field(default=0)
    rows_skipped: int = Field(default=0)
    rows_rejected: int = Field(default=0)
    junk_lines: int = Field(default=0)
    imported_by: str = Field(max_length=64)
    imported_at: datetime = timestamp(nullable=False)
    undone_at: datetime | None = timestamp()
    undone_by: str | None = Field(default=None, max_length=64)


class ImportLeaf(TableModel, table=True):
    """One imported row's leaf in its batch's Merkle tree (issue 20): its place in the batch,
    its number, the status it was imported in and the stamp of its content as imported
    (``domain.row_state``). The batch's one ``import`` event carries the tree's root, so these
    rows are vouched for by the hash chain all together; ``audit verify`` compares them with
    the stored complaints, ``audit prove`` gives one's inclusion path."""

    __tablename__ = "import_leaf"

    batch_id: int = Field(foreign_key="import_batch.id", primary_key=True)
    position: int = Field(primary_key=True)
    number: str = Field(max_length=20, unique=True)
    status: str = Field(max_length=20)
    stamp: str = Field(sa_type=Text)


class ComplaintTag(TableModel, table=True):
    __tablename__ = "complaint_tag"

    complaint_id: int = Field(foreign_key="complaint.id", primary_key=True)
    tag: str = Field(max_length=40, primary_key=True, index=True)


class ComplaintIdentityKey(TableModel, table=True):
    """A complaint's customer identity keys, hashed (``domain.repeats.identity_keys``): the
    index repeat detection blocks on. Purge erases them with the personal data."""

    __tablename__ = "complaint_identity_key"
    __table_args__ = (Index("ix_identity_key_digest", "digest", "complaint_id"),)

    complaint_id: int = Field(foreign_key="complaint.id", primary_key=True)
    digest: str = Field(max_length=32, primary_key=True)
    kind: str = Field(max_length=16)


class Remedy(TableModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True)
    kind: str = Field(max_length=20)
    amount_cents: int | None = Field(default=None, sa_type=BigInteger)
    note: str | None = Field(default=None, sa_type=Text)


class Contact(TableModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True)
    at: datetime = timestamp(nullable=False)
    via: str = Field(max_length=20)
    direction: str = Field(max_length=3)
    summary: str = Field(sa_type=Text)
    by: str = Field(max_length=64)


class Consultation(TableModel, table=True):
    __table_args__ = (
        UniqueConstraint("complaint_id", "seq", name="uq_consultation_complaint_seq"),
    )

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True)
    #: its number within its complaint (1, 2, ...): what ``answer NUMBER N`` names
    seq: int
    department: str = Field(max_length=100)
    question: str = Field(sa_type=Text)
    asked_by: str = Field(max_length=64)
    asked_at: datetime = timestamp(nullable=False)
    answer: str | None = Field(default=None, sa_type=Text)
    answered_by: str | None = Field(default=None, max_length=64)
    answered_at: datetime | None = timestamp()


class Evidence(TableModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True)
    sha256: str = Field(max_length=64)
    size: int = Field(sa_type=BigInteger)
    filename: str = Field(max_length=255)
    description: str | None = Field(default=None, sa_type=Text)
    added_by: str = Field(max_length=64)
    added_at: datetime = timestamp(nullable=False)


class Event(TableModel, table=True):
    """One entry of the hash-chained audit trail; ``kind == 'change'`` entries form timelines."""

    id: int | None = Field(default=None, primary_key=True)
    seq: int = Field(sa_type=BigInteger, unique=True)
    complaint_id: int | None = Field(default=None, foreign_key="complaint.id", index=True)
    number: str | None = Field(default=None, max_length=20)
    kind: str = Field(max_length=10)
    action: str = Field(max_length=32)
    actor: str = Field(max_length=64)
    at: datetime = timestamp(nullable=False)
    recorded_at: datetime = timestamp(nullable=False)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str | None = Field(default=None, max_length=20)
    details: str = Field(default="{}", sa_type=Text)
    personal: str | None = Field(default=None, sa_type=Text)
    personal_digest: str | None = Field(default=None, max_length=64)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)
    # issue 23: the state of the complaints the event changed, ``number stamp`` a line
    # (domain.row_state); hashed when present. NULL on events that change no complaint.
    state: str | None = Field(default=None, sa_type=Text)


class AuditHead(TableModel, table=True):
    """The chain head, one row: locked by every appender so the chain has one writer at a time."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    count: int = Field(default=0, sa_type=BigInteger)
    last_hash: str = Field(max_length=64)


# Indexes the reports need (declared here so the lifecycle's tables above stay untouched).
Index("ix_complaint_closed_at", Complaint.__table__.c.closed_at)
Index("ix_complaint_last_event_at", Complaint.__table__.c.last_event_at)
Index("ix_event_complaint_at", Event.__table__.c.complaint_id, Event.__table__.c.at)
Index("ix_event_action_status", Event.__table__.c.action, Event.__table__.c.to_status,
      Event.__table__.c.complaint_id, Event.__table__.c.at)


# --- the regulatory clock, assignment rules and notifications (issue 4) -------------------------


class Pause(TableModel, table=True):
    """A stretch of time not counted toward the deadline (appraisal, mediation)."""

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True)
    reason: str = Field(max_length=20)
    started_at: datetime = timestamp(nullable=False)
    ended_at: datetime | None = timestamp()
    started_by: str = Field(max_length=64)
    ended_by: str | None = Field(default=None, max_length=64)
    customer_notified_via: str = Field(max_length=20)
    note: str | None = Field(default=None, sa_type=Text)


class Approval(TableModel, table=True):
    """An extension or a compensation that needs a second person: requested, then approved."""

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True)
    kind: str = Field(max_length=16)
    level: int | None = Field(default=None)
    amount_cents: int | None = Field(default=None, sa_type=BigInteger)
    reason: str = Field(sa_type=Text)
    status: str = Field(max_length=10)
    requested_by: str = Field(max_length=64)
    requested_at: datetime = timestamp(nullable=False)
    approver: str | None = Field(default=None, max_length=64)
    decided_by: str | None = Field(default=None, max_length=64)
    decided_at: datetime | None = timestamp()
    customer_notified_via: str | None = Field(default=None, max_length=20)


class Organisation(TableModel, table=True):
    """A branch or a parent organisation (tiered responsibility, CBIRC Art 9). ``code`` is what
    ``staff.branch`` and ``complaint.branch`` hold; ``parent`` is the organisation it reports
    to (none: the top, head office). Branches without a row here stand alone."""

    code: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    parent: str | None = Field(default=None, max_length=64, foreign_key="organisation.code",
                               index=True)
    created_at: datetime = timestamp(nullable=False)


#: the tables of ``models_ext``, loaded on first use
LATER = frozenset({
    "PlanVersion", "Drill", "Incident", "IncidentComplaint", "IncidentAction", "ChecklistItem",
    "IncidentRectification", "ComplaintRootCause", "Rectification", "RectificationComplaint",
    "StaffConflict", "Notification", "NotificationAttempt", "MailReview",
    "AccessCode",
})


def __getattr__(name: str):
    if name in LATER:
        from complaintctl.store import models_ext

        return getattr(models_ext, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def load_all() -> None:
    """Every table on ``SQLModel.metadata``."""
    from complaintctl.store import models_ext, models_identity  # noqa: F401
