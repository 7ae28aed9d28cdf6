"""The monitor on a terminal (panels, refreshed with Rich Live under --watch) or as JSON."""

from __future__ import annotations

import time
from typing import Any

from complaintctl.present import render
from complaintctl.i18n import _, code, format_date, format_datetime, language
from complaintctl.domain.plan import roman
from complaintctl.present.reports.terminal import sparkline


def emit_monitor(data: dict[str, Any], fmt: str) -> None:
    if fmt == "json":
        render.emit_json(data)
    else:
        render.out().print(screen(data))


def screen(data: dict[str, Any]):
    """The whole monitor as one Rich panel: the headline figures, open complaints by status
    beside the last day's spikes, the satisfaction trend, then what needs attention."""
    from rich.columns import Columns
    from rich.console import Group
    from rich.panel import Panel

    return Panel(Group(_figures(data), Columns([_open_by_status(data), _spikes(data)]),
                       _satisfaction(data), *_alerts(data)), title=render.text(_title(data)))


def _figures(data: dict[str, Any]):
    from rich.columns import Columns
    from rich.panel import Panel

    def figure(label: str, value: Any, alarm: bool = False) -> Panel:
        return Panel(render.text(value, "bold red" if alarm else "bold"),
                     title=render.text(label), width=18)

    return Columns([
        figure(_("Open"), data["open"]),
        figure(_("Overdue"), data["overdue"], data["overdue"] > 0),
        figure(_("Due in 24 h"), data["due_24h"], data["due_24h"] > 0),
        figure(_("Unassigned"), data["unassigned"], data["unassigned"] > 0),
        figure(_("Escalated"), data["escalations"], data["escalations"] > 0),
        figure(_("Incidents"), len(data["incidents"]), bool(data["incidents"])),
    ])


def _open_by_status(data: dict[str, Any]):
    from rich.table import Table

    status = Table(title=render.title_text(_("Open by status")), show_header=False, box=None)
    for key, value in data["open_by_status"].items():
        status.add_row(render.text(code(key)), render.text(value))
    return status


def _spikes(data: dict[str, Any]):
    from rich.table import Table

    spikes = Table(title=render.title_text(_("Last 24 h against the 30-day daily mean")),
                   header_style="bold")
    for column in (_("Branch / product"), _("Last 24 h"), _("Daily mean"), ""):
        spikes.add_column(render.text(column))
    for key in ("by_branch", "by_product"):
        name = "branch" if key == "by_branch" else "product"
        shown = _("branch: {value}") if key == "by_branch" else _("product: {value}")
        for row in data["last_24h"][key][:8]:
            spikes.add_row(render.text(shown.format(value=row[name] or "-")),
                           render.text(row["last_24h"]),
                           render.text(f"{row['baseline_daily']:.2f}"),
                           render.text(_("SPIKE"), "bold red") if row["spike"] else "")
    return spikes


def _satisfaction(data: dict[str, Any]):
    """The last 8 weeks' mean satisfaction as a sparkline, then the latest week's figure."""
    trend = data["satisfaction_trend"]
    satisfaction = render.text(_("Satisfaction, last 8 weeks: "), "bold", cell=False)
    satisfaction.append_text(render.text(sparkline([float(w["mean"] or 0) for w in trend]),
                                         "blue"))
    latest = next((w for w in reversed(trend) if w["mean"] is not None), None)
    if latest:
        week = latest["week"]  # ISO week, 2026-W47
        if language() == "zh" and "-W" in week:
            year, number = week.split("-W")
            week = _("{year} week {week}").format(year=year, week=int(number))
        satisfaction.append_text(render.text("  " + _("{name}: {value}").format(
            name=week, value=f"{latest['mean']:.2f}")))
    return satisfaction


def _alerts(data: dict[str, Any]) -> list:
    """One line per open incident and overdue rectification, then when the next drill is due."""
    lines = []
    for incident in data["incidents"]:
        lines.append(render.text(_("Incident {id} (level {level}): {title}; {complaints} "
                            "complaint(s), {late} checklist item(s) overdue").format(
            id=incident["id"], level=roman(incident["level"]),
            title=incident["title"], complaints=incident["complaints"],
            late=incident["overdue_items"]), "bold red", cell=False))
    for action in data["rectifications_overdue"]:
        lines.append(render.text(_("Rectification {id} overdue since {due}: {what} ({owner})")
                                 .format(**action), "red", cell=False))
    drill_due = data["next_drill_due"]
    lines.append(render.text(_("Next drill due: {when}").format(
        when=(format_date(drill_due) if language() == "zh" else drill_due) if drill_due else "-"),
        "red" if data["drill_overdue"] else None, cell=False))
    return lines


def _title(data: dict[str, Any]) -> str:
    when = data["as_of"][:16]
    title = _("complaintctl monitor · {when}").format(
        when=format_datetime(when) if language() == "zh" else when.replace("T", " "))
    if data["branch"]:
        title += f" · {data['branch']}"
    return title


def watch_screen(snapshot, interval: float) -> None:
    """Redraw every ``interval`` seconds until Ctrl-C."""
    from rich.live import Live

    with Live(screen(snapshot()), console=render.out(), auto_refresh=False) as live:
        try:
            while True:
                time.sleep(interval)
                live.update(screen(snapshot()), refresh=True)
        except KeyboardInterrupt:
            pass
