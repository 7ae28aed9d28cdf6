"""A message's identity when it has no Message-ID (or to recognise it in an mbox): a digest of
its normalised headers and body, the same whatever a mail store did to it.

Left out or undone before hashing: line endings (CRLF, CR, LF), a byte order mark, an mbox
``From `` line and the ``>From `` quoting of body lines, the status headers mail stores add
(``Status``, ``X-Status``, ``X-Keywords``, ``X-UID``, ``Content-Length``, ...), header folding and
trailing blanks. Pure.
"""

from __future__ import annotations

import hashlib
import re

#: headers a mail store adds or changes while the message sits in it
STORE_HEADERS = frozenset({
    b"status", b"x-status", b"x-keywords", b"x-uid", b"x-imap", b"x-imapbase",
    b"content-length", b"lines", b"x-mozilla-status", b"x-mozilla-status2", b"x-mozilla-keys",
})
BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def normalised(raw: bytes) -> bytes:
    data = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    for bom in BOMS:
        if data.startswith(bom):
            data = data[len(bom):]
            break
    if data.startswith(b"From "):
        data = data.split(b"\n", 1)[1] if b"\n" in data else b""
    head, sep, body = data.partition(b"\n\n")
    if not sep and not re.match(rb"[!-9;-~]+:", head):  # no header block at all
        head, body = b"", data
    kept = []
    for line in re.sub(rb"\n[ \t]+", b" ", head).split(b"\n"):
        name, colon, value = line.partition(b":")
        name = name.strip().lower()
        if colon and name in STORE_HEADERS:
            continue
        kept.append(name + b": " + b" ".join(value.split()) if colon else line.rstrip())
    body = re.sub(rb"(?m)^>(>*From )", rb"\1", body)
    body = b"\n".join(line.rstrip() for line in body.split(b"\n")).strip(b"\n")
    return b"\n".join(k for k in kept if k) + b"\n\n" + body


def identity(raw: bytes) -> str:
    """The SHA-256 (hex) of the normalised message."""
    return hashlib.sha256(normalised(raw)).hexdigest()


def made_message_id(raw: bytes) -> str:
    """The Message-ID given to a message that has none."""
    return f"<sha256-{identity(raw)}@complaintctl.invalid>"


def legacy_message_id(raw: bytes) -> str:
    """The Message-ID earlier versions gave such a message (a digest of its bytes as read),
    still looked for so that their complaints are recognised."""
    return f"<sha256-{hashlib.sha256(raw).hexdigest()}@complaintctl.invalid>"
