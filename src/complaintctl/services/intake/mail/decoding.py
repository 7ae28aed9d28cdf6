"""Text out of a message's bytes, and which charset gave it. Pure.

Headers are decoded here rather than by the ``email`` package's default policy, because mail
from China labels GBK text as GB2312 (Python maps gb2312 strictly), splits one character over
two encoded words, or sends raw 8-bit headers; each of these would come out as replacement
characters.

The order, for every piece of text (a body part, an encoded word, a raw 8-bit header):

1. the charset declared for that piece (GB2312 and GBK widened to GB18030, a superset);
2. the other charsets the message declares (a raw 8-bit subject in a message whose body is
   ``iso-8859-1`` is Latin-1, not Chinese);
3. UTF-8;
4. a detector (``charset-normalizer``), trusted only on enough 8-bit bytes to judge by;
5. GB18030;
6. the declared charset (or UTF-8) with replacement characters.

``Decoder.used`` records, for each named field that held 8-bit text, the charset and the step
that decoded it (``declared``, ``message``, ``utf-8``, ``detected``, ``gb18030``, ``replaced``).
"""

from __future__ import annotations

import base64
import binascii
import codecs
import quopri
import re
from dataclasses import dataclass, field

_EW = re.compile(r"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([QqBb])\?([^?\s]*)\?=")
_DECLARED = re.compile(rb"""(?i)(?:charset\s*=\s*["']?|=\?)([a-z0-9][a-z0-9_.:+-]{1,39})""")
_GB = frozenset({"gb2312", "gbk"})
#: fewer 8-bit bytes than this and a detector guesses (four bytes of GBK read as Big5)
DETECT_MIN = 16
#: a detector's guess never taken: without a byte order mark, UTF-16/32 "fit" any even text
_NEVER_DETECTED = ("utf_16", "utf_32")


def charset_name(label: str | None) -> str | None:
    """Python's name for a declared charset label, None when unknown."""
    if not label:
        return None
    try:
        return codecs.lookup(label.strip().strip("\"'").lower()).name
    except LookupError:
        return None


def declared_charsets(raw: bytes) -> tuple[str, ...]:
    """Every charset the message declares (``charset=`` parameters, encoded words), in order."""
    names = (charset_name(m.decode("ascii", "replace")) for m in _DECLARED.findall(raw[:1 << 20]))
    return tuple(dict.fromkeys(n for n in names if n and n not in ("ascii", "us-ascii")))


def _widened(name: str) -> list[str]:
    return [name, "gb18030"] if name in _GB else [name]


def _detected(data: bytes) -> str | None:
    if sum(b >= 0x80 for b in data) < DETECT_MIN:
        return None
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding.startswith(_NEVER_DETECTED):
        return None
    return best.encoding


@dataclass
class Decoder:
    """Decodes the pieces of one message, trying its other declared charsets after a piece's
    own; ``used`` says what decoded each named field."""

    others: tuple[str, ...] = ()
    used: dict[str, dict[str, str]] = field(default_factory=dict)

    def candidates(self, data: bytes, declared: str | None):
        if declared:
            for name in _widened(declared):
                yield name, "declared"
        for other in self.others:
            for name in _widened(other):
                yield name, "message"
        yield "utf-8", "utf-8"
        detected = _detected(data)
        if detected:
            yield detected, "detected"
        yield "gb18030", "gb18030"

    def bytes(self, data: bytes, charset: str | None = None, name: str | None = None
              ) -> tuple[str, bool]:
        """Text from ``data`` and whether it decoded cleanly."""
        declared = charset_name(charset)
        tried: set[str] = set()
        for codec, step in self.candidates(data, declared):
            if codec in tried:
                continue
            tried.add(codec)
            try:
                text = data.decode(codec)
            except (UnicodeDecodeError, LookupError):
                continue
            self._note(name, data, codec, step)
            return text, True
        fallback = "gb18030" if declared in _GB else (declared or "utf-8")
        self._note(name, data, fallback, "replaced")
        return data.decode(fallback, "replace"), False

    def _note(self, name: str | None, data: bytes, codec: str, step: str) -> None:
        if name and name not in self.used and (step == "replaced" or any(b >= 0x80 for b in data)):
            self.used[name] = {"charset": codecs.lookup(codec).name, "by": step}

    def eight_bit(self, text: str, name: str | None = None) -> str:
        """Header text that arrived as raw 8-bit bytes (kept by the parser as surrogates)."""
        if any("\udc80" <= ch <= "\udcff" for ch in text):
            return self.bytes(text.encode("utf-8", "surrogateescape"), None, name)[0]
        return text

    def header(self, raw: str | None, name: str | None = None) -> str:
        """An RFC 2047 header value as text; adjacent encoded words of one charset are joined
        before decoding, so a character split across two words survives."""
        if not raw:
            return ""
        raw = re.sub(r"\r?\n(?=[ \t])", "", raw)
        out: list[str] = []
        pending: list[tuple[str, bytes]] = []  # (charset, bytes) of adjacent encoded words

        def flush() -> None:
            if pending:
                out.append(self.bytes(b"".join(b for _c, b in pending), pending[0][0], name)[0])
                pending.clear()

        pos = 0
        for match in _EW.finditer(raw):
            between = raw[pos:match.start()]
            if between.strip() or not pending:
                flush()
                out.append(self.eight_bit(between, name))
            charset = match.group(1).lower()
            if pending and pending[0][0] != charset:
                flush()
            pending.append((charset, word_bytes(match.group(2), match.group(3))))
            pos = match.end()
        flush()
        out.append(self.eight_bit(raw[pos:], name))
        return re.sub(r"\s+", " ", "".join(out)).strip()


def word_bytes(encoding: str, payload: str) -> bytes:
    """The bytes of one encoded word; a raw 8-bit byte inside a Q word is kept as it is."""
    if encoding.upper() == "B":
        payload = payload + "=" * (-len(payload) % 4)
        try:
            return base64.b64decode(payload)
        except (binascii.Error, ValueError):
            return base64.b64decode(re.sub(r"[^A-Za-z0-9+/]", "", payload) + "==", validate=False)
    text = payload.replace("_", " ")
    try:
        data = text.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:  # a word already decoded to text by someone: its UTF-8
        data = text.encode("utf-8", "surrogateescape")
    return quopri.decodestring(data, header=True)


def decode_bytes(data: bytes, charset: str | None = None) -> tuple[str, bool]:
    """Text from ``data`` alone (no other charsets known) and whether it decoded cleanly."""
    return Decoder().bytes(data, charset)


def decode_header_value(raw: str | None) -> str:
    return Decoder().header(raw)
