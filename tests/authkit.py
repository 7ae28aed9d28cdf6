"""Helpers of the identity tests (issue 18): a seeded database that requires sign-in, the
staff's passwords, and running the CLI as a user signed in with their own config dir."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from complaintctl.services.identity import acting, passwords, sessions, tokens
from conftest import STAFF, Cli, actor

USERS = ["admin"] + [name for name, *_rest in STAFF]
#: each member of staff's password (long, uncommon, without the user name)
PASSWORDS = {user: f"tidal orchard lantern {i:02d}" for i, user in enumerate(USERS)}


def require_sign_in(database, users=USERS) -> None:
    """Make ``database`` require sign-in and give ``users`` their passwords (their own, so
    none must be changed)."""
    with database.session(write=True) as s:
        acting.set_mode(s, no_auth=False)
        s.commit()
    for user in users:
        with database.session(write=True) as s:
            passwords.set_password(session=s, actor=actor(user), username=user,
                                   password=PASSWORDS[user])


class Homes:
    """One config dir per user, as each clerk has their own account on the machine."""

    def __init__(self, root: Path):
        self.root = root

    def env(self, user: str) -> dict[str, str]:
        return {"XDG_CONFIG_HOME": str(self.root / user)}


def login(cli: Cli, homes: Homes, user: str, password: str | None = None):
    return cli("login", user, "--password-stdin", as_=None,
               input=(password or PASSWORDS[user]) + "\n", env=homes.env(user))


def signed(cli: Cli, homes: Homes, user: str, *args: str, as_: str | None = None,
           input: str | None = None):
    """Run a command as ``user``, signed in (their config dir); ``as_``: --as too."""
    return cli(*args, as_=as_, env=homes.env(user), input=input)


def session_token(database, user: str, **kw) -> str:
    with database.session(write=True) as s:
        return sessions.sign_in(session=s, username=user, password=PASSWORDS[user],
                                client="test", **kw).token


def api_token(database, user: str, scopes: str | None = None, days: int = 1, **kw) -> str:
    with database.session(write=True) as s:
        token, _row = tokens.create(session=s, actor=actor(user), username=user, name="test",
                                    expires=timedelta(days=days), scopes=scopes, **kw)
    return token
