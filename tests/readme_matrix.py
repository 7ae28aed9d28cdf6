"""The README's permission matrix and the commands it names, read from the README itself, so a
test built on them fails when the docs and the code drift apart.

``permission_table()`` is the "People and permissions" table (permission -> role -> scope).
``command_permissions()`` maps each command to the matrix rows it needs, from the README's
table of commands by permission and its sentence on options that "also need" a row.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"

@cache
def command_tree() -> dict[str, object]:
    """The CLI's leaf commands by name (``staff conflict add``)."""
    import typer

    from complaintctl.cli import app

    def walk(command, path):
        if hasattr(command, "commands"):
            for name, sub in sorted(command.commands.items()):
                yield from walk(sub, [*path, name])
        else:
            yield " ".join(path), command

    return dict(walk(typer.main.get_command(app), []))


@cache
def readme() -> str:
    return README.read_text(encoding="utf-8")


def table(header: str) -> dict[str, dict[str, str]]:
    """The markdown table whose header line starts with ``header``: row -> column -> cell."""
    lines = readme().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    columns = [cell.strip() for cell in lines[start].strip().strip("|").split("|")]
    rows: dict[str, dict[str, str]] = {}
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        rows[cells[0]] = dict(zip(columns[1:], cells[1:], strict=True))
    return rows


@cache
def permission_table() -> dict[str, dict[str, str]]:
    """permission -> role -> scope ("all", "branch", "assigned" or "—" for refused)."""
    return table("| permission | clerk |")


@cache
def command_permissions() -> dict[str, tuple[str, ...]]:
    """command -> the matrix rows it needs, from the README's table of commands by permission
    (commands needing none are left out), plus ``show --unmask``-style entries for the options
    that "also need" a row (every command taking that option). Read once (cached): callers
    must not change what it returns."""
    rows = permission_table()
    needs: dict[str, tuple[str, ...]] = {}
    for permission, cells in table("| permission | commands |").items():
        if permission == "—":
            continue
        assert permission in rows, f"README names an unknown permission {permission!r}"
        for name in re.findall(r"`([^`]+)`", cells["commands"]):
            needs[name] = (permission,)
    text = " ".join(readme().split())
    tree = command_tree()
    for option, permission in re.findall(r"`(--[\w-]+)` also needs (\w+)", text):
        for name, command in tree.items():
            if name in needs and any(option in getattr(p, "opts", ()) for p in command.params):
                needs[f"{name} {option}"] = needs[name] + (permission,)
    return needs
