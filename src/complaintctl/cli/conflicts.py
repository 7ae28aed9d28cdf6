"""Commands on staff conflicts of interest (recusal) and the senior flag."""

from __future__ import annotations

from typing import Annotated

import typer

from complaintctl.cli.acting import call
from complaintctl.cli.common import At, helptext, state
from complaintctl.cli.staff import User
from complaintctl.cli.usage_i18n import App
from complaintctl.domain.enums import ReadFormat
from complaintctl.i18n import _, code

app = App(help=helptext(
    _("Conflicts of interest: who is recused from what (CBIRC Art 17)."),
    "complaintctl staff conflict list"), no_args_is_help=True)


@app.command("add", help=helptext(
    _("Record a conflict: customer_id, account, branch or colleague."),
    "complaintctl staff conflict add lihua --kind account --value 6222020200001234 --note 'Her brother'"))
def add(ctx: typer.Context, username: User,
        kind: Annotated[str, typer.Option(help=_("customer_id, account, branch or colleague."))],
        value: Annotated[str, typer.Option(help=_("The customer id, account, branch or user name."))],
        note: Annotated[str | None, typer.Option(help=_("Why."))] = None,
        at: At = None) -> None:
    from complaintctl.present import render
    from complaintctl.services.complaints import assignment

    c = call(ctx, assignment.add_conflict, username=username, kind=kind, value=value, note=note,
             at=at)
    render.message(_("Conflict {id} recorded: {user} is recused from {kind} matches.").format(
        id=c.id, user=username, kind=code(kind)))
    if c.flagged:
        render.message(_("Flagged for reassignment (CBIRC Art 17), supervisors notified: "
                         "{numbers}.").format(numbers=", ".join(c.flagged)))


@app.command("list", help=helptext(_("List recorded conflicts."), "complaintctl staff conflict list lihua"))
def list_(ctx: typer.Context,
          username: Annotated[str | None, typer.Argument(help=_("Only this person's."))] = None,
          format: Annotated[ReadFormat, typer.Option("--format")] = ReadFormat.table) -> None:
    from complaintctl.present import render
    from complaintctl.services.complaints import assignment

    st = state(ctx)
    with st.session() as session:
        rows = assignment.list_conflicts(session=session, actor=st.actor(session), username=username)
    render.emit(rows, format, columns=[("id", _("Id")), ("staff", _("User")), ("kind", _("Kind")),
                                       ("value", _("Value")), ("note", _("Note"))],
                title=_("Conflicts"), empty=_("No conflicts recorded."))


@app.command("remove", help=helptext(_("Remove a recorded conflict."), "complaintctl staff conflict remove 3"))
def remove(ctx: typer.Context, conflict: Annotated[int, typer.Argument(help=_("The conflict id."))]) -> None:
    from complaintctl.present import render
    from complaintctl.services.complaints import assignment

    call(ctx, assignment.remove_conflict, conflict_id=conflict)
    render.message(_("Conflict {id} removed.").format(id=conflict))


def senior(ctx: typer.Context, username: User,
           off: Annotated[bool, typer.Option("--off", help=_("Take the flag away."))] = False) -> None:
    from complaintctl.present import render
    from complaintctl.services.complaints import assignment

    call(ctx, assignment.set_senior, username=username, senior=not off)
    render.message(_("{user} senior: {flag}.").format(user=username, flag=_("no") if off else _("yes")))


def register_commands(staff_app: typer.Typer) -> None:
    staff_app.command("senior", help=helptext(
        _("Give (or with --off take) the senior flag: may approve level 2 extensions."),
        "complaintctl staff senior wangfang"))(senior)
    staff_app.add_typer(app, name="conflict")
