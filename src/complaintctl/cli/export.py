"""``complaintctl export``: the complaints matching the list filters, as CSV, JSON Lines, XLSX
or the CFPB's layout, streamed to a file or standard output."""

from __future__ import annotations

from typing import Annotated

import typer

from complaintctl.cli import filters
from complaintctl.cli.common import Unmask, helptext, state
from complaintctl.present.exporters import ExportFormat
from complaintctl.i18n import _


def export(
    ctx: typer.Context,
    format: Annotated[ExportFormat, typer.Option("--format", help=_("csv, jsonl, xlsx, cfpb or ledger (the complaint ledger, CBIRC Art 28)."))] = ExportFormat.csv,
    output: Annotated[str | None, typer.Option("-o", "--output", help=_("Write to this file [default: standard output]."), metavar="FILE")] = None,
    status: filters.Statuses = None,
    assignee: filters.Assignee = None,
    branch: filters.Branch = None,
    channel: filters.Channels = None,
    product: filters.Product = None,
    tag: filters.Tags = None,
    received_since: filters.Since = None,
    received_until: filters.Until = None,
    overdue: filters.Overdue = False,
    text: filters.Text = None,
    include_drills: filters.Drills = False,
    unmask: Unmask = False,
) -> None:
    from complaintctl.present import exporters, render
    from complaintctl.services.intake import exports

    st = state(ctx)
    with st.report_session() as session, render.export_target(output, format) as out:
        chosen = filters.list_filters(
            st, session, status=status, assignee=assignee, branch=branch, channel=channel,
            product=product, tag=tag, received_since=received_since,
            received_until=st.at(session, received_until), overdue=overdue, text=text,
            include_drills=include_drills)
        rows = exports.export_rows(session=session, actor=st.actor(session), filters=chosen,
                                   unmask=unmask)
        count = exporters.write(rows, format, out)
    render.message(_("Exported {n} complaint(s).").format(n=count))


def register_commands(app: typer.Typer) -> None:
    app.command("export", short_help=_("Export the matching complaints (CSV, JSONL, XLSX, CFPB)."), help=helptext(
        _("Export the complaints matching the list filters as CSV, JSON Lines, XLSX or the "
          "CFPB's layout (streamed; personal data masked unless --unmask)."),
        "complaintctl export --status closed --format xlsx -o closed.xlsx",
        "complaintctl export --format cfpb > complaints.csv",
        "complaintctl export --format ledger --received-since 2026-01-01 -o ledger.csv",
    ))(export)
