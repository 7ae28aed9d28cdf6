"""Readers turn an import file into records: each yields ``(line_no, row)`` where ``line_no`` is
the line where the record starts and ``row`` a dict of strings (or a ``Broken`` record that the
importer rejects with its reason).

CSV follows RFC 4180 (quoted fields may hold commas, quotes and newlines; LF, CRLF or mixed line
ends); the header is looked for in the first lines, so the junk some tools print before it
(``Archive: ...``) is skipped and counted. JSON arrays are read one element at a time, JSON
Lines one line at a time, so memory stays flat for any file size.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from complaintctl.errors import InvalidData
from complaintctl.i18n import _
from complaintctl.services.intake.reading.source import decode_error

HEADER_SEARCH_LINES = 50

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass
class Broken:
    """A record that could not be read as one: its raw text and why."""

    raw: str
    reason: str


Record = tuple[int, "dict[str, str] | Broken"]


def _lines(text, encoding: str, limit: int | None = None) -> Iterator[tuple[int, str]]:
    """The non-blank lines of ``text`` with their numbers, read one at a time (of the first
    ``limit`` lines only, if given): a line that does not decode is refused, naming it."""
    line_no = 0
    while limit is None or line_no < limit:
        try:
            line = text.readline()
        except UnicodeDecodeError:
            raise decode_error(line_no + 1, encoding) from None
        if not line:
            return
        line_no += 1
        if line.strip():
            yield line_no, line


class CsvInput:
    """A CSV file whose header has been found; ``records()`` yields the rows after it."""

    def __init__(self, text, *, recognise: Callable[[list[str]], Any], encoding: str,
                 expected: str):
        self.text = text
        self.encoding = encoding
        self.junk_lines = 0
        self.header: list[str] = []
        self.layout = None
        for seen, line in _lines(text, encoding, HEADER_SEARCH_LINES):
            try:
                cells = next(csv.reader([line]))
            except (csv.Error, StopIteration):
                cells = []
            cells = [c.strip().lstrip("\ufeff") for c in cells]
            layout = recognise(cells) if len(cells) > 1 else None
            if layout is not None:
                self.header, self.layout, self.junk_lines = cells, layout, seen - 1
                self.first_line = seen + 1
                return
        raise InvalidData(
            _(
                "No header found in the first {n} lines; expected {expected}. Pass --format "
                "or --mapping for another layout."
            ).format(n=HEADER_SEARCH_LINES, expected=expected)
        )

    def records(self) -> Iterator[Record]:
        header, width = self.header, len(self.header)
        pending: list[str] = []
        offset = self.first_line - 1

        nul = False

        def lines():
            nonlocal nul
            for line in self.text:
                pending.append(line)
                nul = nul or "\x00" in line
                yield line

        reader = csv.reader(lines(), strict=True)
        while True:
            start = reader.line_num + 1 + offset
            pending.clear()
            nul = False
            try:
                fields = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError:
                raise decode_error(start, self.encoding) from None
            except csv.Error as error:
                raw = "".join(pending)
                if "end of data" in str(error):
                    yield start, Broken(raw, _(
                        "the file ends inside a quoted field: the record is cut off; re-export "
                        "the file or complete the record"))
                    return
                yield start, Broken(raw, _("the record's quoting is malformed ({problem})").format(
                    problem=error))
                continue
            if not fields:
                continue  # a blank line
            if len(fields) != width:
                if len(fields) == 1 and not fields[0].strip():
                    continue
                yield start, Broken(
                    "".join(pending),
                    _("the record has {n} fields but the header has {width}; check its "
                      "quoting").format(n=len(fields), width=width),
                )
                continue
            if nul:
                yield start, Broken("".join(pending), _nul_reason())
                continue
            yield start, dict(zip(header, fields))


def _nul_reason() -> str:
    return _("the record contains a NUL character (\\0), which cannot be stored; is the file "
             "UTF-16? Then pass --encoding utf-16")


def _checked(line: int, raw: str | None, obj: dict[str, Any]) -> Record:
    """A JSON record, or Broken when a value holds what no database stores (a NUL, or a lone
    surrogate escape such as \\ud800) or is nested too deeply to flatten. ``raw``: the
    record's text, when the reader has it."""
    try:
        row = flatten(obj)
    except RecursionError:
        return line, Broken(_raw(raw, obj), _("not valid JSON ({problem})").format(
            problem=_("nested too deeply")))
    joined = "".join(row.values()) + "".join(row)
    if "\x00" in joined:
        return line, Broken(_raw(raw, obj), _nul_reason())
    if not joined.isascii():
        try:
            joined.encode("utf-8")
        except UnicodeEncodeError:
            return line, Broken(_raw(raw, obj), _(
                "the record holds a lone surrogate escape (\\ud800-\\udfff), which is not "
                "text; fix the file"))
    return line, row


def _raw(raw: str | None, obj: Any) -> str:
    """A broken record's text for the rejects file, with anything unencodable escaped."""
    if raw is None:
        try:
            return json.dumps(obj, ensure_ascii=True)
        except RecursionError:
            return ""
    return raw.encode("utf-8", "backslashreplace").decode("utf-8")


def _decode_problem(error: Exception) -> str:
    """Why json could not read a value it parsed (too deep, or a too long integer)."""
    if isinstance(error, RecursionError):
        return _("nested too deeply")
    return _("a number with too many digits")


def _flat(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        parts = []
        for item in value:
            if isinstance(item, dict) and "kind" in item:  # a remedy object
                amount = item.get("amount")
                parts.append(f"{item['kind']}:{amount}" if amount else str(item["kind"]))
            else:
                parts.append(_flat(item))
        return ";".join(parts)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def flatten(obj: dict[str, Any]) -> dict[str, str]:
    """A JSON complaint object as flat strings: ``customer`` {name, ...} becomes the CSV columns."""
    row: dict[str, str] = {}
    for key, value in obj.items():
        if key == "customer" and isinstance(value, dict):
            for sub, inner in value.items():
                row["customer_id" if sub == "customer_id" else f"customer_{sub}"] = _flat(inner)
        else:
            row[str(key)] = _flat(value)
    return row


def jsonl_records(text, encoding: str) -> Iterator[Record]:
    for line_no, line in _lines(text, encoding):
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as error:
            yield line_no, Broken(line, _("not valid JSON ({problem})").format(problem=error.msg))
            continue
        except (RecursionError, ValueError) as error:
            yield line_no, Broken(line[:1000], _("not valid JSON ({problem})").format(
                problem=_decode_problem(error)))
            continue
        if not isinstance(obj, dict):
            yield line_no, Broken(line, _("not a JSON object"))
            continue
        yield _checked(line_no, line, obj)


def json_array_records(text, encoding: str) -> Iterator[Record]:
    """The elements of a JSON array, decoded one at a time from a sliding buffer."""
    array = _ArrayText(text, encoding)
    if array.next_char() != "[":
        raise InvalidData(_("The file is not a JSON array; use --format jsonl for JSON Lines."))
    array.pos += 1
    while array.next_char() != "]":
        start, obj = array.decode()
        if isinstance(obj, dict):
            yield _checked(start, None, obj)
        else:
            yield start, Broken(json.dumps(obj, ensure_ascii=False), _("not a JSON object"))
        following = array.next_char()
        if following == ",":
            array.pos += 1
        elif following == "]":
            return
        else:
            raise InvalidData(
                _("Line {line}: the JSON array is broken (a ',' or ']' is missing); fix the "
                  "file.").format(line=array.line)
            )


class _ArrayText:
    """A JSON array's text read 64 KiB at a time: ``buf`` from ``pos`` is what is left to
    decode, ``line`` the line ``pos`` is on."""

    def __init__(self, text, encoding: str):
        self.text, self.encoding = text, encoding
        self.decoder = json.JSONDecoder()
        self.buf, self.pos, self.line, self.eof = "", 0, 1, False

    def more(self) -> bool:
        """Read the next piece onto what is left; False at the end of the file."""
        try:
            chunk = self.text.read(1 << 16)
        except UnicodeDecodeError:
            raise decode_error(self.line, self.encoding) from None
        if not chunk:
            self.eof = True
            return False
        self.buf = self.buf[self.pos:] + chunk
        self.pos = 0
        return True

    def next_char(self) -> str | None:
        """The next character after blanks (counting lines), or None at the end."""
        while True:
            buf, pos = self.buf, self.pos
            while pos < len(buf) and buf[pos] in " \t\r\n":
                if buf[pos] == "\n":
                    self.line += 1
                pos += 1
            self.pos = pos
            if pos < len(buf):
                return buf[pos]
            if not self.more():
                return None

    def decode(self) -> tuple[int, Any]:
        """(line, value) of the element at ``pos``, reading more of the file as it needs."""
        while True:
            try:
                obj, end = self.decoder.raw_decode(self.buf, self.pos)
                break
            except json.JSONDecodeError as error:
                if not self.eof and self.more():
                    continue
                raise self._broken(error.msg) from None
            except (RecursionError, ValueError) as error:
                raise self._broken(_decode_problem(error)) from None
        start = self.line
        self.line += self.buf.count("\n", self.pos, end)
        self.pos = end
        return start, obj

    def _broken(self, problem: str) -> InvalidData:
        return InvalidData(_("Line {line}: the JSON array is broken ({problem}); fix the "
                             "file.").format(line=self.line, problem=problem))
