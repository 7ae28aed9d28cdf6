"""The ``drill`` commands: run, report, close and list drills of the emergency plan."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from complaintctl.cli.common import At, helptext, state
from complaintctl.cli.usage_i18n import App
from complaintctl.cli.emergency.options import Format, Level, Output, parse_level, read_file
from complaintctl.domain.enums import ReadFormat
from complaintctl.i18n import _, format_date, language

drill_app = App(help=helptext(_("Drills that test the emergency plan."),
                               "complaintctl drill list"), no_args_is_help=True)


class DrillFormat(StrEnum):
    table = "table"
    md = "md"
    html = "html"
    json = "json"


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
    parsed = rules.parse_delays(read_file(delays, _(
        "{path} is a folder; give the delays file (TOML) to --delays.")),
        source=str(delays)) if delays else None
    with st.session(write=True) as session:
        result = drills.run(session=session, actor=st.actor(session), scenario=_scenario(scenario),
                            level=parse_level(level), count=complaints, simulate=simulate, delays=parsed, at=st.at(session, at))
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
