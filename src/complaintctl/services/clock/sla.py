"""``sla check``: the cron job that watches every running clock.

For each complaint whose clock runs (registered, assigned, investigating, under review) it
compares the time used with the time allowed (paused time counts as neither) and, once per
threshold, records a timeline event and queues notifications:

- ``sla.warn_percents`` (default 50 and 80): an ``sla_warning`` to the assignee and the branch
  supervisors;
- past the due time: ``sla_warning`` overdue and ``escalate`` to level 1 (the branch
  supervisors);
- overdue by ``sla.escalate_after_days`` (default 3) or more: ``escalate`` to level 2 (head
  office: supervisors without a branch, else admins).

The levels reached are stored on the complaint (``warned_percent``, ``escalation_level``), so a
second run at the same time finds nothing new: the check is idempotent. At the end of every run
it publishes ``DeadlinesChecked`` in the same transaction: the periodic checks that ride on it
(the emergency plan's ``incident detect``) subscribe to it in ``services.bootstrap``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from complaintctl.domain import deadlines
from complaintctl.domain.clock import iso
from complaintctl.domain.enums import Action, EventKind
from complaintctl.domain.events import DeadlinesChecked
from complaintctl.domain.permissions import Permission
from complaintctl.errors import InvalidData
from complaintctl.i18n import _, duration
from complaintctl.store.models import Complaint
from complaintctl.services.core import bus
from complaintctl.services.core import trail as audit
from complaintctl.services.notify import outbox as notify
from complaintctl.services.core import config as config_service
from complaintctl.services.clock.state import state_of
from complaintctl.services.core.context import Actor, now, use_case


@dataclass
class SlaReport:
    as_of: datetime
    checked: int = 0
    warnings: list[dict[str, Any]] = field(default_factory=list)
    escalations: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notifications: int = 0
    hooks: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": iso(self.as_of),
            "checked": self.checked,
            "warnings": self.warnings,
            "escalations": self.escalations,
            "skipped": self.skipped,
            "notifications": self.notifications,
            "hooks": self.hooks,
        }


def _record(session: Session, actor: Actor, complaint: Complaint, action: Action,
            at: datetime, details: dict[str, Any]) -> None:
    complaint.last_event_at = max(complaint.last_event_at, at)
    session.add(complaint)
    audit.record(session, kind=EventKind.change, action=action.value, actor=actor.username,
                 at=at, complaint=complaint, from_status=complaint.status,
                 to_status=complaint.status, details=details)


def check(*, session: Session, actor: Actor, as_of: datetime | None = None) -> SlaReport:
    """Mark warnings and overdue complaints, escalate, queue notifications. Idempotent."""
    with use_case(session, actor, "sla check"):
        actor.check(Permission.assign)
        as_of = _checked_as_of(as_of)
        cfg = config_service.load(session)
        thresholds = cfg["sla.warn_percents"]
        second_after = timedelta(days=cfg["sla.escalate_after_days"])
        report = SlaReport(as_of=as_of)
        for complaint in session.exec(_running_clocks(actor)).all():
            report.checked += 1
            if complaint.last_event_at > as_of:
                report.skipped.append(complaint.number)
                continue
            state = state_of(session, complaint)
            progress = deadlines.progress(state, complaint.due_at, as_of)
            _warn(session, actor, complaint, progress, report, thresholds=thresholds, tz=cfg.tz)
            _escalate(session, actor, complaint, progress, report, second_after=second_after)
        bus.publish(session, DeadlinesChecked(actor, as_of, report))
        audit.record(session, kind=EventKind.admin, action="sla check", actor=actor.username,
                     at=as_of, details={"checked": report.checked,
                                        "warnings": len(report.warnings),
                                        "escalations": len(report.escalations),
                                        "notifications": report.notifications})
    return report


def _checked_as_of(as_of: datetime | None) -> datetime:
    """The time the check is made as of (``--as-of``, default now): never in the future."""
    current = now()
    as_of = as_of or current
    if as_of > current + timedelta(seconds=1):
        raise InvalidData(_("--as-of {at} is in the future; give a past or present time.")
                          .format(at=as_of.isoformat()))
    return as_of


def _running_clocks(actor: Actor):
    """The complaints whose clock runs and has a due time (the actor's branch only, for a
    branch supervisor), in number order."""
    query = select(Complaint).where(col(Complaint.status).in_(sorted(deadlines.RUNNING)),
                                    col(Complaint.due_at).is_not(None))
    if actor.branch is not None:
        query = query.where(Complaint.branch == actor.branch)
    return query.order_by(col(Complaint.id))


def _warn(session: Session, actor: Actor, complaint: Complaint,
          progress: deadlines.Progress, report: SlaReport, *,
          thresholds, tz) -> None:
    """The highest warning threshold passed (100: overdue), once: recorded and told to the
    assignee and the branch supervisors."""
    overdue = progress.left < 0
    passed = 100 if overdue else max(
        [t for t in thresholds if progress.percent >= t], default=0)
    involved = (notify.staff_named(session, complaint.assignee)
                + notify.branch_supervisors(session, complaint.branch))
    if passed <= (complaint.warned_percent or 0):
        return
    complaint.warned_percent = passed
    what = (_("overdue: the due time {due} has passed") if overdue
            # the % sign goes in with the number: "% o" in a message id reads to
            # gettext tools as a printf placeholder, and the catalog would not compile
            else _("{percent} of the time allowed is used; due {due}"))
    what = what.format(percent=f"{passed}%",
                       due=(iso(complaint.due_at, tz) or "")[:16].replace("T", " "))
    as_of = report.as_of
    _record(session, actor, complaint, Action.sla_warning, as_of,
            {"level": "overdue" if overdue else passed,
             "percent_used": round(progress.percent, 1),
             "seconds_left": progress.left})
    report.warnings.append({"number": complaint.number,
                            "level": "overdue" if overdue else passed})
    report.notifications += len(notify.queue(
        session, complaint=complaint, event="overdue" if overdue else "warning",
        recipients=involved, what=what, at=as_of))


def _escalate(session: Session, actor: Actor, complaint: Complaint, progress: deadlines.Progress,
              report: SlaReport, *, second_after: timedelta) -> None:
    """Overdue: escalate to level 1 (the branch supervisors), and to level 2 (head office)
    once overdue by ``second_after``; each level once, recorded and told."""
    level = complaint.escalation_level or 0
    target = 0
    if progress.left < 0:
        target = 1
        if -progress.left >= second_after.total_seconds():
            target = 2
    while level < target:
        level += 1
        complaint.escalation_level = level
        to = (notify.branch_supervisors(session, complaint.branch) if level == 1
              else notify.head_office(session))
        _record(session, actor, complaint, Action.escalate, report.as_of,
                {"level": level, "to": [p.username for p in to],
                 "overdue_seconds": -progress.left})
        report.escalations.append({"number": complaint.number, "level": level})
        report.notifications += len(notify.queue(
            session, complaint=complaint, event="escalated", recipients=to,
            what=_("escalated to level {level}: overdue by {t}").format(
                level=level, t=duration(deadlines.humanize(-progress.left))),
            at=report.as_of))
