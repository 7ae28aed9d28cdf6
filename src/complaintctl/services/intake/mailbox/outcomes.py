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
        return {
            "read": len(self.messages),
            "registered": self.count(Result.registered),
            "attached": self.count(Result.attached),
            "duplicates": self.count(Result.duplicate),
            "automatic": self.count(Result.automatic),
            "failed": self.count(Result.failed),
            "not_marked": len(self.not_marked),
        }

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
