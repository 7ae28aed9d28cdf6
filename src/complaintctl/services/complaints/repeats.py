"""Possible repeats of a new complaint (issue 21; CBIRC Art 18): the open or recently closed
complaints (``repeats.window_days``) of the same customer about a similar matter.

Blocking is on the customer's hashed identity keys (``complaint_identity_key``, indexed on
the digest): one indexed look-up per registration whatever the size of the database; only
that customer's complaints are scored (``domain.repeats.score``). Every door calls it
through ``registration.register`` (the CLI, the mailbox, the online platform, the
workspace); the importer asks for a chunk at once (``for_chunk``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlmodel import Session

from complaintctl.domain import repeats
from complaintctl.domain.enums import Status
from complaintctl.services.core import config
from complaintctl.store.models import Complaint, ComplaintIdentityKey

KEYS = ComplaintIdentityKey.__table__
COMPLAINT = Complaint.__table__
#: the statuses an earlier complaint may be in to count (merged and withdrawn ones do not)
_LIVE = (Status.registered, Status.assigned, Status.investigating, Status.resolved,
         Status.under_review)
_DECIDED = frozenset({Status.resolved.value, Status.closed.value, Status.under_review.value})
#: at most this many of one customer's complaints are scored (the newest)
_PER_CUSTOMER = 200


@dataclass(frozen=True)
class Candidate:
    """An earlier complaint that may be the same matter: its number, score and reasons."""

    number: str
    score: int
    reasons: tuple[str, ...]
    status: str

    @property
    def decided(self) -> bool:
        return self.status in _DECIDED

    def as_dict(self) -> dict[str, Any]:
        return {"number": self.number, "score": self.score, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class Settings:
    window_days: int
    threshold: int

    @classmethod
    def of(cls, session: Session) -> Settings:
        cfg = config.load(session)
        return cls(cfg["repeats.window_days"], cfg["repeats.threshold"])


def keys_of_row(row: Mapping[str, Any]) -> dict[str, str]:
    """The hashed identity keys of a complaint row (its stored columns)."""
    return repeats.identity_keys(
        id_number=row.get("customer_id_number"), account=row.get("customer_account"),
        phone=row.get("customer_phone"), email=row.get("customer_email"),
        customer_id=row.get("customer_ref"))


def matter_of_row(row: Mapping[str, Any]) -> repeats.Matter:
    return repeats.Matter(product=row.get("product"), issue=row.get("issue"),
                          summary=row.get("summary") or "", description=row.get("description"))


def store_keys(session: Session, complaint_id: int, keys: Mapping[str, str]) -> None:
    """Keep a complaint's hashed identity keys (in the caller's transaction)."""
    if keys:
        session.execute(KEYS.insert(), [{"complaint_id": complaint_id, "digest": d, "kind": k}
                                        for d, k in keys.items()])


def _earlier(session: Session, digests: list[str], at: datetime, settings: Settings,
             exclude: int | None) -> dict[int, tuple[Any, set[str]]]:
    """The live complaints holding any of ``digests``: {id: (row, {kinds shared})}."""
    shared: dict[int, set[str]] = {}
    found = session.execute(
        select(KEYS.c.complaint_id, KEYS.c.digest, KEYS.c.kind)
        .where(KEYS.c.digest.in_(digests)).order_by(KEYS.c.complaint_id.desc())
        .limit(_PER_CUSTOMER * max(1, len(digests)))).all()
    for complaint_id, digest, kind in found:
        if complaint_id != exclude:
            shared.setdefault(complaint_id, set()).add(f"{digest} {kind}")
    if not shared:
        return {}
    cutoff = at - timedelta(days=settings.window_days)
    rows = session.execute(
        select(COMPLAINT.c.id, COMPLAINT.c.number, COMPLAINT.c.status, COMPLAINT.c.product,
               COMPLAINT.c.issue, COMPLAINT.c.summary, COMPLAINT.c.description)
        .where(COMPLAINT.c.id.in_(list(shared)[:_PER_CUSTOMER]),
               COMPLAINT.c.archived_at.is_(None),
               or_(COMPLAINT.c.status.in_([s.value for s in _LIVE]),
                   and_(COMPLAINT.c.status == Status.closed.value,
                        COMPLAINT.c.closed_at >= cutoff)))).all()
    return {row.id: (row, shared[row.id]) for row in rows}


def _scored(matter: repeats.Matter, keys: Mapping[str, str],
            earlier: dict[int, tuple[Any, set[str]]], threshold: int) -> list[Candidate]:
    found = []
    for row, pairs in earlier.values():
        kinds = [pair.split(" ")[1] for pair in pairs if pair.split(" ")[0] in keys]
        if not kinds:
            continue
        match = repeats.score(matter, matter_of_row(row._mapping), kinds)
        if match.score >= threshold:
            found.append(Candidate(row.number, match.score, match.reasons, row.status))
    found.sort(key=lambda c: (-c.score, c.number))
    return found[:repeats.MOST]


def candidates(session: Session, *, keys: Mapping[str, str], matter: repeats.Matter,
               at: datetime, exclude: int | None = None,
               settings: Settings | None = None) -> list[Candidate]:
    """The possible repeats of a complaint with these identity keys and matter, best first."""
    if not keys:
        return []
    settings = settings or Settings.of(session)
    earlier = _earlier(session, list(keys), at, settings, exclude)
    return _scored(matter, keys, earlier, settings.threshold)


def for_chunk(session: Session, rows: list[Mapping[str, Any]], at: datetime,
              settings: Settings) -> list[list[Candidate]]:
    """The possible repeats of each of a chunk of new rows among the stored complaints (one
    look-up for the chunk's keys)."""
    keys = [keys_of_row(row) for row in rows]
    digests = sorted({d for k in keys for d in k})
    if not digests:
        return [[] for _row in rows]
    earlier = _earlier(session, digests, at, settings, None)
    return [_scored(matter_of_row(row), k, earlier, settings.threshold) if k else []
            for row, k in zip(rows, keys, strict=True)]


def repeat_of(found: list[Candidate]) -> str | None:
    """The decided complaint the new one repeats (the best-scored decided candidate)."""
    return next((c.number for c in found if c.decided), None)
