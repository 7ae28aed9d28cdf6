"""Commands on the configuration kept in the database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from complaintctl.cli.common import helptext, state
from complaintctl.cli.usage_i18n import App
from complaintctl.domain.enums import ReadFormat
from complaintctl.i18n import _, code

app = App(help=helptext(
    _("Configuration in the database: clock profiles, calendar, thresholds."),
    "complaintctl config show"), no_args_is_help=True)


@app.command("show", help=helptext(_("Show every setting, its value and where it comes from."),
                                   "complaintctl config show", "complaintctl config show --format json"))
def show(ctx: typer.Context,
         format: Annotated[ReadFormat, typer.Option("--format")] = ReadFormat.table) -> None:
    from complaintctl.present import render
    from complaintctl.services.admin import config

    st = state(ctx)
    with st.session() as session:
        rows = config.show(session=session, actor=st.actor(session), machine=format != "table")
    shown = [dict(r, source=code(r["source"])) for r in rows]  # default / 默认
    render.emit(rows if format != "table" else shown, format, columns=[("key", _("Key")), ("value", _("Value")),
                                       ("source", _("Source")), ("help", _("Meaning"))],
                title=_("Configuration"))


@app.command("set", help=helptext(_("Set one setting (an empty value restores the default)."),
                                  "complaintctl config set compensation.threshold 2000",
                                  "complaintctl config set calendar.extra_holidays 2027-02-11,2027-02-12"))
def set_(ctx: typer.Context, key: Annotated[str, typer.Argument(help=_("The setting."))],
         value: Annotated[str, typer.Argument(help=_("Its new value."))]) -> None:
    from complaintctl.present import render
    from complaintctl.services.admin import config

    st = state(ctx)
    with st.session(write=True) as session:
        result = config.set_value(session=session, actor=st.actor(session), key=key, value=value)
    render.message(_("{key} = {value}; {n} due times recomputed.").format(
        key=key, value=result["new"], n=len(result["due_changed"])))


@app.command("load", help=helptext(_("Load settings and custom clock profiles from a TOML file."),
                                   "complaintctl config load bank-rules.toml"))
def load(ctx: typer.Context, file: Annotated[Path, typer.Argument(help=_("The TOML file."))]) -> None:
    from complaintctl.present import render
    from complaintctl.services.admin import config

    st = state(ctx)
    with st.session(write=True) as session:
        result = config.load_file(session=session, actor=st.actor(session), path=file)
    render.message(_("Loaded {n} settings and {p} profiles; {d} due times recomputed.").format(
        n=len(result["set"]), p=len(result["profiles"]), d=len(result["due_changed"])))
