"""The command-line interface: one module per noun, each command a few lines.

Importing this package loads Typer and our light modules only; SQLAlchemy, SQLModel, Alembic
and Rich are imported inside the commands that need them, so ``--help`` stays fast.
"""

from __future__ import annotations

import contextlib
import sys
import time
from typing import Annotated, Any

import typer

from complaintctl import __version__
from complaintctl.cli import commands
from complaintctl.cli.common import helptext
from complaintctl.cli.panels import grouped, panel_of
from complaintctl.cli.usage_i18n import (App, LocalisedGroup, localise_completion_help,
                                         localised_errors, short_help)
from complaintctl.errors import ComplaintError
from complaintctl.i18n import _, set_language
from complaintctl.settings import settings

#: where the root context keeps the arguments it was given (``ctx.meta``), to run them again
_ARGS = "complaintctl.args"


class ErrorMappingGroup(LocalisedGroup):
    """The one place errors become a sentence on stderr and a documented exit code, and the
    one place a command that lost a deadlock or a serialization check is run again."""

    def main(self, args=None, *rest, **options):
        """Arguments that no database could store (bytes that are not UTF-8 on a non-UTF-8
        terminal, a NUL) are refused before anything runs: exit 5, naming the argument."""
        from complaintctl.domain import text

        for arg in sys.argv[1:] if args is None else args:
            why = text.problem(arg) if isinstance(arg, str) else None
            if why:
                from complaintctl.present import render

                render.error(_("The argument '{arg}' cannot be used: {problem}.").format(
                    arg=text.shown(arg), problem=why))
                sys.exit(5)
        return super().main(args, *rest, **options)

    def get_params(self, ctx):
        return localise_completion_help(super().get_params(ctx))

    def command_rows(self, ctx) -> list[tuple[str, str, str]]:
        """(name, one-line summary, panel) of each top-level command, in registration order."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, brief(command), panel_of(command)))
        return rows

    def format_commands(self, ctx, formatter) -> None:
        """The commands under their panels' headings (``panels``), as gh lists its own."""
        rows = self.command_rows(ctx)
        for panel, section in grouped(rows):
            room = formatter.width - formatter.current_indent - 4 - max(len(n) for n, _s in section)
            with formatter.section(_(panel)):  # each summary on one line of its section
                formatter.write_dl([(name, short_help(text, room)) for name, text in section])

    def resolve_command(self, ctx, args):
        """A command name that is not one, said with the nearest names (``lst`` -> ``list``)."""
        name = args[0] if args else None
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            import difflib

            near = difflib.get_close_matches(name, self.list_commands(ctx), n=3, cutoff=0.6)
            if near:
                ctx.fail(_("No such command '{name}'. Did you mean {choices}?").format(
                    name=name, choices=_(" or ").join(f"`{n}`" for n in near)))
        return super().resolve_command(ctx, args)

    def make_context(self, info_name, args, parent=None, **extra):
        """The context, with the arguments kept for a second attempt; a usage error is said in
        the interface language (``usage_i18n.localised_errors``)."""
        given = list(args)
        with localised_errors():
            ctx = super().make_context(info_name, args, parent, **extra)
        ctx.meta[_ARGS] = given
        return ctx

    def invoke(self, ctx):
        """Run the command; one that lost a deadlock or a serialization check before it saved
        anything is parsed and run again, in a fresh context, up to ``retry.attempts()``."""
        from complaintctl.infra import retry
        from complaintctl.services import bootstrap

        bootstrap.start()  # the event handlers, before any command's first use case
        attempt = 1
        with contextlib.ExitStack() as contexts, localised_errors():
            current = ctx
            while True:
                try:
                    return self._invoke_mapped(current)
                except _Retry as signal:
                    if attempt >= retry.attempts() or signal.saved:
                        retry.stats.gave_up += 1
                        self._give_up(signal, attempt)
                    retry.stats.retries += 1
                    time.sleep(retry.delay(attempt))
                    attempt += 1
                    current = contexts.enter_context(self.make_context(
                        ctx.info_name, list(ctx.meta[_ARGS]), parent=ctx.parent))

    def _give_up(self, signal: _Retry, attempt: int):
        if signal.saved:
            text = _(
                "The database aborted this command in a {kind} with other clerks' work after "
                "part of it was saved; check what was saved (`complaintctl audit log --limit 20`) "
                "before running it again."
            )
        else:
            text = _(
                "The database stayed too busy: {n} attempts ended in a {kind} with other "
                "clerks' work, and nothing was saved. Run the command again in a moment."
            )
        kind = _("deadlock") if signal.kind == "deadlock" else _("serialization failure")
        _fail(text.format(kind=kind, n=attempt), 1)

    def _invoke_mapped(self, ctx):
        try:
            return super().invoke(ctx)
        except ComplaintError as error:
            _fail(str(error), error.exit_code)
        except KeyboardInterrupt:
            _fail(_("Interrupted; nothing more was written."), 130)
        except Exception as error:  # noqa: BLE001 - the last line of defence
            if type(error).__module__.startswith("typer"):
                raise
            from complaintctl.infra import retry

            if retry.is_retryable(error):
                state = ctx.obj
                saved = bool(getattr(state, "commits", 0))
                if state is not None and hasattr(state, "close"):
                    state.close()
                raise _Retry(retry.RETRYABLE[retry.sqlstate(error)], saved) from error
            if settings.debug:
                raise
            if type(error).__module__.startswith("sqlalchemy"):
                _fail(
                    _("The database failed: {problem}. Check --db and run `complaintctl db check`.")
                    .format(problem=_short(error)),
                    1,
                )
            if isinstance(error, OSError):
                from complaintctl.i18n import os_problem

                problem = os_problem(error)
                if error.filename:
                    _fail(_("Cannot use {path}: {problem}.").format(path=error.filename,
                                                                    problem=problem), 1)
                _fail(_("{problem}.").format(problem=problem), 1)
            _fail(
                _(
                    "complaintctl hit an internal error ({kind}); nothing was changed. Please "
                    "report it; set COMPLAINTCTL_DEBUG=1 to see the details."
                ).format(kind=type(error).__name__),
                1,
            )


class _Retry(Exception):
    """A command's transaction lost a deadlock or a serialization check."""

    def __init__(self, kind: str, saved: bool):
        super().__init__(kind)
        self.kind = kind
        self.saved = saved


def _short(error: Exception) -> str:
    """A database error's first line, without SQL parameters (they may hold personal data)."""
    orig = getattr(error, "orig", None)
    return str(orig if orig is not None else type(error).__name__).splitlines()[0]


def _fail(text: str, code: int):
    from complaintctl.present import render

    render.error(text)
    raise typer.Exit(code)


_SETTINGS: dict[str, Any] = dict(
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
    suggest_commands=False,  # ErrorMappingGroup.resolve_command suggests, for the lazy root too
    context_settings={"help_option_names": ["-h", "--help"]},
)
app = App(cls=ErrorMappingGroup, **_SETTINGS)


#: The interface languages and their names, as ``--lang`` takes them.
LANGUAGES = {"en": "English", "zh": "中文"}


def _language(value: str | None) -> str | None:
    """``--lang``: en or zh (``zh_CN``, ``en-GB`` and the like read as their language); any
    other is a usage error naming the supported ones."""
    if value is None:
        return None
    base = value.strip().lower().replace("-", "_").split("_")[0]
    if base not in LANGUAGES:
        raise typer.BadParameter(_("'{value}' is not a supported language; use {choices}.").format(
            value=value, choices=", ".join(f"{code} ({name})" for code, name in LANGUAGES.items())))
    return base


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
        typer.Option("--lang", help=_("Interface language: en or zh."), metavar="LANG",
                     callback=_language),
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
    ctx.call_on_close(ctx.obj.close)


commands.register_commands(app)  # every command and group, in its panel


class LazyRoot(ErrorMappingGroup):
    """The root group of the console script: builds only the command that is run.

    Typer turns every registered command into a Click command on each start (about as long as
    importing Typer itself, for ~100 commands). This group lists the names and summaries from
    ``app``'s registrations and converts one top-level command or group when it is invoked.
    Tests drive ``app`` itself; a test checks both list the same commands and summaries.
    """

    def _entries(self) -> dict[str, Any]:
        from typer.main import get_command_name

        entries: dict[str, Any] = {}
        for info in app.registered_commands:
            entries[info.name or get_command_name(info.callback.__name__)] = info
        for info in app.registered_groups:
            entries[info.name] = info
        return entries

    def list_commands(self, ctx) -> list[str]:
        return list(self._entries())

    def get_command(self, ctx, name: str):
        if name in self.commands:
            return self.commands[name]
        info = self._entries().get(name)
        if info is None:
            return None
        from typer.main import get_command

        one = typer.Typer(rich_markup_mode=None)
        one.callback()(lambda: None)
        if info in app.registered_commands:
            one.registered_commands = [info]
        else:
            one.registered_groups = [info]
        command = get_command(one).commands[name]
        self.commands[name] = command
        return command

    def command_rows(self, ctx) -> list[tuple[str, str, str]]:
        return [(name, brief(info), panel_of(info))
                for name, info in self._entries().items()]


def brief(item) -> str:
    """The one-line summary ``--help`` lists: a command's or group's ``short_help`` when it has
    one (registered, or on its Typer), else the first paragraph of its help."""
    for source in (item, getattr(getattr(item, "typer_instance", None), "info", None)):
        value = getattr(source, "short_help", None)
        if isinstance(value, str) and value:
            return value
    return summary(item)


def summary(info) -> str:
    """A registered command's or group's help, first paragraph (what Click's short help uses)."""
    text = info.help if isinstance(getattr(info, "help", None), str) else None
    if text is None and getattr(info, "typer_instance", None) is not None:
        text = info.typer_instance.info.help
    return (text or "").split("\n\n")[0].strip() if isinstance(text, str) else ""


def lazy_root():
    """The console script's root command: the same options, commands built on demand."""
    from typer.main import get_command

    shell = App(cls=LazyRoot, **_SETTINGS)
    shell.callback()(root)
    return get_command(shell)


def main() -> None:
    """The console script. Two garbage-collector settings for a short-lived process:

    - young collections every 10,000 allocations instead of 700: importing SQLAlchemy,
      SQLModel and the models allocates a great many objects that all stay alive, and each
      collection walks them in vain (about a tenth of `show`'s CPU time);
    - at exit the heap is frozen, which spares the interpreter's final collection that whole
      object graph (about a third of `show`'s CPU time). Commands close their files and commit
      or roll back before they return; the OS releases the rest.
    """
    import gc

    gc.set_threshold(10_000, 10, 10)
    try:
        lazy_root()(prog_name="complaintctl")
    finally:
        gc.freeze()


if __name__ == "__main__":
    sys.exit(main())
