"""Deciding and ending a complaint: resolve, close, reopen, withdraw, merge and archive."""

from __future__ import annotations

from typing import Annotated

import typer

from complaintctl.cli.acting import call
from complaintctl.cli.common import At, LateReason, Number, state
from complaintctl.cli.complaints.message import announce
from complaintctl.cli.completion import complaint_numbers
from complaintctl.domain.enums import ContactVia, Outcome
from complaintctl.i18n import _


def resolve(
    ctx: typer.Context, number: Number,
    outcome: Annotated[Outcome, typer.Option(help=_("The decision (the result)."))],
    findings: Annotated[str, typer.Option("--findings", "--facts", help=_("The facts the investigation verified."))],
    reasons: Annotated[str | None, typer.Option(help=_("The reasons for the decision (required, CBIRC Art 19)."))] = None,
    basis: Annotated[str | None, typer.Option(help=_("Its basis: the contract terms, rules or law applied (required, CBIRC Art 19)."))] = None,
    remedy: Annotated[list[str] | None, typer.Option(help=_("KIND[:AMOUNT] (repeatable): apology, compensation:200, fee_refund:35, correction, explanation, tracking, other."))] = None,
    notice_lang: Annotated[str | None, typer.Option("--notice-lang", help=_("The customer's language for the decision notice: zh or en [default: config notice.language]."))] = None,
    notified_via: Annotated[ContactVia | None, typer.Option(help=_("The customer was told at the resolve time, this way; otherwise record it later with notify-decision."))] = None,
    proof: Annotated[str | None, typer.Option(help=_("Proof of that notice (required for phone, sms, email, letter): call record, SMS id, letter ref."))] = None,
    at: At = None,
    late_reason: LateReason = None,
) -> None:
    from complaintctl.present.notice import html_bytes
    from complaintctl.services.complaints import decisions
    from complaintctl.services.complaints.registration import RemedyInput

    st = state(ctx)
    remedies = [RemedyInput.parse(r) for r in remedy or []]
    with st.session(write=True) as session:
        c = decisions.resolve(session=session, actor=st.actor(session), number=number,
                              outcome=outcome, findings=findings, reasons=reasons, basis=basis,
                              remedies=remedies, notified_via=notified_via, proof=proof,
                              language=notice_lang, render=html_bytes, at=st.at(session, at))
    if c.notified_at is not None:
        announce(_("{number} resolved; the customer's notice is on record."), c)
    else:
        announce(_("{number} resolved; print its notice with `complaintctl notice {number}` and "
                   "record how the customer was told with `complaintctl notify-decision`."), c)


def close(
    ctx: typer.Context, number: Number,
    satisfaction: Annotated[int, typer.Option(help=_("The customer's satisfaction, 1 (worst) to 5."))],
    feedback: Annotated[str | None, typer.Option(help=_("What the customer said."))] = None,
    disputed: Annotated[bool, typer.Option("--disputed", help=_("The customer still disputes the outcome."))] = False,
    at: At = None,
    late_reason: LateReason = None,
) -> None:
    from complaintctl.services.complaints import decisions

    c = call(ctx, decisions.close,
             number=number, satisfaction=satisfaction, feedback=feedback, disputed=disputed, at=at)
    announce(_("{number} closed."), c)


Reason = Annotated[str, typer.Option("--reason", help=_("Why (recorded on the timeline)."))]


def reopen(ctx: typer.Context, number: Number, reason: Reason,
        at: At = None, late_reason: LateReason = None) -> None:
    from complaintctl.services.complaints import decisions

    c = call(ctx, decisions.reopen, number=number, reason=reason, at=at)
    announce(_("{number} reopened; it is {status} again."), c)


def withdraw(ctx: typer.Context, number: Number, reason: Reason,
        at: At = None, late_reason: LateReason = None) -> None:
    from complaintctl.services.complaints import decisions

    c = call(ctx, decisions.withdraw, number=number, reason=reason, at=at)
    announce(_("{number} withdrawn; handling ends today."), c)


def merge(ctx: typer.Context, number: Number,
          into: Annotated[str, typer.Option("--into", help=_("The complaint it duplicates."), metavar="NUMBER", autocompletion=complaint_numbers)],
          at: At = None, late_reason: LateReason = None) -> None:
    from complaintctl.services.complaints import decisions

    c = call(ctx, decisions.merge, number=number, into=into, at=at)
    announce(_("{number} merged into {into}."), c)


def archive(ctx: typer.Context, number: Number,
        at: At = None, late_reason: LateReason = None) -> None:
    from complaintctl.services.complaints import decisions

    c = call(ctx, decisions.archive, number=number, at=at)
    announce(_("{number} archived."), c)
