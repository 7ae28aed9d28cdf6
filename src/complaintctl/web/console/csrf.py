"""CSRF tokens of the staff console: a synchroniser token bound to the sign-in session.

Each form carries ``csrf``: an HMAC-SHA256 keyed by the session's token (256 random bits,
kept only in the HttpOnly cookie) over a fixed label, so it is the same on every page of one
session, differs between sessions, ends with the session and reveals nothing of the token.
Another site can neither read it nor compute it; SameSite=Strict on the cookie is a second
fence. Before sign-in there is no session: the sign-in form is bound the same way to a random
value in a short-lived cookie of its own (``PRE_COOKIE``)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

LABEL = b"complaintctl staff console csrf v1"
PRE_COOKIE = "complaintctl_signin"


def token_for(secret: str) -> str:
    """The form token bound to ``secret`` (the session's token, or the sign-in cookie's)."""
    return hmac.new(secret.encode("utf-8"), LABEL, hashlib.sha256).hexdigest()


def matches(secret: str | None, given: str | None) -> bool:
    """Whether ``given`` is the token bound to ``secret`` (constant time)."""
    if not secret or not given:
        return False
    return hmac.compare_digest(token_for(secret), given)


def new_secret() -> str:
    return secrets.token_urlsafe(32)
