"""Commands on root causes (rootcause) and rectification actions (rectify)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from complaintctl.cli.acting import call
from complaintctl.cli.common import At, LateReason, Number, helptext, state
from complaintctl.cli.completion import complaint_numbers
from complaintctl.cli.usage_i18n import App
from complaintctl.domain.enums import ReadFormat
from complaintctl.i18n import _

rootcause_app = App(
    help=helptext(
        _("Root causes of closed complaints, from the JR/T 0169 cause codes (supervisors)."),
        "complaintctl rootcause codes"),
    no_args_is_help=True,
)
rectify_app = App(
    help=helptext(
        _("Rectification actions: what will be fixed, by whom, by when (supervisors)."),
        "complaintctl rectify list --overdue"),
    no_args_is_help=True,
)
Format = Annotated[ReadFormat, typer.Option("--format", help=_("table or json."))]
ActionId = Annotated[int, typer.Argument(help=_("The rectification action's id."))]


@rootcause_app.command("set", help=helptext(
    _("Record the root cause of a closed complaint (a C code)."),
    "complaintctl rootcause set CMP-2026-000042 --cause C03 --note 'Fee rule applied twice'"))
def set_(ctx: typer.Context, number: Number,
         cause: Annotated[str, typer.Option(help=_("A cause code, e.g. C03 (see rootcause codes)."))],
         note: Annotated[str | None, typer.Option(help=_("What was found."))] = None,
         at: At = None, late_reason: LateReason = None) -> None:
    from complaintctl.present import render
    from complaintctl.services.reporting import rootcause

    row = call(ctx, rootcause.set_root_cause, number=number, code=cause, note=note, at=at)
    render.message(_("Root cause {code} recorded on {number}.").format(code=row.code,
                                                                      number=number.upper()))


@rootcause_app.command("codes", help=helptext(
    _("List the JR/T 0169 codes in use (A channel, B business category, C cause)."),
    "complaintctl rootcause codes --dimension C"))
def codes(ctx: typer.Context,
          dimension: Annotated[str | None, typer.Option(help=_("Only A, B or C."))] = None,
          format: Format = ReadFormat.table) -> None:
    from complaintctl.present import render
    from complaintctl.domain.classification import DIMENSIONS
    from complaintctl.errors import UsageProblem
    from complaintctl.services.reporting import rootcause

    if dimension is not None and dimension.upper() not in DIMENSIONS:
        raise UsageProblem(_("--dimension must be A, B or C."))
    with state(ctx).session() as session:
        table = rootcause.code_table(session)
    rows = [{"dimension": c.dimension, "code": c.code, "name": c.name, "zh": c.zh,
             "parent": c.parent} for c in table.codes.values()
            if dimension is None or c.dimension == dimension.upper()]
    render.emit(rows, format.value, title=table.title, columns=[
        ("dimension", _("Dim")), ("code", _("Code")), ("name", _("Name")), ("zh", "中文"),
        ("parent", _("Parent"))])


@rootcause_app.command("load-codes", help=helptext(
    _("Replace the code table with the bank's own (a TOML file like export-codes writes; admin)."),
    "complaintctl rootcause load-codes official-jrt0169.toml"))
def load_codes(ctx: typer.Context,
               file: Annotated[Path, typer.Argument(help=_("The TOML code table."))]) -> None:
    from complaintctl.present import render
    from complaintctl.errors import NotFound
    from complaintctl.infra.files import file_to_read
    from complaintctl.services.reporting import rootcause

    st = state(ctx)
    with st.session(write=True) as session:
        actor = st.actor(session)
        path = file_to_read(file, error=NotFound, folder=_(
            "{path} is a folder; give the code table file (TOML)."))
        table = rootcause.load_codes(session=session, actor=actor,
                                     text=path.read_text(encoding="utf-8"), source=file.name)
    render.message(_("Loaded {count} codes: {title}.").format(count=len(table.codes),
                                                             title=table.title))


@rootcause_app.command("export-codes", help=helptext(
    _("Write the code table in use to a TOML file, to edit and load back."),
    "complaintctl rootcause export-codes jrt0169.toml"))
def export_codes(ctx: typer.Context,
                 file: Annotated[Path, typer.Argument(help=_("Where to write it."))]) -> None:
    from complaintctl.present import render
    from complaintctl.services.reporting import rootcause

    with state(ctx).session() as session:
        table = rootcause.code_table(session)
    from complaintctl.infra.files import write_private

    write_private(file, table.text)
    render.message(_("Wrote {file}.").format(file=file))


@rectify_app.command("open", help=helptext(
    _("Open a rectification action, linking the complaints it answers; prints its id."),
    "complaintctl rectify open --what 'Fix the double fee rule' --owner lihua --due 2026-12-31 "
    "--cause C03 --link CMP-2026-000042 --link CMP-2026-000051"))
def open_(ctx: typer.Context,
          what: Annotated[str, typer.Option(help=_("What will be done."))],
          owner: Annotated[str, typer.Option(help=_("Who is responsible (a staff user name)."))],
          due: Annotated[str, typer.Option(help=_("Due date, YYYY-MM-DD."))],
          cause: Annotated[str | None, typer.Option(help=_("The root cause addressed (C code)."))] = None,
          link: Annotated[list[str] | None, typer.Option("--link", help=_("A complaint it answers (repeatable)."))] = None,
          note: Annotated[str | None, typer.Option(help=_("Anything else."))] = None) -> None:
    from complaintctl.present import render
    from complaintctl.services.reporting import rootcause

    action = call(ctx, rootcause.open_action,
                  what=what, owner=owner, due=due, cause=cause, numbers=link or [], note=note)
    render.message(_("Rectification action {id} opened; due {due}.").format(
        id=action.id, due=action.due_on.isoformat()))
    print(action.id)


@rectify_app.command("link", help=helptext(
    _("Link more complaints to a rectification action."),
    "complaintctl rectify link 3 CMP-2026-000060 CMP-2026-000061"))
def link_(ctx: typer.Context, action: ActionId,
          numbers: Annotated[list[str], typer.Argument(help=_("Complaint numbers."), metavar="NUMBER...", autocompletion=complaint_numbers)]) -> None:
    from complaintctl.present import render
    from complaintctl.services.reporting import rootcause

    added = call(ctx, rootcause.link, action_id=action, numbers=numbers)
    render.message(_("Linked {count} complaint(s) to action {id}.").format(count=len(added),
                                                                          id=action))


@rectify_app.command("update", help=helptext(
    _("Change a rectification action's status, owner, due date or note."),
    "complaintctl rectify update 3 --status done --note 'Rule fixed in release 4.2'"))
def update(ctx: typer.Context, action: ActionId,
           status: Annotated[str | None, typer.Option(help=_("open, in_progress, done or cancelled."))] = None,
           owner: Annotated[str | None, typer.Option(help=_("The new owner."))] = None,
           due: Annotated[str | None, typer.Option(help=_("The new due date, YYYY-MM-DD."))] = None,
           note: Annotated[str | None, typer.Option(help=_("A note."))] = None) -> None:
    from complaintctl.present import render
    from complaintctl.services.reporting import rootcause

    row = call(ctx, rootcause.update,
               action_id=action, status=status, owner=owner, due=due, note=note)
    render.message(_("Rectification action {id} is {status}.").format(id=row.id, status=row.status))


def _columns():
    return [("id", _("Id")), ("what", _("What")), ("cause", _("Cause")), ("owner", _("Owner")),
            ("due", _("Due")), ("status", _("Status")), ("overdue", _("Overdue")),
            ("complaints", _("Complaints"))]


@rectify_app.command("list", help=helptext(
    _("List rectification actions."), "complaintctl rectify list --overdue --format json"))
def list_(ctx: typer.Context,
          status: Annotated[list[str] | None, typer.Option(help=_("Only these statuses (repeatable)."))] = None,
          overdue: Annotated[bool, typer.Option("--overdue", help=_("Only open actions past their due date."))] = False,
          format: Format = ReadFormat.table) -> None:
    from complaintctl.present import render
    from complaintctl.services.reporting import rootcause

    st = state(ctx)
    with st.session() as session:
        rows = rootcause.list_actions(session=session, actor=st.actor(session), status=status,
                                      overdue=overdue)
    render.emit(rows, format.value, columns=_columns(), title=_("Rectification actions"),
                empty=_("No rectification actions match."))


@rectify_app.command("show", help=helptext(
    _("Show one rectification action and its complaints."), "complaintctl rectify show 3"))
def show(ctx: typer.Context, action: ActionId, format: Format = ReadFormat.table) -> None:
    from complaintctl.present import render
    from complaintctl.services.reporting import rootcause

    st = state(ctx)
    with st.session() as session:
        row = rootcause.show_action(session=session, actor=st.actor(session), action_id=action)
    render.emit(row, format.value, draw=lambda r: render.fields(
        [(header, r[key]) for key, header in _columns() + [("note", _("Note")),
                                                         ("created_by", _("Opened by"))]],
        title=_("Rectification action {id}").format(id=r["id"])))


def register_commands(app: typer.Typer) -> None:
    app.add_typer(rootcause_app, name="rootcause",
                  short_help=_("Root causes of closed complaints (JR/T 0169 codes)."))
    app.add_typer(rectify_app, name="rectify",
                  short_help=_("Rectification actions: what, by whom, by when."))
