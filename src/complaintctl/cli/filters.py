"""The list filters that ``list`` and ``export`` share: their options, declared once, and the
``Filters`` they make."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from complaintctl.cli.completion import assignees
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


#: ``list --status``: a status, or ``any`` for every status (``list`` shows the queue, the
#: complaints still being handled, unless told otherwise; ``export`` keeps ``Statuses``).
ListStatus = StrEnum("ListStatus", [(s.value, s.value) for s in Status] + [("any", "any")])
ListStatuses = Annotated[list[ListStatus] | None, typer.Option(
    "--status", help=_("Only these statuses (repeatable); any for every status [default: the "
                       "open ones]."))]
ListAssignee = Annotated[str | None, typer.Option(
    help=_("Only this handler's; @me for yours."), metavar="USER", autocompletion=assignees)]
Mine = Annotated[bool, typer.Option("--mine", help=_("Only those assigned to you (--assignee @me)."))]
Everything = Annotated[bool, typer.Option(
    "--all", help=_("Every matching complaint, of any status, without a row limit."))]
Phone = Annotated[str | None, typer.Option(
    help=_("The customer's phone, as typed or its last digits (spaces and dashes ignored)."),
    metavar="PHONE")]
Email = Annotated[str | None, typer.Option(help=_("The customer's email address."), metavar="EMAIL")]
Customer = Annotated[str | None, typer.Option(help=_("Part of the customer's name."), metavar="TEXT")]


def queue_choice(status, *, everything: bool, mine: bool, assignee: str | None,
                 limit: int | None):
    """``list``'s statuses, assignee and row limit from its options: the open complaints and
    30 rows unless ``--status`` or ``--all`` say otherwise; ``--mine`` is ``--assignee @me``.
    Returns (statuses, assignee, limit, queue) where ``queue`` says the default statuses
    applied."""
    from complaintctl.domain.enums import QUEUE_STATUSES
    from complaintctl.errors import UsageProblem
    from complaintctl.services.complaints.queries import ME, QUEUE_LIMIT

    if mine and assignee is not None:
        raise UsageProblem(_("Give --mine or --assignee, not both."))
    chosen = [s.value for s in status or []]
    queue = not chosen and not everything
    if "any" in chosen:
        chosen = []
    elif queue:
        chosen = sorted(s.value for s in QUEUE_STATUSES)
    if limit is None and not everything:
        limit = QUEUE_LIMIT
    return [Status(s) for s in chosen], (ME if mine else assignee), limit, queue
