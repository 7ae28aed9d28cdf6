"""The whole command tree, walked: every command has help with a runnable-looking example, and no
command shows a traceback for bad input. New commands are covered without editing this file
(add an entry to BAD_INPUT only when the generated bad inputs do not fit)."""

from __future__ import annotations

import enum
import shlex
import typing
from pathlib import PurePath

import pytest
import typer

from complaintctl.present import render
from complaintctl.cli import app

ROOT = typer.main.get_command(app)
NOWHERE = "CMP-2026-999999"


def _walk(command, path):
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from _walk(sub, [*path, name])


TREE = list(_walk(ROOT, []))
LEAVES = [(path, command) for path, command in TREE if not hasattr(command, "commands")]


def _ids(items):
    return [" ".join(path) or "complaintctl" for path, _command in items]


def test_the_tree_has_every_command_of_the_issue():
    names = {" ".join(path) for path, _command in LEAVES}
    assert names >= {
        "register", "assign", "contact", "investigate", "note", "consult", "answer",
        "evidence add", "evidence list", "resolve", "close", "reopen", "withdraw", "merge",
        "archive", "show", "list", "init", "staff add", "staff list", "staff deactivate",
        "db path", "db backup", "db check", "db upgrade", "audit verify", "audit log", "demo",
    }


def _help(*args: str):
    """``complaintctl ARGS --help``: no database or user needed."""
    from typer.testing import CliRunner

    render.reset()
    return CliRunner().invoke(app, [*args, "--help"])


def _examples(help_text: str) -> list[str]:
    return [line.strip() for line in help_text.splitlines()
            if line.strip().startswith("complaintctl ")]


@pytest.mark.parametrize(("path", "command"), TREE, ids=_ids(TREE))
def test_every_command_has_help_with_an_example(path, command):
    run = _help(*path)
    assert run.exit_code == 0, run.stderr
    assert "Example:" in run.stdout
    examples = _examples(run.stdout)
    assert examples, run.stdout
    # at least one example runs this command (or its group's shorthand for it)
    assert any(e.startswith(" ".join(["complaintctl", *path[:1]])) for e in examples), examples


@pytest.mark.parametrize(("path", "command"), TREE, ids=_ids(TREE))
def test_every_example_uses_only_options_that_exist(path, command):
    for example in _examples(_help(*path).stdout):
        words = shlex.split(example)[1:]
        if ">" in words:
            words = words[: words.index(">")]
        run = _help(*words)  # parsing fails on an unknown option
        assert run.exit_code == 0, (example, run.stderr)


# --- no traceback for bad input ----------------------------------------------------------------------


def _annotation(param):
    """The Python type a parameter takes (list[X] and X | None give X), or None if unknown."""
    annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
    for _ in range(2):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if args:
            annotation = args[0]
    return annotation


def _kind(param) -> str:
    annotation = _annotation(param)
    if isinstance(annotation, type):
        if issubclass(annotation, enum.Enum):
            return "choice"
        if issubclass(annotation, bool):
            return "bool"
        if issubclass(annotation, (int, float)):
            return "number"
        if issubclass(annotation, PurePath):
            return "path"
    return "text"


def _good_value(param, tmp_path) -> str:
    kind = _kind(param)
    if param.name == "number":
        return NOWHERE
    if kind == "number":
        return "1"
    if kind == "path":
        sample = tmp_path / "sample.txt"
        sample.write_text("sample")
        return str(sample)
    if kind == "choice":
        return next(iter(_annotation(param))).value
    return "x"


def _bad_value(param) -> str | None:
    return {"number": "not-a-number", "choice": "not-a-choice"}.get(_kind(param))


def _generated(command, tmp_path) -> list[list[str]]:
    """Bad invocations made from a command's parameters."""
    arguments = [p for p in command.params if p.param_type_name == "argument" and p.required]
    required = [p for p in command.params if p.param_type_name == "option" and p.required]
    base = [_good_value(p, tmp_path) for p in arguments]
    for option in required:
        base += [option.opts[0], _good_value(option, tmp_path)]
    cases = [[*base, "--no-such-option"]]
    if any(p.name == "number" for p in arguments):
        cases.append(base)  # a complaint that does not exist
    if arguments:
        cases.append(base[: len(arguments) - 1])  # a missing argument
    if required:
        cases.append(base[: len(arguments)] + base[len(arguments) + 2:])  # a missing option
    for option in command.params:
        if option.param_type_name == "option" and _bad_value(option) and not option.is_flag:
            cases.append([*base, option.opts[0], _bad_value(option)])
    if any(p.name == "at" for p in command.params):
        cases.append([*base, "--at", "not-a-time"])
        cases.append([*base, "--at", "2999-01-01T00:00"])
    return cases


#: bad inputs the generator cannot make up (the command has no parameters, or needs a file)
BAD_INPUT: dict[str, list[list[str]]] = {
    "db path": [["extra"]],
    "db check": [["extra"]],
    "db upgrade": [["extra"]],
    "audit verify": [["extra"], ["--anchor", "{existing}"]],
    "audit anchor": [["extra"], ["-o", "{missing_dir}/under/anchor.json"]],
    "audit log": [["--limit", "0"], [NOWHERE, "--format", "xml"]],
    "db backup": [["{existing}"], ["{missing_dir}/under/a/file.db"]],
    "init": [["extra"], ["--admin"]],
    "demo": [["--db", "{existing}"]],
    "list": [["--received-since", "garbage"], ["--received-until", "31/12/2026"],
             ["--limit", "-5"], ["--status", "open"]],
    "register": [[], ["--channel", "phone", "--customer", "x", "--summary", "y",
                      "--amount", "lots"],
                 ["--channel", "phone", "--customer", "x", "--summary", "y",
                  "--received-at", "yesterday"]],
    "evidence add": [[NOWHERE, "{missing_dir}/nothing.pdf"]],
    "staff add": [["bad name", "--name", "x", "--role", "clerk"]],
    "staff deactivate": [["nobody"]],
    "login": [["clerk"], ["clerk", "--password-stdin"]],  # no terminal; stdin ended
    "logout": [["extra"]],
    "whoami": [["--format", "xml"]],
    "staff passwd": [["nobody"], ["clerk", "--password-stdin"]],
    "staff token create": [["clerk", "--name", "x", "--expires", "forever"],
                           ["clerk", "--name", "x", "--scope", "everything"]],
    "staff token list": [["--format", "xml"]],
    "staff token revoke": [["999"]],
    "staff mfa enrol": [["clerk"], ["clerk", "--password-stdin"]],  # no terminal; stdin ended
    "staff mfa reset": [["nobody"]],
    "monitor": [["--as-of", "garbage"], ["--branch", "NOWHERE", "--as-of", "2999-01-01"]],
    "resolve": [[NOWHERE, "--outcome", "upheld", "--findings", "x", "--notified-via", "phone",
                 "--remedy", "cash"]],
    "intake review list": [["--status", "open"], ["extra"]],
    "intake mail": [[], ["--maildir", "{missing_dir}"], ["--mbox", "{missing_dir}/x.mbox"],
                    ["--imap", "ftp://x/INBOX"]],
}


def _cases(tmp_path):
    existing = tmp_path / "existing.db"
    existing.write_text("not empty")
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    for path, command in LEAVES:
        name = " ".join(path)
        extra = [[a.format(existing=existing, missing_dir=blocker) for a in args]
                 for args in BAD_INPUT.get(name, [])]
        yield path, _generated(command, tmp_path) + extra


@pytest.mark.parametrize(("path", "command"), LEAVES, ids=_ids(LEAVES))
def test_no_command_shows_a_traceback_for_bad_input(cli, tmp_path, path, command):
    (cases,) = [c for p, c in _cases(tmp_path) if p == path]
    assert len(cases) >= 2, f"add bad inputs for {' '.join(path)} to BAD_INPUT"
    for args in cases:
        run = cli(*path, *args, as_="clerk")  # the Cli fixture re-raises any uncaught exception
        where = f"complaintctl {' '.join(path)} {shlex.join(args)}"
        assert run.exit_code in {1, 2, 3, 4, 5}, (where, run.exit_code, run.stdout, run.stderr)
        assert "Traceback" not in run.stdout + run.stderr, where
        assert run.stderr.strip(), where
        assert any(line.startswith("Error: ") for line in run.stderr.splitlines()), where


#: the commands of issue 2 that act as a member of staff
ACTING = ["register", "assign", "contact", "investigate", "note", "consult", "answer",
          "evidence add", "evidence list", "resolve", "close", "reopen", "withdraw", "merge",
          "archive", "show", "list", "staff add", "staff list", "staff deactivate", "db backup",
          "db check", "audit verify", "audit log"]


def test_an_unknown_user_is_refused_by_every_command_that_acts_as_someone(cli, tmp_path):
    commands = {" ".join(path): command for path, command in LEAVES}
    for name in ACTING:
        command = commands[name]
        arguments = [p for p in command.params if p.param_type_name == "argument" and p.required]
        args = [_good_value(p, tmp_path) for p in arguments]
        for option in command.params:
            if option.param_type_name == "option" and option.required:
                args += [option.opts[0], _good_value(option, tmp_path)]
        if name == "db backup":
            args = [str(tmp_path / "new-backup.db")]
        if name == "register":
            args = ["--channel", "phone", "--customer", "x", "--summary", "y"]
        run = cli(*name.split(), *args, as_="nobody-here")
        assert run.exit_code == 4, (name, run.stderr)
        assert run.stderr.startswith("Error: nobody-here is not a member of staff"), name
