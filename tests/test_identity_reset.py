"""Issue 18: an admin's reset of someone's password ends their sessions and revokes their API
tokens (the reset may be because the account was taken over); the event says how many. A
change of one's own password keeps one's tokens."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from authkit import PASSWORDS, api_token, require_sign_in, session_token
from complaintctl.errors import NotSignedIn
from complaintctl.services.identity import passwords, sessions, tokens
from conftest import actor


def test_an_admins_reset_ends_sessions_and_revokes_tokens_audited(seeded):
    require_sign_in(seeded)
    session = session_token(seeded, "h1")
    scripted, other = api_token(seeded, "h1"), api_token(seeded, "h2")
    with seeded.session(write=True) as s:
        passwords.set_password(session=s, actor=actor("admin"), username="h1",
                               password="a fresh start for him")
    with seeded.session() as s:
        with pytest.raises(NotSignedIn, match="was revoked"):
            tokens.verify(s, scripted)
        with pytest.raises(NotSignedIn, match="password reset"):
            sessions.verify(s, session)
        assert tokens.verify(s, other).username == "h2"  # someone else's token stays
    with seeded.engine.connect() as conn:
        details = [json.loads(d) for d in conn.execute(text(
            "SELECT details FROM event WHERE action = 'staff passwd' AND actor = 'admin' "
            "ORDER BY seq")).scalars()]
    assert details[-1] == {"staff": "h1", "must_change": True, "sessions_ended": 1,
                           "tokens_revoked": 1}


def test_changing_ones_own_password_keeps_ones_tokens(seeded):
    require_sign_in(seeded, users=["admin", "h1"])
    scripted = api_token(seeded, "h1")
    with seeded.session(write=True) as s:
        passwords.set_password(session=s, actor=actor("h1"), username="h1",
                               password="another orchard lantern", current=PASSWORDS["h1"])
    with seeded.session() as s:
        assert tokens.verify(s, scripted).username == "h1"
