"""Commands on notifications: the outbox and its delivery."""

from __future__ import annotations

from typing import Annotated

import typer

from complaintctl.cli.common import helptext, state
from complaintctl.cli.usage_i18n import App
from complaintctl.domain.enums import ReadFormat
from complaintctl.i18n import _

app = App(help=helptext(
    _("Notifications: the outbox and its delivery (SMTP or a log file)."),
    "complaintctl notify list"), no_args_is_help=True)


@app.command("send", help=helptext(
    _("Deliver pending notifications, retrying with exponential backoff (for cron)."),
    "complaintctl notify send",
    "COMPLAINTCTL_SMTP='smtp://bot:secret@mail.bank.example:587?starttls=1' complaintctl notify send"))
def send(ctx: typer.Context,
         attempts: Annotated[int | None, typer.Option(help=_("At most this many tries per message in this run."), min=1)] = None,
         limit: Annotated[int | None, typer.Option(help=_("At most this many messages."), min=1)] = None) -> None:
    from complaintctl.present import render
    from complaintctl.services.notify import delivery as notify
    from complaintctl.services.notify.senders import check_sender_config

    st = state(ctx)
    check_sender_config()
    report = notify.send(database=st.database(), actor_name=st.acting_username("database"),
                         attempts_per_message=attempts, limit=limit, command=st.command)
    render.message(_("Sent {sent}, failed {failed}, to retry later {later} ({attempts} attempts "
                     "via {sender}).").format(sent=report.sent, failed=report.failed,
                                              later=report.retry_later, attempts=report.attempts,
                                              sender=report.sender))
    if report.failed:
        raise typer.Exit(1)


@app.command("list", help=helptext(
    _("List notifications: to whom, about what, and whether they were sent."),
    "complaintctl notify list --status failed --format json"))
def list_(ctx: typer.Context,
          status: Annotated[str | None, typer.Option(help=_("pending, sent or failed."))] = None,
          number: Annotated[str | None, typer.Option(help=_("Only this complaint's."))] = None,
          limit: Annotated[int | None, typer.Option(help=_("Only the most recent N."), min=1)] = None,
          format: Annotated[ReadFormat, typer.Option("--format")] = ReadFormat.table) -> None:
    from complaintctl.present import render
    from complaintctl.errors import UsageProblem
    from complaintctl.services.notify import listing as notify

    if status not in (None, "pending", "sent", "failed"):
        raise UsageProblem(_("--status is pending, sent or failed."))
    st = state(ctx)
    with st.session() as session:
        rows = notify.list_notifications(session=session, actor=st.actor(session), status=status,
                                         number=number, limit=limit)
    render.emit(rows, format, columns=[
        ("id", _("Id")), ("to", _("To")), ("subject", _("Subject")), ("status", _("Status")),
        ("attempts", _("Attempts")), ("last_error", _("Last error"))],
        title=_("Notifications"), empty=_("No notifications."))
