"""API tokens for scripts (``COMPLAINTCTL_TOKEN``): named, expiring, optionally scoped. A
token's scopes narrow what its user may do, never widen it (``domain.permissions``). The token
is returned once, when made; only its SHA-256 is kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from complaintctl.domain.enums import EventKind
from complaintctl.domain.permissions import Permission, parse_scopes
from complaintctl.errors import InvalidData, NotFound, NotSignedIn
from complaintctl.i18n import _
from complaintctl.services.core import trail
from complaintctl.services.core.context import Actor, now, resolve_actor, use_case
from complaintctl.services.identity import secrets_format, sessions
from complaintctl.store.models_identity import ApiToken

LONGEST = timedelta(days=366)


@dataclass(frozen=True)
class TokenProof:
    """What a valid API token proves: its user, its scopes (None: the user's permissions)."""

    username: str
    name: str
    scopes: frozenset[str] | None
    expires_at: datetime


def create(*, session: Session, actor: Actor, username: str, name: str, expires: timedelta,
           scopes: str | None = None, client: str = "", at: datetime | None = None
           ) -> tuple[str, dict[str, Any]]:
    """Make a token for ``username`` (an admin for anyone; anyone for themselves); returns
    the token, to be shown once, and its row as listed."""
    at = at or now()
    with use_case(session, actor, "staff token create"):
        if actor.username != username:
            actor.check(Permission.staff)
        resolve_actor(session, username)  # a member of staff who may act
        chosen = parse_scopes(scopes)
        if not name.strip() or len(name) > 100:
            raise InvalidData(_("Give the token a name of 1-100 characters (--name), saying "
                                "what uses it."))
        if not timedelta(minutes=1) <= expires <= LONGEST:
            raise InvalidData(_("A token lasts from 1 minute to 366 days (--expires 90d)."))
        token = secrets_format.new_token(session, secrets_format.API)
        row = ApiToken(token_hash=secrets_format.digest(token), username=username,
                       name=name.strip(), scopes=",".join(sorted(chosen or ())),
                       created_by=actor.username, created_at=at, expires_at=at + expires)
        session.add(row)
        session.flush()
        trail.record(session, kind=EventKind.admin, action="staff token create",
                     actor=actor.username, at=at,
                     details={"staff": username, "token": row.id, "name": row.name,
                              "scopes": row.scopes, "expires_at": row.expires_at.isoformat(),
                              "client": client})
    return token, _listed(row)


def _listed(row: ApiToken) -> dict[str, Any]:
    return {"id": row.id, "user": row.username, "name": row.name,
            "scopes": row.scopes or "-", "created_by": row.created_by,
            "created_at": row.created_at, "expires_at": row.expires_at,
            "last_used_at": row.last_used_at, "revoked_at": row.revoked_at}


def list_tokens(*, session: Session, actor: Actor) -> list[dict[str, Any]]:
    """Every token (an admin) or the actor's own; never the tokens themselves."""
    query = select(ApiToken).order_by(ApiToken.id)
    if actor.username and not _is_admin(actor):
        query = query.where(ApiToken.username == actor.username)
    return [_listed(row) for row in session.exec(query).all()]


def _is_admin(actor: Actor) -> bool:
    from complaintctl.domain.permissions import scope_allows

    return actor.role.value == "admin" and scope_allows(actor.scopes, Permission.staff)


def revoke(*, session: Session, actor: Actor, token_id: int, client: str = "",
           at: datetime | None = None) -> dict[str, Any]:
    """Revoke a token (an admin any; anyone their own)."""
    at = at or now()
    with use_case(session, actor, "staff token revoke"):
        row = session.get(ApiToken, token_id)
        if row is None or (row.username != actor.username and not _is_admin(actor)):
            if row is not None:
                actor.check(Permission.staff)
            raise NotFound(_("No token {id}; see `complaintctl staff token list`.")
                           .format(id=token_id))
        if row.revoked_at is None:
            row.revoked_at = at
            session.add(row)
            trail.record(session, kind=EventKind.admin, action="staff token revoke",
                         actor=actor.username, at=at,
                         details={"staff": row.username, "token": row.id, "name": row.name,
                                  "client": client})
    return _listed(row)


def verify(session: Session, token: str, at: datetime | None = None) -> TokenProof:
    """What ``token`` proves; refuses (exit 4) an expired, revoked or unknown one."""
    at = at or now()
    row = session.exec(select(ApiToken).where(
        ApiToken.token_hash == secrets_format.digest(token))).first()
    if row is None:
        raise NotSignedIn(_("The API token is not known to this database (altered, or "
                            "revoked and removed); ask for a new one (`complaintctl staff "
                            "token create`)."))
    if row.revoked_at is not None:
        raise NotSignedIn(_("The API token '{name}' was revoked; ask for a new one "
                            "(`complaintctl staff token create`).").format(name=row.name))
    if at >= row.expires_at:
        raise NotSignedIn(_("The API token '{name}' has expired; ask for a new one "
                            "(`complaintctl staff token create`).").format(name=row.name))
    if row.last_used_at is None or at - row.last_used_at >= sessions.TOUCH_EVERY:
        sessions.note_use(session, row, at)
    scopes = frozenset(row.scopes.split(",")) if row.scopes else None
    return TokenProof(row.username, row.name, scopes, row.expires_at)
