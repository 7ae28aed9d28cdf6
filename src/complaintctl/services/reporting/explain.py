"""``due`` and ``urgency``: how a complaint's deadline was computed, step by step, and how
urgent it is now.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from complaintctl.domain import calendars, deadlines, money
from complaintctl.domain import urgency as urgency_rules
from complaintctl.domain.clock import iso
from complaintctl.domain.deadlines import ClockKind
from complaintctl.domain.permissions import Permission
from complaintctl.i18n import _, code, day, duration, machine_text, moment
from complaintctl.store.models import ComplaintTag
from complaintctl.services.core import config as config_service
from complaintctl.services.clock.state import open_pause, pauses_of, seconds_left, state_of
from complaintctl.services.core.kernel import get
from complaintctl.services.core.context import Actor, now, refusals_recorded


def _fmt(value: datetime | None, tz) -> str | None:
    """ISO 8601 with offset, to the second (what ``due`` shows and returns)."""
    return iso(value.replace(microsecond=0), tz) if value is not None else None


def _shown(value: datetime | None, tz) -> str | None:
    """A moment inside a step's sentence: ISO 8601 in English (as JSON's fields), the
    language's date and time in Chinese (``2026年11月24日 23:59``)."""
    return moment(_fmt(value, tz))


def explain(*, session: Session, actor: Actor, number: str, as_of: datetime | None = None,
            machine: bool = False) -> dict[str, Any]:
    """Every step of the due-time computation, and whether it agrees with the stored due_at.
    ``machine`` (JSON): the steps are worded in English whatever the interface language."""
    complaint = get(session, number)
    with refusals_recorded(session, actor, "due", complaint.number):
        actor.check(Permission.read, complaint=complaint)
    with machine_text(machine):
        return _explained(session, complaint, as_of)


class _Steps(list):
    """The steps of an explanation, in order: ``{"step": label, "explanation": text}``."""

    def add(self, label: str, text: str) -> None:
        self.append({"step": label, "explanation": text})


def _explained(session: Session, complaint, as_of: datetime | None) -> dict[str, Any]:
    cfg = config_service.load(session)
    tz = cfg.tz
    profile = cfg.profile(complaint.clock_profile)
    calendar = cfg.calendar(profile)
    pauses = pauses_of(session, complaint)
    state = state_of(session, complaint, pauses)
    result = deadlines.due(profile, state, tz=tz, calendar=calendar)
    as_of = as_of or now()
    running = complaint.status in deadlines.RUNNING
    current = next((p for p in pauses if p.ended_at is None), None)
    left = seconds_left(complaint, paused_since=current.started_at if current else None,
                        as_of=as_of)
    steps = _Steps()
    _rule_steps(steps, complaint, profile, state, result, tz)
    pause_rows = _pause_steps(steps, result, tz)
    notable = _calendar_steps(steps, profile, calendar, result, tz)
    stored = complaint.due_at
    agrees = stored == result.due_at if running else None
    _status_steps(steps, complaint, running=running, left=left, paused=current is not None,
                  tz=tz)
    ack, summary, window = _other_deadline_steps(steps, complaint, profile, calendar, tz)
    return {
        "number": complaint.number,
        "status": complaint.status,
        "profile": profile.name,
        "clock": state.kind.value,
        "rule": {"days": result.rule.days, "unit": result.rule.unit.value},
        "received_at": _fmt(complaint.received_at, tz),
        "anchor": _fmt(state.anchor, tz),
        "first_day": result.first_day.isoformat(),
        "extension_level": state.extension_level,
        "base_due_at": _fmt(result.base_due_at, tz),
        "pauses": pause_rows,
        "paused": bool(complaint.paused),
        "holidays": [{"date": d.isoformat(), "name": n} for d, n in notable],
        "rolled": result.rolled,
        "due_at": _fmt(result.due_at, tz),
        "stored_due_at": _fmt(stored, tz),
        "agrees": agrees,
        "seconds_left": left,
        "overdue": left is not None and left < 0,
        "acknowledgement_due_at": _fmt(ack.due_at, tz),
        "acknowledged_at": _fmt(complaint.acknowledged_at, tz),
        "summary_resolution_due_at": _fmt(summary.due_at, tz) if summary else None,
        "review_window_closes": _fmt(window, tz),
        "steps": list(steps),
    }


def _rule_steps(steps: _Steps, complaint, profile, state, result, tz) -> None:
    """Receipt, the profile, which clock runs, its rule, the extension, the days counted."""
    steps.add(_("received"), _("{at} (bank time {tz})").format(
        at=_shown(complaint.received_at, tz), tz=tz.key))
    steps.add(_("profile"), _("{name}: {title} ({basis})").format(
        name=profile.name, title=deadlines.shipped_text(profile.title),
        basis=deadlines.shipped_text(profile.basis)))
    kind = state.kind
    if kind is ClockKind.review:
        steps.add(_("clock"), _("review decision: {rule} from the review request of {at} "
                                "(Art 20)").format(rule=result.rule.describe(),
                                                   at=_shown(state.anchor, tz)))
    elif complaint.clock_started_at is not None:
        steps.add(_("clock"), _("decision, restarted when the complaint was reopened with new "
                                "facts on {at} (Art 18)").format(at=_shown(state.anchor, tz)))
    else:
        steps.add(_("clock"), _("decision: counted from receipt"))
    base_rule = profile.review_decision if kind is ClockKind.review else profile.decision
    steps.add(_("rule"), _("{rule}; day 1 is {first}, the day after {anchor_day}; the deadline "
                           "ends 23:59:59").format(
        rule=(base_rule or result.rule).describe(), first=day(result.first_day),
        anchor_day=day(state.anchor.astimezone(tz).date())))
    if kind is ClockKind.decision and state.extension_level:
        ext = profile.extension(state.extension_level)
        steps.add(_("extension"), _("level {level}: {days} days in all from the same day 1")
                  .format(level=state.extension_level, days=ext.days if ext else "?"))
    elif kind is ClockKind.decision:
        steps.add(_("extension"), _("none (levels available: {levels})").format(
            levels=_(", ").join(_("{level} -> {days} days").format(level=s.level, days=s.days)
                                for s in profile.extensions)
            or _("none")))
    steps.add(_("counted days"), _("{rule} -> {due} without pauses").format(
        rule=result.rule.describe(), due=_shown(result.base_due_at, tz)))
    if result.skipped_days:
        steps.add(_("not counted"), _("{n} non-working days skipped (business-day rule): {days}")
                  .format(n=len(result.skipped_days),
                          days=_(", ").join(day(d) for d in result.skipped_days[:20])))


def _pause_steps(steps: _Steps, result, tz) -> list[dict[str, Any]]:
    """Each pause and what it did not count; returns the pauses as JSON."""
    pause_rows = []
    for pause_, seconds in result.pause_effects:
        pause_rows.append({"reason": pause_.reason, "start": _fmt(pause_.start, tz),
                           "end": _fmt(pause_.end, tz), "not_counted_seconds": seconds})
        if pause_.end is None:
            steps.add(_("pause"), _("{reason} since {start}: still open, so the deadline is "
                                    "frozen; it moves later by the pause's length on resume")
                      .format(reason=code(pause_.reason), start=_shown(pause_.start, tz)))
        else:
            steps.add(_("pause"), _("{reason} {start} -> {end}: {counted} not counted").format(
                reason=code(pause_.reason), start=_shown(pause_.start, tz),
                end=_shown(pause_.end, tz),
                counted=duration(deadlines.humanize(seconds)) if seconds
                else _("nothing (outside the counted days)")))
    if result.pause_effects and any(s for _p, s in result.pause_effects):
        steps.add(_("after pauses"), _shown(result.unrolled_due_at, tz))
    return pause_rows


def _calendar_steps(steps: _Steps, profile, calendar, result, tz) -> list:
    """The holidays within the count, the calendar data, rolling, the deadline; returns the
    notable days (date, name)."""
    notable = calendar.notable_days(result.first_day, result.due_at.astimezone(tz).date())
    if notable:
        counted = _("counted (a day is a calendar day, Art 43)") if result.rule.unit.value == \
            "calendar" else _("skipped unless a working day")
        names = [_(name) if name == calendars.MAKEUP_DAY else name for _d, name in notable]
        steps.add(_("holidays"), _("; ").join(f"{day(d)} {name}" for (d, _n), name
                                               in zip(notable, names, strict=True))
                  + f" — {counted}")
    years = sorted({result.first_day.year, result.due_at.astimezone(tz).year})
    for year in years:
        if not calendar.is_official(year):
            steps.add(_("calendar"), _("the holiday data for {year} is the statutory rule only "
                                       "(the official schedule with its make-up days is not in "
                                       "the package yet); add it with `config set "
                                       "calendar.extra_holidays` / `calendar.extra_workdays`")
                      .format(year=year))
    if profile.roll_to_working_day:
        if result.rolled:
            steps.add(_("roll"), _("{day} is not a working day: rolled to the next working day")
                      .format(day=day(result.unrolled_due_at.astimezone(tz).date())))
        else:
            steps.add(_("roll"), _("the deadline is a working day; nothing to roll"))
    else:
        steps.add(_("roll"), _("off in this profile: a deadline on a holiday stands"))
    steps.add(_("due"), _shown(result.due_at, tz))
    return notable


def _status_steps(steps: _Steps, complaint, *, running: bool, left: int | None, paused: bool,
                  tz) -> None:
    """A closed clock's stored due time, or the time left on a running one."""
    if not running:
        steps.add(_("status"), _("{status}: no clock runs; the stored due time {stored} is the "
                                 "one it was decided against").format(
            status=code(complaint.status), stored=_shown(complaint.due_at, tz)))
    elif left is not None:
        state_text = _("overdue by {t}") if left < 0 else _("{t} left")
        if paused:
            state_text += _(" (frozen while paused)")
        steps.add(_("time left"), state_text.format(t=duration(deadlines.humanize(abs(left)))))


def _other_deadline_steps(steps: _Steps, complaint, profile, calendar, tz) -> tuple:
    """The acknowledgement, the summary resolution and the review window; returns their
    deadlines (acknowledgement, summary or None, review window's close or None)."""
    ack = deadlines.deadline(complaint.received_at, profile.acknowledgement, tz=tz,
                             calendar=calendar)
    ack_text = _("due {due} ({rule} after receipt)").format(
        due=_shown(ack.due_at, tz), rule=profile.acknowledgement.describe())
    if complaint.acknowledged_at:
        on_time = complaint.acknowledged_at <= ack.due_at
        ack_text += _("; ") + (_("done {at}, on time") if on_time else _("done {at}, late")
                               ).format(at=_shown(complaint.acknowledged_at, tz))
    steps.add(_("acknowledgement"), ack_text)
    summary = None
    if profile.summary is not None:
        summary = deadlines.deadline(complaint.received_at, profile.summary, tz=tz,
                                     calendar=calendar)
        steps.add(_("summary resolution"), _("resolved by {due} ({rule}) allows a summary "
                                             "resolution communication").format(
            due=_shown(summary.due_at, tz), rule=profile.summary.describe()))
    window = None
    if complaint.notified_at and profile.review_window is not None:
        window = deadlines.review_window_closes(profile, complaint.notified_at, tz=tz,
                                                calendar=calendar)
        steps.add(_("review window"), _("a review may be asked until {closes} ({rule} after the "
                                        "decision notice of {notice})").format(
            closes=_shown(window, tz), rule=profile.review_window.describe(),
            notice=_shown(complaint.notified_at, tz)))
    return ack, summary, window


def urgency(*, session: Session, actor: Actor, number: str, as_of: datetime | None = None
            ) -> tuple[dict[str, Any], list[urgency_rules.Term]]:
    """The urgency score of one complaint, term by term: what JSON prints (the same in every
    language) and the terms themselves (for a table in the interface language)."""
    complaint = get(session, number)
    with refusals_recorded(session, actor, "urgency", complaint.number):
        actor.check(Permission.read, complaint=complaint)
    cfg = config_service.load(session)
    tags = list(session.exec(select(ComplaintTag.tag).where(
        ComplaintTag.complaint_id == complaint.id)).all())
    current = open_pause(session, complaint)
    left = seconds_left(complaint, paused_since=current.started_at if current else None,
                        as_of=as_of or now())
    found = urgency_rules.terms(
        seconds_left=left, priority=complaint.priority, tags=tags, channel=complaint.channel,
        group_size=complaint.group_size, amount=money.to_decimal(complaint.amount_cents),
        reopen_count=complaint.reopen_count, escalation_level=complaint.escalation_level or 0,
        paused=bool(complaint.paused), weights=cfg.weights, currency=complaint.currency,
    )
    return {
        "number": complaint.number,
        "urgency": urgency_rules.score(found),
        "terms": [{"term": t.name, "because": t.because, "factor": t.factor,
                   "coefficient": t.coefficient, "value": t.value} for t in found],
    }, found
