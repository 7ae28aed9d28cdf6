"""Reading complaints: ``show`` one, ``list`` many."""

from __future__ import annotations

from typing import Annotated

import typer

from complaintctl.cli import filters
from complaintctl.cli.common import Number, Unmask, state
from complaintctl.domain.enums import OutputFormat, ReadFormat, SortKey
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
    status: filters.ListStatuses = None,
    mine: filters.Mine = False,
    assignee: filters.ListAssignee = None,
    branch: filters.Branch = None,
    channel: filters.Channels = None,
    product: filters.Product = None,
    tag: filters.Tags = None,
    received_since: filters.Since = None,
    received_until: filters.Until = None,
    overdue: filters.Overdue = False,
    due_within: Annotated[str | None, typer.Option(help=_("Only running clocks due within this, e.g. 2d, 36h."), metavar="DURATION")] = None,
    text: filters.Text = None,
    phone: filters.Phone = None,
    email: filters.Email = None,
    customer: filters.Customer = None,
    sort: Annotated[SortKey, typer.Option(help=_("Sort order."))] = SortKey.urgency,
    limit: Annotated[int | None, typer.Option(help=_("At most this many [default: 30]."), min=1, metavar="N")] = None,
    everything: filters.Everything = False,
    include_drills: filters.Drills = False,
    unmask: Unmask = False,
    format: Annotated[OutputFormat, typer.Option("--format", help=_("table, json or csv."))] = OutputFormat.table,
) -> None:
    from complaintctl.present import tables
    from complaintctl.domain.deadlines import parse_duration
    from complaintctl.services.complaints import queries

    statuses, assignee, limit, queue = filters.queue_choice(
        status, everything=everything, mine=mine, assignee=assignee, limit=limit)
    st = state(ctx)
    with st.report_session() as session:
        chosen = filters.list_filters(
            st, session, status=statuses, assignee=assignee, branch=branch, channel=channel,
            product=product, tag=tag, received_since=received_since,
            received_until=st.until(session, received_until), overdue=overdue, text=text,
            include_drills=include_drills, phone=phone, email=email, customer=customer,
            due_within=parse_duration(due_within) if due_within else None)
        found = queries.page(session=session, actor=st.actor(session), filters=chosen,
                             sort=sort, limit=limit, unmask=unmask)
    tables.complaint_page(found, format, queue=queue)
