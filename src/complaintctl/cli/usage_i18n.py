"""Typer's own words in the interface language.

Typer's strings that go through the stdlib's ``gettext()`` ("Options", "Commands", "required",
"No such command ...") are translated by the ``messages`` catalog that ``i18n.set_language``
binds. Its vendored Click writes the rest as plain f-strings ("Usage:", "Error:", "Missing
option", "Invalid value for", "Show this message and exit."), which no catalog can reach: here
the help option's text, the usage prefix, the colon after a help section's title and a usage
error's output are passed through ``_()`` and a few patterns, so they come out in Chinese under
``--lang zh`` and unchanged in English.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from complaintctl.i18n import _, language


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
    return text


def localise(text: str) -> str:
    """Click's English usage-error text in the interface language (unchanged in English)."""
    if language() == "en":
        return text
    for pattern, replace in _patterns():
        text, n = pattern.subn(replace, text, count=1)
    return text


def install() -> None:
    """Route the vendored Click's fixed English through ``_()``; idempotent."""
    from typer._click import core, exceptions, formatting

    if getattr(exceptions.ClickException, "_complaintctl_i18n", False):
        return

    def wrap_show(original):
        def show(self, file=None):
            if language() == "en":
                return original(self, file)
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
