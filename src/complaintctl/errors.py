"""Errors are nouns. The CLI catches ComplaintError in one place and maps ``exit_code``.

Exit codes: 0 ok, 1 operational, 2 usage, 3 not allowed in the current state,
4 permission denied, 5 invalid data.
"""

from __future__ import annotations


class ComplaintError(Exception):
    """Something the user can fix; the message says how."""

    exit_code = 1


class NotFound(ComplaintError):
    """The complaint, staff member or record named does not exist."""

    exit_code = 1


class DatabaseProblem(ComplaintError):
    """The database cannot be opened, is not initialised, or failed a check."""

    exit_code = 1


class MailboxProblem(ComplaintError):
    """The mailbox (Maildir, mbox or IMAP server) cannot be read or marked."""

    exit_code = 1


class UsageProblem(ComplaintError):
    """The command was called with options that do not fit together."""

    exit_code = 2


class TransitionNotAllowed(ComplaintError):
    """The action is not valid from the complaint's current status."""

    exit_code = 3


class PermissionDenied(ComplaintError):
    """The acting user's role or scope does not allow the action."""

    exit_code = 4


class NotSignedIn(PermissionDenied):
    """Who is acting is not proven: no session or token, or one that is expired, revoked,
    altered, of another database or kept in a file others can read; or a wrong password."""


class PasswordChangeRequired(ComplaintError):
    """The password was set by an admin and must be replaced before signing in."""

    exit_code = 3


class InvalidData(ComplaintError):
    """A value given is malformed or breaks a rule of the domain."""

    exit_code = 5


class InvalidRecord(InvalidData):
    """One field of a submitted record (the online platform's JSON) is missing or wrong."""

    def __init__(self, field: str, reason: str, *, line: int | None = None):
        from complaintctl.i18n import _

        self.field, self.reason, self.line = field, reason, line
        text = _("{field}: {reason}").format(field=field, reason=reason)
        if line is not None:
            text = _("line {line}: {text}").format(line=line, text=text)
        super().__init__(text)


class RateLimited(ComplaintError):
    """Too many requests from one client in a short time (the web server's limits)."""

    exit_code = 1

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after
