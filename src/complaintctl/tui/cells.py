"""How the workspace words and colours what the services return: the queue's cells and the
deadline countdown (coloured at 50 % and 80 % of the clock, red when overdue). Pure: rows in,
Rich ``Text`` out, every string made inert (``present.render.text``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from complaintctl.domain import deadlines
from complaintctl.i18n import N_, _, duration, format_datetime, label

#: the queue's columns: key, header
COLUMNS = (
    ("number", N_("Number")),
    ("status", N_("Status")),
    ("priority", N_("Priority")),
    ("left", N_("Due in")),
    ("assignee", N_("Assignee")),
    ("customer", N_("Customer")),
    ("summary", N_("Summary")),
)
#: the colour of each stage of the clock
STYLES = {"fresh": "green", "half": "yellow", "late": "dark_orange", "overdue": "bold red",
          "paused": "cyan", "none": "dim"}


def left_now(row: dict[str, Any], elapsed: float) -> int | None:
    """The seconds left on the row's clock ``elapsed`` seconds after the service computed it
    (a paused clock is frozen)."""
    left = row.get("seconds_left")
    if left is None:
        return None
    return left if row.get("paused") else int(left - elapsed)


def used_fraction(row: dict[str, Any], left: int | None) -> float | None:
    """How much of the clock is used: 1 - left / (due - received). Pauses lengthen the due
    time, so a paused complaint's share is a little high; the stored warning (``sla check``)
    counts too, whichever is higher."""
    if left is None or not row.get("due_at") or not row.get("received_at"):
        return None
    budget = (datetime.fromisoformat(row["due_at"])
              - datetime.fromisoformat(row["received_at"])).total_seconds()
    share = 1.0 - left / budget if budget > 0 else 1.0
    warned = str(row.get("warning") or "").rstrip("%")
    if warned.isdigit():
        share = max(share, int(warned) / 100)
    return share


def stage(row: dict[str, Any], left: int | None) -> str:
    """fresh (< 50 %), half (50-80 %), late (>= 80 %), overdue, paused or none (no clock)."""
    if left is None:
        return "none"
    if left < 0:
        return "overdue"
    if row.get("paused"):
        return "paused"
    share = used_fraction(row, left) or 0.0
    return "late" if share >= 0.8 else "half" if share >= 0.5 else "fresh"


def countdown(row: dict[str, Any], elapsed: float = 0.0):
    """The 'Due in' cell: time left (``3d 4h``), ``overdue``/``paused`` said, coloured."""
    from complaintctl.present import render

    left = left_now(row, elapsed)
    which = stage(row, left)
    if left is None:
        return render.text("-", STYLES[which])
    words = duration(deadlines.humanize(left)) or ""
    if which == "overdue":
        words = f"{words} {_('overdue')}"
    elif which == "paused":
        words = f"{words} {_('paused')}"
    return render.text(words, STYLES[which])


def queue_cells(row: dict[str, Any], elapsed: float = 0.0) -> list:
    """The queue's cells of one row, in ``COLUMNS`` order."""
    from complaintctl.present import render

    customer = (row.get("customer") or {}).get("name") or ""
    return [
        render.text(row["number"]),
        render.text(label(row["status"])),
        render.text(label(row["priority"]), "bold" if row["priority"] == "urgent" else None),
        countdown(row, elapsed),
        render.text(row.get("assignee") or "-"),
        render.text(customer),
        render.text(_shorten(row.get("summary") or "", 40)),
    ]


def when(value: str | None) -> str:
    """A stored time to the minute in the interface language's form."""
    return format_datetime(value[:16]) if value else "-"


def _shorten(text: str, cells: int) -> str:
    from rich.cells import cell_len

    if cell_len(text) <= cells:
        return text
    out = ""
    for char in text:
        if cell_len(out + char) > cells - 1:
            break
        out += char
    return out + "…"
