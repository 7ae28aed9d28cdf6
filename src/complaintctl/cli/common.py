"""What every command shares: the state built by the root callback, options, help text."""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field
from typing import Annotated, Any

import typer

from complaintctl.cli.completion import complaint_numbers
from complaintctl.i18n import _
from complaintctl.settings import settings


def helptext(summary: str, *examples: str) -> str:
    """A command's help: the translated summary, then its examples kept on their own lines."""
    lines = "\n".join("  " + e for e in examples)
    example = _("Example:")
    return f"{summary}\n\n{example}\n\n\b\n{lines}"


@dataclass
class State:
    """Built by the root callback from --db and --as; opens the database on first use."""

    db_option: str | None = None
    user_option: str | None = None
    #: the command as typed (``import undo``): set by ``state(ctx)``; refusals name it
    command: str = ""
    _database: Any = field(default=None, repr=False)
    _language_checked: bool = field(default=False, repr=False)
    _report_database: Any = field(default=None, repr=False)
    _pending_said: bool = field(default=False, repr=False)
    #: whether the database did not check sign-in yet when the actor was resolved
    acting_was_pending: bool = False
    #: ``--late-reason`` (``LateReason``): why the command's effective time is late
    late_reason: str | None = None

    def database(self, *, must_exist: bool = True):
        from complaintctl.services.admin.database import open_database

        if self._database is None:
            from complaintctl.services import bootstrap

            bootstrap.start()  # the event handlers, before the first use case
            self._database = open_database(self.db_option)
        if must_exist:
            self._database.ensure_ready()
            self._apply_language_setting()
        return self._database

    def _apply_language_setting(self) -> None:
        """The database's ``language`` setting is the default when neither --lang,
        COMPLAINTCTL_LANG nor the locale chose one (read once per process)."""
        from complaintctl import i18n

        if self._language_checked or i18n.explicit_language() is not None:
            return
        self._language_checked = True
        from complaintctl.services.core.context import get_setting

        with self._database.session() as session:
            i18n.apply_database_default(get_setting(session, "language"))

    def session(self, *, write: bool = False):
        return self.database().session(write=write)

    def report_session(self):
        """A read session for lists and reports: on the read replica named by
        COMPLAINTCTL_REPORT_DB when it is set (read-only; what the audit trail must record,
        refusals and unmasking, still goes to the primary), else an ordinary one."""
        from complaintctl.services.admin.database import open_report_database

        primary = self.database()
        if not settings.report_db:
            return primary.session()
        if self._report_database is None:
            self._report_database = open_report_database()
            self._report_database.ensure_ready()
        session = self._report_database.session()
        session.info["write_bind"] = primary.write_engine
        return session

    @property
    def commits(self) -> int:
        """Transactions this command has committed so far."""
        return self._database.commits if self._database is not None else 0

    def close(self) -> None:
        """Give the database connections back when the command ends."""
        for database in (self._database, self._report_database):
            if database is not None:
                database.close()
        if self._database is not None:
            from complaintctl.services.identity import acting

            acting.end()  # no delegation carries into another command

    @property
    def username(self) -> str:
        """The acting user, read once for every command: ``--as``, else COMPLAINTCTL_USER
        (unset or empty: not given), else the OS login. Spaces around a given name are
        dropped; a name that is blank without them names nobody and is refused (exit 4, as a
        name that is not a member of staff is) rather than falling back to the OS login."""
        given = self.user_option
        if given is None and settings.user:
            given = settings.user
        if given is not None:
            if not given.strip():
                from complaintctl.errors import PermissionDenied

                raise PermissionDenied(_(
                    "The acting user (--as or COMPLAINTCTL_USER) is blank; give a member of "
                    "staff's user name, or leave both out to act as the OS login."))
            return given.strip()
        try:
            return getpass.getuser()
        except (KeyError, OSError):
            return "unknown"

    def actor(self, session):
        """The acting member of staff, proven by a session or an API token when the database
        requires sign-in (``services.identity.acting``); on a database that does not yet, the
        user named as before, and one line on stderr says so."""
        return self.acting(session).actor

    def acting(self, session):
        from complaintctl.services.identity import acting

        given = self.user_option if self.user_option is not None else settings.user
        result = acting.resolve(
            session, credential=self.credential,
            as_user=self.username if given is not None else None,
            default_user=self.username, command=self.command)
        self.acting_was_pending = result.mode is acting.Mode.pending
        if result.mode is acting.Mode.pending and not self._pending_said:
            self._pending_said = True
            from complaintctl.present import render

            render.message(_(
                "Note: this database does not check sign-in yet (no admin has a password), so "
                "--as is believed. An admin should run `complaintctl --as ADMIN staff passwd "
                "ADMIN`, then `complaintctl login ADMIN`; from then on everyone signs in."))
        return result

    def credential(self) -> str | None:
        """The API token in COMPLAINTCTL_TOKEN, else this database's session file's token."""
        if settings.token:
            return settings.token
        from complaintctl.services.identity import session_file

        return session_file.load(self.database().url)

    def acting_username(self, permission: str) -> str:
        """The proven acting user's name, for the use cases that take a name and open their
        own sessions (``intake mail``, ``notify send``, ``db migrate-to``). A token's scopes
        are checked here, before the use case (which checks the role again), refusals on the
        audit trail as a use case's are."""
        from complaintctl.domain.permissions import Permission
        from complaintctl.services.core.context import refusals_recorded

        with self.session() as session:
            actor = self.actor(session)
            if actor.scopes is not None:
                with refusals_recorded(session, actor, self.command):
                    actor.check(Permission(permission))
        return actor.username

    def at(self, session, text: str | None):
        """``--at`` parsed in the bank's time zone, or None for now. The ``--late-reason``
        given goes with it to the use case (``services.core.lateness.allow``)."""
        from complaintctl.services.core import lateness

        lateness.allow(session, self.late_reason)
        if text is None:
            return None
        from complaintctl.domain.clock import parse_timestamp
        from complaintctl.services.core.context import timezone_of

        return parse_timestamp(text, tz=timezone_of(session))

    def until(self, session, text: str | None):
        """The inclusive end of a period: a bare date means the whole of that day."""
        if text is None:
            return None
        from complaintctl.domain.clock import parse_period_end
        from complaintctl.services.core.context import timezone_of

        return parse_period_end(text, tz=timezone_of(session))


def state(ctx: typer.Context) -> State:
    """The command's state; called with a command's context, it also notes the command as
    typed (``import undo``), so that a refusal names it rather than a permission."""
    root = ctx.find_root()
    if root.obj is None:
        root.obj = State()
    if ctx is not root:
        root.obj.command = command_path(ctx)
    return root.obj


def command_path(ctx: typer.Context) -> str:
    """The names of the command and its groups as typed, without the program's name."""
    names = []
    while ctx.parent is not None:
        names.append(ctx.info_name)
        ctx = ctx.parent
    return " ".join(reversed(names))


At = Annotated[
    str | None,
    typer.Option(
        "--at",
        help=_("When it really happened (ISO 8601, bank time if no offset); default now."),
        metavar="TIMESTAMP",
    ),
]


def _late_reason(ctx: typer.Context, value: str | None) -> None:
    state(ctx).late_reason = value


#: on every command that takes ``--at``: read into the state, given to the use case with the
#: effective time (``State.at``), so the command itself does nothing with it
LateReason = Annotated[
    str | None,
    typer.Option(
        "--late-reason",
        help=_("Why --at is more than clock.late_window_days (7 by default) before now; on "
               "register, --received-at too. Required then; kept on the audit trail, and the "
               "action is marked late."),
        metavar="TEXT", callback=_late_reason, expose_value=False,
    ),
]
Number = Annotated[str, typer.Argument(
    help=_("The complaint number: CMP-2026-000042, or 42 for this year's, 2025-17 for 2025's."),
    metavar="NUMBER", autocompletion=complaint_numbers)]
Unmask = Annotated[
    bool,
    typer.Option(
        "--unmask",
        help=_("Show personal data in full (supervisor, auditor or admin; audited)."),
    ),
]
