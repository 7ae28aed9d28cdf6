"""What the workspace says when a step fails: the sentence the CLI gives for the same failure
(``cli/__init__.py``'s mapping), so that nothing a user does shows a traceback. A refusal or
invalid data is the error's own sentence; a database failure names its first line (never the
SQL parameters, which may hold personal data); anything else is an internal error, with the
hint to set COMPLAINTCTL_DEBUG=1 (which lets it through)."""

from __future__ import annotations

from complaintctl.errors import ComplaintError
from complaintctl.i18n import _
from complaintctl.settings import settings


def problem(error: Exception) -> str:
    if isinstance(error, ComplaintError):
        return str(error)
    if settings.debug:
        raise error
    if type(error).__module__.startswith("sqlalchemy"):
        orig = getattr(error, "orig", None)
        first = str(orig if orig is not None else type(error).__name__).splitlines()[0]
        return _("The database failed: {problem}. Check --db and run `complaintctl db "
                 "check`.").format(problem=first)
    if isinstance(error, OSError):
        from complaintctl.i18n import os_problem

        return _("{problem}.").format(problem=os_problem(error))
    return _("complaintctl hit an internal error ({kind}); nothing was changed. Please report "
             "it; set COMPLAINTCTL_DEBUG=1 to see the details.").format(kind=type(error).__name__)
