"""Where in a TOML text a key is defined: the line a plan's problem is reported on."""

from __future__ import annotations

import re


def locate(text: str, path: tuple) -> int | None:
    """The 1-based line that defines ``path`` (keys and array-of-table indexes), or the line
    of its nearest enclosing key or table header (or, for a table only defined implicitly, the
    first line inside it)."""
    header: tuple = ()
    counts: dict[tuple, int] = {}
    best, best_len, inside = None, -1, None
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^\[\[\s*(.+?)\s*\]\]", line)
        if m:
            keys = _split_key(m.group(1))
            idx = counts.get(keys, -1) + 1
            counts[keys] = idx
            for other in [k for k in counts if len(k) > len(keys) and k[: len(keys)] == keys]:
                del counts[other]
            header = keys + (idx,)
            full = header
        else:
            m = re.match(r"^\[\s*(.+?)\s*\]", line)
            if m:
                keys = _split_key(m.group(1))
                header = _with_indexes(keys, counts)
                full = header
            else:
                m = re.match(r"^((?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+"
                             r"|\"[^\"]*\"|'[^']*'))*)\s*=", line)
                if not m:
                    continue
                full = header + _split_key(m.group(1))
        if tuple(path[: len(full)]) == full and len(full) > best_len:
            best, best_len = lineno, len(full)
        if inside is None and len(full) > len(path) and full[: len(path)] == tuple(path):
            inside = lineno
    return best if best is not None and (best_len == len(path) or inside is None) else (
        inside if inside is not None else best)


def _split_key(text: str) -> tuple[str, ...]:
    parts, buf, quote = [], "", None
    for ch in text.strip():
        if quote:
            if ch == quote:
                quote = None
            else:
                buf += ch
        elif ch in "\"'":
            quote = ch
        elif ch == ".":
            parts.append(buf.strip())
            buf = ""
        else:
            buf += ch
    parts.append(buf.strip())
    return tuple(parts)


def _with_indexes(keys: tuple, counts: dict[tuple, int]) -> tuple:
    """``levels.I.timetable.x`` under ``[[levels.I.timetable]]`` -> with the element index."""
    out: tuple = ()
    for i, key in enumerate(keys):
        out += (key,)
        if keys[: i + 1] in counts and i + 1 < len(keys):
            out += (counts[keys[: i + 1]],)
    return out
