"""``tui``: the clerk's workspace (issue 21), a keyboard-driven terminal front-end."""

from __future__ import annotations

from typing import Annotated

import typer

from complaintctl.cli.common import helptext, state
from complaintctl.i18n import _


def tui(
    ctx: typer.Context,
    poll: Annotated[float, typer.Option(
        help=_("Seconds between looks for other clerks' changes (0: never)."), min=0)] = 2.0,
) -> None:
    import sys

    from complaintctl import tui as workspace
    from complaintctl.errors import UsageProblem

    st = state(ctx)
    with st.session() as session:
        st.actor(session)  # sign-in checked (and its note said) before the screen is taken
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageProblem(_("The workspace needs a terminal; for scripts use the commands "
                             "themselves (`complaintctl list`, `show`, ...)."))
    workspace.run(st, poll=poll)


def register_commands(app: typer.Typer) -> None:
    app.command("tui", help=helptext(
        _("Open the clerk's workspace: your queue, complaints and registration on keys."),
        "complaintctl tui", "complaintctl --as clerk tui"),
        short_help=_("Open the clerk's workspace (keys, no commands to type)."))(tui)
