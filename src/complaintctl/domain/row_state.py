"""A complaint's state as its audit trail vouches for it (issue 23). Pure: values in, text out.

The state is the complaint's row and its child rows, laid out by a ``Layout`` (which tables and
columns, in order). Every column is written as canonical text (JSON: a child table's column is
the list of its rows' values, in the rows' order), the same bytes on every back end: times as
UTC ISO text, booleans and integers by kind whatever the driver hands back.

The stamp an event carries is ``layout:hash:columns``:

- ``layout``: the layout's id (its tables, columns and kinds): a stamp of another layout (the
  schema changed since) is not compared;
- ``hash``: HMAC-SHA256 (128 bits kept) of every column's text, keyed with the database's
  secret: any edit of any column changes it, and no one can find another state with the same
  hash;
- ``columns``: one byte per column, to name the columns that differ. Personal columns' bytes
  are keyed digests (BLAKE2b with the secret) so the stamp tells nothing about an erased value;
  the others are a CRC (cheap: the import stamps a million rows). One byte names an edited
  column with a chance of 255 in 256; the hash catches the edit either way.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import sys
import zlib
from array import array
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from json.encoder import encode_basestring
from typing import Any

TIME, BOOL, INT, TEXT = "t", "b", "i", "s"

_UTC_TEXT: dict[datetime, str] = {}


def utc_text(value: datetime) -> str:
    """A time as hashed: UTC, ISO. Cached: an import hashes a million rows with the same few
    times. Equal datetimes are the same instant, so they share one UTC form."""
    text = _UTC_TEXT.get(value)
    if text is None:
        if len(_UTC_TEXT) >= 4096:
            _UTC_TEXT.clear()
        text = _UTC_TEXT[value] = value.astimezone(timezone.utc).isoformat()
    return text


def value_text(value: Any, kind: str) -> str:
    """One value's canonical text, by its column's kind."""
    if value is None:
        return "null"
    if kind == TIME:
        return '"' + utc_text(value) + '"'
    if kind == BOOL:
        return "true" if value else "false"
    if kind == INT:
        return str(int(value))
    return encode_basestring(str(value))


class Layout:
    """The tables a state covers: ``tables[0]`` is the complaint (one row), the rest its child
    tables (rows in the caller's order); each table's columns as (name, kind, personal)."""

    def __init__(self, tables: Sequence[tuple[str, Sequence[tuple[str, str, bool]]]]):
        self.tables = tuple((name, tuple(columns)) for name, columns in tables)
        self.columns = [f"{name}.{column}" for name, columns in self.tables
                        for column, _kind, _personal in columns]
        self.personal = [personal for _name, columns in self.tables
                         for _column, _kind, personal in columns]
        described = "\n".join(f"{c}:{k}" for (_n, cols) in self.tables for c, k, _p in cols)
        self.id = hashlib.sha256(described.encode()).hexdigest()[:8]
        self.empty = {name: ["[]"] * len(columns) for name, columns in self.tables[1:]}
        self._own = [(c, k) for c, k, _p in self.tables[0][1]]
        self._personal_at = [at for at, personal in enumerate(self.personal) if personal]

    def texts(self, complaint: Mapping[str, Any],
              children: Mapping[str, Sequence[Mapping[str, Any]]]) -> list[str]:
        """Every column's text: the complaint's values, then each child table's."""
        get = complaint.get
        texts = ["null" if (v := get(c)) is None else value_text(v, k) for c, k in self._own]
        for name, columns in self.tables[1:]:
            rows = children.get(name)
            if not rows:
                texts.extend(self.empty[name])
                continue
            for column, kind, _personal in columns:
                texts.append("[" + ",".join(value_text(r.get(column), kind) for r in rows) + "]")
        return texts

    def stamp(self, key: bytes, texts: Sequence[str]) -> str:
        """``layout:hash:columns`` of the column ``texts``."""
        encoded = list(map(str.encode, texts))
        joined = b"\n".join(encoded)  # JSON text has no raw newline: unambiguous
        digest = hmac.new(key, joined, hashlib.sha256).hexdigest()[:32]
        # every column's CRC-32 at C speed; its low byte is the mark
        marks = bytearray(array("I", map(zlib.crc32, encoded)).tobytes()[_LOW::_STEP])
        for at in self._personal_at:
            marks[at] = _keyed_mark(key, encoded[at])
        return f"{self.id}:{digest}:{base64.b64encode(marks).decode()}"

    def differences(self, key: bytes, stamp: str, texts: Sequence[str]) -> list[str] | None:
        """None if ``texts`` match ``stamp``; else the columns whose mark differs (empty: the
        state differs but no single column's mark shows where). Raises ``OtherLayout`` for a
        stamp of another layout."""
        layout, digest, marks = parse_stamp(stamp)
        if layout != self.id:
            raise OtherLayout(layout)
        current = self.stamp(key, texts)
        if current.split(":")[1] == digest:
            return None
        now = base64.b64decode(current.split(":")[2])
        then = base64.b64decode(marks)
        if len(then) != len(now):
            return []
        return [name for name, a, b in zip(self.columns, then, now, strict=True) if a != b]


class OtherLayout(ValueError):
    """A stamp made under another layout (the schema changed since)."""


def parse_stamp(stamp: str) -> tuple[str, str, str]:
    parts = stamp.split(":")
    if len(parts) != 3:
        raise OtherLayout(stamp[:8])
    return parts[0], parts[1], parts[2]


_STEP = array("I").itemsize
_LOW = 0 if sys.byteorder == "little" else _STEP - 1
_KEYED: dict[tuple[bytes, bytes], int] = {}


def _keyed_mark(key: bytes, text: bytes) -> int:
    """A personal column's mark: keyed (BLAKE2b), so it tells nothing without the key. The
    marks of an empty value are cached (most rows have few personal values)."""
    empty = text in (b"null", b"[]")
    if empty and (key, text) in _KEYED:
        return _KEYED[(key, text)]
    mark = hashlib.blake2b(text, key=key[:64], digest_size=1).digest()[0]
    if empty:
        if len(_KEYED) > 64:
            _KEYED.clear()
        _KEYED[(key, text)] = mark
    return mark


def state_lines(stamps: Mapping[str, str]) -> str:
    """What an event's ``state`` column holds: one ``number stamp`` line per complaint."""
    return "\n".join(f"{number} {stamp}" for number, stamp in stamps.items())


def read_state_lines(text: str) -> dict[str, str]:
    """number -> stamp of an event's ``state`` column (a line that is not ``number stamp`` is
    kept under its whole text, so it never matches a complaint)."""
    found: dict[str, str] = {}
    for line in text.split("\n"):
        number, _sep, stamp = line.partition(" ")
        found[number] = stamp
    return found
