"""Assignment rules: recusal (CBIRC Art 17) and automatic assignment.

Recusal: conflicts are recorded per member of staff, of four kinds: ``customer_id`` (the bank's
customer id), ``account`` (an account or card number), ``branch`` (every complaint of a branch)
and ``colleague`` (a named colleague: complaints that colleague registered or handled, or whose
summary, issue or description names them). A branch must be one the database knows, taken as
``staff add --branch`` takes it (spelled as stored); a colleague a member of staff, as the
filters take a user; customer ids and accounts are free text. Assigning a complaint to someone
with a matching conflict is refused (exit 4) with the reason.

Automatic assignment picks, among the active handlers of the complaint's branch who are not
recused, the one with the fewest open complaints; on a tie, the next after the last one picked
in that branch (round robin by user name).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from complaintctl.domain.clock import iso
from complaintctl.domain.deadlines import RUNNING
from complaintctl.domain.enums import Action, EventKind, Role
from complaintctl.domain.permissions import Permission
from complaintctl.errors import InvalidData, NotFound, UsageProblem
from complaintctl.i18n import _
from complaintctl.store.models import Complaint, Staff, StaffConflict
from complaintctl.services.core import trail as audit
from complaintctl.services.core import filter_values, recusal
from complaintctl.services.core.recusal import conflict_reason
from complaintctl.services.core.kernel import effective_time, get, record_change, set_fields
from complaintctl.services.core.context import (
    Actor,
    get_setting,
    now,
    set_setting,
    timezone_of,
    use_case,
)

CONFLICT_KINDS = ("customer_id", "account", "branch", "colleague")
#: statuses that count as open work for balancing (under review counts too)
WORKLOAD = frozenset({"registered", "assigned", "investigating", "resolved"} | RUNNING)
PERSONAL_KINDS = recusal.PERSONAL_KINDS


_shown = recusal.shown


def _staff(session: Session, username: str) -> Staff:
    person = session.exec(select(Staff).where(Staff.username == username)).first()
    if person is None:
        raise NotFound(_("No member of staff called {user}.").format(user=username))
    return person


# --- conflicts -----------------------------------------------------------------------------------


def add_conflict(*, session: Session, actor: Actor, username: str, kind: str, value: str,
                 note: str | None = None, at: datetime | None = None) -> AddedConflict:
    """Record a conflict (effective ``at``, default now); the open complaints it bars their
    current assignee from are flagged for reassignment (CBIRC Art 17)."""
    with use_case(session, actor, "staff conflict add"):
        actor.check(Permission.staff)
        if kind not in CONFLICT_KINDS:
            raise InvalidData(_("'{kind}' is not a kind of conflict; use one of {kinds}.").format(
                kind=kind, kinds=", ".join(CONFLICT_KINDS)))
        value = (value or "").strip()
        if not value:
            raise InvalidData(_("The conflict's value (--value) cannot be blank."))
        person = _staff(session, username)
        if kind == "branch":  # as `staff add --branch` takes it: known, spelled as stored
            value = filter_values.known_branch(session, value)
        if kind == "colleague":  # as the filters take a user: a member of staff, exactly
            value = filter_values.check(session, actor, action="staff conflict add",
                                        user=value).user
            if value == username:
                raise InvalidData(_("A member of staff is not in conflict with themselves."))
        conflict = StaffConflict(staff_id=person.id, kind=kind, value=value,
                                 note=(note or "").strip() or None, created_by=actor.username,
                                 created_at=effective_time(session, at, None))
        try:
            with session.begin_nested():
                session.add(conflict)
        except IntegrityError:
            raise UsageProblem(_("{user} already has that conflict recorded.").format(
                user=username)) from None
        audit.record(session, kind=EventKind.admin, action="staff conflict add",
                     actor=actor.username, at=conflict.created_at,
                     details={"staff": username, "kind": kind, "conflict": conflict.id,
                              "value": None if kind in PERSONAL_KINDS else value},
                     personal={"value": value} if kind in PERSONAL_KINDS else None)
        conflict_flagged = _flag_for_reassignment(session, actor, username, conflict, at)
    return AddedConflict(conflict.id, conflict_flagged)


@dataclass(frozen=True)
class AddedConflict:
    """A recorded conflict, and the complaints of its holder it flagged for reassignment."""

    id: int
    flagged: list[str]


def _flag_for_reassignment(session: Session, actor: Actor, username: str,
                           conflict: StaffConflict, at: datetime | None) -> list[str]:
    """The open complaints assigned to ``username`` that ``conflict`` bars them from (Art 17):
    each flagged (``reassign_reason``), its own audited event, and its branch supervisors
    told through the outbox."""
    from complaintctl.services.notify import outbox

    held = session.exec(select(Complaint).where(
        Complaint.assignee == username, col(Complaint.status).in_(sorted(WORKLOAD)))
        .order_by(col(Complaint.id)).with_for_update()).all()
    flagged = []
    for complaint in held:
        reason = recusal.reason_of(session, conflict, complaint)
        if reason is None:
            continue
        when = effective_time(session, at, complaint)
        complaint.reassign_reason = _("{user} is recused: {reason} (CBIRC Art 17)").format(
            user=username, reason=reason)
        complaint.last_event_at = when
        session.add(complaint)
        audit.record(session, kind=EventKind.change, action="recusal flag",
                     actor=actor.username, at=when, complaint=complaint,
                     from_status=complaint.status, to_status=complaint.status,
                     details={"staff": username, "conflict": conflict.id,
                              "reassign": True})
        outbox.queue(session, complaint=complaint, event="recusal",
                     recipients=outbox.branch_supervisors(session, complaint.branch),
                     what=_("reassign: the assignee {user} has a recorded conflict on it "
                            "(CBIRC Art 17)").format(user=username), at=when)
        flagged.append(complaint.number)
    return flagged


def remove_conflict(*, session: Session, actor: Actor, conflict_id: int) -> StaffConflict:
    with use_case(session, actor, "staff conflict remove"):
        actor.check(Permission.staff)
        conflict = session.get(StaffConflict, conflict_id)
        if conflict is None:
            raise NotFound(_("No conflict {id}; see `complaintctl staff conflict list`.").format(
                id=conflict_id))
        session.delete(conflict)
        audit.record(session, kind=EventKind.admin, action="staff conflict remove",
                     actor=actor.username, at=now(),
                     details={"conflict": conflict_id, "kind": conflict.kind})
    return conflict


def list_conflicts(*, session: Session, actor: Actor, username: str | None = None
                   ) -> list[dict[str, Any]]:
    actor.check(Permission.read)
    username = filter_values.check(session, actor, action="staff conflict list",
                                   user=username).user
    query = select(StaffConflict, Staff.username).where(StaffConflict.staff_id == Staff.id)
    if username:
        query = query.where(Staff.username == username)
    tz = timezone_of(session)
    return [
        {"id": c.id, "staff": user, "kind": c.kind, "value": _shown(c.kind, c.value),
         "note": c.note, "created_by": c.created_by, "created_at": iso(c.created_at, tz)}
        for c, user in session.exec(query.order_by(col(StaffConflict.id))).all()
    ]


def check_recusal(session: Session, username: str | None, complaint: Complaint) -> None:
    recusal.check_assignee(session, username, complaint)


# --- automatic assignment ---------------------------------------------------------------------


def candidates(session: Session, complaint: Complaint) -> list[tuple[str, int]]:
    """(handler, open complaints) for every active, unrecused handler of the branch."""
    handlers = session.exec(
        select(Staff).where(Staff.active == True, Staff.role == Role.handler.value,
                            Staff.branch == complaint.branch)
        .order_by(col(Staff.username))
    ).all()
    if complaint.branch is None:
        handlers = session.exec(
            select(Staff).where(Staff.active == True,
                                Staff.role == Role.handler.value)
            .order_by(col(Staff.username))
        ).all()
    names = [h.username for h in handlers if h.username != complaint.assignee
             and conflict_reason(session, h.username, complaint) is None]
    if not names:
        return []
    loads = dict(session.exec(
        select(Complaint.assignee, func.count())
        .where(col(Complaint.assignee).in_(names), col(Complaint.status).in_(sorted(WORKLOAD)))
        .group_by(Complaint.assignee)
    ).all())
    return [(n, loads.get(n, 0)) for n in names]


def pick(session: Session, complaint: Complaint) -> str:
    found = candidates(session, complaint)
    if not found:
        raise InvalidData(
            _("No active handler of branch {branch} can take {number} (none, or all recused); "
              "assign one with --to.").format(branch=complaint.branch or "-",
                                              number=complaint.number)
        )
    fewest = min(load for _n, load in found)
    tied = [n for n, load in found if load == fewest]
    last = get_setting(session, _rr_key(complaint.branch))
    after = [n for n in tied if last is not None and n > last]
    return (after or tied)[0]


def _rr_key(branch: str | None) -> str:
    return f"assign.last.{branch or '-'}"


def assign_auto(*, session: Session, actor: Actor, number: str, at: datetime | None = None
                ) -> Complaint:
    """``assign NUM --auto``: the branch handler with the fewest open complaints."""
    from complaintctl.services.complaints import handling

    complaint = get(session, number, lock=True)
    chosen = pick(session, complaint)
    set_setting(session, _rr_key(complaint.branch), chosen)
    return handling.assign(session=session, actor=actor, number=number, to=chosen, at=at)


def assign_within(session: Session, actor: Actor, complaint: Complaint, *, at: datetime,
                  reason: str) -> str | None:
    """Assign inside the caller's transaction (auto-assign on register); None if nobody fits."""
    if not candidates(session, complaint):
        return None
    chosen = pick(session, complaint)
    set_setting(session, _rr_key(complaint.branch), chosen)
    changes: dict[str, list[Any]] = {}
    set_fields(complaint, changes, assignee=chosen)
    record_change(session, actor, complaint, Action.assign, at,
                  details={"changes": changes, "auto": reason})
    return chosen


def set_senior(*, session: Session, actor: Actor, username: str, senior: bool) -> Staff:
    with use_case(session, actor, "staff senior"):
        actor.check(Permission.staff)
        person = _staff(session, username)
        old = person.senior
        person.senior = senior
        session.add(person)
        audit.record(session, kind=EventKind.admin, action="staff senior", actor=actor.username,
                     at=now(), details={"staff": username, "senior": [old, senior]})
    return person
