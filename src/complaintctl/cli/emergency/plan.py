"""The ``plan`` commands: write, check, load and show the emergency plan."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from complaintctl.cli.common import helptext, state
from complaintctl.cli.usage_i18n import App
from complaintctl.cli.emergency.options import Format, read_file
from complaintctl.domain.enums import ReadFormat
from complaintctl.i18n import _

plan_app = App(help=helptext(
    _("The emergency plan: levels, triggers, teams, timetables, drills."),
    "complaintctl plan validate plan.toml"), no_args_is_help=True)


class PlanFormat(StrEnum):
    table = "table"
    json = "json"
    toml = "toml"


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

    text = read_file(file, _("{path} is a folder; give the plan file (TOML)."))
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
        text = read_file(file, _("{path} is a folder; give the plan file (TOML)."))
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
