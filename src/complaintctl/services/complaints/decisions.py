"""The decision and what follows it: resolve (the facts, the outcome and remedies, the reasons
and basis, the decision notice; how the customer was told, or later ``notices``),
close (satisfaction), reopen, withdraw, merge and archive.
"""

from __future__ import annotations

from collections.abc import Callable
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
from complaintctl.services.complaints import notices
from complaintctl.services.core import config, recusal
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
    reasons: str | None = None,
    basis: str | None = None,
    notified_via: ContactVia | None = None,
    proof: str | None = None,
    language: str | None = None,
    render: Callable[[dict[str, Any]], bytes] | None = None,
    at: datetime | None = None,
) -> Complaint:
    """Record the decision: the facts verified (``findings``), the result (``outcome`` and
    remedies), its reasons and basis (CBIRC Art 19, all required), and its decision notice in
    the customer's language (``language``: zh or en), whose SHA-256 goes into the event (of
    the HTML ``render`` makes, and of its content). With ``notified_via`` (and its ``proof``,
    Art 21) the notice is recorded as given at the resolve time; without, it is a later step
    (``notices.notify_decision``)."""
    number = resolve_number(session, number)
    with acting_on(session, actor, Action.resolve, number, Permission.resolve) as complaint:
        findings = required_text(findings, _("The findings (--findings)"),
                                 field="findings")
        reasons = _art19(reasons, _("its reasons (--reasons)"), "reasons")
        basis = _art19(basis, _("its basis (--basis)"), "basis")
        if notified_via is not None:
            proof = notices.check_proof(notified_via, proof)
        elif proof is not None:
            raise UsageProblem(_("--proof records how the customer was told and needs "
                                 "--notified-via; or record the notice later with "
                                 "`complaintctl notify-decision`."))
        lang = notices.check_language(language, config.load(session)["notice.language"])
        rows = _remedy_rows(outcome, remedies)
        at = effective_time(session, at, complaint)
        _replace_remedies(session, complaint, rows)
        changes: dict[str, list[Any]] = {}
        told = notified_via is not None
        set_fields(
            complaint, changes, outcome=outcome.value, findings=findings,
            decision_reasons=reasons, decision_basis=basis, notice_language=lang,
            notified_at=at if told else None,
            notified_via=notified_via.value if told else None, notice_proof=proof,
            notice_attempts=0, notice_unreachable=False,
        )
        session.flush()
        record_change(
            session, actor, complaint, Action.resolve, at,
            details={
                "changes": changes,
                "remedies": [
                    {"kind": k.value, "amount": money.format_amount(c), "note": n}
                    for k, c, n in rows
                ],
                "notice": _notice_digests(session, complaint, at, render),
            },
        )
    return complaint


def _replace_remedies(session: Session, complaint: Complaint, rows) -> None:
    for old in session.exec(select(Remedy).where(Remedy.complaint_id == complaint.id)):
        session.delete(old)
    for kind, cents, note_text in rows:
        session.add(Remedy(complaint_id=complaint.id, kind=kind.value, amount_cents=cents,
                           note=note_text))


def _art19(value: str | None, what: str, field: str) -> str:
    """A part of the decision Art 19 requires: not blank, within its limit."""
    if not (value or "").strip():
        raise InvalidData(_("A decision needs {what}: it states the facts verified, the "
                            "result, its reasons and its basis (CBIRC Art 19).").format(
            what=what))
    return required_text(value, what, field=field)


def _notice_digests(session: Session, complaint: Complaint, at: datetime,
                    render: Callable[[dict[str, Any]], bytes] | None) -> dict[str, Any]:
    """The decision notice's language and SHA-256 (of its content; of the HTML when a
    renderer is given), for the resolve event."""
    made = notices.content(session, complaint, at=at)
    found: dict[str, Any] = {"language": made["language"],
                             "content_sha256": notices.digest(made)}
    if render is not None:
        found.update(format="html", sha256=notices.digest(render(made)))
    return found


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
        for one in (complaint, target):
            recusal.check_actor(session, actor.username, Action.merge.value, one)
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
