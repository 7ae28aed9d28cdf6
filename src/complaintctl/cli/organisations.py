"""Commands on the organisation tree: branches under parent organisations."""

from __future__ import annotations

from typing import Annotated

import typer

from complaintctl.cli.common import helptext, state
from complaintctl.cli.usage_i18n import App
from complaintctl.domain.enums import ReadFormat
from complaintctl.i18n import _

app = App(help=helptext(
    _("Organisations: branches under parent organisations (admins manage them; a parent's "
      "supervisors act on its branches' complaints)."),
    "complaintctl org add BJ01 --name 北京朝阳支行 --parent BJ"), no_args_is_help=True)


@app.command("add", help=helptext(
    _("Add a branch or organisation, under its parent (none: a top-level organisation)."),
    "complaintctl org add HQ --name 总行", "complaintctl org add BJ --name 北京分行 --parent HQ",
    "complaintctl org add BJ01 --name 北京朝阳支行 --parent BJ"))
def add(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help=_("Its code: what --branch holds, e.g. BJ01."))],
    name: Annotated[str, typer.Option(help=_("Its full name."))],
    parent: Annotated[str | None, typer.Option(help=_("The organisation it reports to."))] = None,
) -> None:
    from complaintctl.present import render
    from complaintctl.services.admin import organisations

    st = state(ctx)
    with st.session(write=True) as session:
        org = organisations.add(session=session, actor=st.actor(session), code=code, name=name,
                                parent=parent)
    render.message(_("Added {code} under {parent}.").format(code=org.code, parent=org.parent)
                   if org.parent else _("Added {code} at the top level.").format(code=org.code))


@app.command("move", help=helptext(
    _("Put an organisation under another parent (--top: make it top level)."),
    "complaintctl org move BJ01 --parent BJ2", "complaintctl org move BJ --top"))
def move(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help=_("The organisation to move."))],
    parent: Annotated[str | None, typer.Option(help=_("Its new parent."))] = None,
    top: Annotated[bool, typer.Option("--top", help=_("Make it a top-level organisation."))] = False,
) -> None:
    from complaintctl.present import render
    from complaintctl.errors import UsageProblem
    from complaintctl.services.admin import organisations

    if (parent is None) == (not top):
        raise UsageProblem(_("Give exactly one of --parent ORG or --top."))
    st = state(ctx)
    with st.session(write=True) as session:
        org = organisations.move(session=session, actor=st.actor(session), code=code, parent=parent)
    render.message(_("{code} is now under {parent}.").format(code=org.code, parent=org.parent)
                   if org.parent else _("{code} is now at the top level.").format(code=org.code))


@app.command("list", help=helptext(
    _("List organisations as a tree; the table also names the branches in use (on complaints "
      "or staff) that are not in the tree."),
    "complaintctl org list", "complaintctl org list --format json"))
def list_(ctx: typer.Context,
          format: Annotated[ReadFormat, typer.Option("--format")] = ReadFormat.table) -> None:
    from complaintctl.present import render
    from complaintctl.services.admin import organisations

    st = state(ctx)
    with st.session() as session:
        rows = organisations.list_organisations(session=session, actor=st.actor(session))
        outside = organisations.outside_tree(session, rows)
    shown = [{**r, "code": "  " * r["level"] + r["code"]} for r in rows]
    columns = [("code", _("Organisation")), ("name", _("Name")), ("parent", _("Parent")),
               ("level", _("Level")), ("branches_below", _("Branches below")),
               ("staff", _("Staff"))]

    def draw(_rows) -> None:
        render.table(shown, columns, title=_("Organisations"), empty=_("No organisations yet."))
        if outside:
            render.line(_("Branches in use that are not in the tree: {codes}.")
                        .format(codes=_(", ").join(outside)))

    render.emit(rows, format, title=_("Organisations"), empty=_("No organisations yet."),
                draw=draw)
