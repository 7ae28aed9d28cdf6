"""The vocabulary of the domain. Values are the stable ASCII words of JSON, CSV and the CLI."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    registered = "registered"
    assigned = "assigned"
    investigating = "investigating"
    resolved = "resolved"
    closed = "closed"
    archived = "archived"
    withdrawn = "withdrawn"
    merged = "merged"
    under_review = "under_review"  # the customer asked for a review (核查, CBIRC Art 20)


OPEN_STATUSES = frozenset(
    {Status.registered, Status.assigned, Status.investigating, Status.resolved}
)
CLOSED_STATUSES = frozenset({Status.closed, Status.archived})
#: What ``list`` shows by default (the work queue): every complaint still being handled, the
#: open ones and those whose customer asked for a review.
QUEUE_STATUSES = OPEN_STATUSES | {Status.under_review}


class Channel(StrEnum):
    counter = "counter"
    phone = "phone"
    email = "email"
    online = "online"
    letter = "letter"
    fax = "fax"
    regulator = "regulator"
    social_media = "social_media"
    self_service = "self_service"
    other = "other"


class Role(StrEnum):
    clerk = "clerk"
    handler = "handler"
    supervisor = "supervisor"
    auditor = "auditor"
    admin = "admin"


class Priority(StrEnum):
    low = "low"
    normal = "normal"
    high = "high"
    urgent = "urgent"


class Outcome(StrEnum):
    upheld = "upheld"
    partially_upheld = "partially_upheld"
    not_upheld = "not_upheld"


class RemedyKind(StrEnum):
    apology = "apology"
    compensation = "compensation"
    fee_refund = "fee_refund"
    correction = "correction"
    explanation = "explanation"
    tracking = "tracking"
    other = "other"


MONETARY_REMEDIES = frozenset({RemedyKind.compensation, RemedyKind.fee_refund})


class ContactVia(StrEnum):
    phone = "phone"
    sms = "sms"
    email = "email"
    letter = "letter"
    in_person = "in_person"
    online = "online"  # the online platform's status page (issue 19)


class Direction(StrEnum):
    out = "out"
    in_ = "in"


class Action(StrEnum):
    """Everything that can happen to a complaint, as recorded in its timeline."""

    register = "register"
    assign = "assign"
    reassign = "reassign"
    contact = "contact"
    investigate = "investigate"
    note = "note"
    consult = "consult"
    answer = "answer"
    evidence = "evidence"
    resolve = "resolve"
    close = "close"
    reopen = "reopen"
    withdraw = "withdraw"
    merge = "merge"
    archive = "archive"
    imported = "imported"
    # the regulatory clock (issue 4)
    pause = "pause"
    resume = "resume"
    extend = "extend"
    approve = "approve"
    approval_request = "approval_request"
    review_request = "review_request"
    review_uphold = "review_uphold"
    review_change = "review_change"
    sla_warning = "sla_warning"
    escalate = "escalate"


class EventKind(StrEnum):
    """change: on the complaint's timeline. refusal and access: in the audit log only."""

    change = "change"
    refusal = "refusal"
    access = "access"
    admin = "admin"


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class ReadFormat(StrEnum):
    table = "table"
    json = "json"


class IncidentStatus(StrEnum):
    """A complaint emergency's status (the emergency plan)."""

    active = "active"
    closed = "closed"


class ReportIssue(StrEnum):
    """Which issue of an incident report is recorded as sent to the regulator."""

    first = "first"
    followup = "followup"
    final = "final"


class SortKey(StrEnum):
    number = "number"
    received = "received"
    due = "due"
    priority = "priority"
    status = "status"
    urgency = "urgency"


class PauseReason(StrEnum):
    """Time not counted toward the deadline (CBIRC Art 18: 鉴定/检测/评估; Art 23: mediation)."""

    appraisal = "appraisal"
    mediation = "mediation"


class ReviewResult(StrEnum):
    upheld = "upheld"  # the decision stands: closed
    changed = "changed"  # the decision changes: back into investigation


class ApprovalKind(StrEnum):
    extension = "extension"
    compensation = "compensation"


class ImportFormat(StrEnum):
    """The formats ``import`` reads (``auto`` looks at the file's name, first character and
    header)."""

    auto = "auto"
    native = "native"
    cfpb = "cfpb"
    json = "json"
    jsonl = "jsonl"
