"""Typer's own words in the interface language, through Typer's public extension points.

Typer's strings that go through the stdlib's ``gettext()`` ("Options", "Commands", "required",
"No such command ...") are translated by the ``messages`` catalog that ``i18n.set_language``
binds. Its Click writes the rest as plain f-strings ("Usage:", "Error:", "Missing option",
"Invalid value for", "Show this message and exit."), which no catalog can reach. Here every
command and group of the CLI is built by ``App`` (a ``typer.Typer`` whose groups are
``LocalisedGroup`` and commands ``LocalisedCommand``, subclasses of ``typer.core.TyperGroup``
and ``TyperCommand``): their context's ``HelpFormatter`` writes the usage prefix and the colon
after a help section's title in the language, their help option says its text through ``_()``,
and ``localised_errors`` (used by the root group) writes a usage error's output through
``localise``, so it comes out in Chinese under ``--lang zh``. Typer's checks of values speak
pydantic's words ("Value error, 'x' is not one of ...", "Input should be greater than or equal
to 1"): in both languages the prefix is dropped and the usual number checks say what to give
("Give a number of at least 1.").

Chinese help is also laid out by the width a terminal gives each character: Click measures text
in characters and breaks lines only at spaces, so a Chinese sentence (one "word" of
double-width characters) ran past the terminal's edge, and a command's one-line summary came
out as "..." when its first "word" was longer than the room. Under zh, help text breaks between
Chinese characters (never before a closing mark such as ，。）, nor after an opening one such as
（), lines are measured in terminal columns, and a summary is the first sentence, cut to fit.
English help is laid out by Click itself, unchanged.
"""

from __future__ import annotations

import io
import re
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import typer
import typer.core

from complaintctl.cli.wide_text import by_columns, first_sentence, wrap_text
from complaintctl.i18n import N_, _, language

#: Typer's help for its completion options (typer.completion), marked for the catalog
_COMPLETION_HELP = (
    N_("Install completion for the current shell."),
    N_("Show completion for the current shell, to copy it or customize the installation."),
    N_("Install completion for the specified shell."),
    N_("Show completion for the specified shell, to copy it or customize the installation."),
)


def _patterns() -> list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]]:
    return [
        (re.compile(r"^Usage: ", re.M), lambda m: _("Usage: ")),
        (re.compile(r"^Try '(?P<c>[^']+)' for help\.$", re.M),
         lambda m: _("Try '{command}' for help.").format(command=m["c"])),
        (re.compile(r"^Error: Missing (?P<t>option|argument|parameter) (?P<n>.+?)\.(?P<r>.*)$",
                    re.M),
         lambda m: _("Error: {message}").format(message=(
             _("Missing option {name}.") if m["t"] == "option" else
             _("Missing argument {name}.")).format(name=m["n"]) + m["r"])),
        (re.compile(r"^Error: Invalid value for (?P<n>.+?): (?P<p>.*)$", re.M),
         lambda m: _("Error: {message}").format(
             message=_("Invalid value for {name}: {problem}").format(
                 name=m["n"], problem=_problem(m["p"])))),
        (re.compile(r"^Error: No such option: (?P<n>\S+)(?P<r>.*)$", re.M),
         lambda m: _("Error: {message}").format(
             message=_("No such option: {name}").format(name=m["n"]) + m["r"])),
        (re.compile(r"^Error: Got unexpected extra arguments? \((?P<a>.*)\)$", re.M),
         lambda m: _("Error: {message}").format(
             message=_("Got unexpected extra arguments ({args})").format(args=m["a"]))),
        (re.compile(r"^Error: (?P<o>\S+) (?:option )?requires an argument\.$", re.M),
         lambda m: _("Error: {message}").format(
             message=_("Option {name} requires an argument.").format(name=m["o"]))),
        (re.compile(r"^Error: ", re.M), lambda m: _("Error: {message}").format(message="")),
    ]


def _problem(text: str) -> str:
    text = text.removeprefix("Value error, ")
    m = re.fullmatch(r"(?P<v>.+) is not one of (?P<c>.+)\.", text)
    if m:
        return _("{value} is not one of {choices}.").format(value=m["v"], choices=m["c"])
    m = re.fullmatch(r"(?P<v>.+) is not a valid (?P<k>[\w ]+)\.", text)
    if m:
        return _("{value} is not a valid {kind}.").format(value=m["v"], kind=m["k"])
    return _pydantic(text)


def _pydantic(text: str) -> str:
    """pydantic's words for a number Typer could not take (it checks int and float options)."""
    if text.startswith("Input should be a valid integer"):
        return _("Give a whole number.")
    if text.startswith("Input should be a valid number"):
        return _("Give a number.")
    m = re.fullmatch(r"Input should be (?P<how>greater|less) than(?P<eq> or equal to)? "
                     r"(?P<n>\S+)", text)
    if m is None:
        return text
    return {("greater", True): _("Give a number of at least {n}."),
            ("greater", False): _("Give a number greater than {n}."),
            ("less", True): _("Give a number of at most {n}."),
            ("less", False): _("Give a number less than {n}.")}[
        (m["how"], bool(m["eq"]))].format(n=m["n"])


def localise(text: str) -> str:
    """Click's English usage-error text in the interface language. In English only the
    problem of an invalid value is reworded: pydantic's "Value error, " prefix dropped and its
    number checks said as what to give ("Give a number of at least 1.")."""
    if language() == "en":
        return _INVALID.sub(lambda m: f"{m['head']}{_problem(m['p'])}", text, count=1)
    for pattern, replace in _patterns():
        text, n = pattern.subn(replace, text, count=1)
    return text


_INVALID = re.compile(r"^(?P<head>Error: Invalid value for .+?: )(?P<p>.*)$", re.M)


@contextmanager
def localised_errors() -> Iterator[None]:
    """Click's usage errors raised inside (anything it can ``show``: a missing option, an
    invalid value, no such command, help for a group run without a command) are written to
    stderr in the interface language, then the command exits with the error's code."""
    try:
        yield
    except Exception as error:  # Click's exceptions are the ones that can show themselves
        show = getattr(error, "show", None)
        if not callable(show) or not isinstance(getattr(error, "exit_code", None), int):
            raise
        buffer = io.StringIO()
        show(buffer)
        from complaintctl.present.inert import inert

        stderr = typer.get_text_stream("stderr")
        stderr.write(inert(localise(buffer.getvalue())))  # it may quote what was typed
        stderr.flush()
        raise typer.Exit(error.exit_code) from None


#: Typer's type hints in a help term (``--db <str>``, ``NUMBER <str>``, ``--limit <int range>``)
_TYPE_HINT = re.compile(r"(?P<head>.*?)(?P<meta> [A-Z][A-Z_]*)? <(?P<type>[^<>]+)>$")
#: What the hint of each type is said as: the thing a value is, as gh and git say it.
_TYPE_WORDS = {"str": "TEXT", "int": "N", "float": "NUMBER", "path": "PATH", "file": "FILE",
               "datetime": "DATE", "bool": ""}


#: Choices longer than this are named by the option (``--status STATUS``) and listed in its help.
_LONG_CHOICES = 24


def plain_row(term: str, text: str) -> tuple[str, str]:
    """A help row with ``plain_term``'s term; a long list of choices moves into the help."""
    m = _TYPE_HINT.match(term)
    if m and not m["meta"] and m["head"].startswith("-") and "|" in m["type"]:
        choices = m["type"].removeprefix("list[").removesuffix("]")
        if len(choices) > _LONG_CHOICES:
            name = m["head"].lstrip("-").replace("-", "_").upper()
            listed = _("Choices: {choices}.").format(choices=", ".join(choices.split("|")))
            return f"{m['head']} {name}", f"{text}  {listed}" if text else listed
    return plain_term(term), text


def plain_term(term: str) -> str:
    """A help term as the user reads it: an argument by its name (``NUMBER``), an option with
    its metavar or the kind of thing it takes (``--db TEXT``, ``--limit N``), choices between
    brackets (``--format [table|json]``); Typer writes the Python type (``<str>``,
    ``<list[str]>``, ``<int range>``)."""
    m = _TYPE_HINT.match(term)
    if m is None:
        return term
    if m["meta"] or not m["head"].startswith("-"):  # an argument is named in capitals
        return (m["head"] if m["head"].startswith("-") else m["head"].upper()) + (m["meta"] or "")
    kind = m["type"].removeprefix("list[").removesuffix("]").removesuffix(" range")
    if "|" in kind:
        return f"{m['head']} [{kind}]"
    word = _TYPE_WORDS.get(kind, kind.upper())
    return f"{m['head']} {word}" if word else m["head"]


class LocalisedFormatter(typer.Context.formatter_class):
    """Click's help formatter with the usage prefix and the headings' colon in the language;
    under zh, text with Chinese characters is wrapped by terminal columns (``wrap_text``).
    Terms and usage name the thing a value is (``plain_term``; ``NUMBER``, not ``{NUMBER}``)."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        prefix = _("Usage: ") if prefix is None else prefix
        args = re.sub(r"\{([^{}\s]+)\}", lambda m: m[1].upper(), args)
        args = re.sub(r"\[([a-z][a-z_]*)\]", lambda m: f"[{m[1].upper()}]", args)
        if not by_columns(args):
            return super().write_usage(prog, args, prefix)
        usage_prefix = f"{prefix:>{self.current_indent}}{prog} "
        text_width = self.width - self.current_indent
        if text_width >= (len(usage_prefix) + 20):
            indent = " " * len(usage_prefix)
            self.write(wrap_text(args, text_width, initial_indent=usage_prefix,
                                 subsequent_indent=indent))
        else:
            self.write(usage_prefix)
            self.write("\n")
            indent = " " * (max(self.current_indent, len(prefix)) + 4)
            self.write(wrap_text(args, text_width, initial_indent=indent,
                                 subsequent_indent=indent))
        self.write("\n")

    def write_heading(self, heading: str) -> None:
        """A help section's title ends with the language's colon (选项：, 命令：, 参数：), as
        用法： and 示例： do; Click writes an ASCII colon after the translated word."""
        self.write(f"{'':>{self.current_indent}}{heading}{_(':')}\n")

    def write_text(self, text: str) -> None:
        if not by_columns(text):
            return super().write_text(text)
        indent = " " * self.current_indent
        self.write(wrap_text(text, self.width, initial_indent=indent, subsequent_indent=indent,
                             preserve_paragraphs=True))
        self.write("\n")

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = [plain_row(*row) if len(row) == 2 and isinstance(row[0], str) else row
                for row in rows]
        if not any(by_columns(second) for _first, second in rows) or any(len(r) != 2 for r in rows):
            return super().write_dl(rows, col_max, col_spacing)
        first_col = min(max(len(first) for first, _second in rows), col_max) + col_spacing
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if len(first) <= first_col - col_spacing:
                self.write(" " * (first_col - len(first)))
            else:
                self.write("\n")
                self.write(" " * (first_col + self.current_indent))
            text_width = max(self.width - first_col - 2, 10)
            lines = wrap_text(second, text_width, preserve_paragraphs=True).splitlines()
            if lines:
                self.write(f"{lines[0]}\n")
                for line in lines[1:]:
                    self.write(f"{'':>{first_col + self.current_indent}}{line}\n")
            else:
                self.write("\n")


class LocalisedContext(typer.Context):
    """The context of every command of the CLI: its help is written by ``LocalisedFormatter``."""

    formatter_class = LocalisedFormatter


def who_acts_footer() -> str:
    """The footer of every --help (issue 18): how the acting user is proven."""
    return _("Who acts is the user signed in with `complaintctl login`, or a script's "
             "COMPLAINTCTL_TOKEN; --as is believed only on a database made with `init "
             "--no-auth` (the demo is one), or for a signed-in admin, audited.")


class _Localised:
    """What ``LocalisedCommand`` and ``LocalisedGroup`` add to Typer's classes."""

    context_class = LocalisedContext

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = _("Show this message and exit.")
        return option

    def format_epilog(self, ctx, formatter) -> None:
        """The command's epilog, then the footer every help ends with: who is acting."""
        super().format_epilog(ctx, formatter)
        formatter.write_paragraph()
        text = who_acts_footer()
        if by_columns(text):
            formatter.write_text(text)
            return
        import textwrap  # not at a hyphen: `--no-auth` stays whole

        for line in textwrap.wrap(text, max(formatter.width - formatter.current_indent, 20),
                                  break_on_hyphens=False):
            formatter.write(" " * formatter.current_indent + line + "\n")

    def get_short_help_str(self, limit: int = 45) -> str:
        """Click's one-line summary; under zh a Chinese help's first sentence, cut to fit."""
        if self.short_help or not self.help or not by_columns(self.help):
            return super().get_short_help_str(limit)
        return first_sentence(self.help, limit).strip()


class LocalisedCommand(_Localised, typer.core.TyperCommand):
    """A command of the CLI (see the module's docstring)."""


class LocalisedGroup(_Localised, typer.core.TyperGroup):
    """A group of the CLI (see the module's docstring)."""


class App(typer.Typer):
    """``typer.Typer`` whose groups and commands are ``LocalisedGroup``/``LocalisedCommand``
    unless ``cls`` says otherwise (a subclass of them)."""

    def __init__(self, *, cls: type[LocalisedGroup] = LocalisedGroup, **settings) -> None:
        super().__init__(cls=cls, **settings)

    def command(self, name: str | None = None, *, cls: type[LocalisedCommand] = LocalisedCommand,
                **settings):
        return super().command(name, cls=cls, **settings)


def short_help(text: str, limit: int) -> str:
    """The one-line summary a command with help ``text`` shows in a list ``limit`` wide."""
    return LocalisedCommand(None, help=text).get_short_help_str(limit)


def localise_completion_help(params: list) -> list:
    """Typer's help for its completion options (``--install-completion``, ...) in the
    interface language; ``params``: a command's parameters, returned."""
    for param in params:
        english = _COMPLETION_ENGLISH.setdefault(param, getattr(param, "help", None))
        if english in _COMPLETION_HELP:
            param.help = _(english)
    return params


_COMPLETION_ENGLISH: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
