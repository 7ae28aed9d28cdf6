"""``complaintctl export``: the complaints matching the list filters, as CSV, JSON Lines, XLSX
or the CFPB's layout, streamed to a file or standard output."""

from __future__ import annotations

from typing import Annotated

import typer

from complaintctl.cli.common import Unmask, helptext, state
from complaintctl.domain.enums import Channel, Status
from complaintctl.present.exporters import ExportFormat
from complaintctl.i18n import _


def export(
    ctx: typer.Context,
    format: Annotated[ExportFormat, typer.Option("--format", help=_("csv, jsonl, xlsx or cfpb."))] = ExportFormat.csv,
    output: Annotated[str | None, typer.Option("-o", "--output", help=_("Write to this file [default: standard output]."), metavar="FILE")] = None,
    status: Annotated[list[Status] | None, typer.Option(help=_("Only these statuses (repeatable)."))] = None,
    assignee: Annotated[str | None, typer.Option(help=_("Only this handler's."))] = None,
    branch: Annotated[str | None, typer.Option(help=_("Only this branch's."))] = None,
    channel: Annotated[list[Channel] | None, typer.Option(help=_("Only these channels (repeatable)."))] = None,
    product: Annotated[str | None, typer.Option(help=_("Only this product's."))] = None,
    tag: Annotated[list[str] | None, typer.Option(help=_("Only those with this tag (repeatable: all must match)."))] = None,
    received_since: Annotated[str | None, typer.Option(help=_("Received at or after."), metavar="DATE")] = None,
    received_until: Annotated[str | None, typer.Option(help=_("Received at or before."), metavar="DATE")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help=_("Only open complaints past their due time."))] = False,
    text: Annotated[str | None, typer.Option(help=_("Text in the summary, description, customer name, product or issue."))] = None,
    include_drills: Annotated[bool, typer.Option("--include-drills", help=_("Include drill complaints (tag drill), left out by default."))] = False,
    unmask: Unmask = False,
) -> None:
    from complaintctl.present import exporters, render
    from complaintctl.services.intake import exports
    from complaintctl.services.complaints import queries

    st = state(ctx)
    with st.report_session() as session, render.export_target(output, format) as out:
        filters = queries.Filters(
            status=[s.value for s in status or []], assignee=assignee, branch=branch,
            channel=[c.value for c in channel or []], product=product, tag=tag or [],
            received_since=st.at(session, received_since),
            received_until=st.at(session, received_until), overdue=overdue, text=text,
            include_drills=include_drills)
        rows = exports.export_rows(session=session, actor=st.actor(session), filters=filters,
                                   unmask=unmask)
        count = exporters.write(rows, format, out)
    render.message(_("Exported {n} complaint(s).").format(n=count))


def register_commands(app: typer.Typer) -> None:
    app.command("export", help=helptext(
        _("Export the complaints matching the list filters as CSV, JSON Lines, XLSX or the "
          "CFPB's layout (streamed; personal data masked unless --unmask)."),
        "complaintctl export --status closed --format xlsx -o closed.xlsx",
        "complaintctl export --format cfpb > complaints.csv",
    ))(export)
