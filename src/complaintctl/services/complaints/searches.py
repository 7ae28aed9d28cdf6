"""``list``'s queue: the contact searches (``--phone``, ``--email``, ``--customer``) and the
ranking by urgency, both for ``complaints.queries.page``.

The searches compare normalised values on both sides, so the way a number was typed at intake
does not hide it: a phone is its digits (``138 1234 5678``, ``138-1234-5678`` and
``+86 13812345678`` all end in ``13812345678``, and the digits given match the end of the
stored ones, so the last four digits find it too); an email is compared whole, without case or
surrounding spaces; a customer's name matches anywhere in it, without case or spaces. What a
row shows is masked for the role as always: searching by a value does not unmask it.
"""

from __future__ import annotations

import re

from sqlalchemy import func
from sqlmodel import Session, col, select

from complaintctl.errors import InvalidData
from complaintctl.i18n import _
from complaintctl.store.models import Complaint, ComplaintTag

#: The characters a stored phone number may carry besides its digits.
_PHONE_PUNCTUATION = (" ", "-", "(", ")", ".", "+", "\u3000")
#: The fewest digits a phone search takes (fewer would match half the book).
MIN_PHONE_DIGITS = 4
#: The tags the urgency score reads.
_SCORED_TAGS = ("elderly", "vulnerable")


def phone_digits(text: str) -> str:
    """The digits of a phone number as typed (full-width digits read as digits), without
    China's country code (+86, 0086) before a mobile number: the end of a stored number."""
    digits = "".join(str(int(ch)) for ch in text if ch.isdigit())
    if digits.startswith("0086"):  # China's country code, as dialled from abroad
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:  # +86 and a mobile number
        digits = digits[2:]
    if len(digits) < MIN_PHONE_DIGITS:
        raise InvalidData(_("--phone needs at least {n} digits of the number, e.g. "
                            "--phone '138 1234 5678' or --phone 5678.").format(n=MIN_PHONE_DIGITS))
    return digits


def _stored_phone():
    expr = col(Complaint.customer_phone)
    for ch in _PHONE_PUNCTUATION:
        expr = func.replace(expr, ch, "")
    return expr


def _literal(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def by_contact(query, *, phone: str | None, email: str | None, customer: str | None):
    """The complaints whose stored phone, email or customer name match the values given."""
    if phone:
        query = query.where(_stored_phone().like("%" + phone_digits(phone), escape="\\"))
    if email:
        wanted = email.strip().lower()
        if not wanted:
            raise InvalidData(_("--email is blank; give the customer's email address."))
        query = query.where(func.lower(func.trim(col(Complaint.customer_email))) == wanted)
    if customer:
        wanted = re.sub(r"\s+", "", customer).lower()
        if not wanted:
            raise InvalidData(_("--customer is blank; give part of the customer's name."))
        stored = func.lower(func.replace(col(Complaint.customer_name), " ", ""))
        query = query.where(stored.like("%" + _literal(wanted) + "%", escape="\\"))
    return query


def rank_by_urgency(session: Session, query, limit: int | None) -> list[Complaint]:
    """The complaints of ``query``, most urgent first (then by number), at most ``limit``: the
    score of each is computed from its row and its scored tags; only the rows returned are
    shaped by the caller."""
    from complaintctl.services.clock.state import open_pauses, view_fields
    from complaintctl.services.core import config

    complaints = session.exec(query.order_by(col(Complaint.id))).all()
    ids = query.with_only_columns(col(Complaint.id)).order_by(None).subquery()
    tags: dict[int, list[str]] = {}
    for cid, tag in session.exec(
        select(ComplaintTag.complaint_id, ComplaintTag.tag)
        .where(col(ComplaintTag.complaint_id).in_(select(ids.c.id)),
               col(ComplaintTag.tag).in_(_SCORED_TAGS))
    ):
        tags.setdefault(cid, []).append(tag)
    paused = open_pauses(session, [c.id for c in complaints if c.paused])
    weights = config.load(session).weights
    scored = [
        (-view_fields(c, tags=tags.get(c.id, []), paused_since=paused.get(c.id),
                      weights=weights)["urgency"], c.id, c)
        for c in complaints
    ]
    scored.sort(key=lambda s: (s[0], s[1]))
    return [c for _score, _id, c in scored[:limit]]
