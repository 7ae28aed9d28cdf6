"""The emergency plan's stored versions: the default loaded on first use, a new version per
``plan load`` (an incident keeps the version it ran under), ``plan show`` and ``plan history``.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlmodel import Session, col, select

from complaintctl.domain import clock
from complaintctl.domain import plan as plan_rules
from complaintctl.domain.enums import EventKind
from complaintctl.domain.permissions import Permission
from complaintctl.domain.plan import Plan
from complaintctl.errors import NotFound
from complaintctl.i18n import _, language
from complaintctl.store.models import Incident, PlanVersion
from complaintctl.services.core import trail as audit
from complaintctl.services.core.context import Actor, now, timezone_of, use_case


def stored_plan(session: Session, version_id: int | None = None) -> PlanVersion | None:
    """The newest stored plan version (or the one asked for); None when none is stored yet."""
    if version_id is not None:
        return session.get(PlanVersion, version_id)
    return session.exec(select(PlanVersion).order_by(col(PlanVersion.id).desc())).first()


def parsed(version: PlanVersion | None) -> Plan:
    """The plan of ``version`` (None: the default plan), parsed once a process for each text
    and language (every registration reads the plan: CBIRC Art 29's detection)."""
    if version is None:
        return _parse(None, "default plan", language())
    return _parse(version.text, f"plan version {version.id}", language())


@lru_cache(maxsize=16)
def _parse(text: str | None, source: str, _language: str) -> Plan:
    if text is None:
        return plan_rules.default_plan()
    return plan_rules.parse_plan(text, source=source)


def ensure_plan(session: Session, by: str, at: datetime | None = None) -> PlanVersion:
    """The current plan version; a new database gets the default plan on first use (stored
    in the caller's transaction and audited)."""
    version = stored_plan(session)
    if version is not None:
        return version
    plan = plan_rules.default_plan()
    return _store(session, text=plan_rules.default_text(), plan=plan, source="default", by=by,
                  at=at or now())


def _store(session, *, text: str, plan: Plan, source: str, by: str, at: datetime) -> PlanVersion:
    version = PlanVersion(text=text, digest=plan.digest(), source=source[:255], loaded_by=by,
                          loaded_at=at)
    session.add(version)
    session.flush()
    audit.record(session, kind=EventKind.admin, action="plan load", actor=by, at=at,
                 details={"plan_version": version.id, "digest": version.digest,
                          "source": version.source, "name": plan.name})
    return version


def load_plan(*, session: Session, actor: Actor, text: str,
              source: str) -> tuple[PlanVersion, bool]:
    """Store a new plan version; returns (version, stored). An unchanged plan stores nothing."""
    with use_case(session, actor, "plan load"):
        actor.check(Permission.plan)
        plan = plan_rules.parse_plan(text, source=source)
        stored_before = stored_plan(session) is not None
        current = ensure_plan(session, actor.username)
        if current.digest == plan.digest():
            if not stored_before:  # ensure_plan just stored it, on the trail as a plan load
                return current, False
            audit.record(session, kind=EventKind.admin, action="plan load", actor=actor.username,
                         at=now(), details={"version": current.id, "source": source,
                                            "unchanged": True})
            return current, False
        version = _store(session, text=text, plan=plan, source=source, by=actor.username,
                         at=now())
    return version, True


def _stored_for_reading(session: Session, actor: Actor) -> None:
    """Reads see the stored plan: on a new database the default is stored first, in a write
    transaction of its own (a read never turns into a write half way)."""
    actor.check(Permission.read)
    if stored_plan(session) is not None:
        return
    from sqlmodel import Session as _Session

    session.rollback()  # end the read transaction: the next query sees the stored plan
    bind = session.get_bind()
    with _Session(bind.execution_options(complaintctl_write=True)) as side:
        ensure_plan(side, actor.username)
        side.commit()


def show_plan(*, session: Session, actor: Actor, version: int | None = None) -> dict[str, Any]:
    """The plan as JSON, with its version. Stores the default plan on a new database."""
    _stored_for_reading(session, actor)
    row = stored_plan(session, version)
    if row is None:
        raise NotFound(_("No plan version {v}; see `complaintctl plan history`.").format(
            v=version))
    tz = timezone_of(session)
    return {"version": row.id, "source": row.source, "digest": row.digest,
            "loaded_by": row.loaded_by, "loaded_at": clock.iso(row.loaded_at, tz),
            "text": row.text, "plan": parsed(row).to_dict()}


def plan_history(*, session: Session, actor: Actor) -> list[dict[str, Any]]:
    _stored_for_reading(session, actor)
    tz = timezone_of(session)
    rows = session.exec(select(PlanVersion).order_by(col(PlanVersion.id))).all()
    from sqlalchemy import func

    used = dict(session.exec(select(Incident.plan_version_id, func.count())
                             .group_by(Incident.plan_version_id)).all())
    return [{"version": r.id, "source": r.source, "digest": r.digest, "loaded_by": r.loaded_by,
             "loaded_at": clock.iso(r.loaded_at, tz), "name": parsed(r).name,
             "incidents": used.get(r.id, 0)} for r in rows]
