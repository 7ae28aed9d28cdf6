"""The list filters that ``list`` and ``export`` share: their options, declared once, and the
``Filters`` they make."""

from __future__ import annotations

from typing import Annotated

import typer

from complaintctl.domain.enums import Channel, Status
from complaintctl.i18n import _

Statuses = Annotated[list[Status] | None, typer.Option(help=_("Only these statuses (repeatable)."))]
Assignee = Annotated[str | None, typer.Option(help=_("Only this handler's."))]
Branch = Annotated[str | None, typer.Option(help=_("Only this branch's."))]
Channels = Annotated[list[Channel] | None, typer.Option(help=_("Only these channels (repeatable)."))]
Product = Annotated[str | None, typer.Option(help=_("Only this product's."))]
Tags = Annotated[list[str] | None, typer.Option(help=_("Only those with this tag (repeatable: all must match)."))]
Since = Annotated[str | None, typer.Option(help=_("Received at or after."), metavar="DATE")]
Until = Annotated[str | None, typer.Option(help=_("Received at or before."), metavar="DATE")]
Overdue = Annotated[bool, typer.Option("--overdue", help=_("Only open complaints past their due time."))]
Text = Annotated[str | None, typer.Option(help=_("Text in the summary, description, customer name, product or issue."))]
Drills = Annotated[bool, typer.Option("--include-drills", help=_("Include drill complaints (tag drill), left out by default."))]


def list_filters(st, session, *, status, channel, tag, received_since, **others):
    """The ``Filters`` of the options above: enum values as text, ``--received-since`` in the
    bank's time zone. ``received_until`` comes parsed, because ``list`` reads a bare date as
    the whole day and ``export`` as its first instant."""
    from complaintctl.services.complaints.queries import Filters

    return Filters(status=[s.value for s in status or []], channel=[c.value for c in channel or []],
                   tag=tag or [], received_since=st.at(session, received_since), **others)
