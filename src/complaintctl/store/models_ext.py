"""The tables only some commands use: the emergency plan, root causes and rectification, staff
conflicts and the notification outbox. ``complaintctl.store.models`` loads this module on first use
(``from complaintctl.store.models import Incident`` does), so commands that never touch these tables
(``show``, ``list``, the lifecycle) do not build them at start-up; ``models.load_all()`` puts
every table on ``SQLModel.metadata``.
"""

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Text, UniqueConstraint
from sqlmodel import Field

from complaintctl.store.base import TableModel, timestamp


# --- the complaint emergency plan (issue 6) ---------------------------------------------------


class PlanVersion(TableModel, table=True):
    """One stored version of the emergency plan (TOML as written, and the parsed digest)."""

    __tablename__ = "plan_version"

    id: int | None = Field(default=None, primary_key=True)
    text: str = Field(sa_type=Text)
    digest: str = Field(max_length=64)
    source: str = Field(max_length=255)
    loaded_by: str = Field(max_length=64)
    loaded_at: datetime = timestamp(nullable=False)


class Drill(TableModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    scenario: str = Field(max_length=20)
    level: int
    plan_version_id: int = Field(foreign_key="plan_version.id")
    started_at: datetime = timestamp(nullable=False)
    started_by: str = Field(max_length=64)
    simulated: bool = Field(default=False)
    delays: str | None = Field(default=None, sa_type=Text)
    complaints: int = Field(default=0)
    closed_at: datetime | None = timestamp()
    closed_by: str | None = Field(default=None, max_length=64)
    lessons: str | None = Field(default=None, sa_type=Text)
    revisions: str | None = Field(default=None, sa_type=Text)


class Incident(TableModel, table=True):
    """A declared or detected complaint emergency; ``drill_id`` marks a drill's incident."""

    id: int | None = Field(default=None, primary_key=True)
    status: str = Field(max_length=10, index=True)
    level: int
    detected_level: int | None = Field(default=None)
    title: str = Field(max_length=300)
    trigger: str = Field(max_length=64)
    cluster_key: str | None = Field(default=None, max_length=300, index=True)
    plan_version_id: int = Field(foreign_key="plan_version.id")
    drill_id: int | None = Field(default=None, foreign_key="drill.id", index=True)
    declared_at: datetime = timestamp(nullable=False)
    declared_by: str = Field(max_length=64)
    last_action_at: datetime = timestamp(nullable=False)
    place: str | None = Field(default=None, max_length=300)
    cause: str | None = Field(default=None, sa_type=Text)
    nature: str | None = Field(default=None, sa_type=Text)
    harm: str | None = Field(default=None, sa_type=Text)
    customer_reaction: str | None = Field(default=None, sa_type=Text)
    trend: str | None = Field(default=None, sa_type=Text)
    planned_measures: str | None = Field(default=None, sa_type=Text)
    reporter: str | None = Field(default=None, max_length=200)
    amount_cents: int | None = Field(default=None, sa_type=BigInteger)
    people: int | None = Field(default=None)
    closed_at: datetime | None = timestamp()
    closed_by: str | None = Field(default=None, max_length=64)
    review: str | None = Field(default=None, sa_type=Text)
    root_cause: str | None = Field(default=None, sa_type=Text)


class IncidentComplaint(TableModel, table=True):
    __tablename__ = "incident_complaint"

    incident_id: int = Field(foreign_key="incident.id", primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", primary_key=True, index=True)
    linked_at: datetime = timestamp(nullable=False)
    linked_by: str = Field(max_length=64)
    via: str = Field(max_length=10)


class IncidentAction(TableModel, table=True):
    """The incident's timeline: what was done, by whom, when."""

    __tablename__ = "incident_action"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    at: datetime = timestamp(nullable=False)
    recorded_at: datetime = timestamp(nullable=False)
    by: str = Field(max_length=64)
    kind: str = Field(max_length=20)
    text: str = Field(sa_type=Text)
    details: str = Field(default="{}", sa_type=Text)


class ChecklistItem(TableModel, table=True):
    """One timetable action of an incident's level, due at a time after it was planned."""

    __tablename__ = "checklist_item"
    __table_args__ = (UniqueConstraint("incident_id", "seq", name="uq_checklist_item_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    seq: int
    key: str = Field(max_length=40)
    action: str = Field(sa_type=Text)
    owner: str = Field(max_length=64)
    person: str = Field(max_length=200)
    level: int
    planned_at: datetime = timestamp(nullable=False)
    due_at: datetime = timestamp(nullable=False, index=True)
    done_at: datetime | None = timestamp()
    done_by: str | None = Field(default=None, max_length=64)
    note: str | None = Field(default=None, sa_type=Text)
    cancelled_at: datetime | None = timestamp()
    overdue_at: datetime | None = timestamp()


class IncidentRectification(TableModel, table=True):
    """A rectification action agreed when an incident is closed."""

    __tablename__ = "incident_rectification"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    action: str = Field(sa_type=Text)
    owner: str = Field(max_length=64)
    due_at: datetime | None = timestamp()
    done_at: datetime | None = timestamp()


# --- reports: root causes and rectification (issue 5) -----------------------------------------


class ComplaintRootCause(TableModel, table=True):
    """The root cause a supervisor found for a closed complaint: a C code of the JR/T table."""

    __tablename__ = "complaint_root_cause"

    complaint_id: int = Field(foreign_key="complaint.id", primary_key=True)
    code: str = Field(max_length=20, index=True)
    note: str | None = Field(default=None, sa_type=Text)
    recorded_by: str = Field(max_length=64)
    recorded_at: datetime = timestamp(nullable=False)


class Rectification(TableModel, table=True):
    """A rectification action (整改): what is to be done, by whom, by when; links complaints."""

    id: int | None = Field(default=None, primary_key=True)
    what: str = Field(sa_type=Text)
    cause: str | None = Field(default=None, max_length=20, index=True)
    owner: str = Field(max_length=64)
    branch: str | None = Field(default=None, max_length=64)
    due_on: date = Field(sa_type=Date)
    status: str = Field(max_length=16, index=True)
    note: str | None = Field(default=None, sa_type=Text)
    created_by: str = Field(max_length=64)
    created_at: datetime = timestamp(nullable=False)
    updated_at: datetime = timestamp(nullable=False)
    done_at: datetime | None = timestamp()


class RectificationComplaint(TableModel, table=True):
    __tablename__ = "rectification_complaint"

    rectification_id: int = Field(foreign_key="rectification.id", primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", primary_key=True, index=True)


# --- assignment rules and notifications (issue 4) -----------------------------------------------


class StaffConflict(TableModel, table=True):
    """A recorded interest (CBIRC Art 17): the staff member is recused from such complaints."""

    __tablename__ = "staff_conflict"
    __table_args__ = (UniqueConstraint("staff_id", "kind", "value", name="uq_staff_conflict"),)

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    kind: str = Field(max_length=16)
    value: str = Field(max_length=200)
    note: str | None = Field(default=None, sa_type=Text)
    created_by: str = Field(max_length=64)
    created_at: datetime = timestamp(nullable=False)


class Notification(TableModel, table=True):
    """The outbox: written in the transaction of the event that causes it, sent later."""

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int | None = Field(default=None, foreign_key="complaint.id", index=True)
    number: str | None = Field(default=None, max_length=20)
    event: str = Field(max_length=32)
    recipient: str = Field(max_length=64)
    address: str | None = Field(default=None, max_length=254)
    subject: str = Field(max_length=300)
    body: str = Field(sa_type=Text)
    status: str = Field(max_length=10, index=True)
    attempts: int = Field(default=0)
    created_at: datetime = timestamp(nullable=False)
    next_attempt_at: datetime | None = timestamp()
    sent_at: datetime | None = timestamp()
    last_error: str | None = Field(default=None, sa_type=Text)


class NotificationAttempt(TableModel, table=True):
    __tablename__ = "notification_attempt"

    id: int | None = Field(default=None, primary_key=True)
    notification_id: int = Field(foreign_key="notification.id", index=True)
    at: datetime = timestamp(nullable=False)
    sender: str = Field(max_length=10)
    ok: bool = Field(default=False)
    error: str | None = Field(default=None, sa_type=Text)


# --- the mailbox's review queue (issue 25) -------------------------------------------------------


class MailReview(TableModel, table=True):
    """A message of the complaint mailbox whose sender cannot be told (no usable From, several
    addresses, ...): kept for a person to accept as a complaint or to reject with a reason."""

    __tablename__ = "mail_review"

    id: int | None = Field(default=None, primary_key=True)
    message_key: str = Field(max_length=200, unique=True, index=True)  # a complaint's external_ref
    message_id: str = Field(max_length=200)
    problem: str = Field(max_length=32)  # parse.SENDER_PROBLEMS
    sender: str | None = Field(default=None, sa_type=Text)  # the From header as read
    subject: str = Field(sa_type=Text)
    received_at: datetime = timestamp(nullable=False)
    receipt: str = Field(max_length=32)  # what decided received_at
    sent_at: datetime | None = timestamp()
    sha256: str = Field(max_length=64)  # the message as received, in the evidence store
    size: int
    status: str = Field(max_length=10, index=True)  # pending, accepted, rejected
    queued_by: str = Field(max_length=64)
    queued_at: datetime = timestamp(nullable=False)
    decided_by: str | None = Field(default=None, max_length=64)
    decided_at: datetime | None = timestamp()
    note: str | None = Field(default=None, sa_type=Text)  # why it was rejected
    number: str | None = Field(default=None, max_length=20)  # the complaint it became


# --- the online platform's access codes (issue 19) ---------------------------------------------


class AccessCode(TableModel, table=True):
    """The one-time access code of a complaint registered online: only its SHA-256 digest is
    kept. Keyed by the complaint's number, not its id: a purge of the complaint leaves a digest
    of a random code, which tells nothing."""

    __tablename__ = "access_code"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20, unique=True, index=True)
    code_hash: str = Field(max_length=64)
    issued_at: datetime = timestamp(nullable=False)
    reissued: int = Field(default=0)
