"""Commands on people: add, list and deactivate staff; set passwords."""

from __future__ import annotations

from typing import Annotated

import typer

from complaintctl.cli.acting import call
from complaintctl.cli.common import helptext, state
from complaintctl.cli.completion import staff_names
from complaintctl.cli.identity import PasswordStdin, Secrets
from complaintctl.cli.usage_i18n import App
from complaintctl.domain.enums import ReadFormat, Role
from complaintctl.i18n import _, code, language

app = App(help=helptext(_("Staff: who may do what (admins manage them)."),
                         "complaintctl staff list"), no_args_is_help=True)
User = Annotated[str, typer.Argument(help=_("Their login name."), autocompletion=staff_names)]


@app.command("add", help=helptext(
    _("Add a member of staff with a role."),
    "complaintctl staff add lihua --name 李华 --role handler --branch BJ01 --email lihua@bank.example",
))
def add(
    ctx: typer.Context,
    username: User,
    name: Annotated[str, typer.Option(help=_("Their full name."))],
    role: Annotated[Role, typer.Option(help=_("Their role."))],
    branch: Annotated[str | None, typer.Option(help=_("Their branch (none: head office, every branch)."))] = None,
    email: Annotated[str | None, typer.Option(help=_("Where notifications go."))] = None,
    senior: Annotated[bool, typer.Option("--senior", help=_("May approve level 2 extensions (a head-office senior manager)."))] = False,
) -> None:
    from complaintctl.present import render
    from complaintctl.services.admin import staff

    s = call(ctx, staff.add,
             username=username, name=name, role=role, branch=branch, email=email, senior=senior)
    render.message(_("Added {user} as {role}.").format(user=s.username, role=code(s.role)))


@app.command("list", help=helptext(_("List staff."), "complaintctl staff list --format json"))
def list_(ctx: typer.Context,
          format: Annotated[ReadFormat, typer.Option("--format")] = ReadFormat.table) -> None:
    from complaintctl.present import render
    from complaintctl.services.admin import staff

    st = state(ctx)
    with st.session() as session:
        rows = staff.list_staff(session=session, actor=st.actor(session))
    render.emit(rows, format, columns=[
        ("username", _("User")),
        ("name", _("Name (of a person)") if language() == "zh" else _("Name")), ("role", _("Role")),
        ("branch", _("Branch")), ("email", _("Email")), ("active", _("Active")),
        ("senior", _("Senior"))],
        title=_("Staff"))


@app.command("deactivate", help=helptext(
    _("Deactivate a member of staff (their history stays)."), "complaintctl staff deactivate lihua"))
def deactivate(ctx: typer.Context,
               username: User) -> None:
    from complaintctl.present import render
    from complaintctl.services.admin import staff

    call(ctx, staff.deactivate, username=username)
    render.message(_("{user} is deactivated.").format(user=username))


@app.command("activate", help=helptext(
    _("Let a deactivated member of staff act again."), "complaintctl staff activate lihua"))
def activate(ctx: typer.Context,
               username: User) -> None:
    from complaintctl.present import render
    from complaintctl.services.admin import staff

    call(ctx, staff.activate, username=username)
    render.message(_("{user} is active again.").format(user=username))


@app.command("passwd", help=helptext(
    _("Set a password: an admin sets anyone's first one (changed at their first sign-in); "
      "anyone changes their own."),
    "complaintctl staff passwd lihua", "complaintctl staff passwd lihua --password-stdin < pw.txt"))
def passwd(ctx: typer.Context,
           username: Annotated[str, typer.Argument(help=_("Their login name."))],
           password_stdin: PasswordStdin = False) -> None:
    from complaintctl.present import render
    from complaintctl.services.identity import acting, passwords

    st = state(ctx)
    secrets = Secrets(password_stdin)
    with st.session() as session:  # no transaction is held while the user types
        needs_current = passwords.needs_current(session, st.actor(session), username)
    current = secrets.ask(_("Current password: ")) if needs_current else None
    new = secrets.new(_("New password for {user}: ").format(user=username))
    with st.session(write=True) as session:
        actor = st.actor(session)
        must_change = passwords.set_password(session=session, actor=actor, username=username,
                                             password=new, current=current)
        enforced = acting.mode(session) is acting.Mode.enforced
    if must_change:
        render.message(_("{user}'s password is set; they choose their own at their first "
                         "sign-in (`complaintctl login {user}`).").format(user=username))
    else:
        render.message(_("Your password is changed."))
    if enforced and st.acting_was_pending:
        render.message(_("This database now requires sign-in: run `complaintctl login {user}`; "
                         "set the other staff's passwords with `complaintctl staff passwd USER`.")
                       .format(user=actor.username))
