"""The README states contracts; these tests keep it true."""

import re
from pathlib import Path

from complaintctl.domain.emergency import duties_markdown
from complaintctl.domain.permissions import matrix_markdown

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_the_readme_permission_table_is_the_permission_matrix():
    assert matrix_markdown() in README


def test_the_readme_emergency_duties_table_is_the_duties_table():
    assert duties_markdown() in README


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
