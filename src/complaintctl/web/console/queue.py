"""The queue page: the complaints of the signed-in member of staff's branches, filtered as
``list`` filters them, most urgent first, a page at a time (``complaints.queue``)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from complaintctl.domain.enums import Channel, Status
from complaintctl.errors import InvalidData
from complaintctl.i18n import _
from complaintctl.web import pages
from complaintctl.web.console.signin import signed_in, staff_page

router = APIRouter()

#: the query's fields, each as the form names it
FIELDS = ("status", "branch", "handler", "overdue", "due_days", "channel", "product", "page",
          "unmask")


def _filters(params) -> tuple:
    """The queue's filters from the query string (a blank field filters nothing)."""
    from datetime import timedelta

    from complaintctl.services.complaints.queries import Filters

    status = params.get("status", "").strip()
    if status == "any":
        statuses = [s.value for s in Status]
    elif status in Status.__members__:
        statuses = [status]
    elif status:
        raise InvalidData(_("There is no status '{status}'; choose one from the list.")
                          .format(status=status))
    else:
        statuses = []
    days = params.get("due_days", "").strip()
    if days and not (days.isdigit() and 0 < int(days) <= 366):
        raise InvalidData(_("Due within: give a whole number of days from 1 to 366."))
    channel = params.get("channel", "").strip()
    page = params.get("page", "1").strip()
    page = int(page) if page.isdigit() and int(page) > 0 else 1
    filters = Filters(
        status=statuses, branch=params.get("branch", "").strip() or None,
        assignee=params.get("handler", "").strip() or None,
        channel=[channel] if channel else [], product=params.get("product", "").strip() or None,
        overdue=params.get("overdue") == "1",
        due_within=timedelta(days=int(days)) if days else None)
    return filters, page, params.get("unmask") == "1"


@router.get("/staff/queue")
@staff_page
def queue_page(request: Request) -> Response:
    from complaintctl.domain.permissions import MATRIX, Permission
    from complaintctl.services.complaints import queue as svc

    params = request.query_params
    filters, page, unmask = _filters(params)
    with signed_in(request, command="queue") as staff:
        result = svc.queue(session=staff.session, actor=staff.actor, filters=filters,
                           page=page, unmask=unmask)
    chosen = {name: params.get(name, "") for name in FIELDS}

    def link(to_page: int) -> str:
        return "?" + urlencode({**{k: v for k, v in chosen.items() if v}, "page": to_page})

    return pages.render(request, "console/queue.html", {
        "staff": staff, "page": result, "chosen": chosen, "link": link,
        "statuses": [s.value for s in Status], "channels": [c.value for c in Channel],
        "may_unmask": staff.actor.role in MATRIX[Permission.unmask]})
