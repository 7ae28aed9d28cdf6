"""The tables of identity (issue 18): passwords, sign-in sessions, API tokens and sign-in
attempts. Loaded by ``services.identity`` (and ``models.load_all()``), so commands on a
database that does not check sign-in never build them. No secret is stored: passwords as
Argon2id hashes, session and API tokens as their SHA-256.
"""

from datetime import datetime

from sqlalchemy import Text
from sqlmodel import Field

from complaintctl.store.base import TableModel, timestamp


class Credential(TableModel, table=True):
    """A member of staff's password (its Argon2id hash); ``must_change``: set by an admin, to be
    replaced at the first sign-in."""

    staff_id: int = Field(foreign_key="staff.id", primary_key=True)
    password_hash: str = Field(max_length=255)
    must_change: bool = Field(default=False)
    set_by: str = Field(max_length=64)
    set_at: datetime = timestamp(nullable=False)


class SignInSession(TableModel, table=True):
    """A signed-in session: its token's hash, when it ends (idle and absolute) and whether it was
    revoked (logout)."""

    __tablename__ = "sign_in_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    username: str = Field(max_length=64, index=True)
    client: str = Field(max_length=200)
    created_at: datetime = timestamp(nullable=False)
    last_used_at: datetime = timestamp(nullable=False)
    expires_at: datetime = timestamp(nullable=False)
    revoked_at: datetime | None = timestamp()


class ApiToken(TableModel, table=True):
    """A named token for scripts: its hash, its scopes (comma-separated; empty: the user's
    permissions) and its expiry."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    username: str = Field(max_length=64, index=True)
    name: str = Field(max_length=100)
    scopes: str = Field(default="", sa_type=Text)
    created_by: str = Field(max_length=64)
    created_at: datetime = timestamp(nullable=False)
    expires_at: datetime = timestamp(nullable=False)
    last_used_at: datetime | None = timestamp()
    revoked_at: datetime | None = timestamp()


class SignInAttempt(TableModel, table=True):
    """One sign-in attempt by user name as typed (whether or not such a user exists), and the
    lockouts: ``locked_until`` is set on the failure that locked the name."""

    __tablename__ = "sign_in_attempt"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, index=True)
    at: datetime = timestamp(nullable=False, index=True)
    ok: bool = Field(default=False)
    client: str = Field(max_length=200)
    locked_until: datetime | None = timestamp()


class MfaSecret(TableModel, table=True):
    """A member of staff's TOTP second factor (issue 18): the secret, encrypted (AES-GCM under
    the database's MFA key, bound to the user name), when it was enrolled, and the last time
    step a code was accepted for (a code is never accepted twice)."""

    __tablename__ = "mfa_secret"

    staff_id: int = Field(foreign_key="staff.id", primary_key=True)
    secret_enc: str = Field(sa_type=Text)
    enrolled_at: datetime = timestamp(nullable=False)
    last_step: int = Field(default=0)
