"""Late registration (issue 23): the reason a clerk gave for a late effective time, carried
from the front-end to the use case on the session, and the note the use case's audit event
takes. The rule itself is ``domain.late``; the window is the ``clock.late_window_days``
setting.

A front-end binds the reason given (``--late-reason``) with ``allow`` once, when it reads the
command's effective time; ``kernel.effective_time`` (every lifecycle step) and ``register``
(its ``--at`` or ``--received-at``) call ``check``, which refuses a late time without a reason
and otherwise leaves a ``Late`` for ``trail.record`` to put in the details of that action's
event (``take``). Nothing else reads it, so a use case that takes no effective time is
unaffected.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from complaintctl.domain import late
from complaintctl.services.core.stored import now, timezone_of

_REASON = "complaintctl.late_reason"
_NOTE = "complaintctl.late_note"


def allow(session: Session, reason: str | None) -> None:
    """The ``--late-reason`` given for this session's action (None: none given)."""
    if reason is None:
        session.info.pop(_REASON, None)
    else:
        session.info[_REASON] = reason


def window_days(session: Session) -> int:
    """The ``clock.late_window_days`` setting in force."""
    from complaintctl.services.core import config

    return config.load(session)["clock.late_window_days"]


def check(session: Session, effective: datetime, *, at: datetime, option: str = "--at",
          recorded: datetime | None = None) -> late.Late | None:
    """``domain.late.check`` of ``effective`` against now with the reason bound by ``allow``;
    a late one is kept for the event of the action that takes effect at ``at``."""
    session.info.pop(_NOTE, None)
    note = late.check(effective, recorded=recorded or now(), window_days=window_days(session),
                      reason=session.info.get(_REASON), tz=timezone_of(session),
                      option=option)
    if note is not None:
        session.info[_NOTE] = (at, note)
    return note


def take(session: Session, at: datetime | None) -> late.Late | None:
    """The ``Late`` left by ``check`` for the action taking effect at ``at`` (once)."""
    pending = session.info.get(_NOTE)
    if pending is None or at is None or pending[0] != at:
        return None
    del session.info[_NOTE]
    return pending[1]
