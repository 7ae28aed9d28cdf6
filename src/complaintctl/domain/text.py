"""Text that no database can store, found before it reaches one.

Two kinds of character get past every parser and fail only when written: the NUL character
(PostgreSQL refuses it in text; SQLite would cut some readers short at it) and an unpaired
surrogate (what Python makes of bytes that are not UTF-8 on a command line, or a lone
``\\ud800`` escape in JSON), which cannot be encoded as UTF-8. Commands refuse both as invalid
data, naming where they were, instead of failing in the database.
"""

from __future__ import annotations

from complaintctl.i18n import _


def problem(value: str) -> str | None:
    """Why ``value`` cannot be stored, or None when it can."""
    if "\x00" in value:
        return _("it contains a NUL character (\\0)")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return _("it contains bytes that are not UTF-8 (set the terminal or the file to UTF-8)")
    return None


def _escape(char: str) -> str:
    code = ord(char)
    if code < 0x20 or 0x7F <= code < 0xA0:
        return f"\\x{code:02x}"
    if 0xD800 <= code < 0xE000:
        return f"\\u{code:04x}"
    return char


#: control characters (a terminal acts on ESC, CSI, BEL ...) and lone surrogates, escaped
_ESCAPES = {code: _escape(chr(code)) for code in [*range(0x20), *range(0x7F, 0xA0),
                                                  *range(0xD800, 0xE000)]}


def shown(value: str, limit: int = 40) -> str:
    """``value`` as it may be quoted in a one-line message: control characters escaped (a
    terminal would act on them), unencodable ones as ``\\udcXX``, cut at ``limit``."""
    return value[:limit].translate(_ESCAPES) + ("…" if len(value) > limit else "")
