"""The queue's filter line, in the syntax of ``complaintctl list``'s options:
``--status assigned --status investigating --branch BJ01 --assignee h1 --text 年费 --overdue
--due-within 2d --channel phone --product credit_card --tag elderly``. Words without an option
are the ``--text``. Pure: text in, a ``Query`` or a ``UsageProblem`` out."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from datetime import timedelta

from complaintctl.domain.enums import Channel, Status
from complaintctl.errors import UsageProblem
from complaintctl.i18n import _


@dataclass(frozen=True)
class Query:
    status: tuple[str, ...] = ()
    assignee: str | None = None
    branch: str | None = None
    channel: tuple[str, ...] = ()
    product: str | None = None
    tag: tuple[str, ...] = ()
    text: str | None = None
    overdue: bool = False
    due_within: timedelta | None = None


#: option -> (field, repeatable, allowed values or None)
_VALUED = {
    "--status": ("status", True, Status),
    "--channel": ("channel", True, Channel),
    "--tag": ("tag", True, None),
    "--assignee": ("assignee", False, None),
    "--branch": ("branch", False, None),
    "--product": ("product", False, None),
    "--text": ("text", False, None),
    "--due-within": ("due_within", False, None),
}
OPTIONS = tuple(_VALUED) + ("--overdue",)


def parse(line: str) -> Query:
    """The filter line as a ``Query``; a mistake is a ``UsageProblem`` saying what to type."""
    try:
        words = shlex.split(line)
    except ValueError:
        raise UsageProblem(_("The filter line has an unclosed quote.")) from None
    found: dict[str, object] = {}
    loose: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        name, _eq, inline = word.partition("=")
        if word == "--overdue":
            found["overdue"] = True
        elif name in _VALUED:
            if inline or _eq:
                value = inline
            else:
                i += 1
                if i >= len(words):
                    raise UsageProblem(_("Option '{option}' requires a value.").format(
                        option=name))
                value = words[i]
            _put(found, name, value)
        elif word.startswith("--"):
            raise UsageProblem(_("No such filter option: {option}. Use one of: {options}.")
                               .format(option=name, options=", ".join(OPTIONS)))
        else:
            loose.append(word)
        i += 1
    if loose:
        found["text"] = " ".join(filter(None, [found.get("text"), *loose]))
    return Query(**found)


def _put(found: dict, option: str, value: str) -> None:
    field, repeatable, allowed = _VALUED[option]
    if allowed is not None and value not in {m.value for m in allowed}:
        raise UsageProblem(_("'{value}' is not a valid {option}; use one of: {choices}.").format(
            value=value, option=option, choices=", ".join(m.value for m in allowed)))
    if field == "due_within":
        from complaintctl.domain.deadlines import parse_duration

        found[field] = parse_duration(value)  # the sentence `list --due-within` gives
        return
    if repeatable:
        found[field] = (*found.get(field, ()), value)
    else:
        found[field] = value
