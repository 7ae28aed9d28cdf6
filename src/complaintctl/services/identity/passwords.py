"""Passwords: Argon2id hashes (argon2-cffi), the policy (at least 12 characters, not one of the
commonest passwords), and setting one (an admin for anyone, to be changed at first sign-in;
anyone their own, giving the current one)."""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from importlib import resources

from sqlmodel import Session, select

from complaintctl.domain.enums import EventKind, Role
from complaintctl.domain.permissions import Permission
from complaintctl.errors import InvalidData, NotFound, NotSignedIn, TransitionNotAllowed
from complaintctl.i18n import _
from complaintctl.services.core import trail
from complaintctl.services.core.context import Actor, now, refusals_recorded, use_case
from complaintctl.store.models import Staff
from complaintctl.store.models_identity import ApiToken, Credential, SignInSession

MIN_LENGTH = 12


@cache
def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()  # Argon2id, argon2-cffi's default (RFC 9106) parameters


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches; never raises on a wrong one."""
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def dummy_hash() -> str:
    """The hash a user name without a password is checked against (made once a process)."""
    import secrets

    return hash_password(secrets.token_urlsafe(16))


def verify_nobody(password: str) -> bool:
    """Spend the time a real check takes, for a user name that has no password (or no user),
    so that a failure takes as long whether or not the user exists. Always False."""
    verify(dummy_hash(), password)
    return False


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list (``data/common_passwords.txt``; its header says where it is from)."""
    text = resources.files("complaintctl.data").joinpath("common_passwords.txt").read_text(
        encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


_TAIL = re.compile(r"[\d\W_]+$")


def is_common(password: str) -> bool:
    """One of the commonest passwords, alone, followed by digits or punctuation, or repeated."""
    lowered = password.strip().lower()
    common = common_passwords()
    if lowered in common or _TAIL.sub("", lowered) in common:
        return True
    for size in range(1, len(lowered) // 2 + 1):
        if len(lowered) % size == 0 and lowered[:size] * (len(lowered) // size) == lowered:
            return lowered[:size] in common or size <= 3
    return False


def check_policy(password: str, username: str) -> None:
    """Refuse (exit 5) a password that is too short, common, or the user name."""
    if len(password) < MIN_LENGTH:
        raise InvalidData(_("A password needs at least {n} characters; nothing was changed.")
                          .format(n=MIN_LENGTH))
    if is_common(password):
        raise InvalidData(_("That password is one of the most common ones; choose another "
                            "(a few unrelated words make a good one). Nothing was changed."))
    if username.lower() in password.lower():
        raise InvalidData(_("A password may not contain the user name; nothing was changed."))


def credential_of(session: Session, username: str) -> tuple[Staff | None, Credential | None]:
    staff = session.exec(select(Staff).where(Staff.username == username)).first()
    if staff is None:
        return None, None
    return staff, session.get(Credential, staff.id)


def needs_current(session: Session, actor: Actor, username: str) -> bool:
    """Whether setting ``username``'s password asks for the current one (their own, once set).
    Someone else's needs the staff permission: refused here (and on the audit trail), before
    any password is asked for."""
    if actor.username != username:
        with refusals_recorded(session, actor, "staff passwd"):
            actor.check(Permission.staff)
    _staff, credential = credential_of(session, username)
    return actor.username == username and credential is not None


def set_password(*, session: Session, actor: Actor, username: str, password: str,
                 current: str | None = None, at: datetime | None = None) -> bool:
    """Set ``username``'s password; returns whether it must be changed at first sign-in (an
    admin set someone else's). Another person's reset ends their sessions and revokes their
    API tokens (the reset may be because the account was taken over); the event says how
    many. A directory user's password is the directory's: refused."""
    at = at or now()
    with use_case(session, actor, "staff passwd"):
        staff, credential = credential_of(session, username)
        own = actor.username == username
        if not own:
            actor.check(Permission.staff)
        if staff is None:
            raise NotFound(_("{user} is not a member of staff; see `complaintctl staff list`.")
                           .format(user=username))
        if own and credential is not None and not (current and verify(credential.password_hash,
                                                                      current)):
            raise NotSignedIn(_("The current password is wrong; nothing was changed."))
        _refuse_directory_user(session, username)
        check_policy(password, username)
        if credential is None:
            credential = Credential(staff_id=staff.id, password_hash="", set_by="", set_at=at)
        credential.password_hash = hash_password(password)
        credential.must_change = not own
        credential.set_by, credential.set_at = actor.username, at
        session.add(credential)
        ended = {}
        if not own:
            ended = {"sessions_ended": end_sessions(session, username, at),
                     "tokens_revoked": revoke_tokens(session, username, at)}
        trail.record(session, kind=EventKind.admin, action="staff passwd", actor=actor.username,
                     at=at, details={"staff": username, "must_change": not own, **ended})
    return not own


def end_sessions(session: Session, username: str, at: datetime) -> int:
    """Revoke every open session of ``username``; returns how many."""
    rows = session.exec(select(SignInSession).where(SignInSession.username == username,
                                                    SignInSession.revoked_at.is_(None))).all()
    for row in rows:
        row.revoked_at = at
        session.add(row)
    return len(rows)


def revoke_tokens(session: Session, username: str, at: datetime) -> int:
    """Revoke every API token of ``username`` still valid; returns how many."""
    rows = session.exec(select(ApiToken).where(ApiToken.username == username,
                                               ApiToken.revoked_at.is_(None))).all()
    for row in rows:
        row.revoked_at = at
        session.add(row)
    return len(rows)


def _refuse_directory_user(session: Session, username: str) -> None:
    from complaintctl.services.identity.ldap import directory_for

    if directory_for(session, username) is not None:
        raise TransitionNotAllowed(_(
            "{user} signs in with the directory's password (auth.ldap.url); change it there. "
            "Nothing was changed.").format(user=username))


def admin_has_password(session: Session) -> bool:
    """Whether an active admin has a password (from then on sign-in is required)."""
    row = session.exec(select(Credential.staff_id).join(Staff, Staff.id == Credential.staff_id)
                       .where(Staff.role == Role.admin.value, Staff.active)).first()
    return row is not None
