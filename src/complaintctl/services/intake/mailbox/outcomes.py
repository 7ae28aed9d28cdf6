"""What came of each message of a mail run, and of the run (the JSON of ``intake mail``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Result(StrEnum):
    registered = "registered"
    attached = "attached"
    duplicate = "duplicate"
    automatic = "automatic"
    #: flagged as read in the mbox by another program before intake saw it: listed, not taken
    already_read = "already_read"
    #: the sender cannot be told: queued for a person (``intake review``)
    needs_review = "needs_review"
    failed = "failed"


@dataclass
class MessageResult:
    """What happened to one message (JSON: one element of ``messages``)."""

    result: Result
    message_id: str
    sender: str | None  # masked
    subject: str
    number: str | None = None
    reason: str | None = None
    received_at: str | None = None
    receipt: str | None = None  # what decided received_at (``receipt.decide``)
    sent_at: str | None = None  # the sender's Date, information only
    date_off_hours: float | None = None  # Date this far from the receipt (flagged)
    decoding: dict = field(default_factory=dict)  # field -> the charset used and why
    queued: int | None = None  # the review queue's entry (needs_review)
    evidence: int = 0
    acknowledgement: int | None = None  # the outbox notification queued to the customer
    review: str | None = None  # "requested" (review request) or "flagged" (tag and note)
    marked: bool = False
    exit_code: int = 0

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["result"] = self.result.value
        data.pop("exit_code")
        return data

    def facts(self) -> dict[str, Any]:
        """How the message was read, for its event's details: the receipt and what decided it,
        the sender's Date (flagged when far off) and the charsets used."""
        facts = {"received_at": self.received_at, "receipt": self.receipt,
                 "sent_at": self.sent_at, "decoding": self.decoding}
        if self.date_off_hours is not None:
            facts["date_off_hours"] = self.date_off_hours
        return facts


#: the summary's name for the count of each result
COUNTED = {Result.registered: "registered", Result.attached: "attached",
           Result.duplicate: "duplicates", Result.automatic: "automatic",
           Result.already_read: "already_read", Result.needs_review: "needs_review",
           Result.failed: "failed"}


@dataclass
class MailSummary:
    source: str
    dry_run: bool
    messages: list[MessageResult] = field(default_factory=list)
    not_marked: list[dict[str, str]] = field(default_factory=list)

    def count(self, result: Result) -> int:
        return sum(1 for m in self.messages if m.result is result)

    @property
    def counts(self) -> dict[str, int]:
        """``read``, then one count per result (they add up to ``read``), then ``not_marked``."""
        per_result = {COUNTED[r]: self.count(r) for r in Result}
        return {"read": len(self.messages), **per_result, "not_marked": len(self.not_marked)}

    @property
    def exit_code(self) -> int:
        """0 when nothing failed; else the failures' exit code (5 for a bad message)."""
        codes = [m.exit_code for m in self.messages if m.result is Result.failed]
        if self.not_marked:
            codes.append(1)
        return max(codes, default=0)

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "dry_run": self.dry_run, **self.counts,
                "messages": [m.as_dict() for m in self.messages],
                "not_marked_reasons": self.not_marked}
