"""Opening an import file: a path or ``-`` for stdin, hashed (SHA-256) and counted as it is
read, its text encoding found from the first megabyte.

UTF-8 (with or without a byte order mark) is tried first; a file that is not UTF-8 is read as
GB18030, what Chinese Excel writes, only when its sample decodes cleanly as GB18030; anything
else is refused with a message naming ``--encoding``.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import sys

from complaintctl.errors import InvalidData, NotFound, UsageProblem
from complaintctl.infra.files import file_to_read
from complaintctl.i18n import _

SAMPLE_BYTES = 1 << 20


class _HashingReader(io.RawIOBase):
    """Serves the sample already read, then the rest of the file; hashes and counts it all."""

    def __init__(self, raw, sample: bytes):
        self._raw = raw
        self._pending = memoryview(sample)
        self.hasher = hashlib.sha256(sample)
        self.bytes_read = len(sample)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if len(self._pending):
            n = min(len(buffer), len(self._pending))
            buffer[:n] = self._pending[:n]
            self._pending = self._pending[n:]
            return n
        data = self._raw.read(len(buffer))
        if not data:
            return 0
        self.hasher.update(data)
        self.bytes_read += len(data)
        buffer[: len(data)] = data
        return len(data)

    def drain(self) -> None:
        """Read to the end so the SHA-256 covers the whole file."""
        self._pending = memoryview(b"")
        while True:
            data = self._raw.read(1 << 20)
            if not data:
                return
            self.hasher.update(data)
            self.bytes_read += len(data)


class Source:
    """An import file opened for reading as text in its detected encoding."""

    def __init__(self, path: str, *, encoding: str | None = None):
        self.name = "-" if path == "-" else str(path)
        if path == "-":
            raw = sys.stdin.buffer
            self.size: int | None = None
            self._close = False
        else:
            file = file_to_read(
                path, error=NotFound,
                folder=_("{path} is a folder; give the file to import (or - to read standard "
                         "input)."),
                missing=_("No file {path}; check the name (use - to read standard input)."))
            raw = open(file, "rb")  # noqa: SIM115 - closed by close()
            self.size = file.stat().st_size
            self._close = True
        self._raw = raw
        sample = raw.read(SAMPLE_BYTES)
        self.encoding = detect_encoding(sample, encoding, final=len(sample) < SAMPLE_BYTES)
        self.reader = _HashingReader(raw, sample)
        self.binary = io.BufferedReader(self.reader, buffer_size=1 << 16)
        self.text = io.TextIOWrapper(self.binary, encoding=self.encoding, newline="")
        self.sample = sample

    @property
    def bytes_read(self) -> int:
        return self.reader.bytes_read

    def sha256(self) -> str:
        self.reader.drain()
        return self.reader.hasher.hexdigest()

    def first_char(self) -> str:
        """The first character that is not white space (to tell JSON from CSV)."""
        text = self.sample[:4096]
        for bom in (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            if text.startswith(bom):
                text = text[len(bom):]
        stripped = text.lstrip()
        return chr(stripped[0]) if stripped and stripped[0] < 128 else ""

    def close(self) -> None:
        if self._close:
            self._raw.close()

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def detect_encoding(sample: bytes, requested: str | None, *, final: bool) -> str:
    """The codec to read the file with. See the module docstring for the rule."""
    if requested:
        try:
            name = codecs.lookup(requested).name
        except LookupError:
            raise UsageProblem(
                _("Unknown --encoding {enc}; use e.g. utf-8, gb18030, big5 or latin-1.").format(
                    enc=requested
                )
            ) from None
        if name == "utf-8" and sample.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        return name
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for candidate in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(candidate)().decode(sample, final)
        except UnicodeDecodeError:
            continue
        return candidate
    raise InvalidData(
        _(
            "The file is neither UTF-8 nor GB18030; pass --encoding with its encoding "
            "(e.g. --encoding big5 or --encoding latin-1)."
        )
    )


def decode_error(line: int, encoding: str) -> InvalidData:
    return InvalidData(
        _(
            "Line {line} is not valid {enc}; pass --encoding with the file's real encoding "
            "(e.g. --encoding gb18030 or --encoding latin-1)."
        ).format(line=line, enc=encoding)
    )


def display_name(path: str) -> str:
    return "<stdin>" if path == "-" else os.path.basename(path)
