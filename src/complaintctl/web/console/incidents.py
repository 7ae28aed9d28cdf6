"""Emergency incidents, read-only: the list, and one incident with its checklist, timeline
and rectifications (``incident list`` and ``incident show``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from complaintctl.web import pages
from complaintctl.web.console.signin import signed_in, staff_page

router = APIRouter()


@router.get("/staff/incidents")
@staff_page
def incident_list(request: Request, status: str = "") -> Response:
    from complaintctl.services.emergency import incidents

    chosen = status if status in ("active", "closed") else None
    with signed_in(request, command="incident list") as staff:
        rows = incidents.list_incidents(session=staff.session, actor=staff.actor,
                                        status=chosen)
    return pages.render(request, "console/incidents.html", {
        "staff": staff, "rows": rows, "status": chosen or ""})


@router.get("/staff/incidents/{incident_id}")
@staff_page
def incident_page(request: Request, incident_id: str) -> Response:
    from complaintctl.services.emergency import incidents

    with signed_in(request, command="incident show") as staff:
        data = incidents.show(session=staff.session, actor=staff.actor,
                              incident_id=incident_id)
    return pages.render(request, "console/incident.html", {"staff": staff, "i": data})
