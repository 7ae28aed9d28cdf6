"""``intake review``: the mail whose sender cannot be told, waiting for a person."""

from __future__ import annotations

from typing import Annotated

import typer

from complaintctl.cli.common import helptext, state
from complaintctl.cli.usage_i18n import App
from complaintctl.i18n import _

app = App(help=helptext(
    _("The review queue: mail that is a complaint but whose sender cannot be told (no usable "
      "From, several addresses, ...); accept it as a complaint or reject it."),
    "complaintctl intake review list"), no_args_is_help=True)

Json = Annotated[bool, typer.Option("--json", help=_("Print JSON (for scripts)."))]
Entry = Annotated[int, typer.Argument(help=_("The review entry's id (intake review list)."),
                                      metavar="ID")]


@app.command("list", help=helptext(
    _("The messages waiting for review, oldest receipt first; the senders' addresses masked."),
    "complaintctl intake review list",
    "complaintctl intake review list --status rejected --json",
))
def list_(
    ctx: typer.Context,
    status: Annotated[str, typer.Option(help=_("pending, accepted, rejected or all."))] = "pending",
    json_: Json = False,
) -> None:
    from complaintctl.errors import UsageProblem
    from complaintctl.present import render
    from complaintctl.services.intake import mailbox as intake

    if status not in ("pending", "accepted", "rejected", "all"):
        raise UsageProblem(_("--status is one of pending, accepted, rejected, all."))
    st = state(ctx)
    with st.session() as session:
        rows = intake.reviews(session=session, actor=st.actor(session),
                              status=None if status == "all" else status)
    render.emit(rows, "json" if json_ else "table", columns=[
        ("id", _("Id")), ("status", _("Status")), ("received_at", _("Received")),
        ("sender", _("From")), ("subject", _("Subject")), ("reason", _("Why")),
        ("number", _("Complaint"))], empty=_("Nothing waits for review."))


@app.command("accept", help=helptext(
    _("Register a queued message as a complaint of the customer named (received when the bank "
      "received the message); with --email the acknowledgement goes there."),
    "complaintctl intake review accept 3 --customer 张伟 --email zhang.wei@example.com",
))
def accept(
    ctx: typer.Context,
    entry: Entry,
    customer: Annotated[str, typer.Option(help=_("The customer's name, as read in the message."))],
    email: Annotated[str | None, typer.Option(help=_("The customer's email address, if known."))] = None,
    json_: Json = False,
) -> None:
    from complaintctl.present import render
    from complaintctl.services.intake import mailbox as intake

    st = state(ctx)
    with st.session(write=True) as session:
        done = intake.accept(session=session, actor=st.actor(session),
                             evidence_dir=st.database().evidence_dir, review_id=entry,
                             customer=customer, email=email)
    if json_:
        render.emit_json(done)
    else:
        render.line(done["number"])
        render.message(_("Review entry {review} registered as {number}.").format(**done))


@app.command("reject", help=helptext(
    _("Close a queued message without a complaint, saying why (kept on the audit trail)."),
    "complaintctl intake review reject 4 --reason 'spam: no complaint in it'",
))
def reject(
    ctx: typer.Context,
    entry: Entry,
    reason: Annotated[str, typer.Option(help=_("Why it is not a complaint."))],
) -> None:
    from complaintctl.present import render
    from complaintctl.services.intake import mailbox as intake

    st = state(ctx)
    with st.session(write=True) as session:
        intake.reject(session=session, actor=st.actor(session), review_id=entry, reason=reason)
    render.message(_("Review entry {id} rejected.").format(id=entry))
