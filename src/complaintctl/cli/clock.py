"""Commands of the regulatory clock: pause, resume, extend, approve, review, due, urgency, sla."""

from __future__ import annotations

from typing import Annotated

import typer

from complaintctl.cli import panels
from complaintctl.cli.acting import call
from complaintctl.cli.common import At, LateReason, Number, helptext, state
from complaintctl.cli.completion import staff_names
from complaintctl.cli.usage_i18n import App
from complaintctl.domain.enums import (
    ApprovalKind,
    ContactVia,
    PauseReason,
    ReadFormat,
    ReviewResult,
)
from complaintctl.i18n import _, code, format_datetime, language

review_app = App(help=helptext(
    _("The customer's review of a decision (核查, CBIRC Art 20)."),
    "complaintctl review request CMP-2026-000042"), no_args_is_help=True)
sla_app = App(help=helptext(
    _("Deadline watch: warnings, overdue complaints, escalation."),
    "complaintctl sla check"), no_args_is_help=True)

Fmt = Annotated[ReadFormat, typer.Option("--format", help=_("table or json."))]
Via = Annotated[ContactVia | None, typer.Option(
    "--customer-notified-via", help=_("How the customer was told."))]


def _say(template: str, **values) -> None:
    from complaintctl.present import render

    render.message(template.format(**values))


def _local(session, value) -> str:
    """A stored time as the bank's local time, to the second."""
    from complaintctl.domain.clock import iso
    from complaintctl.services.core.context import timezone_of

    text = (iso(value, timezone_of(session)) or "-")[:19]
    return format_datetime(text) if language() == "zh" and value else text.replace("T", " ")


def pause(ctx: typer.Context, number: Number,
          reason: Annotated[PauseReason, typer.Option(help=_("Why the clock stops."))],
          customer_notified_via: Annotated[ContactVia, typer.Option(
              "--customer-notified-via", help=_("How the customer was told."))],
          note: Annotated[str | None, typer.Option(help=_("E.g. the appraiser's name."))] = None,
          at: At = None, late_reason: LateReason = None) -> None:
    from complaintctl.services.clock import pauses

    c = call(ctx, pauses.pause,
             number=number, reason=reason, customer_notified_via=customer_notified_via, note=note,
             at=at)
    _say(_("{number} paused for {reason}: its clock is stopped."), number=c.number,
         reason=code(reason.value))


def resume(ctx: typer.Context, number: Number,
        at: At = None, late_reason: LateReason = None) -> None:
    from complaintctl.services.clock import pauses

    st = state(ctx)
    with st.session(write=True) as session:
        c = pauses.resume(session=session, actor=st.actor(session), number=number,
                         at=st.at(session, at))
        due = _local(session, c.due_at)
    _say(_("{number} resumed; now due {due}."), number=c.number, due=due)


def extend(ctx: typer.Context, number: Number,
           level: Annotated[int, typer.Option(help=_("The step of the ladder: 1 (30 days) or 2 (60 days)."), min=1)],
           reason: Annotated[str, typer.Option(help=_("Why the case is complex."))],
           approved_by: Annotated[str | None, typer.Option(help=_("The approver (default: you, if you may approve)."), metavar="USER", autocompletion=staff_names)] = None,
           customer_notified_via: Via = None,
           at: At = None, late_reason: LateReason = None) -> None:
    from complaintctl.services.complaints import approvals

    r = call(ctx, approvals.extend,
             number=number, level=level, reason=reason, approved_by=approved_by,
             customer_notified_via=customer_notified_via, at=at)
    if r.applied:
        _say(_("{number} extended to level {level}; see `complaintctl due {number}`."),
             number=r.complaint.number, level=level)
    else:
        _say(_("Extension of {number} to level {level} requested; waiting for {who}."),
             number=r.complaint.number, level=level, who=", ".join(r.approvers))


def approve(ctx: typer.Context, number: Number,
            kind: Annotated[ApprovalKind | None, typer.Option(help=_("Which waiting request."))] = None,
            compensation: Annotated[str | None, typer.Option(help=_("Approve a compensation of this amount."))] = None,
            reason: Annotated[str | None, typer.Option(help=_("Why (recorded)."))] = None,
            at: At = None, late_reason: LateReason = None) -> None:
    from complaintctl.services.complaints import approvals

    a = call(ctx, approvals.approve,
             number=number, kind=kind, compensation=compensation, reason=reason, at=at)
    _say(_("Approved {kind} {id} on {number}."), kind=a.kind, id=a.id, number=number.upper())


def request_approval(ctx: typer.Context, number: Number,
                     compensation: Annotated[str, typer.Option(help=_("The compensation to pay."))],
                     reason: Annotated[str, typer.Option(help=_("Why this amount."))],
                     at: At = None, late_reason: LateReason = None) -> None:
    from complaintctl.services.complaints import approvals

    a, who = call(ctx, approvals.request_compensation,
                  number=number, amount=compensation, reason=reason, at=at)
    _say(_("Approval {id} requested; waiting for {who}."), id=a.id, who=", ".join(who) or "-")


def review_request(ctx: typer.Context, number: Number,
                   note: Annotated[str | None, typer.Option(help=_("What the customer asks."))] = None,
                   at: At = None, late_reason: LateReason = None) -> None:
    from complaintctl.services.complaints import reviews

    st = state(ctx)
    with st.session(write=True) as session:
        c = reviews.review_request(session=session, actor=st.actor(session), number=number,
                                 note=note, at=st.at(session, at))
        due = _local(session, c.due_at)
    _say(_("{number} is under review; decide by {due}."), number=c.number, due=due)


def review_decide(ctx: typer.Context, number: Number,
                  result: Annotated[ReviewResult, typer.Option(help=_("upheld closes it; changed reopens it."))],
                  findings: Annotated[str, typer.Option(help=_("What the review found."))],
                  at: At = None, late_reason: LateReason = None) -> None:
    from complaintctl.services.complaints import reviews

    c = call(ctx, reviews.review_decide, number=number, result=result, findings=findings, at=at)
    _say(_("Review of {number} decided ({result}); it is {status}."), number=c.number,
         result=result.value, status=c.status)


def due(ctx: typer.Context, number: Number, format: Fmt = ReadFormat.table) -> None:
    from complaintctl.present import render
    from complaintctl.services.reporting import explain

    st = state(ctx)
    with st.session() as session:
        data = explain.explain(session=session, actor=st.actor(session), number=number,
                               machine=format != "table")
    render.emit(data, format, draw=lambda d: render.table(
        d["steps"], [("step", _("Step")), ("explanation", _("Explanation"))],
        title=_("{number}: due {due}").format(
            number=d["number"],
            due=format_datetime(d["due_at"]) if language() == "zh" else d["due_at"])))


def urgency(ctx: typer.Context, number: Number, format: Fmt = ReadFormat.table) -> None:
    from complaintctl.present import urgency_views
    from complaintctl.services.reporting import explain

    st = state(ctx)
    with st.session() as session:
        data, found = explain.urgency(session=session, actor=st.actor(session), number=number)
    urgency_views.urgency(data, found, format)


def sla_check(ctx: typer.Context,
              as_of: Annotated[str | None, typer.Option("--as-of", help=_("Check as at this time [default: now]."), metavar="TIMESTAMP")] = None,
              format: Fmt = ReadFormat.table) -> None:
    from complaintctl.present import render
    from complaintctl.services.clock import sla

    st = state(ctx)
    with st.session(write=True) as session:
        report = sla.check(session=session, actor=st.actor(session), as_of=st.at(session, as_of))
    data = report.as_dict()
    rows = [dict(w, what="warning") for w in data["warnings"]] + [
        dict(e, what="escalation") for e in data["escalations"]]
    render.emit(data, format, draw=lambda d: render.table(
        rows, [("number", _("Number")), ("what", _("What")), ("level", _("Level"))],
        title=_("SLA check"), empty=_("Nothing new.")))
    render.message(_("Checked {n} running clocks: {w} warnings, {e} escalations, {q} "
                     "notifications queued.").format(n=report.checked, w=len(report.warnings),
                                                     e=len(report.escalations),
                                                     q=report.notifications))
    if report.skipped:
        render.message(_("Not checked (each has an event after --as-of): {numbers}.").format(
            numbers=", ".join(report.skipped)))


N = "CMP-2026-000042"
COMMANDS = [
    (pause, "pause", _("Stop the clock for external appraisal or mediation (not counted)."),
     [f"complaintctl pause {N} --reason appraisal --customer-notified-via phone"]),
    (resume, "resume", _("Restart a paused clock; the due time moves later by the pause."),
     [f"complaintctl resume {N}"]),
    (extend, "extend", _("Extend the decision period (level 1: 30 days, level 2: 60 days)."),
     [f"complaintctl extend {N} --level 1 --reason 'Needs card-scheme records'",
      f"complaintctl extend {N} --level 2 --reason 'Court records' --approved-by boss "
      "--customer-notified-via letter"]),
    (approve, "approve", _("Approve a waiting extension or a compensation (a second person)."),
     [f"complaintctl approve {N}", f"complaintctl approve {N} --compensation 5000"]),
    (request_approval, "request-approval",
     _("Ask for a second person's approval of a compensation above the threshold."),
     [f"complaintctl request-approval {N} --compensation 5000 --reason 'Lost interest'"]),
    (due, "due", _("Explain how the due time is computed, step by step."),
     [f"complaintctl due {N}", f"complaintctl due {N} --format json"]),
    (urgency, "urgency", _("Explain a complaint's urgency score, term by term."),
     [f"complaintctl urgency {N}"]),
]


#: The one-line summaries of ``--help`` where the first sentence is longer than a line.
SHORT = {
    "pause": _("Stop the clock for appraisal or mediation."),
    "resume": _("Restart a paused clock; the due time moves later."),
    "extend": _("Extend the decision period (30 or 60 days)."),
    "approve": _("Approve a waiting extension or compensation."),
    "request-approval": _("Ask a second person to approve a compensation."),
}


def register_commands(app: typer.Typer) -> None:
    for function, name, summary, examples in COMMANDS:
        app.command(name, help=helptext(summary, *examples), short_help=SHORT.get(name))(function)
    review_app.command("request", help=helptext(
        _("Record the customer's request for a review (within the window)."),
        f"complaintctl review request {N} --note 'Disagrees with the refund'"))(review_request)
    review_app.command("decide", help=helptext(
        _("Decide a review: upheld closes it, changed reopens it into investigation."),
        f"complaintctl review decide {N} --result upheld --findings 'Fee rules applied'"))(
            review_decide)
    sla_app.command("check", help=helptext(
        _("Mark 50%/80% warnings and overdue complaints, escalate, queue notices (for cron)."),
        "complaintctl sla check", "complaintctl sla check --as-of 2026-12-01T08:00"))(sla_check)
    app.add_typer(review_app, name="review", rich_help_panel=panels.DAILY)
    app.add_typer(sla_app, name="sla")
