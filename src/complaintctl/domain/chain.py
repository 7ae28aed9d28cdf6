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
