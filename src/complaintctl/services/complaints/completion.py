"""Shell completion's candidates (issue 22): the complaint numbers and the staff user names
that begin with what was typed, as the actor may see them (their branches; on PostgreSQL the
row-level security of the session as well).

A number completes in the form it was begun in (a shell offers only the candidates that begin
with what was typed): ``CMP-2026-00`` to whole numbers, ``4`` to this
year's short numbers (``4``, ``40``, ``41``, ...), ``2025-1`` to that year's (``2025-1``,
``2025-10``, ...), the forms ``core.kernel.resolve_number`` reads. Every lookup is a range of the
unique index on the number (or on the user name), so it costs the same on a million
complaints as on ten. Nothing is written: a refusal raises, unrecorded, and the front-end
completes nothing.
"""

from __future__ import annotations

import re

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from complaintctl.domain.enums import OPEN_STATUSES
from complaintctl.domain.permissions import Permission
from complaintctl.services.core.context import Actor, now, timezone_of
from complaintctl.store.models import Complaint, Staff

#: The most candidates one completion offers (a shell lists them all).
LIMIT = 50
#: The digits of a number's sequence as ``allocate_numbers`` writes it.
_WIDTH = 6
#: A short number begun: an optional year and dash, then digits (none yet after the dash).
_SHORT = re.compile(r"^(?P<year>\d{4}-)?(?P<n>\d*)$")


def numbers(*, session: Session, actor: Actor, typed: str, limit: int = LIMIT
            ) -> list[tuple[str, str]]:
    """(candidate, its status) for the complaints ``actor`` may read whose number begins as
    ``typed``: nothing typed offers the newest open ones."""
    actor.check(Permission.read)
    text = typed
    short = _SHORT.match(text)
    if not text:
        query = _numbers(actor).where(col(Complaint.status).in_(
            sorted(s.value for s in OPEN_STATUSES))).order_by(col(Complaint.number).desc())
        return [(n, s) for n, s in session.exec(query.limit(limit))]
    if short is None or not (short["year"] or short["n"]):
        query = _numbers(actor).where(*_prefix(col(Complaint.number), text.upper()))
        found = session.exec(query.order_by(col(Complaint.number)).limit(limit))
        return [(text + n[len(text):], s) for n, s in found]  # as begun: ``cmp-`` stays
    year = int(short["year"][:4]) if short["year"] else now().astimezone(timezone_of(session)).year
    head, digits = short["year"] or "", short["n"]
    significant = digits.lstrip("0")
    zeros = digits[:len(digits) - len(significant)]
    ranges = _sequence_ranges(significant)
    if not ranges:
        return []
    query = _numbers(actor).where(or_(*(
        and_(col(Complaint.number) >= f"CMP-{year}-{low:0{_WIDTH}d}",
             col(Complaint.number) <= f"CMP-{year}-{high:0{_WIDTH}d}")
        for low, high in ranges)))
    found = session.exec(query.order_by(col(Complaint.number)).limit(limit)).all()
    return [(f"{head}{zeros}{int(n.rsplit('-', 1)[1])}", s) for n, s in found]


def _numbers(actor: Actor):
    query = select(Complaint.number, Complaint.status)
    branches = actor.visible_branches()
    if branches is not None:
        query = query.where(col(Complaint.branch).in_(sorted(branches)))
    return query


def _prefix(column, begun: str):
    """The rows whose ``column`` begins with ``begun``: a range, which an index answers."""
    if not begun:
        return ()
    return column >= begun, column < begun[:-1] + chr(ord(begun[-1]) + 1)


def _sequence_ranges(significant: str) -> list[tuple[int, int]]:
    """The ranges of sequence numbers whose digits begin with ``significant`` (no leading
    zero): ``4`` -> 4, 40-49, 400-499, ... up to six digits; nothing begun -> 1-999999."""
    if not significant:
        return [(1, 10 ** _WIDTH - 1)]
    first = int(significant)
    return [(first * 10 ** k, (first + 1) * 10 ** k - 1)
            for k in range(_WIDTH - len(significant) + 1)]


def staff_names(*, session: Session, actor: Actor, typed: str, limit: int = LIMIT
                ) -> list[tuple[str, str]]:
    """(user name, "name (role)") for the active members of staff whose user name begins with
    ``typed``: of the actor's branches when their role is limited to some, else everyone."""
    actor.check(Permission.read)
    query = select(Staff.username, Staff.name, Staff.role).where(Staff.active == True)
    query = query.where(*_prefix(col(Staff.username), typed.strip()))
    branches = actor.visible_branches()
    if branches is not None:
        query = query.where(col(Staff.branch).in_(sorted(branches)))
    rows = session.exec(query.order_by(col(Staff.username)).limit(limit)).all()
    return [(username, f"{name} ({role})") for username, name, role in rows]
