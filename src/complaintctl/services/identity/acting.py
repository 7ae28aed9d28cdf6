"""Who is acting, proven: the one function every front-end calls (``resolve``), and the
database's sign-in mode.

- ``open``: made with ``init --no-auth`` (or the demo): the named user acts, as before.
- ``pending``: sign-in is required (a database made without ``--no-auth``, or one that
  predates sign-in) but no admin has a password yet: it behaves as ``open`` and says so.
- ``enforced``: a session or an API token proves the actor (from the moment an admin has a
  password, or a directory is configured: ``auth.ldap.url``). A name given with ``--as`` is
  honoured only for a signed-in admin, as audited delegation (``core.delegation``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session

from complaintctl.domain.enums import Role
from complaintctl.errors import NotSignedIn, PermissionDenied
from complaintctl.i18n import _
from complaintctl.services.core import delegation
from complaintctl.services.core.context import Actor, resolve_actor
from complaintctl.services.core.stored import get_setting, set_setting

MODE_KEY = "auth.mode"


class Mode(StrEnum):
    open = "open"
    pending = "pending"
    enforced = "enforced"


def mode(session: Session) -> Mode:
    """The database's sign-in mode (see the module's docstring)."""
    if get_setting(session, MODE_KEY) != "required":
        return Mode.open
    from complaintctl.services.identity.passwords import admin_has_password

    if get_setting(session, "auth.ldap.url") or admin_has_password(session):
        return Mode.enforced
    return Mode.pending


def set_mode(session: Session, *, no_auth: bool) -> None:
    """A new database's mode (``init``): open for single-user or demo use, else required."""
    set_setting(session, MODE_KEY, "open" if no_auth else "required")


@dataclass(frozen=True)
class Acting:
    """Who acts, and how it was proven: ``via`` is ``session``, ``token`` or ``none`` (an open
    or pending database); ``signed_in`` the proven user (an admin when ``delegated``)."""

    actor: Actor
    mode: Mode
    via: str = "none"
    signed_in: str | None = None
    idle_until: datetime | None = None
    expires_at: datetime | None = None
    token_name: str | None = None

    @property
    def delegated(self) -> bool:
        return self.signed_in is not None and self.signed_in != self.actor.username


def resolve(session: Session, *, credential: Callable[[], str | None], as_user: str | None,
            default_user: str, command: str = "", at: datetime | None = None) -> Acting:
    """Who acts in ``session``. ``credential`` gives the session or API token (called only
    when the database requires sign-in); ``as_user`` the name given (``--as``), if any;
    ``default_user`` who acts on an open database when none is given."""
    current = mode(session)
    if current is not Mode.enforced:
        return Acting(resolve_actor(session, as_user or default_user, command), current)
    token = credential()
    if not token:
        raise NotSignedIn(_not_signed_in(as_user))
    proof = _prove(session, token, at)
    signed = resolve_actor(session, proof["username"], command)
    actor = dataclasses.replace(signed, scopes=proof["scopes"])
    if as_user and as_user != signed.username:
        if signed.role is not Role.admin or proof["scopes"] is not None:
            raise PermissionDenied(_(
                "Only a signed-in admin may act as another member of staff; you are signed in "
                "as {user}. Leave out --as (and COMPLAINTCTL_USER), or sign in as {other} "
                "with `complaintctl login {other}`.").format(user=signed.username,
                                                              other=as_user))
        actor = resolve_actor(session, as_user, command)
        delegation.start(signed.username, actor.username)
    return Acting(actor, current, proof["via"], signed.username, proof["idle_until"],
                  proof["expires_at"], proof["name"])


def resolve_session(session: Session, token: str | None, *, command: str = "",
                    at: datetime | None = None) -> Acting:
    """Who acts in a browser (the staff console): the sign-in session ``token`` proves it,
    whatever the database's mode (a web page never believes a name it is given, and an API
    token is for scripts, not a cookie). Refuses (NotSignedIn, exit 4) without a session or
    with one expired, ended or unknown, as ``resolve`` does."""
    from complaintctl.services.identity import secrets_format, sessions

    if not token or secrets_format.parse(session, token) != secrets_format.SESSION:
        raise NotSignedIn(_("Sign in to use the staff console."))
    opened = sessions.verify(session, token, at)
    actor = resolve_actor(session, opened.username, command)
    return Acting(actor, mode(session), "session", opened.username, opened.idle_until,
                  opened.expires_at)


def _not_signed_in(as_user: str | None) -> str:
    if as_user:
        return _("This database requires sign-in: --as {user} alone does not prove who you "
                 "are. Sign in with `complaintctl login {user}`, or give a script an API token "
                 "in COMPLAINTCTL_TOKEN.").format(user=as_user)
    return _("This database requires sign-in: run `complaintctl login USER`, or give a "
             "script an API token in COMPLAINTCTL_TOKEN.")


def _prove(session: Session, token: str, at: datetime | None) -> dict:
    from complaintctl.services.identity import secrets_format, sessions, tokens

    kind = secrets_format.parse(session, token)
    if kind == secrets_format.SESSION:
        opened = sessions.verify(session, token, at)
        return {"via": "session", "username": opened.username, "scopes": None,
                "idle_until": opened.idle_until, "expires_at": opened.expires_at, "name": None}
    proof = tokens.verify(session, token, at)
    return {"via": "token", "username": proof.username, "scopes": proof.scopes,
            "idle_until": None, "expires_at": proof.expires_at, "name": proof.name}


def proven_on_any_schema(database, credential: Callable[[], str | None]
                         ) -> tuple[str, frozenset[str] | None] | None:
    """Who the session or API token proves, read with plain SQL (``db upgrade``: the schema
    may be older than the models); None when the database does not require sign-in (it
    predates it, or no admin has a password yet). Refuses (exit 4) as ``resolve`` does."""
    from sqlalchemy import inspect, text

    from complaintctl.services.identity import secrets_format

    with database.engine.connect() as conn:
        if not inspect(conn).has_table("credential") or conn.execute(text(
                "SELECT value FROM setting WHERE key = :k"), {"k": MODE_KEY}).scalar() \
                != "required" or conn.execute(text(
                    "SELECT 1 FROM credential c JOIN staff s ON s.id = c.staff_id "
                    "WHERE s.role = 'admin' AND s.active")).first() is None:
            return None
        token = credential()
        if not token:
            raise NotSignedIn(_not_signed_in(None))
        row = conn.execute(text(
            "SELECT username, expires_at, revoked_at, NULL AS scopes FROM sign_in_session "
            "WHERE token_hash = :h UNION ALL SELECT username, expires_at, revoked_at, scopes "
            "FROM api_token WHERE token_hash = :h"), {"h": secrets_format.digest(token)}).first()
    if row is None or row.revoked_at is not None or _passed(row.expires_at):
        raise NotSignedIn(_("The session or API token is not valid (unknown, ended or "
                            "expired); sign in again with `complaintctl login`."))
    return row.username, frozenset(row.scopes.split(",")) if row.scopes else None


def _passed(moment) -> bool:
    from datetime import timezone

    from complaintctl.services.core.stored import now

    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment <= now()


def end() -> None:
    """The command or request is over: no delegation carries into the next."""
    delegation.stop()
