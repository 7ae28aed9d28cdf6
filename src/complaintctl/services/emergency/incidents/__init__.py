"""The emergency plan's incidents: declare, link, update, escalate, de-escalate and close;
the level's timetable as a checklist; overdue items.

The use cases live in ``response`` (what changes an incident) and ``queries`` (reading);
``record`` is one incident's record and timeline, ``checklist_items`` its checklist,
``links`` the complaints linked to it, ``team`` who is told. Plan versions live in
``services.emergency.plans``, detection in ``detection``, drills in ``drills``.
"""

from complaintctl.services.emergency.incidents.checklist_items import flag_overdue_checklist
from complaintctl.services.emergency.incidents.links import link_complaints, linked_complaints
from complaintctl.services.emergency.incidents.queries import checklist, list_incidents, show
from complaintctl.services.emergency.incidents.record import (
    ACTIVE,
    CLOSED,
    effective_time,
    get_incident,
    plan_of,
    record_action,
)
from complaintctl.services.emergency.incidents.response import (
    Rectification,
    change_level,
    close,
    declare,
    done,
    link,
    open_incident,
    overdue,
    set_level,
    update,
)

__all__ = [
    "ACTIVE", "CLOSED", "Rectification", "change_level", "checklist", "close", "declare", "done",
    "effective_time", "flag_overdue_checklist", "get_incident", "link", "link_complaints",
    "linked_complaints", "list_incidents", "open_incident", "overdue", "plan_of",
    "record_action", "set_level", "show", "update",
]
