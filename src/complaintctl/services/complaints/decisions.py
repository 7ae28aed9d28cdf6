"""The decision and what follows it: resolve (outcome, remedies, how the customer was told),
close (satisfaction), reopen, withdraw, merge and archive.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from complaintctl.domain import clock, lifecycle, limits, money
from complaintctl.domain.enums import (
    MONETARY_REMEDIES,
    OPEN_STATUSES,
    Action,
    ContactVia,
    EventKind,
    Outcome,
    RemedyKind,
    Status,
)
from complaintctl.domain.permissions import Permission
from complaintctl.errors import (
    InvalidData,
    TransitionNotAllowed,
    UsageProblem,
)
from complaintctl.i18n import _
from complaintctl.store.models import Complaint, Remedy
from complaintctl.services.core import trail as audit
from complaintctl.services.complaints.registration import RemedyInput
from complaintctl.services.core.kernel import acting_on, change_with_text, effective_time, get, resolve_number, record_change, required_text, set_fields
from complaintctl.services.core.context import Actor, now, timezone_of, use_case


def resolve(
    *,
    session: Session,
    actor: Actor,
    number: str,
    outcome: Outcome,
    findings: str,
    remedies: list[RemedyInput],
    notified_via: ContactVia,
    proof: str | None = None,
    at: datetime | None = None,
) -> Complaint:
    """Record the decision, its remedies, and how the customer was told (CBIRC Art 19, 21)."""
    number = resolve_number(session, number)
    with acting_on(session, actor, Action.resolve, number, Permission.resolve) as complaint:
        findings = required_text(findings, _("The findings (--findings)"),
                                 field="findings")
        limits.check("notice_proof", proof)
        rows = _remedy_rows(outcome, remedies)
        at = effective_time(session, at, complaint)
        for old in session.exec(select(Remedy).where(Remedy.complaint_id == complaint.id)):
            session.delete(old)
        for kind, cents, note_text in rows:
            session.add(
                Remedy(complaint_id=complaint.id, kind=kind.value, amount_cents=cents,
                       note=note_text)
            )
        changes: dict[str, list[Any]] = {}
        set_fields(
            complaint, changes, outcome=outcome.value, findings=findings, notified_at=at,
            notified_via=notified_via.value, notice_proof=proof or None,
        )
        record_change(
            session, actor, complaint, Action.resolve, at,
            details={
                "changes": changes,
                "remedies": [
                    {"kind": k.value, "amount": money.format_amount(c), "note": n}
                    for k, c, n in rows
                ],
            },
        )
    return complaint


def _remedy_rows(
    outcome: Outcome, remedies: list[RemedyInput]
) -> list[tuple[RemedyKind, int | None, str | None]]:
    rows = []
    for remedy in remedies:
        cents = money.parse_amount(remedy.amount)
        if remedy.kind in MONETARY_REMEDIES and not cents:
            raise InvalidData(
                _("Remedy {kind} needs an amount: --remedy {kind}:200.").format(
                    kind=remedy.kind.value
                )
            )
        if remedy.kind not in MONETARY_REMEDIES and cents is not None:
            raise InvalidData(
                _("Remedy {kind} takes no amount; only compensation and fee_refund do.").format(
                    kind=remedy.kind.value
                )
            )
        rows.append((remedy.kind, cents, remedy.note))
    if outcome is not Outcome.not_upheld and not rows:
        raise InvalidData(
            _("An {outcome} complaint needs at least one --remedy (e.g. apology).").format(
                outcome=outcome.value
            )
        )
    if outcome is Outcome.not_upheld and any(k in MONETARY_REMEDIES for k, _c, _n in rows):
        raise InvalidData(
            _("A not_upheld complaint gets no money; use partially_upheld or drop the remedy.")
        )
    return rows


def close(
    *,
    session: Session,
    actor: Actor,
    number: str,
    satisfaction: int,
    feedback: str | None = None,
    disputed: bool = False,
    at: datetime | None = None,
) -> Complaint:
    """Close after checking the customer's satisfaction (1-5)."""
    number = resolve_number(session, number)
    with acting_on(session, actor, Action.close, number, Permission.close) as complaint:
        if not 1 <= satisfaction <= 5:
            raise InvalidData(_("--satisfaction must be a whole number from 1 to 5."))
        limits.check("feedback", feedback)
        if satisfaction <= 2 and not disputed:
            raise InvalidData(
                _(
                    "The customer is dissatisfied ({score}/5): close with --disputed to record "
                    "the dispute, or `complaintctl reopen {number} --reason ...` to keep working."
                ).format(score=satisfaction, number=number)
            )
        at = effective_time(session, at, complaint)
        changes: dict[str, list[Any]] = {}
        set_fields(
            complaint, changes, satisfaction=satisfaction, feedback=feedback or None,
            disputed=disputed, closed_at=at,
        )
        record_change(session, actor, complaint, Action.close, at, details={"changes": changes})
    return complaint


def reopen(
    *, session: Session, actor: Actor, number: str, reason: str, at: datetime | None = None
) -> Complaint:
    return change_with_text(
        session=session, actor=actor, number=number, action=Action.reopen,
        permission=Permission.reopen, key="reason", text=reason,
        what=_("The reason (--reason)"), field="reason", at=at,
        fields=lambda complaint: dict(
            reopen_count=complaint.reopen_count + 1, closed_at=None, satisfaction=None,
            feedback=None, disputed=False))


def withdraw(
    *, session: Session, actor: Actor, number: str, reason: str, at: datetime | None = None
) -> Complaint:
    """The complainant withdrew (CBIRC Art 15): handling ends the day it is received."""
    return change_with_text(
        session=session, actor=actor, number=number, action=Action.withdraw,
        permission=Permission.withdraw, key="reason", text=reason,
        what=_("The reason (--reason)"), field="reason", at=at)


def merge(
    *, session: Session, actor: Actor, number: str, into: str, at: datetime | None = None
) -> Complaint:
    """Merge a duplicate into another complaint; both keep their history."""
    number, into = resolve_number(session, number), resolve_number(session, into)
    with use_case(session, actor, Action.merge.value, number):
        if number == into:
            raise UsageProblem(_("A complaint cannot be merged into itself."))
        complaint = get(session, number, lock=True)
        target = get(session, into, lock=True)
        actor.check(Permission.merge, complaint=complaint)
        actor.check(Permission.merge, complaint=target)
        lifecycle.apply(Status(complaint.status), Action.merge, number=number)
        if Status(target.status) not in OPEN_STATUSES:
            raise TransitionNotAllowed(
                _("Can't merge {number} into {into} when it is {status}; merge into an open "
                  "complaint.").format(number=number, into=into, status=target.status)
            )
        at = effective_time(session, at, complaint)
        clock.check_effective_time(at, now=now(), previous=target.last_event_at,
                                   tz=timezone_of(session))
        changes: dict[str, list[Any]] = {}
        set_fields(complaint, changes, merged_into=into)
        record_change(session, actor, complaint, Action.merge, at,
                details={"into": into, "changes": changes})
        target.last_event_at = at
        session.add(target)
        audit.record(
            session, kind=EventKind.change, action=Action.merge.value, actor=actor.username,
            at=at, complaint=target, from_status=target.status, to_status=target.status,
            details={"merged_from": number},
        )
    return complaint


def archive(
    *, session: Session, actor: Actor, number: str, at: datetime | None = None
) -> Complaint:
    number = resolve_number(session, number)
    with acting_on(session, actor, Action.archive, number, Permission.archive) as complaint:
        at = effective_time(session, at, complaint)
        changes: dict[str, list[Any]] = {}
        set_fields(complaint, changes, archived_at=at)
        record_change(session, actor, complaint, Action.archive, at, details={"changes": changes})
    return complaint
