"""Signing in: login, logout, whoami; and reading a password (without echo, or from stdin for
scripts: never from the command line). The rules are ``services.identity``'s."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from complaintctl.cli.common import helptext, state
from complaintctl.domain.enums import ReadFormat
from complaintctl.errors import InvalidData, UsageProblem
from complaintctl.i18n import _

PasswordStdin = Annotated[bool, typer.Option(
    "--password-stdin",
    help=_("Read the password from standard input, one a line (for scripts); a code, when "
           "one is asked for, is the next line."))]


class Secrets:
    """Passwords as the user gives them: asked without echo on a terminal, else read from
    standard input, one a line, with ``--password-stdin``."""

    def __init__(self, from_stdin: bool):
        self.from_stdin = from_stdin
        if not from_stdin and not sys.stdin.isatty():
            raise UsageProblem(_("No terminal to ask for the password on; pass "
                                 "--password-stdin and write it on standard input."))

    def ask(self, prompt: str) -> str:
        if self.from_stdin:
            line = sys.stdin.readline()
            if not line:
                raise UsageProblem(_("Standard input ended before the password; write one "
                                     "on each line."))
            return line.rstrip("\r\n")
        import getpass

        return getpass.getpass(prompt)

    def code(self, prompt: str) -> str:
        """A second factor's code: the next line of standard input, or asked on the terminal."""
        if self.from_stdin:
            line = sys.stdin.readline()
            if not line:
                raise UsageProblem(_("Standard input ended before the code; write it on the "
                                     "line after the password."))
            return line.strip()
        return self.ask(prompt).strip()

    def new(self, prompt: str) -> str:
        """A new password: asked twice on a terminal, once from standard input."""
        first = self.ask(prompt)
        if not self.from_stdin and self.ask(_("The same again: ")) != first:
            raise InvalidData(_("The two passwords differ; nothing was changed."))
        return first


def client() -> str:
    """Where a sign-in comes from, for the audit trail: the OS user and host of this CLI."""
    import getpass
    import socket

    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"cli {user}@{socket.gethostname()}"


def proving(ctx: typer.Context, user: str | None, password_stdin: bool):
    """(the CLI's state, who, the secrets' reader, their password): the start of every command
    a password proves (``login``, ``staff mfa enrol``)."""
    st = state(ctx)
    username = user or st.username
    secrets = Secrets(password_stdin)
    return st, username, secrets, secrets.ask(_("Password for {user}: ").format(user=username))


def login(
    ctx: typer.Context,
    user: Annotated[str | None, typer.Argument(help=_("Who signs in [default: --as, else the OS login]."))] = None,
    password_stdin: PasswordStdin = False,
) -> None:
    from complaintctl.errors import PasswordChangeRequired, SecondFactorRequired
    from complaintctl.present import render
    from complaintctl.services.identity import session_file, sessions

    st, username, secrets, password = proving(ctx, user, password_stdin)
    database = st.database()
    asked: dict[str, str] = {}
    while True:  # the code and a new password are asked outside the transaction
        try:
            with st.session(write=True) as session:
                opened = sessions.sign_in(session=session, username=username,
                                          password=password, client=client(), **asked)
            break
        except SecondFactorRequired:
            if "code" in asked:
                raise
            asked["code"] = secrets.code(_("Code from your authenticator app: "))
        except PasswordChangeRequired as why:
            if "new_password" in asked:
                raise
            render.message(str(why))
            asked["new_password"] = secrets.new(_("New password: "))
    with st.session() as session:
        tz = _tz(session)
    session_file.save(database.url, opened.token)
    render.message(_("Signed in as {user} until {idle} if idle, {end} at the latest.").format(
        user=opened.username, idle=_time(opened.idle_until, tz), end=_time(opened.expires_at, tz)))


def _tz(session):
    from complaintctl.services.core.context import timezone_of

    return timezone_of(session)


def _time(moment, tz) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") if moment is not None else "-"


def logout(ctx: typer.Context) -> None:
    from complaintctl.present import render
    from complaintctl.services.identity import session_file, sessions

    st = state(ctx)
    database = st.database()
    token = session_file.load(database.url, strict=False)  # one others could read ends too
    session_file.remove(database.url)
    if token is None:
        render.message(_("Not signed in to {where}.").format(where=database.display()))
        return
    from complaintctl.errors import NotSignedIn

    with st.session(write=True) as session:
        try:
            user = sessions.revoke(session=session, token=token, client=client())
        except NotSignedIn:
            user = None
    if user is None:
        render.message(_("The session had already ended; its file is removed."))
    else:
        render.message(_("Signed out {user}; the session is ended in the database.").format(
            user=user))


def whoami(ctx: typer.Context,
           format: Annotated[ReadFormat, typer.Option("--format")] = ReadFormat.table) -> None:
    from complaintctl.present import render

    st = state(ctx)
    with st.session() as session:
        acting = st.acting(session)
        tz = _tz(session)
    actor = acting.actor
    row = {"user": actor.username, "name": actor.name, "role": actor.role.value,
           "branch": actor.branch, "mode": acting.mode.value, "via": acting.via,
           "signed_in_as": acting.signed_in, "token": acting.token_name,
           "idle_until": acting.idle_until, "expires_at": acting.expires_at}
    if str(format) == "json":
        render.emit_json(row)
        return
    render.fields([
        (_("User"), actor.username), (_("Name"), actor.name), (_("Role"), actor.role.value),
        (_("Branch"), actor.branch or _("head office")),
        (_("Sign-in"), _mode_words(acting, tz)),
    ])


def _mode_words(acting, tz) -> str:
    if acting.mode.value == "open":
        return _("none: this database was made with --no-auth (single-user or demo use); "
                 "--as is believed")
    if acting.mode.value == "pending":
        return _("not checked yet: no admin has a password (`complaintctl staff passwd "
                 "ADMIN`); --as is believed")
    if acting.via == "token":
        return _("API token '{name}', until {end}").format(name=acting.token_name,
                                                         end=_time(acting.expires_at, tz))
    words = _("session, until {idle} if idle, {end} at the latest").format(
        idle=_time(acting.idle_until, tz), end=_time(acting.expires_at, tz))
    if acting.delegated:
        words += _("; {admin} acting as {user} (audited)").format(
            admin=acting.signed_in, user=acting.actor.username)
    return words


def register_commands(app: typer.Typer) -> None:
    app.command("login", short_help=_("Sign in to the database (asks for the password)."), help=helptext(
        _("Sign in to the database: asks for the password and keeps a session for it."),
        "complaintctl login lihua", "printf '%s\\n' \"$PW\" | complaintctl login lihua "
        "--password-stdin", "printf '%s\\n%s\\n' \"$PW\" \"$CODE\" | complaintctl login lihua "
        "--password-stdin"))(login)
    app.command("logout", help=helptext(
        _("Sign out: end this database's session, in the database too."),
        "complaintctl logout"))(logout)
    app.command("whoami", short_help=_("Who is acting: user, role, branch, session expiry."), help=helptext(
        _("Who is acting: user, role, branch, and the session's expiry (or that the database "
          "does not check sign-in)."), "complaintctl whoami"))(whoami)
