"""The README's permission matrix and the commands it names, read from the README itself, so a
test built on them fails when the docs and the code drift apart.

``permission_table()`` is the "People and permissions" table (permission -> role -> scope).
``command_permissions()`` maps each command to the matrix rows it needs, from the sentences
"Commands and the permission they need: ..." and "Permissions (reusing the matrix's rows ...)",
plus the rule that a command named like a matrix row (``close``) needs that row.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"

#: the sentences that say which command needs which matrix row
COMMAND_SENTENCES = ("Commands and the permission they need:",
                     "Permissions (reusing the matrix's rows, so the README table is unchanged):")


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


def table(first_cell: str) -> dict[str, dict[str, str]]:
    """The markdown table whose header starts ``| first_cell |``: row -> column -> cell."""
    lines = readme().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {first_cell} |"))
    header = [cell.strip() for cell in lines[start].strip().strip("|").split("|")]
    rows: dict[str, dict[str, str]] = {}
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        rows[cells[0]] = dict(zip(header[1:], cells[1:], strict=True))
    return rows


def permission_table() -> dict[str, dict[str, str]]:
    """permission -> role -> scope ("all", "branch", "assigned" or "—" for refused)."""
    return table("permission")


def duties_table() -> dict[str, dict[str, str]]:
    """emergency duty -> role -> "yes" or "—"."""
    return table("duty")


def _sentence(lead: str) -> str:
    text = " ".join(readme().split())
    start = text.index(lead) + len(lead)
    end = text.index(". ", start)
    return text[start:end]


def _subjects(text: str, groups: dict[str, list[str]]) -> list[str]:
    """``\\`show\\`, \\`list\\` and \\`staff add/deactivate\\``` -> the command names."""
    names: list[str] = []
    for part in re.split(r",|\band\b", text):
        words = part.replace("`", "").split()
        if words and words[-1] == "requests":  # "extend requests"
            words = words[:-1]
        if not words:
            continue
        slash = next((i for i, w in enumerate(words) if "/" in w), None)
        variants = ([words] if slash is None else
                    [[*words[:slash], alt, *words[slash + 1:]] for alt in words[slash].split("/")])
        for variant in variants:
            name = " ".join(variant)
            names.extend(groups.get(name, [name]))
    return names


def command_permissions(leaves: list[str]) -> dict[str, tuple[str, ...]]:
    """command (``show --unmask`` for an option that needs more) -> the matrix rows it needs.

    ``leaves`` are the command tree's leaf commands; a group named in the README (``staff
    conflict``) stands for its leaves. A command with an option needing more (``show/list
    --unmask``) needs the plain command's rows too.
    """
    rows = permission_table()
    groups: dict[str, list[str]] = {}
    for leaf in leaves:
        words = leaf.split()
        for i in range(1, len(words)):
            groups.setdefault(" ".join(words[:i]), []).append(leaf)
    needs: dict[str, tuple[str, ...]] = {leaf: (leaf,) for leaf in leaves if leaf in rows}
    for lead in COMMAND_SENTENCES:
        subjects, *rest = re.split(r"\bneeds?\b", _sentence(lead))
        for part in rest:
            head, _sep, tail = part.partition(";" if ";" in part else ",")
            words = head.replace("`", "").split()
            same_name = words[:4] == ["the", "permission", "of", "the"]
            for name in _subjects(subjects, groups):
                permission = name if same_name else words[0]
                assert permission in rows, f"README names an unknown permission {permission!r}"
                needs[name] = (permission,)
            subjects = tail
    for name, (permission,) in list(needs.items()):
        if " --" in name:  # `show --unmask` also needs what `show` needs
            needs[name] = needs[name.split(" --")[0]] + (permission,)
    return needs
