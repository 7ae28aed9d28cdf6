"""Typer's own words in the interface language.

Typer's strings that go through the stdlib's ``gettext()`` ("Options", "Commands", "required",
"No such command ...") are translated by the ``messages`` catalog that ``i18n.set_language``
binds. Its vendored Click writes the rest as plain f-strings ("Usage:", "Error:", "Missing
option", "Invalid value for", "Show this message and exit."), which no catalog can reach: here
the help option's text, the usage prefix, the colon after a help section's title and a usage
error's output are passed through ``_()`` and a few patterns, so they come out in Chinese under
``--lang zh``. Typer's checks of values speak pydantic's words ("Value error, 'x' is not one
of ...", "Input should be greater than or equal to 1"): in both languages the prefix is dropped
and the usual number checks say what to give ("Give a number of at least 1.").

Chinese help is also laid out by the width a terminal gives each character: Click measures text
in characters and breaks lines only at spaces, so a Chinese sentence (one "word" of
double-width characters) ran past the terminal's edge, and a command's one-line summary came
out as "..." when its first "word" was longer than the room. Under zh, help text breaks between
Chinese characters (never before a closing mark such as ，。）, nor after an opening one such as
（), lines are measured in terminal columns, and a summary is the first sentence, cut to fit.
English help is laid out exactly as Click does it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable

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


def install() -> None:
    """Route the vendored Click's fixed English through ``_()``; idempotent."""
    from typer._click import core, exceptions, formatting

    if getattr(exceptions.ClickException, "_complaintctl_i18n", False):
        return

    def wrap_show(original):
        def show(self, file=None):
            buffer = io.StringIO()
            original(self, buffer)
            if file is None:
                file = exceptions.get_text_stderr()
            file.write(localise(buffer.getvalue()))
            file.flush()
        return show

    exceptions.ClickException.show = wrap_show(exceptions.ClickException.show)
    exceptions.UsageError.show = wrap_show(exceptions.UsageError.show)
    exceptions.ClickException._complaintctl_i18n = True

    write_usage = formatting.HelpFormatter.write_usage

    def localised_usage(self, prog, args="", prefix=None):
        return write_usage(self, prog, args, _("Usage: ") if prefix is None else prefix)

    formatting.HelpFormatter.write_usage = localised_usage

    def localised_heading(self, heading: str) -> None:
        """A help section's title ends with the language's colon (选项：, 命令：, 参数：), as
        用法： and 示例： do; Click writes an ASCII colon after the translated word."""
        self.write(f"{'':>{self.current_indent}}{heading}{_(':')}\n")

    formatting.HelpFormatter.write_heading = localised_heading

    get_help_option = core.Command.get_help_option

    def localised_help_option(self, ctx):
        option = get_help_option(self, ctx)
        if option is not None:
            option.help = _("Show this message and exit.")
        return option

    core.Command.get_help_option = localised_help_option

    import typer.main

    completion_arguments = typer.main.get_install_completion_arguments

    def localised_completion_arguments():
        params = completion_arguments()
        for param in params:
            if param.help in _COMPLETION_HELP:
                param.help = _(param.help)
        return params

    typer.main.get_install_completion_arguments = localised_completion_arguments

    from typer._click import _textwrap, utils

    _textwrap.TextWrapper = _wide_text_wrapper(_textwrap.TextWrapper)
    short_help = utils.make_default_short_help

    def localised_short_help(help: str, max_length: int = 45) -> str:
        if language() == "zh" and any(_wide(c) for c in help):
            return _first_sentence(help, max_length)
        return short_help(help, max_length)

    utils.make_default_short_help = localised_short_help
    core.make_default_short_help = localised_short_help


# --- Chinese help laid out by terminal columns ----------------------------------------------------

#: marks that never begin a line (they close what precedes them) and that never end one
_CLOSING = frozenset("，。、；：！？）］】」』》〉｝…%％")
_OPENING = frozenset("（［【「『《〈｛")


def _wide(char: str) -> bool:
    import unicodedata

    return unicodedata.east_asian_width(char) in ("W", "F")


def _columns(text: str) -> int:
    """The columns a terminal gives ``text``: two for each wide (Chinese) character."""
    return sum(2 if _wide(c) else 1 for c in text)


def _breakable(chunks: list[str]) -> list[str]:
    """``chunks`` (words and spaces) cut further so a line may break between two Chinese
    characters, but never before a closing mark nor after an opening one."""
    pieces: list[str] = []
    for chunk in chunks:
        if chunk.isspace() or not any(_wide(c) for c in chunk):
            pieces.append(chunk)
            continue
        run = ""
        for char in chunk:
            if _wide(char):
                if run:
                    pieces.append(run)
                    run = ""
                pieces.append(char)
            else:
                run += char
        if run:
            pieces.append(run)
    glued: list[str] = []
    for piece in pieces:
        if glued and not glued[-1].isspace() and not piece.isspace() and (
                piece[0] in _CLOSING or glued[-1][-1] in _OPENING or _open_note(glued[-1])):
            glued[-1] += piece
        else:
            glued.append(piece)
    return glued


def _open_note(text: str) -> bool:
    """Whether ``text`` is the start of a short note Click appends in brackets ([默认：table],
    [必填]), which is kept on one line."""
    return text.startswith("[") and "]" not in text and _columns(text) < 24


def _first_sentence(help: str, room: int) -> str:
    """A command's one-line summary in Chinese: its first sentence, cut where a line may
    break to fit ``room`` columns, with an ellipsis, when it is longer."""
    words = help.split("\n\n")[0].split()
    text = " ".join(words[1:] if words and words[0] == "\b" else words)
    end = text.find("。")
    if end != -1:
        text = text[:end + 1]
    if _columns(text) <= room:
        return text
    cut = ""
    for piece in _breakable(re.split(r"(\s+)", text)):
        if _columns(cut + piece) > room - 1:
            break
        cut += piece
    return cut.rstrip(" ，、；：") + "…"


def _wide_text_wrapper(base):
    """Click's TextWrapper, which under zh breaks lines between Chinese characters and
    measures them in terminal columns; English is wrapped by ``base`` unchanged."""

    class WideTextWrapper(base):
        def _split(self, text):
            chunks = super()._split(text)
            if language() != "zh" or not any(_wide(c) for c in text):
                return chunks
            return _breakable(chunks)

        def _wrap_chunks(self, chunks):
            if language() != "zh" or not any(_wide(c) for chunk in chunks for c in chunk):
                return super()._wrap_chunks(chunks)
            lines: list[str] = []
            chunks.reverse()
            while chunks:
                indent = self.subsequent_indent if lines else self.initial_indent
                width = self.width - _columns(indent)
                if self.drop_whitespace and lines and chunks[-1].isspace():
                    del chunks[-1]
                line: list[str] = []
                used = 0
                while chunks and used + _columns(chunks[-1]) <= width:
                    used += _columns(chunks[-1])
                    line.append(chunks.pop())
                if chunks and _columns(chunks[-1]) > width:  # longer than a line: cut it
                    last, cut = chunks[-1], ""
                    for char in last:
                        if used + _columns(cut + char) > width and (cut or line):
                            break
                        cut += char
                    line.append(cut)
                    chunks[-1] = last[len(cut):]
                    if not chunks[-1]:
                        chunks.pop()
                if self.drop_whitespace and line and line[-1].isspace():
                    line.pop()
                if line:
                    lines.append(indent + "".join(line))
            return lines

    WideTextWrapper.__name__ = WideTextWrapper.__qualname__ = base.__name__
    return WideTextWrapper
