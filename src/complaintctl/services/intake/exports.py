"""Export: the complaints matching the list filters, streamed in chunks, masked unless unmasked
by a permitted role (the unmasking is on the audit trail before any row is written)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from complaintctl.domain.clock import iso
from complaintctl.store.models import Complaint
from complaintctl.services.core.context import Actor, check_reading, record_unmasking, timezone_of
from complaintctl.services.complaints.queries import Filters, children, matching
from complaintctl.services.complaints.shapes import complaint_dict, shown_text

CHUNK = 1000
#: fields beyond ``list --format json`` that exports carry (the CFPB's, kept on import)
EXTRA_FIELDS = (
    "sub_product", "sub_issue", "company", "state", "zip_code", "consumer_consent",
    "company_response", "company_public_response", "sent_to_company_at", "timely_response",
    "consumer_disputed", "external_source",
)


def export_rows(
    *, session: Session, actor: Actor, filters: Filters, unmask: bool = False, what: str = "export"
) -> Iterator[dict[str, Any]]:
    """Complaint objects (as ``list --format json`` plus EXTRA_FIELDS), in number order.

    Permission is checked (and an unmasking recorded) when this is called, before the first
    row is produced; rows are then read ``CHUNK`` at a time, so memory stays flat.
    """
    check_reading(session, actor, what, unmask=unmask)
    query, filters = matching(session, actor, filters, what)
    if unmask:
        count = session.exec(select(func.count()).select_from(query.subquery())).one()
        record_unmasking(session, actor, what, count=count, filters=_describe(filters))
    return _stream(session, query.order_by(col(Complaint.id)), unmask)


def _stream(session: Session, query, unmask: bool) -> Iterator[dict[str, Any]]:
    tz = timezone_of(session)
    text = shown_text(unmask)
    last_id = 0
    while True:
        chunk = session.exec(query.where(Complaint.id > last_id).limit(CHUNK)).all()
        if not chunk:
            return
        tags, remedies = children(session, [c.id for c in chunk])
        for c in chunk:
            data = complaint_dict(c, tags=tags[c.id], remedies=remedies[c.id], unmask=unmask,
                                  tz=tz)
            for name in EXTRA_FIELDS:
                data[name] = getattr(c, name)
            data["company_public_response"] = text(c.company_public_response)  # free text
            data["sent_to_company_at"] = iso(c.sent_to_company_at, tz)
            yield data
        last_id = chunk[-1].id
        session.expunge_all()


def _describe(filters: Filters) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v)
            for k, v in vars(filters).items() if v not in (None, [], False)}
