"""Prompts that forgive (issue 22): on a terminal, a value not among the choices is asked for
again, with the choices in the interface language; a choice is taken by its code (``counter``),
its label in the language (``柜面``) or a prefix naming one choice (``coun``). After three tries
the command stops with exit 2, before anything is saved."""

from __future__ import annotations

from enum import Enum

import typer

from complaintctl.errors import UsageProblem
from complaintctl.i18n import _, label, language

TRIES = 3


def _choices_text(choices: list[Enum]) -> str:
    """The choices as the user reads them: ``counter/phone/...`` in English, ``柜面（counter）、
    电话（phone）...`` in Chinese."""
    if language() == "en":
        return "/".join(c.value for c in choices)
    shown = [label(c.value) for c in choices]
    return "、".join(f"{s}（{c.value}）" if s != c.value else c.value
                        for s, c in zip(shown, choices, strict=True))


def match(text: str, choices: list[Enum]) -> Enum | None:
    """The choice ``text`` names: its code or its label (any case, spaces ignored), else the
    one choice whose code or label it begins (None: none, or more than one)."""
    typed = "".join(text.split()).lower()
    if not typed:
        return None
    names = {c: {c.value.lower(), "".join(label(c.value).split()).lower()} for c in choices}
    exact = [c for c, spelled in names.items() if typed in spelled]
    if exact:
        return exact[0]
    begun = [c for c, spelled in names.items() if any(s.startswith(typed) for s in spelled)]
    return begun[0] if len(begun) == 1 else None


def choose(title: str, option: str, choices: type[Enum]) -> Enum:
    """Ask for one of ``choices`` up to ``TRIES`` times; UsageProblem (exit 2) after that."""
    options = list(choices)
    suffix = _(": ")  # the language's colon: "渠道（…）：" under zh
    for attempt in range(1, TRIES + 1):
        text = typer.prompt(_("{label} ({choices})").format(
            label=title, choices=_choices_text(options)), prompt_suffix=suffix)
        found = match(text, options)
        if found is not None:
            return found
        if attempt < TRIES:
            typer.echo(_retry(text.strip(), options, TRIES - attempt), err=True)
    raise UsageProblem(_("No valid {option} after {n} tries; nothing was saved.").format(
        option=option, n=TRIES))


def _retry(typed: str, options: list[Enum], left: int) -> str:
    """Why the value was not taken, the nearest choice when one is near, and the tries left."""
    import difflib

    near = difflib.get_close_matches(typed.lower(), [c.value for c in options], n=1)
    if near:
        return _("'{value}' is not one of the choices; did you mean {near}? Try again "
                 "({left} left).").format(value=typed, near=near[0], left=left)
    return _("'{value}' is not one of the choices; try again ({left} left).").format(
        value=typed, left=left)
