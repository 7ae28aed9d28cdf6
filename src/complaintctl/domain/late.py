"""Late registration (issue 23): an effective time given for an action (``--at``, or the
receipt time a clerk gives to ``register``) more than the window (``clock.late_window_days``,
default 7) before the moment it is recorded needs a reason, and the action is marked late.

Pure: the caller gives the times, the window and the reason; ``check`` says whether the
action is late (a ``Late`` to record) or refuses it. Exactly the window back is not late;
a second more is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from complaintctl.domain import limits
from complaintctl.errors import InvalidData
from complaintctl.i18n import _

DEFAULT_WINDOW_DAYS = 7
#: the longest window ``config set clock.late_window_days`` accepts (a hundred years)
MAX_WINDOW_DAYS = 36_500


@dataclass(frozen=True)
class Late:
    """A late action: why (as the clerk gave it), the window it exceeded, and by how much."""

    reason: str
    window_days: int
    days_back: int

    def as_details(self) -> dict[str, object]:
        """What the action's audit event carries under ``late`` (its presence marks it)."""
        return {"reason": self.reason, "window_days": self.window_days,
                "days_back": self.days_back}


def is_late(effective: datetime, *, recorded: datetime, window_days: int) -> bool:
    """Whether ``effective`` is more than ``window_days`` days before ``recorded``."""
    return recorded - effective > timedelta(days=window_days)


def check(effective: datetime, *, recorded: datetime, window_days: int,
          reason: str | None, tz: tzinfo = UTC, option: str = "--at"
          ) -> Late | None:
    """The ``Late`` to record when ``effective`` is more than the window before ``recorded``
    and a reason is given; None when it is not late and no reason is given. Refused
    (InvalidData, exit 5): late without a reason, a blank or too long reason, and a reason
    for a time that is not late (it would mark an action late that is not). The refusal
    names ``option`` and the time in ``tz`` (the bank's zone)."""
    given = (reason or "").strip()
    if reason is not None:
        if not given:
            raise InvalidData(_("--late-reason cannot be blank; say why the time is late."))
        limits.check("late_reason", given)
    if not is_late(effective, recorded=recorded, window_days=window_days):
        if reason is not None:
            raise InvalidData(_(
                "--late-reason is only for a time more than {days} days before now "
                "(clock.late_window_days); this one is not late, so leave it out.").format(
                days=window_days))
        return None
    if not given:
        raise InvalidData(_(
            "{option} {at} is more than {days} days before now (clock.late_window_days): "
            "recording it this late needs a reason; add --late-reason TEXT.").format(
            option=option, at=effective.astimezone(tz).isoformat(timespec="seconds"),
            days=window_days))
    return Late(given, window_days, (recorded - effective).days)
