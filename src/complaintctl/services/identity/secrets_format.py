"""The form of a session or API token: ``ccs_`` (a session) or ``cct_`` (an API token), this
database's id, and a random 256-bit value (``secrets.token_urlsafe(32)``). Only the SHA-256 of
the whole token is stored. The database id lets a token used on the wrong database be told
apart from one that was altered."""

from __future__ import annotations

import hashlib
import re
import secrets

from sqlmodel import Session

from complaintctl.errors import NotSignedIn
from complaintctl.i18n import _
from complaintctl.services.core.stored import get_setting, set_setting

SESSION, API = "s", "t"
_FORM = re.compile(r"^cc([st])_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")


def database_id(session: Session, *, create: bool = False) -> str | None:
    """This database's random id (made on first use when ``create``)."""
    value = get_setting(session, "auth.database_id")
    if value is None and create:
        value = secrets.token_hex(6)
        set_setting(session, "auth.database_id", value)
    return value


def new_token(session: Session, kind: str) -> str:
    return f"cc{kind}_{database_id(session, create=True)}_{secrets.token_urlsafe(32)}"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def parse(session: Session, token: str) -> str:
    """The token's kind; refuses (exit 4) one that is malformed or of another database."""
    match = _FORM.match(token.strip())
    if match is None:
        raise NotSignedIn(_("The session or API token is not valid: it has been altered or cut "
                            "short. Sign in again with `complaintctl login`, or ask for a new "
                            "token."))
    if match.group(2) != database_id(session):
        raise NotSignedIn(_("The session or API token belongs to another database, not this "
                            "one; sign in to this database with `complaintctl login`, or use "
                            "a token made for it."))
    return match.group(1)
