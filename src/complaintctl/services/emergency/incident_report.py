"""``incident report``: the report a regulator expects, element by element.

Elements (DOMAIN.md): organisation, place, time, cause, nature, level, amount and number of
people involved, harm and scope, customer reaction, trend, measures taken and planned,
reporter, and the report times (first, follow-ups, final). Each element comes from the plan,
the incident's description (``incident update``), its linked complaints, timeline and
checklist. An element with no value is listed under ``missing`` by name, never left blank.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from complaintctl.domain import clock, money
from complaintctl.domain.enums import ReportIssue
from complaintctl.domain.incident_report import ELEMENTS
from complaintctl.domain.plan import roman
from complaintctl.domain.permissions import Permission
from complaintctl.errors import UsageProblem
from complaintctl.i18n import _
from complaintctl.store.models import IncidentAction, Staff
from complaintctl.services.emergency import incidents as em
from complaintctl.services.core.context import Actor, now, timezone_of, use_case

ISSUES = tuple(issue.value for issue in ReportIssue)


def report(*, session: Session, actor: Actor, incident_id: int | str, issue: str | None = None,
           at: datetime | None = None) -> dict[str, Any]:
    """The report's elements; with ``issue`` (first, followup, final) the report is recorded as
    issued at ``at`` (default now) before it is built, so its time is one of the report times."""
    if issue is not None:
        if issue not in ISSUES:
            raise UsageProblem(_("--issue must be first, followup or final."))
        with use_case(session, actor, "incident report"):
            actor.check(Permission.incident, option="--issue")
            incident = em.get_incident(session, incident_id)
            issued = [a for a in _actions(session, incident.id, "report")]
            kinds = [json.loads(a.details).get("issue") for a in issued]
            if issue == "first" and "first" in kinds:
                raise UsageProblem(_("The first report of incident {id} was already issued; "
                                     "use --issue followup or final.").format(id=incident.id))
            if issue == "final" and "final" in kinds:
                raise UsageProblem(_("The final report of incident {id} was already issued.")
                                   .format(id=incident.id))
            at = em.effective_time(session, incident, at)
            em.record_action(session, incident, by=actor.username, at=at, kind="report",
                    text=_("Report issued: {issue}").format(issue=issue),
                    details={"issue": issue})
    return build(session=session, actor=actor, incident_id=incident_id)


def _actions(session: Session, incident_id: int, kind: str | None = None) -> list[IncidentAction]:
    query = select(IncidentAction).where(IncidentAction.incident_id == incident_id)
    if kind:
        query = query.where(IncidentAction.kind == kind)
    return list(session.exec(query.order_by(col(IncidentAction.id))).all())


def build(*, session: Session, actor: Actor, incident_id: int | str) -> dict[str, Any]:
    actor.check(Permission.read)
    incident = em.get_incident(session, incident_id)
    tz = timezone_of(session)
    complaints = em.linked_complaints(session, [incident.id])[incident.id]
    data = em.show(session=session, actor=actor, incident_id=incident.id)
    actions = _actions(session, incident.id)
    as_of = incident.closed_at or now()
    elements = _elements(session, incident, complaints, data, actions, tz)
    return {
        "incident": incident.id, "title": incident.title, "status": incident.status,
        "level": incident.level, "level_name": roman(incident.level),
        "drill": incident.drill_id, "generated_at": clock.iso(now(), tz),
        "complaints": [c.number for c in complaints],
        "elements": elements, "missing": _missing(elements, incident),
        "checklist": data["checklist"], "timeline": data["timeline"],
        "review": incident.review, "root_cause": incident.root_cause,
        "as_of": clock.iso(as_of, tz),
    }


def _elements(session: Session, incident, complaints, data: dict[str, Any],
              actions: list[IncidentAction], tz) -> dict[str, Any]:
    """Every element of the report, from the plan, the description, the linked complaints,
    the timeline and the checklist (``None`` where there is nothing to say)."""
    plan = em.plan_of(session, incident)
    branches = sorted({c.branch for c in complaints if c.branch})
    amounts = [c.amount_cents for c in complaints if c.amount_cents is not None]
    amount = incident.amount_cents if incident.amount_cents is not None else (
        sum(amounts) if amounts else None)
    people = incident.people if incident.people is not None else (
        sum(c.group_size for c in complaints) if complaints else None)
    started = min((c.received_at for c in complaints), default=incident.declared_at)
    taken = [{"at": clock.iso(a.at, tz), "by": a.by, "what": a.text}
             for a in actions if a.kind in ("action", "done", "escalate", "deescalate")]
    reporter = incident.reporter or _staff_name(session, incident.declared_by)
    return {
        "organisation": plan.organisation,
        "place": incident.place or (", ".join(branches) if branches else None),
        "time": {"started": clock.iso(started, tz), "declared": clock.iso(incident.declared_at,
                                                                          tz),
                 "closed": clock.iso(incident.closed_at, tz)},
        "cause": incident.cause,
        "nature": incident.nature,
        "level": incident.level,
        "amount": money.format_amount(amount),
        "people": people,
        "harm_scope": incident.harm,
        "customer_reaction": incident.customer_reaction,
        "trend": incident.trend,
        "measures_taken": taken,
        "measures_planned": _measures_planned(incident, data),
        "reporter": reporter,
        "report_times": _report_times(actions, tz),
    }


def _measures_planned(incident, data: dict[str, Any]) -> list[dict[str, Any]]:
    """The planned measures: the description's, the checklist still open, the rectifications
    not done."""
    planned = [{"what": i["action"], "owner": i["person"], "due": i["due"]}
               for i in data["checklist"] if i["state"] in ("open", "overdue")]
    planned += [{"what": r["action"], "owner": r["owner"], "due": r["due"]}
                for r in data["rectifications"] if r["done_at"] is None]
    if incident.planned_measures:
        planned.insert(0, {"what": incident.planned_measures, "owner": None, "due": None})
    return planned


def _report_times(actions: list[IncidentAction], tz) -> dict[str, Any]:
    """When the first, follow-up and final reports were issued."""
    issued = [(json.loads(a.details).get("issue"), clock.iso(a.at, tz), a.by)
              for a in actions if a.kind == "report"]
    return {
        "first": next((t for k, t, _b in issued if k == "first"), None),
        "followups": [t for k, t, _b in issued if k == "followup"],
        "final": next((t for k, t, _b in issued if k == "final"), None),
    }


def _missing(elements: dict[str, Any], incident) -> list[str]:
    """The elements with no value, by name (the report times by the issue missing)."""
    report_times = elements["report_times"]
    missing = []
    for name in ELEMENTS:
        if name == "report_times":
            if report_times["first"] is None:
                missing.append("report_times.first")
            if incident.status == em.CLOSED and report_times["final"] is None:
                missing.append("report_times.final")
        elif _empty(name, elements[name], incident):
            missing.append(name)
    return missing


def _empty(name: str, value: Any, incident) -> bool:
    if name == "measures_planned" and incident.status == em.CLOSED:
        return False  # nothing left to plan once closed
    return value is None or value == "" or value == []


def _staff_name(session: Session, username: str) -> str | None:
    staff = session.exec(select(Staff).where(Staff.username == username)).first()
    return f"{staff.name} ({username})" if staff else username
