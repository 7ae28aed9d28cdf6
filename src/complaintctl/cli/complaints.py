"""Commands on complaints: register, work them through the lifecycle, show and list them."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from complaintctl.cli.common import At, Number, Unmask, helptext, state
from complaintctl.domain.enums import (
    Channel,
    ContactVia,
    Direction,
    Outcome,
    OutputFormat,
    Priority,
    ReadFormat,
    SortKey,
    Status,
)
from complaintctl.errors import UsageProblem
from complaintctl.i18n import _, format_datetime, label

evidence_app = typer.Typer(
    help=helptext(_("Evidence files kept with a complaint (content-addressed, SHA-256)."),
                  "complaintctl evidence list CMP-2026-000042"),
    no_args_is_help=True,
)


def _ask(value, option: str, label: str, *, choices=None):
    """A missing required value: prompt on a terminal, else refuse (exit 2)."""
    if value not in (None, ""):
        return value
    if not sys.stdin.isatty():
        raise UsageProblem(_("Missing {option}; pass it (no prompt without a terminal).").format(
            option=option))
    suffix = _(": ")  # the language's colon: "渠道（counter/…）：" under zh
    if choices:
        text = typer.prompt(_("{label} ({choices})").format(
            label=label, choices="/".join(c.value for c in choices)), prompt_suffix=suffix)
        try:
            return choices(text.strip())
        except ValueError:
            raise UsageProblem(_("'{value}' is not a valid {option}.").format(
                value=text, option=option)) from None
    return typer.prompt(label, prompt_suffix=suffix)


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
    at: At = None,
    json_input: Annotated[str | None, typer.Option("--json", help=_("Read one complaint object (the keys of show --format json) from FILE or - (stdin); print {\"number\": ...}."), metavar="FILE")] = None,
) -> None:
    from complaintctl.services.complaints import registration as complaints
    from complaintctl.services.complaints.registration import NewComplaint
    from complaintctl.services.core.context import timezone_of

    if json_input is not None:
        if channel or customer or summary or at:
            raise UsageProblem(_("--json takes the whole complaint; give no field options with it."))
        from complaintctl.cli.intake import register_json

        return register_json(ctx, json_input)
    channel = _ask(channel, "--channel", _("Channel"), choices=Channel)
    customer = _ask(customer, "--customer", _("Customer name"))
    summary = _ask(summary, "--summary", _("Summary"))
    st = state(ctx)
    with st.session(write=True) as session:
        # read inside the transaction: after its commit a read opens a second write transaction
        tz = timezone_of(session)
        new = NewComplaint(
            channel=channel, customer=customer, summary=summary, phone=phone, email=email,
            id_number=id_number, account=account, customer_id=customer_id,
            group_size=group_size, branch=branch, product=product, issue=issue,
            description=description, amount=amount, currency=currency, tags=tag or [],
            priority=priority, received_at=st.at(session, received_at), source_ref=source_ref,
            external_ref=external_ref,
        )
        complaint = complaints.register(
            session=session, actor=st.actor(session), new=new, at=st.at(session, at)
        )
    _done(_("Registered {number}; decision due {due}."), complaint, due=True, tz=tz)
    print(complaint.number)


def _done(template: str, complaint, *, due: bool = False, tz=None) -> None:
    from complaintctl.present import render

    extra = {}
    if due:
        from complaintctl.domain.clock import bank_tz, iso

        extra["due"] = format_datetime((iso(complaint.due_at, tz or bank_tz()) or "")[:16])
    render.message(template.format(number=complaint.number, status=label(complaint.status),
                                   assignee=complaint.assignee, into=complaint.merged_into,
                                   **extra))


def assign(ctx: typer.Context, number: Number,
           to: Annotated[str | None, typer.Option("--to", help=_("The handler's user name."))] = None,
           auto: Annotated[bool, typer.Option("--auto", help=_("The branch handler with the fewest open complaints."))] = False,
           at: At = None) -> None:
    from complaintctl.services.complaints import assignment, handling

    st = state(ctx)
    with st.session(write=True) as session:
        who = st.actor(session)
        if (to is None) == (not auto):
            raise UsageProblem(_("Missing option '--to' (or pass --auto, not both)."))
        if auto:
            c = assignment.assign_auto(session=session, actor=who, number=number,
                                       at=st.at(session, at))
        else:
            c = handling.assign(session=session, actor=who, number=number, to=to,
                                  at=st.at(session, at))
    _done(_("{number} assigned to {assignee}."), c)


def contact(
    ctx: typer.Context, number: Number,
    via: Annotated[ContactVia, typer.Option(help=_("How the customer was contacted."))],
    summary: Annotated[str, typer.Option(help=_("What was said."))],
    direction: Annotated[Direction, typer.Option(help=_("out: we contacted them; in: they contacted us."))] = Direction.out,
    at: At = None,
) -> None:
    from complaintctl.services.complaints import handling

    st = state(ctx)
    with st.session(write=True) as session:
        c = handling.contact(session=session, actor=st.actor(session), number=number, via=via,
                               summary=summary, direction=direction, at=st.at(session, at))
    _done(_("Contact logged on {number}."), c)


def investigate(ctx: typer.Context, number: Number, at: At = None) -> None:
    from complaintctl.services.complaints import handling

    st = state(ctx)
    with st.session(write=True) as session:
        c = handling.investigate(session=session, actor=st.actor(session), number=number,
                                   at=st.at(session, at))
    _done(_("{number} is now {status}."), c)


def note(ctx: typer.Context, number: Number,
         text: Annotated[str, typer.Argument(help=_("The note (internal, never sent)."))],
         at: At = None) -> None:
    from complaintctl.services.complaints import handling

    st = state(ctx)
    with st.session(write=True) as session:
        c = handling.note(session=session, actor=st.actor(session), number=number, text=text,
                            at=st.at(session, at))
    _done(_("Note added to {number}."), c)


def consult(
    ctx: typer.Context, number: Number,
    department: Annotated[str, typer.Option(help=_("The department asked."))],
    question: Annotated[str, typer.Option(help=_("What they are asked."))],
    at: At = None,
) -> None:
    from complaintctl.present import render
    from complaintctl.services.complaints import handling

    st = state(ctx)
    with st.session(write=True) as session:
        q = handling.consult(session=session, actor=st.actor(session), number=number,
                               department=department, question=question, at=st.at(session, at))
    render.message(_("Consultation {id} sent to {department}; record the reply with "
                     "`complaintctl answer {number} {id} TEXT`.").format(
        id=q.id, department=q.department, number=number.upper()))
    print(q.id)


def answer(
    ctx: typer.Context, number: Number,
    consultation: Annotated[int, typer.Argument(help=_("The consultation id (see show)."))],
    text: Annotated[str, typer.Argument(help=_("The department's answer."))],
    at: At = None,
) -> None:
    from complaintctl.present import render
    from complaintctl.services.complaints import handling

    st = state(ctx)
    with st.session(write=True) as session:
        q = handling.answer(session=session, actor=st.actor(session), number=number,
                              consultation_id=consultation, text=text, at=st.at(session, at))
    render.message(_("Answer from {department} recorded.").format(department=q.department))


def evidence_add(
    ctx: typer.Context, number: Number,
    file: Annotated[Path, typer.Argument(help=_("The file to keep."))],
    description: Annotated[str | None, typer.Option(help=_("What the file shows."))] = None,
    at: At = None,
) -> None:
    from complaintctl.present import render
    from complaintctl.infra.evidence import EvidenceStore
    from complaintctl.services.complaints import handling

    st = state(ctx)
    db = st.database()
    with st.session(write=True) as session:
        e = handling.add_evidence(
            session=session, actor=st.actor(session), number=number,
            store=EvidenceStore(db.evidence_dir), path=file, description=description,
            at=st.at(session, at),
        )
    render.message(_("Evidence {id} kept: {name}, {size} bytes, sha256 {sha}.").format(
        id=e.id, name=e.filename, size=e.size, sha=e.sha256))


def evidence_list(ctx: typer.Context, number: Number,
                  format: Annotated[ReadFormat, typer.Option("--format")] = ReadFormat.table,
                  unmask: Unmask = False) -> None:
    from complaintctl.present import render
    from complaintctl.services.complaints import handling

    st = state(ctx)
    with st.session() as session:
        rows = handling.evidence_list(session=session, actor=st.actor(session), number=number,
                                      unmask=unmask)
    if format is ReadFormat.json:
        render.emit_json(rows)
    else:
        render.table(rows, [("id", _("Id")), ("filename", _("File")), ("size", _("Bytes")),
                            ("sha256", "SHA-256"), ("description", _("Description")),
                            ("added_by", _("By")), ("added_at", _("Added"))],
                     empty=_("No evidence on {number}.").format(number=number.strip().upper()))


def resolve(
    ctx: typer.Context, number: Number,
    outcome: Annotated[Outcome, typer.Option(help=_("The decision."))],
    findings: Annotated[str, typer.Option(help=_("What the investigation verified, and why."))],
    notified_via: Annotated[ContactVia, typer.Option(help=_("How the customer was told."))],
    remedy: Annotated[list[str] | None, typer.Option(help=_("KIND[:AMOUNT] (repeatable): apology, compensation:200, fee_refund:35, correction, explanation, tracking, other."))] = None,
    proof: Annotated[str | None, typer.Option(help=_("Proof of notice: letter ref, SMS id, call record."))] = None,
    at: At = None,
) -> None:
    from complaintctl.services.complaints import decisions
    from complaintctl.services.complaints.registration import RemedyInput

    st = state(ctx)
    remedies = [RemedyInput.parse(r) for r in remedy or []]
    with st.session(write=True) as session:
        c = decisions.resolve(session=session, actor=st.actor(session), number=number,
                               outcome=outcome, findings=findings, remedies=remedies,
                               notified_via=notified_via, proof=proof, at=st.at(session, at))
    _done(_("{number} resolved; the customer's notice is on record."), c)


def close(
    ctx: typer.Context, number: Number,
    satisfaction: Annotated[int, typer.Option(help=_("The customer's satisfaction, 1 (worst) to 5."))],
    feedback: Annotated[str | None, typer.Option(help=_("What the customer said."))] = None,
    disputed: Annotated[bool, typer.Option("--disputed", help=_("The customer still disputes the outcome."))] = False,
    at: At = None,
) -> None:
    from complaintctl.services.complaints import decisions

    st = state(ctx)
    with st.session(write=True) as session:
        c = decisions.close(session=session, actor=st.actor(session), number=number,
                             satisfaction=satisfaction, feedback=feedback, disputed=disputed,
                             at=st.at(session, at))
    _done(_("{number} closed."), c)


Reason = Annotated[str, typer.Option("--reason", help=_("Why (recorded on the timeline)."))]


def reopen(ctx: typer.Context, number: Number, reason: Reason, at: At = None) -> None:
    from complaintctl.services.complaints import decisions

    st = state(ctx)
    with st.session(write=True) as session:
        c = decisions.reopen(session=session, actor=st.actor(session), number=number,
                              reason=reason, at=st.at(session, at))
    _done(_("{number} reopened; it is {status} again."), c)


def withdraw(ctx: typer.Context, number: Number, reason: Reason, at: At = None) -> None:
    from complaintctl.services.complaints import decisions

    st = state(ctx)
    with st.session(write=True) as session:
        c = decisions.withdraw(session=session, actor=st.actor(session), number=number,
                                reason=reason, at=st.at(session, at))
    _done(_("{number} withdrawn; handling ends today."), c)


def merge(ctx: typer.Context, number: Number,
          into: Annotated[str, typer.Option("--into", help=_("The complaint it duplicates."))],
          at: At = None) -> None:
    from complaintctl.services.complaints import decisions

    st = state(ctx)
    with st.session(write=True) as session:
        c = decisions.merge(session=session, actor=st.actor(session), number=number, into=into,
                             at=st.at(session, at))
    _done(_("{number} merged into {into}."), c)


def archive(ctx: typer.Context, number: Number, at: At = None) -> None:
    from complaintctl.services.complaints import decisions

    st = state(ctx)
    with st.session(write=True) as session:
        c = decisions.archive(session=session, actor=st.actor(session), number=number,
                               at=st.at(session, at))
    _done(_("{number} archived."), c)


def show(ctx: typer.Context, number: Number, unmask: Unmask = False,
         format: Annotated[ReadFormat, typer.Option("--format", help=_("table or json."))] = ReadFormat.table) -> None:
    from complaintctl.present import views
    from complaintctl.services.complaints import queries

    st = state(ctx)
    with st.session() as session:
        data = queries.show(session=session, actor=st.actor(session), number=number,
                            unmask=unmask)
    views.complaint(data, format)


def list_(
    ctx: typer.Context,
    status: Annotated[list[Status] | None, typer.Option(help=_("Only these statuses (repeatable)."))] = None,
    assignee: Annotated[str | None, typer.Option(help=_("Only this handler's."))] = None,
    branch: Annotated[str | None, typer.Option(help=_("Only this branch's."))] = None,
    channel: Annotated[list[Channel] | None, typer.Option(help=_("Only these channels (repeatable)."))] = None,
    product: Annotated[str | None, typer.Option(help=_("Only this product's."))] = None,
    tag: Annotated[list[str] | None, typer.Option(help=_("Only those with this tag (repeatable: all must match)."))] = None,
    received_since: Annotated[str | None, typer.Option(help=_("Received at or after."), metavar="DATE")] = None,
    received_until: Annotated[str | None, typer.Option(help=_("Received at or before."), metavar="DATE")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help=_("Only open complaints past their due time."))] = False,
    due_within: Annotated[str | None, typer.Option(help=_("Only running clocks due within this, e.g. 2d, 36h."), metavar="DURATION")] = None,
    text: Annotated[str | None, typer.Option(help=_("Text in the summary, description, customer name, product or issue."))] = None,
    sort: Annotated[SortKey, typer.Option(help=_("Sort order."))] = SortKey.number,
    limit: Annotated[int | None, typer.Option(help=_("At most this many."), min=1)] = None,
    include_drills: Annotated[bool, typer.Option("--include-drills", help=_("Include drill complaints (tag drill), left out by default."))] = False,
    unmask: Unmask = False,
    format: Annotated[OutputFormat, typer.Option("--format", help=_("table, json or csv."))] = OutputFormat.table,
) -> None:
    from complaintctl.present import views
    from complaintctl.domain.deadlines import parse_duration
    from complaintctl.services.complaints import queries

    st = state(ctx)
    with st.report_session() as session:
        filters = queries.Filters(
            status=[s.value for s in status or []], assignee=assignee, branch=branch,
            channel=[c.value for c in channel or []], product=product, tag=tag or [],
            received_since=st.at(session, received_since),
            received_until=st.until(session, received_until), overdue=overdue, text=text,
            include_drills=include_drills,
            due_within=parse_duration(due_within) if due_within else None,
        )
        rows = queries.list_complaints(session=session, actor=st.actor(session),
                                       filters=filters, sort=sort, limit=limit, unmask=unmask)
    views.complaint_list(rows, format)


N = "CMP-2026-000042"
COMMANDS = [
    (register, "register", _("Register a complaint and print its new number."),
     ["complaintctl register --channel phone --customer 张伟 --phone 13812345678 "
      "--summary '信用卡年费重复扣收' --product credit_card --amount 300",
      "echo '{\"channel\": \"online\", \"customer\": {\"name\": \"张伟\"}, "
      "\"summary\": \"信用卡年费重复扣收\"}' | complaintctl register --json -"]),
    (assign, "assign", _("Assign a complaint to a handler (or reassign it)."),
     [f"complaintctl assign {N} --to lihua", f"complaintctl assign {N} --auto"]),
    (contact, "contact", _("Log a contact with the customer; the first outbound one is the acknowledgement."),
     [f"complaintctl contact {N} --via phone --summary 'Explained the process; decision by 12 Dec'"]),
    (investigate, "investigate", _("Start the investigation of an assigned complaint."),
     [f"complaintctl investigate {N}"]),
    (note, "note", _("Add an internal note to the timeline."),
     [f"complaintctl note {N} 'Card ops say the fee posted twice'"]),
    (consult, "consult", _("Ask another department a question about the complaint."),
     [f"complaintctl consult {N} --department card_ops --question 'Was the fee charged twice?'"]),
    (answer, "answer", _("Record a department's answer to a consultation."),
     [f"complaintctl answer {N} 1 'Yes: posted twice on 3 Nov'"]),
    (resolve, "resolve", _("Record the decision, its remedies and how the customer was told."),
     [f"complaintctl resolve {N} --outcome upheld --findings 'Fee charged twice' "
      "--remedy apology --remedy fee_refund:300 --notified-via phone --proof CALL-7781"]),
    (close, "close", _("Close a resolved complaint after checking the customer's satisfaction."),
     [f"complaintctl close {N} --satisfaction 4 --feedback 'Quick refund'"]),
    (reopen, "reopen", _("Reopen a resolved or closed complaint for more investigation."),
     [f"complaintctl reopen {N} --reason 'Customer found a second charge'"]),
    (withdraw, "withdraw", _("Record that the complainant withdrew the complaint."),
     [f"complaintctl withdraw {N} --reason 'Customer withdrew by phone'"]),
    (merge, "merge", _("Merge a duplicate complaint into another; both keep their history."),
     [f"complaintctl merge CMP-2026-000043 --into {N}"]),
    (archive, "archive", _("Archive a closed complaint."), [f"complaintctl archive {N}"]),
    (show, "show", _("Show a complaint: its details and timeline."),
     [f"complaintctl show {N}", f"complaintctl show {N} --format json"]),
    (list_, "list", _("List complaints, filtered and sorted."),
     ["complaintctl list --status investigating --branch BJ01 --sort due",
      "complaintctl list --overdue --format csv > overdue.csv",
      "complaintctl list --due-within 2d --sort urgency"]),
]


def register_commands(app: typer.Typer) -> None:
    for function, name, summary, examples in COMMANDS:
        app.command(name, help=helptext(summary, *examples))(function)
    evidence_app.command("add", help=helptext(
        _("Keep a file as evidence (copied into the store with its SHA-256)."),
        f"complaintctl evidence add {N} statement.pdf --description 'Card statement, Nov'",
    ))(evidence_add)
    evidence_app.command("list", help=helptext(
        _("List a complaint's evidence files."), f"complaintctl evidence list {N}"))(evidence_list)
    app.add_typer(evidence_app, name="evidence")
