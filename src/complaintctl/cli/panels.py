"""The groups of ``complaintctl --help`` (as gh groups its commands): a top-level command or
group names its panel with Typer's own ``rich_help_panel``, e.g.
``app.command("serve", rich_help_panel=panels.ADMIN)``; ``within`` gives one to every command a
block registers that named none. Help lists the panels in ``ORDER``, then any command without
one under ``OTHER``. The names are English (``N_``) and translated when help is written."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from complaintctl.i18n import N_

DAILY = N_("Daily work")
CLOCK = N_("The clock")
INTAKE = N_("Intake and files")
REPORTS = N_("Reports")
EMERGENCY = N_("The emergency plan")
ADMIN = N_("Administration")
OTHER = N_("Other commands")
ORDER = (DAILY, CLOCK, INTAKE, REPORTS, EMERGENCY, ADMIN)


def panel_of(item) -> str:
    """The panel a registered command, group, or built Click command names (OTHER: none)."""
    value = getattr(item, "rich_help_panel", None)
    return value if isinstance(value, str) and value else OTHER


@contextmanager
def within(app, panel: str) -> Iterator[None]:
    """Every command and group ``app`` gets inside the block, unless it named its own panel,
    goes in ``panel``."""
    commands, groups = len(app.registered_commands), len(app.registered_groups)
    yield
    for info in [*app.registered_commands[commands:], *app.registered_groups[groups:]]:
        if not isinstance(getattr(info, "rich_help_panel", None), str):
            info.rich_help_panel = panel


def grouped(rows: list[tuple[str, str, str]]) -> list[tuple[str, list[tuple[str, str]]]]:
    """(name, summary, panel) rows as (panel, rows) sections in ``ORDER``, then ``OTHER``;
    within a panel the commands keep their registration order."""
    sections: dict[str, list[tuple[str, str]]] = {}
    for name, summary, panel in rows:
        sections.setdefault(panel if panel in ORDER else OTHER, []).append((name, summary))
    return [(p, sections[p]) for p in (*ORDER, OTHER) if p in sections]
