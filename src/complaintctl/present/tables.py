"""The tables of the daily commands, laid out to fit the terminal (``present.fit``): ``list``
(and its footer), ``show``'s timeline, ``evidence list``. Each layout's docstring says which
columns stay whole and in which order the others leave a narrow terminal."""

from __future__ import annotations

from typing import Any

from complaintctl.domain.records import CSV_COLUMNS, flat_row
from complaintctl.i18n import _
from complaintctl.present import render


def list_columns() -> list[tuple[str, str]]:
    return [(c.key, c.header) for c in list_layout()]


def list_layout():
    """``list``'s columns: the number, status and due cell always, whole; the summary and the
    customer cut with … to one line; below the width that holds them all, columns leave in
    this order: branch, channel, priority, customer, assignee (``present.fit``)."""
    from complaintctl.present.fit import KEY, SHORT, TEXT, Column

    return [
        Column("number", _("Number"), KEY),
        Column("status", _("Status"), KEY),
        Column("channel", _("Channel"), SHORT, drop=2),
        Column("customer_name", _("Customer"), TEXT, drop=4, least=8),
        Column("summary", _("Summary"), TEXT, least=14),
        Column("branch", _("Branch"), SHORT, drop=1),
        Column("assignee", _("Assignee"), SHORT, drop=5),
        Column("priority", _("Priority"), SHORT, drop=3),
        Column("due_at", _("Due"), KEY),
    ]


def due_cell(d: dict[str, Any], this_year: int | None = None) -> str | None:
    """The due time as one cell: the day (``12-22``; with its year when not this year), the
    time left (``3d``, ``5h``) or past (``−11d``), then ``!`` when overdue or the word paused."""
    if not d.get("due_at"):
        return None
    from datetime import datetime

    due = d["due_at"]
    year = this_year or datetime.now().year
    parts = [due[5:10] if due[:4] == str(year) else due[:10]]
    left = d.get("seconds_left")
    if left is not None:
        span = abs(left)
        size, unit = ((span // 86400, "d") if span >= 86400 else
                      (span // 3600, "h") if span >= 3600 else (span // 60, "m"))
        parts.append(f"{'−' if left < 0 else ''}{size}{unit}")
    if d.get("overdue"):
        parts.append("!")
    elif d.get("paused"):
        parts.append(_("paused"))
    return " ".join(parts)


def complaint_list(rows: list[dict[str, Any]], fmt: str) -> None:
    """``list``'s rows: a table that fits the terminal (``list_layout``), or JSON, or CSV."""
    if fmt != "table":
        render.emit(rows, fmt, csv_rows=(flat_row(r) for r in rows), csv_columns=CSV_COLUMNS)
        return
    from complaintctl.present import fit

    flat = [flat_row(r) for r in rows]
    for row, original in zip(flat, rows, strict=True):
        row["due_at"] = due_cell(original)
    fit.table(flat, list_layout(), title=_("Complaints ({count})").format(count=len(rows)),
              empty=_("No complaints match."))


def complaint_page(found: dict[str, Any], fmt: str, *, queue: bool) -> None:
    """``list``: the rows (as ``complaint_list``), then, when rows were left out, a footer on
    stderr saying how many more matched and how to see them (and, for the default queue, that
    finished complaints are left out); nothing on stderr when every row is shown."""
    rows, total = found["rows"], found["total"]
    complaint_list(rows, fmt)
    more = total - len(rows)
    if more > 0:
        render.message(_("{more} more not shown ({shown} of {total}): --limit N shows more, "
                         "--all shows every one.").format(more=more, shown=len(rows),
                                                          total=total))
        if queue:
            render.message(_("Open complaints only: --status any adds the finished ones."))


def timeline_layout():
    """``show``'s timeline: the time, who and the action whole; the details wrapped in the room
    left, read in full; below the width that holds them all, the status leaves first."""
    from complaintctl.present.fit import KEY, SHORT, WRAP, Column

    return [Column("at", _("When"), KEY), Column("actor", _("Who"), SHORT),
            Column("action", _("Action"), KEY), Column("to_status", _("Status"), SHORT, drop=1),
            Column("what", _("Details"), WRAP, least=24)]


def evidence_table(rows: list[dict[str, Any]], number: str) -> None:
    """``evidence list``: one line per file; the SHA-256 whole when it fits, else its first
    digits and … (``--format json`` has it whole); below the width that holds them all, who
    added it, then the description, then when, leave."""
    from complaintctl.present.fit import KEY, SHORT, TEXT, Column, table

    table(rows, [Column("id", _("Id"), KEY), Column("filename", _("File"), TEXT, least=12),
                 Column("size", _("Bytes"), SHORT), Column("sha256", "SHA-256", TEXT, least=13),
                 Column("description", _("Description"), TEXT, drop=2, least=12),
                 Column("added_by", _("By"), SHORT, drop=1),
                 Column("added_at", _("Added"), KEY, drop=3)],
          empty=_("No evidence on {number}.").format(number=number))
