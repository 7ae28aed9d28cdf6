"""Commands of the complaint emergency plan: ``plan``, ``incident`` and ``drill``."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from complaintctl.cli.common import At, helptext, state
from complaintctl.domain.enums import ReadFormat
from complaintctl.i18n import _, format_date, language

plan_app = typer.Typer(help=helptext(
    _("The emergency plan: levels, triggers, teams, timetables, drills."),
    "complaintctl plan validate plan.toml"), no_args_is_help=True)
incident_app = typer.Typer(help=helptext(
    _("Complaint emergencies: detect, declare, respond, report."),
    "complaintctl incident list"), no_args_is_help=True)
drill_app = typer.Typer(help=helptext(_("Drills that test the emergency plan."),
                                      "complaintctl drill list"), no_args_is_help=True)


class PlanFormat(StrEnum):
    table = "table"
    json = "json"
    toml = "toml"


class DocFormat(StrEnum):
    md = "md"
    html = "html"
    json = "json"


class DrillFormat(StrEnum):
    table = "table"
    md = "md"
    html = "html"
    json = "json"


class IncidentStatus(StrEnum):
    active = "active"
    closed = "closed"


class Issue(StrEnum):
    first = "first"
    followup = "followup"
    final = "final"


Id = Annotated[str, typer.Argument(help=_("The incident id (see `incident list`)."))]
Level = Annotated[str, typer.Option("--level", help=_("1-4 or I-IV (1 = I, the most severe)."),
                                    metavar="LEVEL")]
Format = Annotated[ReadFormat, typer.Option("--format", help=_("table or json."))]
Output = Annotated[Path | None, typer.Option("-o", "--output", help=_("Write to this file."))]
AsOf = Annotated[str | None, typer.Option("--as-of", help=_("Evaluate at this time [default: now]."), metavar="TIMESTAMP")]


def roman(level: int) -> str:
    from complaintctl.domain.plan import roman as to_roman

    return to_roman(level)


def _level(text: str) -> int:
    from complaintctl.domain.plan import parse_level

    return parse_level(text)


def _read(path: Path, folder: str) -> str:
    """The text of the plan or delays file ``path``; ``folder``: what to say when it names a
    folder (``files.file_to_read``)."""
    from complaintctl.errors import InvalidData
    from complaintctl.infra.files import file_to_read

    file_to_read(path, error=InvalidData, folder=folder)
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as problem:
        raise InvalidData(_("Cannot read {path}: {problem}; check the file name.").format(
            path=path, problem=getattr(problem, "strerror", None) or problem)) from None


# --- plan -----------------------------------------------------------------------------------------


@plan_app.command("init", help=helptext(_("Write the documented default plan to FILE for editing."),
                                        "complaintctl plan init plan.toml"))
def plan_init(file: Annotated[Path, typer.Argument(help=_("Where to write it."))],
              force: Annotated[bool, typer.Option("--force", help=_("Overwrite FILE."))] = False) -> None:
    from complaintctl.present import render
    from complaintctl.domain.plan import default_text
    from complaintctl.errors import UsageProblem

    if file.exists() and not force:
        raise UsageProblem(_("{file} exists; pass --force to overwrite it.").format(file=file))
    from complaintctl.infra.files import write_private

    write_private(file, default_text())
    render.message(_("Wrote the default plan to {file}; edit it, then `complaintctl plan validate "
                     "{file}` and `complaintctl plan load {file}`.").format(file=file))


@plan_app.command("validate", help=helptext(_("Check a plan file; every problem is named with its line."),
                                            "complaintctl plan validate plan.toml"))
def plan_validate(file: Annotated[Path, typer.Argument(help=_("The plan (TOML)."))]) -> None:
    from complaintctl.present import render
    from complaintctl.domain.plan import parse_plan, shipped_text

    text = _read(file, _("{path} is a folder; give the plan file (TOML)."))
    plan = parse_plan(text, source=str(file))
    render.message(_("{file}: a valid plan, '{name}' (digest {digest}).").format(
        file=file, name=shipped_text(plan.name), digest=plan.digest()[:12]))


@plan_app.command("load", help=helptext(_("Store FILE as a new plan version (admin); incidents keep theirs."),
                                        "complaintctl plan load plan.toml"))
def plan_load(ctx: typer.Context, file: Annotated[Path, typer.Argument(help=_("The plan (TOML)."))]) -> None:
    from complaintctl.present import render
    from complaintctl.services.emergency import plans

    st = state(ctx)
    with st.session(write=True) as session:
        actor = st.actor(session)
        text = _read(file, _("{path} is a folder; give the plan file (TOML)."))
        version, stored = plans.load_plan(session=session, actor=actor, text=text,
                                          source=str(file))
    render.message((_("Stored plan version {v}.") if stored else
                    _("The plan is unchanged (version {v}); nothing stored.")).format(v=version.id))


@plan_app.command("show", help=helptext(_("Show the current plan (or a stored version)."),
                                        "complaintctl plan show", "complaintctl plan show --format toml > plan.toml"))
def plan_show(ctx: typer.Context,
              version: Annotated[int | None, typer.Option(help=_("A stored version [default: the current one]."))] = None,
              format: Annotated[PlanFormat, typer.Option("--format", help=_("table, json or toml."))] = PlanFormat.table) -> None:
    from complaintctl.present import incident_views
    from complaintctl.services.emergency import plans

    st = state(ctx)
    with st.session() as session:
        data = plans.show_plan(session=session, actor=st.actor(session), version=version)
    incident_views.plan(data, format)


@plan_app.command("history", help=helptext(_("List the stored plan versions."), "complaintctl plan history"))
def plan_history(ctx: typer.Context, format: Format = ReadFormat.table) -> None:
    from complaintctl.present import incident_views
    from complaintctl.services.emergency import plans

    st = state(ctx)
    with st.session() as session:
        rows = plans.plan_history(session=session, actor=st.actor(session))
    incident_views.plan_history(rows, format)


# --- incidents ----------------------------------------------------------------------------------


@incident_app.command("detect", help=helptext(
    _("Run the plan's triggers: open, join or escalate incidents (never a duplicate)."),
    "complaintctl incident detect", "complaintctl incident detect --as-of 2026-11-28T18:00 --format json"))
def detect(ctx: typer.Context, as_of: AsOf = None, format: Format = ReadFormat.table) -> None:
    from complaintctl.present import incident_views
    from complaintctl.services.emergency import detection

    st = state(ctx)
    with st.session(write=True) as session:
        rows = detection.detect(session=session, actor=st.actor(session), as_of=st.at(session, as_of))
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

    st = state(ctx)
    with st.session(write=True) as session:
        i = emergency.declare(session=session, actor=st.actor(session), level=_level(level),
                              title=title, numbers=link or [], at=st.at(session, at))
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
         numbers: Annotated[list[str], typer.Argument(help=_("Complaint numbers."))], at: At = None) -> None:
    from complaintctl.present import render
    from complaintctl.services.emergency import incidents as emergency

    st = state(ctx)
    with st.session(write=True) as session:
        linked = emergency.link(session=session, actor=st.actor(session), incident_id=incident,
                                numbers=numbers, at=st.at(session, at))
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

    st = state(ctx)
    with st.session(write=True) as session:
        i = emergency.change_level(session=session, actor=st.actor(session), incident_id=incident,
                                   level=_level(level), reason=reason, escalate=escalate, at=st.at(session, at))
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

    st = state(ctx)
    with st.session(write=True) as session:
        row = emergency.done(session=session, actor=st.actor(session), incident_id=incident, item=item,
                             note=note, at=st.at(session, at))
    render.message(_("Item {seq} of incident {id} done: {action}.").format(
        seq=row.seq, id=incident, action=shipped_text(row.action)))


@incident_app.command("overdue", help=helptext(
    _("Flag overdue checklist items and notify the people responsible (for cron)."),
    "complaintctl incident overdue", "complaintctl incident overdue --as-of 2026-11-28T18:00 --format json"))
def overdue(ctx: typer.Context, as_of: AsOf = None, format: Format = ReadFormat.table) -> None:
    from complaintctl.present import incident_views
    from complaintctl.services.emergency import incidents as emergency

    st = state(ctx)
    with st.session(write=True) as session:
        rows = emergency.overdue(session=session, actor=st.actor(session), as_of=st.at(session, as_of))
    incident_views.checklist(rows, format, title=_("Newly overdue items"))


@incident_app.command("report", help=helptext(
    _("The incident report a regulator expects; missing elements are named."),
    "complaintctl incident report 3 --format md", "complaintctl incident report 3 --format html --issue first -o report.html"))
def report(ctx: typer.Context, incident: Id,
           format: Annotated[DocFormat, typer.Option("--format", help=_("md, html or json."))] = DocFormat.md,
           issue: Annotated[Issue | None, typer.Option(help=_("Record this report as issued: first, followup or final."))] = None,
           output: Output = None, at: At = None) -> None:
    from complaintctl.present import incident_views
    from complaintctl.services.emergency import incident_report

    st = state(ctx)
    with st.session(write=issue is not None) as session:
        data = incident_report.report(session=session, actor=st.actor(session), incident_id=incident,
                                      issue=issue.value if issue else None, at=st.at(session, at))
    incident_views.incident_report(data, format, output)


# --- drills -------------------------------------------------------------------------------------


@drill_app.command("run", help=helptext(
    _("Start a drill: inject synthetic complaints (tag drill) that fire the level."),
    "complaintctl drill run --scenario group-visit --level II",
    "complaintctl drill run --scenario surge --level III --simulate --delays delays.toml --json"))
def drill_run(
    ctx: typer.Context,
    scenario: Annotated[str, typer.Option(help=_("surge, group-visit, outage, media or regulator."), metavar="SCENARIO")],
    level: Level,
    complaints: Annotated[int | None, typer.Option(help=_("How many complaints to inject [default: what the level needs]."))] = None,
    simulate: Annotated[bool, typer.Option("--simulate", help=_("A simulated team responds at once, in the past."))] = False,
    delays: Annotated[Path | None, typer.Option(help=_("The simulated team's delays (TOML)."))] = None,
    json_: Annotated[bool, typer.Option("--json", help=_("Print the result as JSON."))] = False,
    at: At = None,
) -> None:
    from complaintctl.present import render
    from complaintctl.domain import drill as rules
    from complaintctl.services.emergency import drills

    st = state(ctx)
    parsed = rules.parse_delays(_read(delays, _(
        "{path} is a folder; give the delays file (TOML) to --delays.")),
        source=str(delays)) if delays else None
    with st.session(write=True) as session:
        result = drills.run(session=session, actor=st.actor(session), scenario=_scenario(scenario),
                            level=_level(level), count=complaints, simulate=simulate, delays=parsed, at=st.at(session, at))
    render.message(_("Drill {id} started: {n} complaints injected; see `complaintctl drill report {id}`.").format(id=result["drill"], n=len(result["complaints"])))
    render.emit_json(result) if json_ else print(result["drill"])


def _scenario(text: str):
    from complaintctl.domain.drill import Scenario
    from complaintctl.errors import UsageProblem

    try:
        return Scenario(text.strip().lower())
    except ValueError:
        raise UsageProblem(_("'{text}' is not a scenario; use {names}.").format(
            text=text, names=", ".join(s.value for s in Scenario))) from None


@drill_app.command("report", help=helptext(_("How the drill went: each item met, late or missed; delays; score."),
                                           "complaintctl drill report 1", "complaintctl drill report 1 --format json"))
def drill_report(ctx: typer.Context, drill: Annotated[str, typer.Argument(help=_("The drill id."))],
                 format: Annotated[DrillFormat, typer.Option("--format", help=_("table, md, html or json."))] = DrillFormat.table,
                 output: Output = None) -> None:
    from complaintctl.present import incident_views
    from complaintctl.services.emergency import drills

    st = state(ctx)
    with st.session() as session:
        data = drills.report(session=session, actor=st.actor(session), drill_id=drill,
                             machine=format.value == "json")
    incident_views.drill_report(data, format, output)


@drill_app.command("close", help=helptext(_("Close a drill with its lessons and proposed plan revisions."),
                                          "complaintctl drill close 1 --lessons 'Head office report was late' "
                                          "--revision 'Name a deputy for level II'"))
def drill_close(ctx: typer.Context, drill: Annotated[str, typer.Argument(help=_("The drill id."))],
                lessons: Annotated[str, typer.Option(help=_("What the drill showed."))],
                revision: Annotated[list[str] | None, typer.Option(help=_("A proposed plan revision (repeatable)."))] = None,
                at: At = None) -> None:
    from complaintctl.present import render
    from complaintctl.services.emergency import drills

    st = state(ctx)
    with st.session(write=True) as session:
        d = drills.close(session=session, actor=st.actor(session), drill_id=drill, lessons=lessons,
                         revisions=revision or [], at=st.at(session, at))
    render.message(_("Drill {id} closed.").format(id=d.id))


@drill_app.command("list", help=helptext(_("List drills with their scores; says when the next one is due."),
                                         "complaintctl drill list --format json"))
def drill_list(ctx: typer.Context, format: Format = ReadFormat.table) -> None:
    from complaintctl.present import incident_views, render
    from complaintctl.services.emergency import drills

    st = state(ctx)
    with st.session() as session:
        rows = drills.list_drills(session=session, actor=st.actor(session))
        due = drills.next_drill_due(session)
    incident_views.drill_list(rows, format)
    render.message(_("Next drill due: {due}.").format(due=format_date(
        due["next_due"][:10]) if due["next_due"] and language() == "zh"
        else (due["next_due"] or "-")[:10]))


def register_commands(app: typer.Typer) -> None:
    app.add_typer(plan_app, name="plan")
    app.add_typer(incident_app, name="incident")
    app.add_typer(drill_app, name="drill")
