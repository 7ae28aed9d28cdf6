"""The second factor (TOTP, RFC 6238, through ``pyotp``): enrolment, the code checked at
sign-in, and an admin's reset. ``auth.mfa.admins`` makes it required for admins: one not
enrolled is told to enrol and signs in no further.

A code is accepted for the current 30-second step and one step either side (clock drift),
and never twice: the step of the last accepted code is kept, and a code of that step or an
earlier one is refused (a replay). A wrong code counts towards the lockout as a wrong password
does. The secret is stored encrypted (AES-GCM, bound to the user name) under a key kept in the
database's settings: it is never shown after enrolment nor written to the trail, though
whoever can read the whole database could decrypt it (see the README's threat model)."""

from __future__ import annotations

import base64
import hmac
import os
from datetime import datetime

from sqlmodel import Session, select

from complaintctl.domain.enums import EventKind, Role
from complaintctl.domain.permissions import Permission
from complaintctl.errors import (
    EnrolmentRequired,
    InvalidData,
    NotFound,
    SecondFactorRequired,
    TransitionNotAllowed,
)
from complaintctl.i18n import _
from complaintctl.services.core import config, trail
from complaintctl.services.core.context import Actor, now, use_case
from complaintctl.services.core.stored import get_setting, set_setting
from complaintctl.services.identity import factors
from complaintctl.store.models import Staff
from complaintctl.store.models_identity import MfaSecret

STEP_SECONDS = 30
DRIFT_STEPS = 1
ISSUER = "complaintctl"
_KEY = "auth.mfa.key"


def new_secret() -> str:
    """A fresh random secret (160 bits, base32), to be shown to the user once."""
    import pyotp

    return pyotp.random_base32(32)


def uri(secret: str, username: str) -> str:
    """The otpauth:// URI an authenticator app reads (as a QR code or pasted)."""
    import pyotp

    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def _key(session: Session) -> bytes:
    value = get_setting(session, _KEY)
    if value is None:
        value = base64.b64encode(os.urandom(32)).decode("ascii")
        set_setting(session, _KEY, value)
    return base64.b64decode(value)


def _seal(session: Session, secret: str, username: str) -> str:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    sealed = AESGCM(_key(session)).encrypt(nonce, secret.encode("ascii"), username.encode())
    return "v1:" + base64.b64encode(nonce + sealed).decode("ascii")


def _open(session: Session, sealed: str, username: str) -> str:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    raw = base64.b64decode(sealed.removeprefix("v1:"))
    return AESGCM(_key(session)).decrypt(raw[:12], raw[12:], username.encode()).decode("ascii")


def _step_matching(secret: str, code: str, at: datetime) -> int | None:
    """The time step (within the drift allowed) whose code ``code`` is, or None."""
    import pyotp

    code = code.strip().replace(" ", "")
    if not code.isdigit():
        return None
    totp, current = pyotp.TOTP(secret), int(at.timestamp()) // STEP_SECONDS
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def enrolled(session: Session, staff: Staff) -> MfaSecret | None:
    return session.get(MfaSecret, staff.id)


def second_factor(session: Session, staff: Staff, code: str | None, client: str,
                  at: datetime) -> None:
    """After the password: check the code of an enrolled user (a wrong or replayed one is a
    failed sign-in); refuse an admin without a second factor when ``auth.mfa.admins`` is on."""
    row = session.exec(select(MfaSecret).where(MfaSecret.staff_id == staff.id)
                       .with_for_update()).first()
    if row is None:
        if staff.role == Role.admin.value and config.load(session)["auth.mfa.admins"]:
            factors.audit(session, "sign-in refused: no mfa", staff.username, at,
                          client)
            session.commit()
            raise EnrolmentRequired(_(
                "Admins sign in with a second factor here (auth.mfa.admins) and {user} has "
                "none: enrol with `complaintctl staff mfa enrol {user}`, then sign in.")
                .format(user=staff.username))
        return
    if code is None:
        raise SecondFactorRequired(_("{user} signs in with a code from their authenticator app "
                                     "too.").format(user=staff.username))
    step = _step_matching(_open(session, row.secret_enc, staff.username), code, at)
    if step is None or step <= row.last_step:
        factors.refuse(session, staff.username, client, at, None, factor="code")
    row.last_step = step
    session.add(row)


def enrol(*, session: Session, username: str, password: str, secret: str, code: str,
          client: str, at: datetime | None = None) -> None:
    """Enrol ``username``'s second factor: their password proves them (failures count towards
    the lockout), the first ``code`` proves their app has ``secret``. Commits."""
    at = at or now()
    if get_setting(session, "auth.mode") != "required":
        raise TransitionNotAllowed(_(
            "This database does not check sign-in (--no-auth): a second factor would protect "
            "nothing here; nothing was enrolled."))
    staff, _credential = factors.check_password(session, username, password, client, at)
    if enrolled(session, staff) is not None:
        raise TransitionNotAllowed(_(
            "{user} has a second factor already; an admin resets it (`complaintctl staff mfa "
            "reset {user}`) before a new one is enrolled.").format(user=username))
    step = _step_matching(secret, code, at)
    if step is None:
        raise InvalidData(_("That code does not match the secret; nothing was enrolled. Run "
                            "`complaintctl staff mfa enrol` again (a new secret)."))
    session.add(MfaSecret(staff_id=staff.id, secret_enc=_seal(session, secret, username),
                          enrolled_at=at, last_step=step))
    factors.audit(session, "mfa enrol", username, at, client)
    session.commit()


def reset(*, session: Session, actor: Actor, username: str, client: str = "",
          at: datetime | None = None) -> None:
    """Remove ``username``'s second factor (an admin: a lost phone); they enrol again."""
    at = at or now()
    with use_case(session, actor, "staff mfa reset"):
        actor.check(Permission.staff)
        staff = session.exec(select(Staff).where(Staff.username == username)).first()
        row = enrolled(session, staff) if staff is not None else None
        if row is None:
            raise NotFound(_("{user} has no second factor to reset; see `complaintctl staff "
                             "list`.").format(user=username))
        session.delete(row)
        trail.record(session, kind=EventKind.admin, action="staff mfa reset",
                     actor=actor.username, at=at, details={"staff": username,
                                                           "client": client})
