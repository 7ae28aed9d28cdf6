"""Sign-in sessions: ``sign_in`` checks a password (with lockout) and opens a session, whose
token the front-end keeps (the CLI in a file, the web in a cookie); ``verify`` proves who is
acting from it; ``revoke`` ends it (logout). Sessions end when idle (``auth.session.idle``,
default 30 minutes) and at an absolute limit (``auth.session.absolute``, default 12 hours)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from complaintctl.errors import NotSignedIn, PasswordChangeRequired
from complaintctl.i18n import _
from complaintctl.services.core import config
from complaintctl.services.core.stored import now
from complaintctl.services.identity import factors, lockout, mfa, passwords, secrets_format
from complaintctl.store.models_identity import SignInSession

#: a session's last use is written at most this often (every command would write otherwise)
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class SignedIn:
    """An open session: its token (shown to no one: the front-end stores it), its user and
    when it ends if unused (``idle_until``) and at the latest (``expires_at``)."""

    token: str
    username: str
    idle_until: datetime
    expires_at: datetime


def sign_in(*, session: Session, username: str, password: str, client: str,
            code: str | None = None, new_password: str | None = None,
            at: datetime | None = None) -> SignedIn:
    """Check ``password`` (locally or against the directory, with lockout), then the second
    factor's ``code`` when the user has one, and open a session. A failure (wrong password or
    code, unknown user, locked name) raises NotSignedIn after recording it; an enrolled user
    without ``code`` raises SecondFactorRequired (nothing recorded: ask for it and call again);
    a password an admin set raises PasswordChangeRequired unless ``new_password`` replaces it.
    Commits."""
    at = at or now()
    staff, credential = factors.check_password(session, username, password, client, at)
    mfa.second_factor(session, staff, code, client, at)
    if credential is not None and credential.must_change and new_password is None:
        raise PasswordChangeRequired(_(
            "{user}'s password was set by an admin and must be changed now; choose a new one "
            "(`complaintctl login` asks for it).").format(user=username))
    if credential is not None and new_password is not None:
        passwords.check_policy(new_password, username)
        credential.password_hash = passwords.hash_password(new_password)
        credential.must_change, credential.set_by, credential.set_at = False, username, at
        session.add(credential)
        factors.audit(session, "password change", username, at, client)
    lockout.record(session, username, ok=True, client=client, at=at)
    opened = _open(session, username, client, at)
    factors.audit(session, "sign-in", username, at, client,
                  expires_at=factors.utc(opened.expires_at))
    session.commit()
    return opened


def limits(session: Session) -> tuple[timedelta, timedelta]:
    """(idle, absolute) session limits in force."""
    values = config.load(session)
    return values["auth.session.idle"], values["auth.session.absolute"]


def _open(session: Session, username: str, client: str, at: datetime) -> SignedIn:
    idle, absolute = limits(session)
    token = secrets_format.new_token(session, secrets_format.SESSION)
    row = SignInSession(token_hash=secrets_format.digest(token), username=username,
                        client=client[:200], created_at=at, last_used_at=at,
                        expires_at=at + absolute)
    session.add(row)
    return SignedIn(token, username, min(at + idle, row.expires_at), row.expires_at)


def verify(session: Session, token: str, at: datetime | None = None) -> SignedIn:
    """The open session ``token`` proves; refuses (exit 4) an expired, revoked or unknown one,
    saying how to sign in again. Notes its use (at most once a minute)."""
    at = at or now()
    row = session.exec(select(SignInSession).where(
        SignInSession.token_hash == secrets_format.digest(token))
        .execution_options(populate_existing=True)).first()  # as last noted, by any session
    again = _("sign in again with `complaintctl login`.")
    if row is None:
        raise NotSignedIn(_("The session is not known to this database (altered, or from a "
                            "copy of it); {again}").format(again=again))
    if row.revoked_at is not None:
        raise NotSignedIn(_("The session was ended (logout, or a password reset); {again}")
                          .format(again=again))
    idle, _absolute = limits(session)
    if at >= row.expires_at or at >= row.last_used_at + idle:
        raise NotSignedIn(_("The session has expired; {again}").format(again=again))
    if at - row.last_used_at >= TOUCH_EVERY:
        note_use(session, row, at)
    return SignedIn(token, row.username, min(at + idle, row.expires_at), row.expires_at)


def note_use(session: Session, row, at: datetime) -> None:
    """Note a session's or API token's (``row``'s) last use: in the command's transaction when
    it writes (a second writer would wait for its lock), else in a short write of its own (the
    command may be a read, or on a read replica)."""
    if session.get_bind().get_execution_options().get("complaintctl_write"):
        row.last_used_at = at
        session.add(row)
        return
    from sqlmodel import Session as Side

    bind = session.info.get("write_bind")
    if bind is None:
        bind = session.get_bind().execution_options(complaintctl_write=True)
    with Side(bind) as side:
        stored = side.get(type(row), row.id)
        stored.last_used_at = max(stored.last_used_at or at, at)
        side.add(stored)
        side.commit()


def revoke(*, session: Session, token: str, client: str, at: datetime | None = None) -> str:
    """End the session ``token`` proves (logout); returns its user. Commits."""
    at = at or now()
    opened = verify(session, token, at)
    row = session.exec(select(SignInSession).where(
        SignInSession.token_hash == secrets_format.digest(token))).one()
    row.revoked_at = at
    session.add(row)
    factors.audit(session, "logout", opened.username, at, client)
    session.commit()
    return opened.username
