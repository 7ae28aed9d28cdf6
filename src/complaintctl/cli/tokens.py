"""Commands on API tokens for scripts: staff token create, list, revoke."""

from __future__ import annotations

from typing import Annotated

import typer

from complaintctl.cli.common import helptext, state
from complaintctl.cli.identity import client
from complaintctl.cli.usage_i18n import App
from complaintctl.domain.enums import ReadFormat
from complaintctl.i18n import _

app = App(help=helptext(
    _("API tokens for scripts: pass one in COMPLAINTCTL_TOKEN."),
    "complaintctl staff token list"), no_args_is_help=True)


@app.command("create", help=helptext(
    _("Make an API token for a member of staff and print it, once. Scopes narrow what it may "
      "do (read, import, register, handle, supervise, unmask, audit, emergency, admin)."),
    "complaintctl staff token create importer --name nightly-import --expires 90d --scope import,read"))
def create(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help=_("Whose token (an admin for anyone; you for yourself)."))],
    name: Annotated[str, typer.Option("--name", help=_("What uses it, e.g. nightly-import."))],
    expires: Annotated[str, typer.Option("--expires", help=_("How long it lasts, e.g. 90d or 12h (at most 366d)."))] = "90d",
    scope: Annotated[str | None, typer.Option("--scope", help=_("Comma-separated scopes [default: all the user's permissions]."))] = None,
) -> None:
    from complaintctl.domain.deadlines import parse_duration
    from complaintctl.present import render
    from complaintctl.services.identity import tokens

    st = state(ctx)
    span = parse_duration(expires)
    with st.session(write=True) as session:
        token, row = tokens.create(session=session, actor=st.actor(session), username=username,
                                   name=name, expires=span, scopes=scope, client=client())
    render.line(token)
    render.message(_("Token {id} '{name}' for {user}; it is shown only now. Scripts pass it in "
                     "COMPLAINTCTL_TOKEN.").format(id=row["id"], name=row["name"],
                                                   user=row["user"]))


@app.command("list", help=helptext(_("List API tokens (never the tokens themselves)."),
                                    "complaintctl staff token list --format json"))
def list_(ctx: typer.Context,
          format: Annotated[ReadFormat, typer.Option("--format")] = ReadFormat.table) -> None:
    from complaintctl.present import render
    from complaintctl.services.identity import tokens

    st = state(ctx)
    with st.session() as session:
        rows = tokens.list_tokens(session=session, actor=st.actor(session))
    render.emit(rows, format, columns=[
        ("id", _("Id")), ("user", _("User")), ("name", _("Name")), ("scopes", _("Scopes")),
        ("expires_at", _("Expires")), ("last_used_at", _("Last used")),
        ("revoked_at", _("Revoked"))],
        title=_("API tokens"), empty=_("No API tokens."))


@app.command("revoke", help=helptext(_("Revoke an API token: scripts using it stop at once."),
                                      "complaintctl staff token revoke 3"))
def revoke(ctx: typer.Context,
           token_id: Annotated[int, typer.Argument(help=_("The token's id (staff token list)."))]) -> None:
    from complaintctl.present import render
    from complaintctl.services.identity import tokens

    st = state(ctx)
    with st.session(write=True) as session:
        row = tokens.revoke(session=session, actor=st.actor(session), token_id=token_id,
                            client=client())
    render.message(_("Token {id} '{name}' is revoked.").format(id=row["id"], name=row["name"]))
