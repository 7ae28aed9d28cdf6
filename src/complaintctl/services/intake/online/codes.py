"""Access codes: random (100 bits, 20 base-32 characters in groups of 4), only the SHA-256
digest stored, compared in constant time; a wrong number costs the same work as a wrong code."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlmodel import Session, select

from complaintctl.errors import NotFound
from complaintctl.i18n import _
from complaintctl.services.core.context import now

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # 32 symbols, no 0/O, 1/I
LENGTH = 20  # 20 x 5 bits = 100 bits
_DUMMY = hashlib.sha256(b"complaintctl: no such complaint").hexdigest()


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _i in range(LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, LENGTH, 4))


def normalised(code: str | None) -> str:
    """A code as typed (lower case, spaces, dashes) in its canonical form."""
    text = "".join(c for c in (code or "").upper() if c.isascii() and c.isalnum())[:64]
    return "-".join(text[i:i + 4] for i in range(0, len(text), 4))


def digest(code: str) -> str:
    return hashlib.sha256(normalised(code).encode("ascii", "replace")).hexdigest()


def issue(session: Session, number: str) -> str:
    """A new code for ``number`` (replacing any earlier one), in the caller's transaction."""
    from complaintctl.store.models import AccessCode

    code = new_code()
    row = session.exec(select(AccessCode).where(AccessCode.number == number)).first()
    if row is None:
        row = AccessCode(number=number, code_hash=digest(code), issued_at=now(), reissued=0)
    else:
        row.code_hash, row.issued_at, row.reissued = digest(code), now(), row.reissued + 1
    session.add(row)
    return code


def not_found() -> NotFound:
    """The one answer to a wrong number and to a wrong code."""
    return NotFound(_("No complaint matches this number and access code. Check both; if you "
                      "lost the code, ask for a new one to be sent to you."))


def check(session: Session, number: str | None, code: str | None) -> str:
    """The complaint number when ``code`` is its access code; else ``not_found()``, after the
    same work either way (a digest and a constant-time comparison)."""
    from complaintctl.store.models import AccessCode

    wanted = (number or "").strip().upper()[:20]
    row = session.exec(select(AccessCode).where(AccessCode.number == wanted)).first() \
        if wanted else None
    stored = row.code_hash if row is not None else _DUMMY
    if not hmac.compare_digest(stored, digest(code or "")) or row is None:
        raise not_found()
    return row.number
