"""Text made inert for a terminal: the one function every table cell and every plain line
written to a terminal passes through (``render`` calls it; so do the report and emergency
views, and the CLI's usage errors).

A terminal acts on what customer text may carry: ESC and CSI sequences retitle the window
(``ESC ] 0;``), write the clipboard (``ESC ] 52;``), hide text (``ESC [8m``) or move the cursor;
bidi overrides and isolates (U+202E, U+2066) reorder what a clerk reads; zero-width characters
(U+200B, U+FEFF, the tag characters) hide text in plain sight. ``inert`` shows each of them as
a visible escape instead:

- C0 controls, DEL and the C1 controls (0x80-0x9f, the 8-bit CSI ``\\x9b`` and OSC ``\\x9d``)
  as ``\\x1b``; a lone surrogate as ``\\udcff``;
- format characters (Unicode category Cf: bidi marks, overrides and isolates, zero-width
  spaces and joiners, the byte order mark, tag characters) and the line and paragraph
  separators U+2028/U+2029 as ``<U+202E>``;
- a newline is kept (``\\r\\n`` becomes ``\\n``); a tab is kept in a line, and becomes four
  spaces in a table cell (Rich would otherwise break the cell at it).

Printable text, Chinese included, is unchanged, so its display width is unchanged. JSON and
CSV never pass through here: they stay exact. No import beyond ``re``: ``--help`` uses it.
"""

from __future__ import annotations

import re

#: Unicode category Cf, Zl and Zp (Unicode 14, Python 3.11's ``unicodedata``; a test checks
#: this list against ``unicodedata`` character by character).
_FORMAT = ("\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f"
           "\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
           "\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
           "\U000e0020-\U000e007f")
_LIVE = re.compile(f"\r\n|[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff{_FORMAT}]")


def _visible(char: str, tab: str) -> str:
    if char == "\r\n":
        return "\n"
    if char == "\t":
        return tab
    code = ord(char)
    if code < 0x20 or 0x7F <= code < 0xA0:
        return f"\\x{code:02x}"
    if 0xD800 <= code < 0xE000:
        return f"\\u{code:04x}"
    return f"<U+{code:04X}>"


def _line(match: re.Match[str]) -> str:
    return _visible(match.group(), "\t")


def _cell(match: re.Match[str]) -> str:
    return _visible(match.group(), "    ")


def inert(text: str, *, cell: bool = False) -> str:
    """``text`` with nothing a terminal would act on and nothing invisible: see the module's
    docstring. ``cell=True`` for a table cell (tabs become spaces)."""
    return _LIVE.sub(_cell if cell else _line, text)
