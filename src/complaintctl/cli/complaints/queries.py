"""Reading complaints: ``show`` one, ``list`` many."""

from __future__ import annotations

from typing import Annotated

import typer

from complaintctl.cli.common import Number, Unmask, state
from complaintctl.domain.enums import Channel, OutputFormat, ReadFormat, SortKey, Status
from complaintctl.i18n import _


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
