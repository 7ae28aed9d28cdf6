"""Tables that fit the terminal, as gh and taskwarrior lay out theirs.

Each column says what it holds (``Column.kind``):

- ``key``: what a clerk reads and types back (a number, a status, the due cell): never
  wrapped, never cut; its width is its widest value;
- ``short``: a short code or name (a branch, a channel, a user): shown whole or not at all;
- ``text``: free text (a summary, a customer's name, a hash): on one line, cut with ``…`` at its
  display width (a CJK character takes two cells and is never split);
- ``wrap``: free text that must be read whole (``show``'s timeline): wrapped in the room left.

When the columns do not fit at their smallest (key and short whole, text ``Column.least``
cells), the columns with a ``drop`` rank leave, the lowest rank first, until they do; the room
left is shared among the text columns, up to their widest value. Widths are measured with
Rich's cell widths (wcwidth's rules), so Chinese lines up with English.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from complaintctl.i18n import _
from complaintctl.present import render

KEY, SHORT, TEXT, WRAP = "key", "short", "text", "wrap"
#: What Rich's default table spends around its columns: a border and a space either side.
_PER_COLUMN, _EDGE = 3, 1


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str = SHORT
    #: 0: always shown; otherwise the order in which columns leave a narrow terminal (1 first)
    drop: int = 0
    #: the fewest cells a text column is given before columns are dropped
    least: int = 10


def _width(text) -> int:
    from rich.cells import cell_len

    return max((cell_len(line) for line in text.plain.split("\n")), default=0)


def widths(columns: Sequence[Column], headers: list, cells: list[list], room: int
           ) -> list[int | None]:
    """Each column's width in ``room`` cells, None for a column dropped."""
    widest = [max([_width(headers[i]), *(_width(row[i]) for row in cells)])
              for i in range(len(columns))]
    least = [min(widest[i], max(c.least, _width(headers[i]))) if c.kind in (TEXT, WRAP)
             else widest[i] for i, c in enumerate(columns)]
    shown = list(range(len(columns)))

    def needed() -> int:
        return sum(least[i] for i in shown) + _PER_COLUMN * len(shown) + _EDGE

    for i in sorted((i for i, c in enumerate(columns) if c.drop),
                    key=lambda i: (columns[i].drop, -i)):
        if needed() <= room:
            break
        shown.remove(i)
    result: list[int | None] = [least[i] if i in shown else None for i in range(len(columns))]
    spare = room - needed()
    flexible = [i for i in shown if columns[i].kind in (TEXT, WRAP) and widest[i] > least[i]]
    while spare > 0 and flexible:
        share = max(spare // len(flexible), 1)
        for i in list(flexible):
            grow = min(share, widest[i] - result[i], spare)  # type: ignore[operator]
            result[i] += grow  # type: ignore[operator]
            spare -= grow
            if result[i] >= widest[i]:
                flexible.remove(i)
            if spare <= 0:
                break
    return result


#: Marks a line never starts with (they close) and never ends with (they open), as Chinese
#: typesetting keeps them (禁则).
_CLOSING = set("，。、；：？！）》」』】〉”’,.;:?!)]}%")
_OPENING = set("（《「『【〈“‘([{")
_PIECE = re.compile(r"[^\s\u2e80-\uffef]+\s*|\s+|.", re.DOTALL)


def wrapped(value: str, width: int) -> str:
    """``value`` broken into lines of at most ``width`` cells: between words, and between
    Chinese characters anywhere except before a closing mark or after an opening one."""
    from rich.cells import cell_len

    lines: list[str] = []
    for paragraph in value.split("\n"):
        pieces: list[str] = []
        for piece in _PIECE.findall(paragraph):
            if pieces and (piece[0] in _CLOSING or pieces[-1][-1:] in _OPENING):
                pieces[-1] += piece
            else:
                pieces.append(piece)
        line = ""
        for piece in pieces:
            if cell_len((line + piece).rstrip()) <= width or not line.strip():
                line += piece
            else:
                lines.append(line.rstrip())
                line = piece.lstrip() if piece.isspace() else piece
        lines.append(line.rstrip())
    return "\n".join(lines)


def table(rows: Sequence[dict[str, Any]], columns: Sequence[Column], *,
          title: str | None = None, empty: str | None = None, room: int | None = None) -> None:
    """``rows`` as a table that fits the terminal (``room``: its width, default the console's)."""
    from rich.table import Table

    if not rows:
        render.message(empty or _("Nothing to show."))
        return
    console = render.out()
    headers = [render.text(c.header) for c in columns]
    cells = [[render.cell(row.get(c.key), c.key) for c in columns] for row in rows]
    sizes = widths(columns, headers, cells, room or console.width)
    t = Table(title=render.title_text(title), header_style="bold", show_lines=False)
    kept = [i for i, size in enumerate(sizes) if size is not None]
    for i in kept:
        wraps = columns[i].kind == WRAP
        t.add_column(headers[i], width=sizes[i], no_wrap=not wraps,
                     overflow="fold" if wraps else "ellipsis")
    for row in cells:
        t.add_row(*(render.text(wrapped(row[i].plain, sizes[i]), row[i].style or None)
                    if columns[i].kind == WRAP else row[i] for i in kept))
    console.print(t)
