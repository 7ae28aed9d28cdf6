"""``list``'s queue: the contact searches (``--phone``, ``--email``, ``--customer``) and the
ranking by urgency (in SQL, the first rows then scored exactly), both for
``complaints.queries.page``.

The searches compare normalised values on both sides, so the way a number was typed at intake
does not hide it: a phone is its digits (``138 1234 5678``, ``138-1234-5678`` and
``+86 13812345678`` all end in ``13812345678``, and the digits given match the end of the
stored ones, so the last four digits find it too); an email is compared whole, without case or
surrounding spaces; a customer's name matches anywhere in it, without case or spaces. What a
row shows is masked for the role as always: searching by a value does not unmask it.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import Float, case, cast, func, literal, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, col, select

from complaintctl.domain.deadlines import RUNNING
from complaintctl.domain.urgency import DEFAULT_WEIGHTS, PRIORITY_FACTOR
from complaintctl.errors import InvalidData
from complaintctl.i18n import _
from complaintctl.services.core.context import now
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


#: How many rows beyond the limit the database ranks for Python to score exactly (see
#: ``rank_by_urgency``).
SLACK = 200


def rank_by_urgency(session: Session, query, limit: int | None) -> list[Complaint]:
    """The complaints of ``query``, most urgent first (then by number), at most ``limit``.

    The database orders them by ``urgency_in_sql`` and returns the first ``limit + SLACK``;
    their exact scores are then computed from their rows and scored tags (``view_fields``,
    what ``list`` shows) and they are sorted by those. The SQL score is the same sum without
    the rounding of each term (within 0.01 of the exact score), so the result is the exact
    top ``limit`` unless more than ``SLACK`` rows lie within 0.02 of the last one shown and
    differ in their terms (rows alike tie alike in both orders, by number)."""
    from complaintctl.services.clock.state import open_pauses, view_fields
    from complaintctl.services.core import config

    at = now()
    weights = config.load(session).weights
    ranked = query.order_by(urgency_in_sql(session, weights, at).desc(), col(Complaint.id))
    complaints = session.exec(ranked.limit(limit + SLACK) if limit else ranked).all()
    tags: dict[int, list[str]] = {}
    if complaints:
        for cid, tag in session.exec(
            select(ComplaintTag.complaint_id, ComplaintTag.tag)
            .where(col(ComplaintTag.complaint_id).in_([c.id for c in complaints]),
                   col(ComplaintTag.tag).in_(_SCORED_TAGS))
        ):
            tags.setdefault(cid, []).append(tag)
    paused = open_pauses(session, [c.id for c in complaints if c.paused])
    scored = [
        (-view_fields(c, tags=tags.get(c.id, []), paused_since=paused.get(c.id), as_of=at,
                      weights=weights)["urgency"], c.id, c)
        for c in complaints
    ]
    scored.sort(key=lambda s: (s[0], s[1]))
    return [c for _score, _id, c in scored[:limit]]


def urgency_in_sql(session: Session, weights: dict[str, float] | None, at: datetime):
    """``domain.urgency``'s score of a complaint as an SQL expression over its row, its scored
    tags and its open pause, at ``at``: every term of the table, unrounded."""
    w = {**DEFAULT_WEIGHTS, **(weights or {})}
    c = Complaint
    sqlite = session.get_bind().dialect.name == "sqlite"
    least, greatest = (func.min, func.max) if sqlite else (func.least, func.greatest)
    due_factor = case(  # 0.2 at 14 days left or more, rising linearly to 1.0 at 7 days late
        (or_(~col(c.status).in_(sorted(RUNNING)), col(c.due_at).is_(None)), 0.0),
        else_=0.2 + least(greatest(14.0 - _days_left(sqlite, at), 0.0), 21.0) * (0.8 / 21))
    amount = cast(col(c.amount_cents), Float) / 100_000.0  # in thousands
    factors = {
        "due": due_factor,
        "priority": case(PRIORITY_FACTOR, value=col(c.priority), else_=0.0),
        "elderly": case((_tagged("elderly"), 1.0), else_=0.0),
        "vulnerable": case((_tagged("vulnerable"), 1.0), else_=0.0),
        "regulator": case((col(c.channel) == "regulator", 1.0), else_=0.0),
        "group": case((col(c.group_size) >= 20, 1.0), (col(c.group_size) <= 1, 0.0),
                      else_=(cast(col(c.group_size), Float) - 1) / 19.0),
        "amount": case((col(c.amount_cents) >= 100_000_000, 1.0),
                       (col(c.amount_cents) > 100_000, func.log(amount) / 3.0), else_=0.0),
        "reopened": case((col(c.reopen_count) >= 3, 1.0),
                         else_=cast(func.coalesce(col(c.reopen_count), 0), Float) / 3.0),
        "escalated": case((func.coalesce(col(c.escalation_level), 0) >= 2, 1.0),
                          else_=cast(func.coalesce(col(c.escalation_level), 0), Float) / 2.0),
        "paused": case((col(c.paused) == True, 1.0), else_=0.0),
    }
    return sum((factors[name] * w[name] for name in factors if w.get(name)),
               start=literal(0.0))


def _tagged(tag: str):
    return (select(ComplaintTag.complaint_id)
            .where(ComplaintTag.complaint_id == Complaint.id, ComplaintTag.tag == tag).exists())


def _days_left(sqlite: bool, at: datetime):
    """Days from the clock's reference (``at``, or when its open pause began) to the due time:
    ``clock.state.seconds_left`` in days."""
    from complaintctl.store.models import Pause

    began = (select(Pause.started_at)
             .where(Pause.complaint_id == Complaint.id, col(Pause.ended_at).is_(None))
             .limit(1).scalar_subquery())
    moment = literal(at, type_=Complaint.__table__.c.due_at.type)
    reference = case((col(Complaint.paused) == True, func.coalesce(began, moment)),
                     else_=moment)
    if sqlite:
        return func.julianday(col(Complaint.due_at)) - func.julianday(reference)
    return func.extract("epoch", col(Complaint.due_at) - reference) / 86400.0


class rare(FunctionElement):  # used as a function, like func.x
    """A condition few rows meet, said so to SQLite's planner (``likelihood(x, 0.05)``): the
    open statuses are a few percent of a long-lived database, but ANALYZE's statistics know
    only the number of distinct statuses, so SQLite would scan the table rather than read
    ``ix_complaint_status_due``. Elsewhere the condition as it is (PostgreSQL's statistics
    see the skew)."""

    inherit_cache = True
    name = "rare"  # no Boolean type: SQLite's compiler would write ``... = 1``, hiding the hint


@compiles(rare)
def _rare(element, compiler, **kw):
    return compiler.process(next(iter(element.clauses)), **kw)


@compiles(rare, "sqlite")
def _rare_in_sqlite(element, compiler, **kw):
    return f"likelihood({compiler.process(next(iter(element.clauses)), **kw)}, 0.05)"
