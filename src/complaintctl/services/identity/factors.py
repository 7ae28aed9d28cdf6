"""What a sign-in proves, first factor: the password, checked against the local Argon2id hash
or, when the directory is on (``auth.ldap.url``), by binding to it. Failures are recorded and
count towards the lockout either way.

Who signs in through the directory: with ``auth.ldap.url`` set, every member of staff except
those named in ``auth.ldap.local`` (break-glass accounts, which keep their complaintctl
password). The member of staff must exist, active, in complaintctl; when ``auth.ldap.groups``
is set, the directory gives the role (a change is written to the staff row, audited) and a
user in none of those groups is refused."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session

from complaintctl.domain.enums import EventKind
from complaintctl.errors import NotSignedIn, PermissionDenied
from complaintctl.i18n import _
from complaintctl.services.core import trail
from complaintctl.services.core.stored import timezone_of
from complaintctl.services.identity import ldap, lockout, passwords
from complaintctl.store.models import Staff
from complaintctl.store.models_identity import Credential


def audit(session: Session, action: str, username: str, at: datetime, client: str,
          **details) -> None:
    trail.record(session, kind=EventKind.access, action=action, actor=username[:64], at=at,
                 details={"client": client, **details})


def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def check_password(session: Session, username: str, password: str, client: str,
                   at: datetime) -> tuple[Staff, Credential | None]:
    """The member of staff ``password`` proves, and their local credential (None for a
    directory user). A failure raises NotSignedIn after recording it (and committing)."""
    staff, credential = passwords.credential_of(session, username)
    directory = ldap.directory_for(session, username)
    if directory is None:
        if credential is not None and staff.active:
            matches = passwords.verify(credential.password_hash, password)
        else:
            matches = passwords.verify_nobody(password)
        locked = lockout.locked_until(session, username, at)
    else:
        locked = lockout.locked_until(session, username, at)  # a locked name is not tried
        groups = None if locked else ldap.bind(directory, username, password)
        matches = groups is not None and staff is not None and staff.active
    if locked is not None or not matches:
        refuse(session, username, client, at, locked)
    if directory is not None:
        _role_from_directory(session, staff, directory, groups, client, at)
        credential = None
    return staff, credential


def _role_from_directory(session: Session, staff: Staff, directory: ldap.Directory,
                         groups: list[str], client: str, at: datetime) -> None:
    if not directory.groups:
        return
    role = ldap.role_of(directory, groups)
    if role is None:
        audit(session, "sign-in refused: no group", staff.username, at, client)
        session.commit()
        raise PermissionDenied(_(
            "{user} is in none of the directory groups that give a role here (auth.ldap."
            "groups); ask an admin to add them to one. Nothing was signed in.").format(
                user=staff.username))
    if role != staff.role:
        audit(session, "staff role from directory", staff.username, at, client,
              staff=staff.username, before=staff.role, after=role)
        staff.role = role
        session.add(staff)


def refuse(session: Session, username: str, client: str, at: datetime,
           locked: datetime | None, *, factor: str = "password"):
    """Record a failed (or locked) sign-in, commit, and raise NotSignedIn saying which."""
    if locked is None:
        locked_now = lockout.record(session, username, ok=False, client=client, at=at)
        audit(session, "sign-in failed", username, at, client,
              **({"factor": factor} if factor != "password" else {}))
        if locked_now is not None:
            audit(session, "lockout", username, at, client, until=utc(locked_now))
    else:
        audit(session, "sign-in refused: locked", username, at, client, until=utc(locked))
    session.commit()
    if locked is not None:
        shown = locked.astimezone(timezone_of(session)).strftime("%H:%M")
        raise NotSignedIn(_("{user} is locked after too many failed sign-ins until {time}; try "
                            "again then, or ask an admin.").format(user=username, time=shown))
    if factor == "code":
        raise NotSignedIn(_("The code is wrong, or was used already; nothing was signed in. "
                            "Wait for the next code of your authenticator app."))
    raise NotSignedIn(_("Wrong user name or password; nothing was signed in."))
