"""Help that guides (issue 22): top-level commands grouped like gh's, one-line summaries that
fit 80 columns in both languages, metavars that name the thing, "did you mean" for a near-miss
command, and an unknown --lang refused with the supported ones."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from complaintctl.cli import app, panels
from complaintctl.i18n import set_language
from complaintctl.present import render

HEADINGS = ["Daily work:", "The clock:", "Intake and files:", "Reports:",
            "The emergency plan:", "Administration:"]
ZH_HEADINGS = ["日常工作：", "计时：", "受理与文件：", "报表：", "应急预案：", "系统管理："]


EXE = Path(sys.executable).with_name("complaintctl")


class _Shown:
    def __init__(self, code: int, stdout: str, stderr: str):
        self.exit_code, self.stdout, self.stderr = code, stdout, stderr


def _run(*args, script=False, columns="80"):
    """``complaintctl ARGS`` in-process through ``app``, or with ``script`` as the console
    script (its lazy root; the language then comes from the arguments, as a user's does)."""
    if script:
        env = {k: v for k, v in os.environ.items()
               if k not in ("COMPLAINTCTL_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}
        done = subprocess.run([str(EXE), *args], capture_output=True, text=True,
                              env={**env, "COLUMNS": columns}, timeout=60, check=False)
        return _Shown(done.returncode, done.stdout, done.stderr)
    render.reset()
    try:
        return CliRunner().invoke(app, list(args), env={"COLUMNS": columns})
    finally:
        set_language("en")


@pytest.mark.parametrize("root", ["app", "console script"])
def test_top_level_help_groups_the_commands_under_the_panels_in_order(root):
    run = _run("--help", script=root == "console script")
    assert run.exit_code == 0
    lines = run.stdout.splitlines()
    assert [line for line in lines if line in HEADINGS or line == "Other commands:"] == HEADINGS
    section = lines[lines.index("Daily work:") + 1:lines.index("The clock:")]
    assert [line.split()[0] for line in section if line.strip()][:3] == [
        "register", "assign", "contact"]
    assert "  list " in "\n".join(section)
    clock = lines[lines.index("The clock:") + 1:lines.index("Intake and files:")]
    assert {line.split()[0] for line in clock if line.strip()} >= {"pause", "due", "sla"}


def test_chinese_help_has_the_panels_in_chinese():
    run = _run("--lang", "zh", "--help", script=True)
    headings = [line for line in run.stdout.splitlines() if line in ZH_HEADINGS]
    assert headings == ZH_HEADINGS


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_summary_fits_80_columns_on_one_line_uncut(lang):
    run = _run("--lang", lang, "--help", script=True)
    lines = run.stdout.splitlines()
    start = lines.index(ZH_HEADINGS[0] if lang == "zh" else HEADINGS[0])
    commands = [line for line in lines[start:] if line.startswith("  ") and line.strip()]
    assert len(commands) >= 46
    for line in commands:
        assert cell_len(line) <= 78, line
        assert not line.endswith(("...", "…")), line


def test_a_new_command_names_its_panel_and_one_without_goes_under_other_commands():
    import typer

    probe = typer.Typer()
    with panels.within(probe, panels.REPORTS):
        probe.command("one", rich_help_panel=panels.ADMIN)(lambda: None)
        probe.command("two")(lambda: None)
    assert [panels.panel_of(i) for i in probe.registered_commands] == [panels.ADMIN, panels.REPORTS]
    probe.command("three")(lambda: None)
    assert panels.panel_of(probe.registered_commands[-1]) == panels.OTHER
    assert panels.grouped([("a", "A", panels.OTHER), ("b", "B", panels.DAILY)]) == [
        (panels.DAILY, [("b", "B")]), (panels.OTHER, [("a", "A")])]


@pytest.mark.parametrize(("args", "usage", "terms"), [
    (["show"], "Usage: complaintctl show [OPTIONS] NUMBER", ["NUMBER", "--format [table|json]"]),
    (["list"], "Usage: complaintctl list [OPTIONS]",
     ["--assignee USER", "--branch TEXT", "--limit N", "--status STATUS", "--received-since DATE"]),
    (["answer"], "Usage: complaintctl answer [OPTIONS] NUMBER N TEXT", ["NUMBER", "N", "TEXT"]),
])
def test_metavars_name_the_thing(args, usage, terms):
    run = _run(*args, "--help", columns="100")
    assert run.exit_code == 0
    assert usage in run.stdout
    for term in terms:
        assert re.search(rf"^  {re.escape(term)}( |$)", run.stdout, re.MULTILINE), term
    assert not re.search(r"<(str|int|list\[str\]|int range|path)>|\{\w+\}", run.stdout)


def test_no_help_in_the_tree_shows_a_python_type():
    from test_cli_help import TREE

    for path, _command in TREE:
        out = _run(*path, "--help", columns="100").stdout
        assert not re.search(r"<(str|int|float|list\[str\]|int range|path)>|\{[a-z_]+\}", out), path


@pytest.mark.parametrize(("typed", "meant"), [("lst", "list"), ("shwo", "show"),
                                              ("asign", "assign"), ("exprot", "export")])
@pytest.mark.parametrize("root", ["app", "console script"])
def test_a_near_miss_command_suggests_the_one_meant(cli, typed, meant, root):
    run = _run(typed, script=root == "console script")
    assert run.exit_code == 2
    assert f"Error: No such command '{typed}'. Did you mean `{meant}`" in run.stderr


def test_a_command_nothing_like_any_is_said_plainly():
    run = _run("zzzzqqq")
    assert run.exit_code == 2
    assert "Error: No such command 'zzzzqqq'." in run.stderr and "Did you mean" not in run.stderr


def test_the_suggestion_is_in_chinese_under_lang_zh():
    run = _run("--lang", "zh", "lst", script=True)
    assert run.exit_code == 2
    assert "没有命令 'lst'。您是想输入 `list` 吗？" in run.stderr


@pytest.mark.parametrize("lang", ["fr", "english", "xx_YY"])
def test_an_unknown_language_is_refused_naming_the_supported_ones(cli, lang):
    run = cli("--lang", lang, "list")
    assert run.exit_code == 2
    assert (f"'{lang}' is not a supported language; use en (English), zh (中文)."
            in run.stderr)


@pytest.mark.parametrize("lang", ["en", "zh", "zh_CN", "zh-CN", "en_GB", "ZH"])
def test_the_supported_languages_are_taken_in_their_usual_spellings(cli, lang):
    assert cli("--lang", lang, "list").exit_code == 0
