"""The ``incident`` commands: detect, declare, respond to, close and report complaint emergencies."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from complaintctl.cli.acting import call
from complaintctl.cli.common import At, helptext, state
from complaintctl.cli.completion import complaint_numbers
from complaintctl.cli.usage_i18n import App
from complaintctl.cli.emergency.options import AsOf, Format, Id, Level, Output, parse_level, roman
from complaintctl.domain.enums import IncidentStatus, ReadFormat, ReportIssue
from complaintctl.i18n import _

incident_app = App(help=helptext(
    _("Complaint emergencies: detect, declare, respond, report."),
    "complaintctl incident list"), no_args_is_help=True)


class DocFormat(StrEnum):
    md = "md"
    html = "html"
    json = "json"


@incident_app.command("detect", help=helptext(
    _("Run the plan's triggers: open, join or escalate incidents (never a duplicate)."),
    "complaintctl incident detect", "complaintctl incident detect --as-of 2026-11-28T18:00 --format json"))
def detect(ctx: typer.Context, as_of: AsOf = None, format: Format = ReadFormat.table) -> None:
    from complaintctl.present import incident_views
    from complaintctl.services.emergency import detection

    rows = call(ctx, detection.detect, as_of=as_of)
    incident_views.detect_results(rows, format)


@incident_app.command("declare", help=helptext(
    _("Declare an incident by hand; prints its id. The level's timetable becomes its checklist."),
    "complaintctl incident declare --level II --title '网点群体投诉' --link CMP-2026-000042"))
def declare(ctx: typer.Context, level: Level,
            title: Annotated[str, typer.Option(help=_("What is happening, in one line."))],
            link: Annotated[list[str] | None, typer.Option("--link", help=_("A complaint to link (repeatable)."))] = None,
            at: At = None) -> None:
    from complaintctl.present import render
    from complaintctl.services.emergency import incidents as emergency

    i = call(ctx, emergency.declare,
             level=parse_level(level), title=title, numbers=link or [], at=at)
    render.message(_("Declared incident {id} at level {level}; see `complaintctl incident checklist {id}`.").format(id=i.id, level=roman(i.level)))
    print(i.id)


@incident_app.command("list", help=helptext(_("List incidents (drill incidents only with --include-drills)."),
                                            "complaintctl incident list --status active --format json"))
def list_(ctx: typer.Context,
          status: Annotated[IncidentStatus | None, typer.Option(help=_("Only active or closed ones."))] = None,
          include_drills: Annotated[bool, typer.Option("--include-drills", help=_("Include drill incidents."))] = False,
          format: Format = ReadFormat.table) -> None:
    from complaintctl.present import incident_views
    from complaintctl.services.emergency import incidents as emergency

    st = state(ctx)
    with st.session() as session:
        rows = emergency.list_incidents(session=session, actor=st.actor(session), include_drills=include_drills,
                                        status=status.value if status else None)
    incident_views.incident_list(rows, format)


@incident_app.command("show", help=helptext(_("Show an incident: details, checklist and timeline."),
                                            "complaintctl incident show 3", "complaintctl incident show 3 --format json"))
def show(ctx: typer.Context, incident: Id, format: Format = ReadFormat.table) -> None:
    from complaintctl.present import incident_views
    from complaintctl.services.emergency import incidents as emergency

    st = state(ctx)
    with st.session() as session:
        data = emergency.show(session=session, actor=st.actor(session), incident_id=incident)
    incident_views.incident(data, format)


@incident_app.command("link", help=helptext(_("Link complaints to an incident."),
                                            "complaintctl incident link 3 CMP-2026-000042 CMP-2026-000043"))
def link(ctx: typer.Context, incident: Id,
         numbers: Annotated[list[str], typer.Argument(help=_("Complaint numbers."), metavar="NUMBER...", autocompletion=complaint_numbers)], at: At = None) -> None:
    from complaintctl.present import render
    from complaintctl.services.emergency import incidents as emergency

    linked = call(ctx, emergency.link, incident_id=incident, numbers=numbers, at=at)
    render.message(_("Linked {numbers} to incident {id}.").format(numbers=", ".join(linked), id=incident))


@incident_app.command("update", help=helptext(
    _("Record what was done (the timeline) and describe the incident for its report."),
    "complaintctl incident update 3 --action 'Branch head met the group' --cause 'Product not repaid'"))
def update(
    ctx: typer.Context, incident: Id,
    action: Annotated[str | None, typer.Option(help=_("What was done (goes on the timeline)."))] = None,
    place: Annotated[str | None, typer.Option(help=_("Where it happens."))] = None,
    cause: Annotated[str | None, typer.Option(help=_("What caused it."))] = None,
    nature: Annotated[str | None, typer.Option(help=_("Its nature (e.g. group visit, media exposure)."))] = None,
    harm: Annotated[str | None, typer.Option(help=_("Harm done and its scope."))] = None,
    reaction: Annotated[str | None, typer.Option(help=_("How customers react."))] = None,
    trend: Annotated[str | None, typer.Option(help=_("Where it is heading."))] = None,
    planned: Annotated[str | None, typer.Option(help=_("Measures planned."))] = None,
    reporter: Annotated[str | None, typer.Option(help=_("Who reports it [default: who declared it]."))] = None,
    amount: Annotated[str | None, typer.Option(help=_("Amount involved [default: the complaints' sum]."))] = None,
    people: Annotated[int | None, typer.Option(help=_("People involved [default: the complaints' group sizes]."))] = None,
    at: At = None,
) -> None:
    from complaintctl.present import render
    from complaintctl.services.emergency import incidents as emergency

    st = state(ctx)
    fields = dict(place=place, cause=cause, nature=nature, harm=harm, customer_reaction=reaction,
                  trend=trend, planned_measures=planned, reporter=reporter, amount=amount, people=people)
    with st.session(write=True) as session:
        emergency.update(session=session, actor=st.actor(session), incident_id=incident,
                         action=action, fields=fields, at=st.at(session, at))
    render.message(_("Incident {id} updated.").format(id=incident))


Reason = Annotated[str, typer.Option("--reason", help=_("Why (recorded on the timeline)."))]


def _change(ctx: typer.Context, incident: str, level: str, reason: str, at, escalate: bool) -> None:
    from complaintctl.present import render
    from complaintctl.services.emergency import incidents as emergency

    i = call(ctx, emergency.change_level,
             incident_id=incident, level=parse_level(level), reason=reason, escalate=escalate,
             at=at)
    render.message(_("Incident {id} is level {level}; its checklist was re-planned.").format(id=i.id, level=roman(i.level)))


@incident_app.command("escalate", help=helptext(_("Raise an incident to a more severe level; re-plans the checklist."),
                                                "complaintctl incident escalate 3 --level II --reason '25 people at the branch'"))
def escalate(ctx: typer.Context, incident: Id, level: Level, reason: Reason, at: At = None) -> None:
    _change(ctx, incident, level, reason, at, True)


@incident_app.command("deescalate", help=helptext(_("Lower an incident to a less severe level; re-plans the checklist."),
                                                  "complaintctl incident deescalate 3 --level IV --reason 'Group left'"))
def deescalate(ctx: typer.Context, incident: Id, level: Level, reason: Reason, at: At = None) -> None:
    _change(ctx, incident, level, reason, at, False)


@incident_app.command("close", help=helptext(
    _("Close an incident with its review, root cause and rectification actions."),
    "complaintctl incident close 3 --review 'Resolved on site' --root-cause 'Sales script' "
    "--rectify 'Retrain counter staff|wangfang|2026-12-31'"))
def close(ctx: typer.Context, incident: Id,
          review: Annotated[str, typer.Option(help=_("What happened, what worked, what did not."))],
          root_cause: Annotated[str | None, typer.Option(help=_("The root cause."))] = None,
          rectify: Annotated[list[str] | None, typer.Option(help=_("ACTION|OWNER|DUE (repeatable)."))] = None,
          at: At = None) -> None:
    from complaintctl.present import render
    from complaintctl.services.emergency import incidents as emergency
    from complaintctl.services.core.context import timezone_of

    st = state(ctx)
    with st.session(write=True) as session:
        actions = [emergency.Rectification.parse(r, timezone_of(session)) for r in rectify or []]
        emergency.close(session=session, actor=st.actor(session), incident_id=incident, review=review,
                        root_cause=root_cause, rectifications=actions, at=st.at(session, at))
    render.message(_("Incident {id} closed.").format(id=incident))


@incident_app.command("checklist", help=helptext(_("The incident's checklist: actions, who, due, done."),
                                                 "complaintctl incident checklist 3"))
def checklist(ctx: typer.Context, incident: Id, format: Format = ReadFormat.table) -> None:
    from complaintctl.present import incident_views
    from complaintctl.services.emergency import incidents as emergency

    st = state(ctx)
    with st.session() as session:
        rows = emergency.checklist(session=session, actor=st.actor(session), incident_id=incident)
    incident_views.checklist(rows, format, title=_("Checklist of incident {id}").format(id=incident))


@incident_app.command("done", help=helptext(_("Mark a checklist item done (by its number or key)."),
                                            "complaintctl incident done 3 2", "complaintctl incident done 3 on_site --at 10:40"))
def done(ctx: typer.Context, incident: Id,
         item: Annotated[str, typer.Argument(help=_("The item's number or key."))],
         note: Annotated[str | None, typer.Option(help=_("A note on what was done."))] = None, at: At = None) -> None:
    from complaintctl.present import render
    from complaintctl.domain.plan import shipped_text
    from complaintctl.services.emergency import incidents as emergency

    row = call(ctx, emergency.done, incident_id=incident, item=item, note=note, at=at)
    render.message(_("Item {seq} of incident {id} done: {action}.").format(
        seq=row.seq, id=incident, action=shipped_text(row.action)))


@incident_app.command("overdue", help=helptext(
    _("Flag overdue checklist items and notify the people responsible (for cron)."),
    "complaintctl incident overdue", "complaintctl incident overdue --as-of 2026-11-28T18:00 --format json"))
def overdue(ctx: typer.Context, as_of: AsOf = None, format: Format = ReadFormat.table) -> None:
    from complaintctl.present import incident_views
    from complaintctl.services.emergency import incidents as emergency

    rows = call(ctx, emergency.overdue, as_of=as_of)
    incident_views.checklist(rows, format, title=_("Newly overdue items"))


@incident_app.command("report", help=helptext(
    _("The incident report a regulator expects; missing elements are named."),
    "complaintctl incident report 3 --format md", "complaintctl incident report 3 --format html --issue first -o report.html"))
def report(ctx: typer.Context, incident: Id,
           format: Annotated[DocFormat, typer.Option("--format", help=_("md, html or json."))] = DocFormat.md,
           issue: Annotated[ReportIssue | None, typer.Option(help=_("Record this report as issued: first, followup or final."))] = None,
           output: Output = None, at: At = None) -> None:
    from complaintctl.present import incident_views
    from complaintctl.services.emergency import incident_report

    st = state(ctx)
    with st.session(write=issue is not None) as session:
        data = incident_report.report(session=session, actor=st.actor(session), incident_id=incident,
                                      issue=issue.value if issue else None, at=st.at(session, at))
    incident_views.incident_report(data, format, output)
