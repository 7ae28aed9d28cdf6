"""Fast wrapping of long text for the terminal, by display width (a CJK character takes two
cells). Rich wraps a 100,000-character cell in about a third of a second and measures it again
for the table around it; ``show`` prints such values as blocks wrapped here instead
(``render.fields``), so the longest complaint the limits allow shows well within half a second.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate

from rich.cells import cell_len, get_character_cell_size

_PIECES = re.compile(r"\S+\s*|\s+")


def wrap(text: str, width: int) -> list[str]:
    """``text`` as lines of at most ``width`` cells: broken at spaces where there are any,
    inside a run wider than a line (CJK text has no spaces) at any character; the text's own
    line breaks are kept."""
    width = max(width, 2)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines.extend(_paragraph(paragraph, width))
    return lines


def _paragraph(paragraph: str, width: int) -> list[str]:
    lines: list[str] = []
    current, used = [], 0
    for piece in _PIECES.findall(paragraph) or [""]:
        if len(piece.rstrip()) > width:  # wider than a line whatever its characters
            size = word = width + 1
        else:
            size, word = cell_len(piece), cell_len(piece.rstrip())
        if used + word <= width:  # the space after a word may hang past the edge
            current.append(piece)
            used += size
            continue
        if current and word <= width:
            lines.append("".join(current).rstrip())
            current, used = [piece], size
            continue
        # a run wider than a line (CJK text has no spaces): break it at any character
        ends = list(accumulate(map(get_character_cell_size, piece), initial=used))
        start, base = 0, 0
        while True:
            cut = bisect_right(ends, base + width, lo=start + 1) - 1
            if cut >= len(piece):
                break
            if cut == start:  # not even one character fits after what is on the line
                cut = start + 1 if not current else start
            current.append(piece[start:cut])
            lines.append("".join(current).rstrip())
            current, start, base = [], cut, ends[cut]
        current.append(piece[start:])
        used = ends[-1] - base
    lines.append("".join(current).rstrip())
    return lines
