"""Commands on the second factor (TOTP): staff mfa enrol, reset. The rules are
``services.identity.mfa``'s."""

from __future__ import annotations

from typing import Annotated

import typer

from complaintctl.cli.acting import call
from complaintctl.cli.common import helptext
from complaintctl.cli.identity import PasswordStdin, client, proving
from complaintctl.cli.usage_i18n import App
from complaintctl.i18n import _

app = App(help=helptext(
    _("The second factor: a code from an authenticator app at each sign-in."),
    "complaintctl staff mfa enrol lihua"), no_args_is_help=True)


@app.command("enrol", help=helptext(
    _("Enrol your second factor: asks for your password, prints the otpauth:// URI and the "
      "secret once for your authenticator app, then asks for its first code."),
    "complaintctl staff mfa enrol lihua",
    "printf '%s\\n' \"$PW\" | complaintctl staff mfa enrol lihua --password-stdin"))
def enrol(
    ctx: typer.Context,
    user: Annotated[str | None, typer.Argument(help=_("Who enrols (their password proves it) [default: --as, else the OS login]."))] = None,
    password_stdin: PasswordStdin = False,
) -> None:
    from complaintctl.present import render
    from complaintctl.services.identity import mfa

    st, username, secrets, password = proving(ctx, user, password_stdin)
    secret = mfa.new_secret()
    render.message(_("Add this to your authenticator app (the URI as a QR code, or the secret "
                     "by hand); it is shown only now:"))
    render.line(mfa.uri(secret, username))
    render.line(secret)
    code = secrets.code(_("The app's code, to confirm: "))
    with st.session(write=True) as session:
        mfa.enrol(session=session, username=username, password=password, secret=secret,
                  code=code, client=client())
    render.message(_("{user}'s second factor is enrolled; each sign-in asks for a code from "
                     "now on.").format(user=username))


@app.command("reset", help=helptext(
    _("Remove someone's second factor (a lost phone; admins): they enrol again."),
    "complaintctl staff mfa reset lihua"))
def reset(ctx: typer.Context,
          user: Annotated[str, typer.Argument(help=_("Their login name."))]) -> None:
    from complaintctl.present import render
    from complaintctl.services.identity import mfa

    call(ctx, mfa.reset, username=user, client=client())
    render.message(_("{user}'s second factor is removed; they enrol again with `complaintctl "
                     "staff mfa enrol {user}`.").format(user=user))
