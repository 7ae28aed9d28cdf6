"""The command-line interface: one module per noun, each command a few lines.

Importing this package loads Typer and our light modules only; SQLAlchemy, SQLModel, Alembic
and Rich are imported inside the commands that need them, so ``--help`` stays fast.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer
from typer.core import TyperGroup

from complaintctl import __version__
from complaintctl.cli.common import helptext
from complaintctl.errors import ComplaintError
from complaintctl.cli.usage_i18n import install as _localise_typer
from complaintctl.i18n import _, set_language

_localise_typer()


class ErrorMappingGroup(TyperGroup):
    """The one place errors become a sentence on stderr and a documented exit code."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ComplaintError as error:
            _fail(str(error), error.exit_code)
        except KeyboardInterrupt:
            _fail(_("Interrupted; nothing more was written."), 130)
        except Exception as error:  # noqa: BLE001 - the last line of defence
            if type(error).__module__.startswith("typer") or os.environ.get("COMPLAINTCTL_DEBUG"):
                raise
            if type(error).__module__.startswith("sqlalchemy"):
                _fail(
                    _("The database failed: {problem}. Check --db and run `complaintctl db check`.")
                    .format(problem=_short(error)),
                    1,
                )
            if isinstance(error, OSError):
                _fail(_("{problem}.").format(problem=error.strerror or type(error).__name__), 1)
            _fail(
                _(
                    "complaintctl hit an internal error ({kind}); nothing was changed. Please "
                    "report it; set COMPLAINTCTL_DEBUG=1 to see the details."
                ).format(kind=type(error).__name__),
                1,
            )


def _short(error: Exception) -> str:
    """A database error's first line, without SQL parameters (they may hold personal data)."""
    orig = getattr(error, "orig", None)
    return str(orig if orig is not None else type(error).__name__).splitlines()[0]


def _fail(text: str, code: int):
    from complaintctl import render

    render.error(text)
    raise typer.Exit(code)


app = typer.Typer(
    cls=ErrorMappingGroup,
    name="complaintctl",
    help=helptext(
        _(
            "complaintctl: bank customer complaints from receipt to archive, and the complaint "
            "emergency plan."
        ),
        "complaintctl demo",
        "complaintctl --as lihua list --status investigating --sort due",
    ),
    rich_markup_mode=None,
    pretty_exceptions_show_locals=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        print(f"complaintctl {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="COMPLAINTCTL_DB",
            help=_("Database file or SQLAlchemy URL [default: the per-user app dir]."),
            show_envvar=True,
        ),
    ] = None,
    as_user: Annotated[
        str | None,
        typer.Option(
            "--as",
            envvar="COMPLAINTCTL_USER",
            help=_("Act as this member of staff [default: the OS login]."),
            show_envvar=True,
        ),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option("--lang", help=_("Interface language: en or zh."), metavar="LANG"),
    ] = None,
    version: Annotated[
        bool | None,
        typer.Option("--version", callback=_version, is_eager=True, help=_("Show the version.")),
    ] = None,
) -> None:
    from complaintctl.cli.common import State

    if lang:
        set_language(lang)
    ctx.obj = State(db_option=db, user_option=as_user)


def _register_commands() -> None:
    from complaintctl.cli import (audit, complaints, db, demo, emergency, export, imports,
                                  intake, reports, rootcause, staff)
    from complaintctl.cli import clock, config, conflicts, notify  # issue 4

    complaints.register_commands(app)
    clock.register_commands(app)
    conflicts.register_commands(staff.app)
    app.add_typer(staff.app, name="staff")
    app.add_typer(config.app, name="config")
    app.add_typer(notify.app, name="notify")
    db.register_commands(app)
    app.add_typer(audit.app, name="audit")
    demo.register_commands(app)
    emergency.register_commands(app)
    rootcause.register_commands(app)
    reports.register_commands(app)
    imports.register_commands(app)
    export.register_commands(app)
    app.add_typer(intake.app, name="intake")


_register_commands()


def main() -> None:
    app(prog_name="complaintctl")


if __name__ == "__main__":
    sys.exit(main())
