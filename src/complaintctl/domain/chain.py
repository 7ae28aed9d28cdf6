"""The audit trail's hash chain. Pure: canonical bytes in, hex digests out.

Each event's hash covers its canonical fields and the previous event's hash. Personal values in
an event are not hashed directly: the chain covers a keyed digest (HMAC-SHA256 with the
database's secret) of them, so they can be erased when retention ends and the chain still
verifies, and the digest cannot be reversed by guessing phone numbers without the key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

GENESIS = "0" * 64


_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def canonical(value: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8 (one encoder, made once: the import hashes millions)."""
    return _ENCODER.encode(value).encode()


def personal_digest(key: bytes, personal: dict[str, Any] | None) -> str | None:
    if not personal:
        return None
    return digest_of_canonical(key, canonical(personal))


def digest_of_canonical(key: bytes, personal: bytes) -> str:
    """``personal_digest`` of personal data already in canonical form."""
    return hmac.new(key, personal, hashlib.sha256).hexdigest()


def event_hash(fields: dict[str, Any], prev_hash: str) -> str:
    """``fields`` are the event's columns (personal values replaced by their digest)."""
    return event_hash_of_canonical(canonical(fields), prev_hash)


def event_hash_of_canonical(fields: bytes, prev_hash: str) -> str:
    """``event_hash`` of fields already in canonical form."""
    return hashlib.sha256(prev_hash.encode() + fields).hexdigest()


# --- the external anchor ------------------------------------------------------------------------

ANCHOR_FORMAT = "complaintctl-audit-anchor/1"
MAX_CHECKPOINTS = 1000


def checkpoint_seqs(count: int) -> list[int]:
    """The events whose hashes an anchor keeps besides the head: every event of a chain of
    up to 1000, else every 2nd, 4th, ... so that at most 1000 are kept. A rewrite found later
    is named exactly, or narrowed to one stretch between two checkpoints."""
    stride = 1
    while count // stride > MAX_CHECKPOINTS:
        stride *= 2
    return list(range(stride, count + 1, stride))


class AnchorUnreadable(ValueError):
    """The text is not an anchor written by ``complaintctl audit anchor``."""


class Anchor:
    """The chain's head (event count and last hash) and some earlier hashes, taken at one
    moment, to be kept outside the database. A chain that still holds this anchor's events
    with these hashes was neither truncated nor rewritten up to the anchor, even by someone
    who could write to the database and re-hash every event."""

    def __init__(self, events: int, head: str, taken_at: str,
                 checkpoints: dict[int, str] | None = None, database: str = "", *,
                 key: str = "", signature: str = ""):
        self.events, self.head, self.taken_at = events, head, taken_at
        self.checkpoints = dict(checkpoints or {})
        self.database = database
        # issue 23: the signer's key (its fingerprint) and the Ed25519 signature of
        # ``signed_bytes`` (base64); both empty on an unsigned anchor
        self.key, self.signature = key, signature

    def body(self) -> dict[str, Any]:
        """What the anchor says, without its signature."""
        body = {
            "format": ANCHOR_FORMAT, "database": self.database, "taken_at": self.taken_at,
            "events": self.events, "head": self.head,
            "checkpoints": {str(k): v for k, v in sorted(self.checkpoints.items())},
        }
        if self.key:
            body["key"] = self.key
        return body

    def signed_bytes(self) -> bytes:
        """The bytes a signature covers: the body, canonical (the key's fingerprint in it)."""
        return canonical(self.body())

    def expected(self) -> dict[int, str]:
        """seq -> hash this anchor vouches for (the checkpoints and the head)."""
        wanted = dict(self.checkpoints)
        if self.events:
            wanted[self.events] = self.head
        return wanted

    def to_json(self) -> str:
        data = self.body()
        if self.signature:
            data["signature"] = self.signature
        return json.dumps(data, ensure_ascii=False, indent=1) + "\n"

    @classmethod
    def parse(cls, text: str) -> Anchor:
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("format") != ANCHOR_FORMAT:
                raise AnchorUnreadable("format")
            events, head = data["events"], data["head"]
            checkpoints = {int(k): v for k, v in data.get("checkpoints", {}).items()}
            if (not isinstance(events, int) or isinstance(events, bool) or events < 0
                    or not _is_hash(head)
                    or not all(0 < k < events and _is_hash(v) for k, v in checkpoints.items())):
                raise AnchorUnreadable("values")
            key, signature = data.get("key", ""), data.get("signature", "")
            if not isinstance(key, str) or not isinstance(signature, str):
                raise AnchorUnreadable("signature")
            return cls(events, head, str(data.get("taken_at", "")), checkpoints,
                       str(data.get("database", "")), key=key, signature=signature)
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise AnchorUnreadable(str(error)) from None


def _is_hash(value: Any) -> bool:
    return (isinstance(value, str) and len(value) == 64
            and all(c in "0123456789abcdef" for c in value))
