"""``incident detect``: run the plan's triggers over stored complaints and act on what fires.

Real complaints and each open drill's complaints are separate populations: drill data never
opens or joins a real incident, and the other way round. For each cluster that fires (most
severe first) detection links the complaints to the active incident of that cluster, or to the
active incident that already holds some of them, escalating it when the trigger is more severe
than anything detection saw before; otherwise it opens a new incident, unless every complaint
in the cluster already belongs to an (even closed) incident. A second run at the same time
changes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from complaintctl.domain import clock
from complaintctl.domain import emergency as rules
from complaintctl.domain.emergency import Fact, Firing
from complaintctl.domain.enums import EventKind
from complaintctl.domain.permissions import Permission
from complaintctl.domain.plan import DRILL_TAG, Plan, roman
from complaintctl.i18n import _
from complaintctl.services.core import trail as audit
from complaintctl.services.core.context import Actor, now, timezone_of, use_case
from complaintctl.services.emergency import incidents as em
from complaintctl.services.emergency import plans
from complaintctl.store.models import Complaint, ComplaintTag, Drill, Incident, IncidentComplaint


def load_facts(session: Session, *, since: datetime, as_of: datetime,
               drill_id: int | None, like: Complaint | None = None,
               cluster_by: tuple[str, ...] = ()) -> tuple[list[Fact], dict[str, int]]:
    """Complaints received after ``since`` and registered by ``as_of`` (merged duplicates left
    out): real ones, or only the given drill's; with ``like``, only those sharing one of its
    ``cluster_by`` values (and ``like`` itself). The facts, and each one's complaint id by
    number: only the columns the triggers read are loaded (a registration reads its whole
    cluster, which may hold thousands of complaints)."""
    query = select(*(getattr(Complaint, name) for name in _FACT_COLUMNS)).where(
        Complaint.received_at > since, Complaint.received_at <= as_of,
        Complaint.registered_at <= as_of, Complaint.status != "merged")
    if like is not None:
        same = [getattr(Complaint, dim) == getattr(like, dim) for dim in cluster_by
                if getattr(like, dim)]
        query = query.where(or_(Complaint.id == like.id, *same))
    drill_tag = select(ComplaintTag.complaint_id).where(ComplaintTag.complaint_id == Complaint.id)
    if drill_id is None:
        query = query.where(~drill_tag.where(ComplaintTag.tag == DRILL_TAG).exists())
    else:
        query = query.where(drill_tag.where(ComplaintTag.tag == f"{DRILL_TAG}-{drill_id}").exists())
    rows = session.exec(query.order_by(col(Complaint.id))).all()
    tags: dict[int, set[str]] = {row.id: set() for row in rows}
    ids = list(tags)
    for start in range(0, len(ids), 500):
        for cid, tag in session.exec(select(ComplaintTag.complaint_id, ComplaintTag.tag).where(
                col(ComplaintTag.complaint_id).in_(ids[start:start + 500]))):
            tags[cid].add(tag)
    facts = [Fact(number=r.number, received_at=r.received_at, registered_at=r.registered_at,
                  channel=r.channel, group_size=r.group_size, product=r.product, issue=r.issue,
                  branch=r.branch, amount_cents=r.amount_cents, tags=frozenset(tags[r.id]))
             for r in rows]
    return facts, {r.number: r.id for r in rows}


#: what a trigger reads of a complaint (``domain.emergency.Fact``), and its id
_FACT_COLUMNS = ("id", "number", "received_at", "registered_at", "channel", "group_size",
                 "product", "issue", "branch", "amount_cents")


def detect(*, session: Session, actor: Actor, as_of: datetime | None = None,
           drill_id: int | None = None) -> list[dict[str, Any]]:
    """Evaluate the triggers at ``as_of`` (default now). With ``drill_id``, only that drill's
    complaints; otherwise real complaints and every open drill's. Returns what changed."""
    with use_case(session, actor, "incident detect"):
        actor.check(Permission.incident)
        current = now()
        as_of = as_of or current
        clock.check_effective_time(as_of, now=current, previous=None, tz=timezone_of(session))
        results = run_detection(session, by=actor.username, as_of=as_of, drill_id=drill_id)
        if drill_id is None:  # the command's own run (a drill's is the drill's event)
            audit.record(session, kind=EventKind.admin, action="incident detect",
                         actor=actor.username, at=as_of, details={"changes": len(results)})
    return results


def sla_hook(session: Session, *, actor: Actor, as_of: datetime, report) -> None:
    """The emergency plan's part of every ``sla check`` (``DeadlinesChecked``, see ``services.bootstrap``), in
    its transaction: detection at ``as_of``, then the overdue checklist items (flagged once,
    their responsible people notified). What it did goes to ``report.hooks["emergency"]``."""
    from sqlalchemy import func

    from complaintctl.store.models import Notification

    def queued() -> int:
        return session.exec(select(func.count()).select_from(Notification).where(
            col(Notification.event).in_(["incident", "incident_overdue"]))).one()

    before = queued()
    detected = run_detection(session, by=actor.username, as_of=as_of)
    flagged = em.flag_overdue_checklist(session, as_of)
    tz = timezone_of(session)
    sent = queued() - before
    report.notifications += sent
    report.hooks["emergency"] = {
        "detected": detected,
        "overdue_items": [{"incident": i.incident_id, "item": i.seq, "key": i.key,
                           "person": i.person, "due": clock.iso(i.due_at, tz)} for i in flagged],
        "notifications": sent,
    }


def after_import(*, session: Session, by: str) -> list[dict[str, Any]]:
    """Detection right after an import commits, in a transaction of its own: the import's
    actor need not hold the incident duty (nobody chose to declare anything; the plan did)."""
    with use_case(session, None, "incident detect"):
        results = run_detection(session, by=by, as_of=now())
    return results


def on_registration(session: Session, *, complaint: Complaint, by: str,
                    at: datetime) -> list[dict[str, Any]]:
    """Detection for a registration, in its transaction (``ComplaintRegistered``, CBIRC Art
    29): the triggers the new complaint fires, alone (its tags, group, amount) or with the
    complaints of its clusters (product, issue, branch) in the window. Only firings that
    include it act: the registration crossed that threshold. A drill's complaints are left to
    the drill (its detection is what the drill rehearses). The default plan is stored (a
    ``plan load``) only when an incident opens under it."""
    plan = plans.parsed(plans.stored_plan(session))
    since = at - plan.window - timedelta(days=plan.spike.baseline_days)
    facts, by_number = load_facts(session, since=since, as_of=at, drill_id=None,
                                  like=complaint, cluster_by=tuple(plan.cluster_by))
    results: list[dict[str, Any]] = []
    for firing in rules.strongest(rules.evaluate(plan, facts, at)):
        if complaint.number in firing.numbers:
            result = _apply(session, plan, firing, by_number, None, at, by)
            if result:
                results.append(result)
    return results


def run_detection(session: Session, *, by: str, as_of: datetime,
                  drill_id: int | None = None) -> list[dict[str, Any]]:
    """Detection in the caller's transaction (``detect`` and the ``sla check`` hook)."""
    plan = plans.parsed(plans.ensure_plan(session, by, as_of))
    if drill_id is not None:
        populations = [drill_id]
    else:
        populations = [None] + list(session.exec(
            select(Drill.id).where(col(Drill.closed_at).is_(None), Drill.started_at <= as_of)
            .order_by(col(Drill.id))))
    results: list[dict[str, Any]] = []
    since = as_of - plan.window - timedelta(days=plan.spike.baseline_days)
    for population in populations:
        facts, by_number = load_facts(session, since=since, as_of=as_of, drill_id=population)
        for firing in rules.strongest(rules.evaluate(plan, facts, as_of)):
            result = _apply(session, plan, firing, by_number, population, as_of, by)
            if result:
                results.append(result)
    return results


def _apply(session: Session, plan: Plan, firing: Firing, by_number: dict[str, int],
           drill_id: int | None, as_of: datetime, by: str) -> dict[str, Any] | None:
    ids = [by_number[n] for n in firing.numbers]
    links = session.exec(
        select(IncidentComplaint.complaint_id, Incident)
        .join(Incident, Incident.id == IncidentComplaint.incident_id)
        .where(col(IncidentComplaint.complaint_id).in_(ids))).all()
    in_active = {cid: inc for cid, inc in links if inc.status == em.ACTIVE}
    ever = {cid for cid, _inc in links}
    query = select(Incident).where(Incident.status == em.ACTIVE)
    query = query.where(col(Incident.drill_id).is_(None)) if drill_id is None else query.where(
        Incident.drill_id == drill_id)
    actives = session.exec(query.order_by(col(Incident.id))).all()
    target = next((i for i in actives if i.cluster_key == firing.cluster), None)
    if target is None and in_active:
        counts: dict[int, int] = {}
        for inc in in_active.values():
            counts[inc.id] = counts.get(inc.id, 0) + 1
        best = max(counts, key=lambda iid: (counts[iid], -iid))
        target = next(i for i in actives if i.id == best) if any(
            i.id == best for i in actives) else session.get(Incident, best)
    describe = firing.describe()
    unlinked = _complaints(session, [cid for cid in ids if cid not in in_active])
    if target is None:
        if all(cid in ever for cid in ids):
            return None
        title = _("Level {level} detected: {what}").format(level=roman(firing.level),
                                                          what=describe)
        incident = em.open_incident(
            session, by=by, at=as_of, level=firing.level, title=title, trigger=firing.rule,
            cluster=firing.cluster, drill_id=drill_id, via="detect", detected=True,
            complaints=unlinked)
        return _result(incident, "opened", firing, firing.numbers)
    at = max(as_of, target.last_action_at)
    linked = em.link_complaints(session, target, unlinked, by=by, at=at, via="detect")
    action = "linked" if linked else None
    seen = target.detected_level if target.detected_level is not None else target.level
    if firing.level < target.level and firing.level < seen:
        em.set_level(session, target, firing.level, by=by, at=at, kind="escalate",
                     reason=_("detected: {what}").format(what=describe))
        action = "escalated"
    if target.detected_level is None or firing.level < target.detected_level:
        target.detected_level = firing.level
        session.add(target)
    return _result(target, action, firing, linked) if action else None


def _complaints(session: Session, ids: list[int]) -> list[Complaint]:
    """The complaints of ``ids``, in that order (those a firing links: usually the new one)."""
    found: dict[int, Complaint] = {}
    for start in range(0, len(ids), 500):
        found.update((c.id, c) for c in session.exec(
            select(Complaint).where(col(Complaint.id).in_(ids[start:start + 500]))))
    return [found[cid] for cid in ids]


def _result(incident: Incident, action: str, firing: Firing, linked) -> dict[str, Any]:
    return {"incident": incident.id, "action": action, "level": incident.level,
            "rule": firing.rule, "cluster": firing.cluster, "linked": list(linked),
            "drill": incident.drill_id, "why": firing.describe()}
