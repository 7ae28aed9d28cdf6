"""``register``: a new complaint from options (asking on a terminal for what is missing) or JSON."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from complaintctl.cli.common import At, LateReason, state
from complaintctl.cli.complaints.message import announce
from complaintctl.domain.enums import Channel, Priority
from complaintctl.errors import UsageProblem
from complaintctl.i18n import _


def _ask(value, option: str, label: str, *, choices=None):
    """A missing required value: prompt on a terminal, else refuse (exit 2)."""
    if value not in (None, ""):
        return value
    if not sys.stdin.isatty():
        raise UsageProblem(_("Missing {option}; pass it (no prompt without a terminal).").format(
            option=option))
    suffix = _(": ")  # the language's colon: "渠道（counter/…）：" under zh
    if choices:
        from complaintctl.cli.prompts import choose

        return choose(label, option, choices)
    return typer.prompt(label, prompt_suffix=suffix)


def _representatives(given: list[str] | None) -> list[dict[str, str]]:
    """``--representative NAME,PHONE`` as {"name", "phone"} (checked by registration)."""
    from complaintctl.domain.identity import parse_representative

    return [parse_representative(text).as_dict() for text in given or []]


def register(
    ctx: typer.Context,
    channel: Annotated[Channel | None, typer.Option(help=_("How the complaint came in."))] = None,
    customer: Annotated[str | None, typer.Option(help=_("The complainant's name."))] = None,
    summary: Annotated[str | None, typer.Option(help=_("One line: what is complained about."))] = None,
    phone: Annotated[str | None, typer.Option(help=_("Contact phone."))] = None,
    email: Annotated[str | None, typer.Option(help=_("Contact email."))] = None,
    id_number: Annotated[str | None, typer.Option(help=_("National ID number."))] = None,
    account: Annotated[str | None, typer.Option(help=_("Account or card number."))] = None,
    customer_id: Annotated[str | None, typer.Option(help=_("The bank's customer id."))] = None,
    group_size: Annotated[int, typer.Option(help=_("Joint complainants."), min=1)] = 1,
    branch: Annotated[str | None, typer.Option(help=_("Branch responsible [default: yours]."))] = None,
    product: Annotated[str | None, typer.Option(help=_("Product or business line."))] = None,
    issue: Annotated[str | None, typer.Option(help=_("Issue category."))] = None,
    description: Annotated[str | None, typer.Option(help=_("The complaint in full."))] = None,
    amount: Annotated[str | None, typer.Option(help=_("Amount in dispute, e.g. 1200.50."))] = None,
    currency: Annotated[str, typer.Option(help=_("ISO currency code."))] = "CNY",
    tag: Annotated[list[str] | None, typer.Option(help=_("A tag (repeatable): elderly, vulnerable, media, repeat, ..."))] = None,
    priority: Annotated[Priority | None, typer.Option(help=_("Override the derived priority."))] = None,
    received_at: Annotated[str | None, typer.Option(help=_("When the bank received it [default: --at]."), metavar="TIMESTAMP")] = None,
    source_ref: Annotated[str | None, typer.Option(help=_("The sender's reference, e.g. a regulator referral number."))] = None,
    external_ref: Annotated[str | None, typer.Option(help=_("A unique id from another system (imports skip it if known)."))] = None,
    representative: Annotated[list[str] | None, typer.Option(help=_("A joint complaint's representative as NAME,PHONE (repeatable, at most 5; CBIRC Art 12)."), metavar="NAME,PHONE")] = None,
    regulator_due: Annotated[str | None, typer.Option(help=_("A regulator referral's deadline, YYYY-MM-DD (with --source-ref; CBIRC Art 33)."), metavar="DATE")] = None,
    media: Annotated[str | None, typer.Option(help=_("Media attention: national, local or social (the emergency plan's triggers; Art 29)."))] = None,
    cause: Annotated[str | None, typer.Option(help=_("Caused by a disaster, accident or public_health event (Art 29)."))] = None,
    regulator_designated: Annotated[bool, typer.Option("--regulator-designated", help=_("The regulator designated it a major complaint (Art 29)."))] = False,
    at: At = None,
    late_reason: LateReason = None,
    merge_into: Annotated[str | None, typer.Option(help=_("Register it as a repeat of this open complaint and merge it there (CBIRC Art 18: that complaint's clock stands; the customer is told)."), metavar="NUMBER")] = None,
    json_input: Annotated[str | None, typer.Option("--json", help=_("Read one complaint object (the keys of show --format json) from FILE or - (stdin); print {\"number\": ...}."), metavar="FILE")] = None,
) -> None:
    from complaintctl.services.complaints import merging
    from complaintctl.services.complaints import registration as complaints
    from complaintctl.services.core.context import timezone_of

    if json_input is not None:
        return _from_json(ctx, json_input, any((channel, customer, summary, at, merge_into)))
    channel, customer, summary = _asked(channel, customer, summary)
    st = state(ctx)
    with st.session(write=True) as session:
        # read inside the transaction: after its commit a read opens a second write transaction
        tz = timezone_of(session)
        new = complaints.NewComplaint(
            channel=channel, customer=customer, summary=summary, phone=phone, email=email,
            id_number=id_number, account=account, customer_id=customer_id,
            group_size=group_size, branch=branch, product=product, issue=issue,
            description=description, amount=amount, currency=currency, tags=tag or [],
            priority=priority, received_at=st.at(session, received_at), source_ref=source_ref,
            external_ref=external_ref, representatives=_representatives(representative),
            regulator_due=regulator_due, media=media, cause=cause,
            regulator_designated=regulator_designated,
        )
        actor, when = st.actor(session), st.at(session, at)
        if merge_into:
            done = merging.register_merged(session=session, actor=actor, new=new,
                                           into=merge_into, at=when)
        else:
            done = complaints.register_checked(session=session, actor=actor, new=new, at=when)
    _registered(done, merged=bool(merge_into), tz=tz)


def _asked(channel, customer, summary):
    """The three fields every complaint has, asked for on a terminal when not given."""
    return (_ask(channel, "--channel", _("Channel"), choices=Channel),
            _ask(customer, "--customer", _("Customer name")), _ask(summary, "--summary", _("Summary")))


def _from_json(ctx: typer.Context, source: str, fields_given: bool) -> None:
    """``register --json FILE``: one complaint object, and no field options beside it."""
    if fields_given:
        raise UsageProblem(_("--json takes the whole complaint; give no field options with it."))
    from complaintctl.cli.intake import register_json

    return register_json(ctx, source)


def _registered(done, *, merged: bool, tz) -> None:
    """What ``register`` says once saved: the number and its due date (or where it was
    merged), the possible repeats, and the number alone on stdout for scripts."""
    from complaintctl.present import views

    complaint = done.complaint
    if merged:
        announce(_("Registered {number} and merged it into {into} (CBIRC Art 18: the clock of "
                   "{into} stands; the customer is told)."), complaint)
    else:
        announce(_("Registered {number}; decision due {due}."), complaint, due=True, tz=tz)
    views.possible_repeats(done.possible_duplicates, merged=merged)
    print(complaint.number)
