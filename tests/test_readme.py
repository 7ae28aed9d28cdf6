"""The README states contracts; these tests keep it true."""

import re
from pathlib import Path

from complaintctl.domain.permissions import matrix_markdown

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_the_readme_permission_table_is_the_permission_matrix():
    assert matrix_markdown() in README


def test_the_quick_start_has_exactly_two_command_lines_install_and_demo_then_tests():
    block = re.search(r"## Quick start\s+```sh\n(.*?)```", README, re.S).group(1)
    lines = [line for line in block.splitlines() if line.strip()]
    assert len(lines) == 2
    assert "pip install" in lines[0] and "complaintctl demo" in lines[0]
    assert "pytest" in lines[1]


def test_ci_runs_the_readme_commands():
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    block = re.search(r"## Quick start\s+```sh\n(.*?)```", README, re.S).group(1)
    for line in block.splitlines():
        if line.strip():
            assert line in ci.splitlines()


def test_the_readme_command_table_is_the_command_map():
    from complaintctl.domain.permissions import commands_markdown

    assert commands_markdown() in README


def test_every_command_is_in_the_command_map_and_nothing_else():
    import typer

    from complaintctl.cli import app
    from complaintctl.domain.permissions import COMMANDS

    def leaves(command, path):
        subs = getattr(command, "commands", None)
        if not subs:
            return [" ".join(path)]
        return [leaf for name, sub in subs.items() for leaf in leaves(sub, [*path, name])]

    assert sorted(leaves(typer.main.get_command(app), [])) == sorted(COMMANDS)
