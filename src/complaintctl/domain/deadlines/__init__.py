"""The regulatory clock: policy profiles and deadline arithmetic. Pure: ``now`` is passed in.

How a deadline is counted (CBIRC 2020 Art 18, 20, 23, 43; the same walk serves every profile):

1. Day 1 is the day after the clock's anchor (receipt, reopening with new facts, or a review
   request), in the bank's time zone. A "day" is a calendar day (Art 43); a rule in business
   days counts only working days (public holidays and weekends skipped, 调休 make-up days
   counted).
2. Each counted day contributes the part of it during which the clock ran: time inside a pause
   (appraisal, testing, valuation, mediation: Art 18, 23) is not counted. The deadline is the
   end (23:59:59) of the day on which the counted time reaches the rule's number of days.
3. A pause still open is left out: the deadline is frozen where it was when the clock stopped,
   and moves later by the pause's length when it resumes.
4. An extension raises the number of days (the ladder counts from the same anchor: 15 -> 30 ->
   60 for CBIRC); it can never move a deadline earlier.
5. If the profile says so, a deadline falling on a non-working day rolls to the end of the next
   working day (default: no; CBIRC counts calendar days).
"""
# ``profiles`` holds the policy profiles, ``walk`` the deadline arithmetic, ``complaint_clock``
# one complaint's clock (its state, progress and review window).

from complaintctl.domain.deadlines.complaint_clock import (
    RUNNING,
    ClockState,
    Progress,
    due,
    humanize,
    parse_duration,
    progress,
    review_window_closes,
    rule_for,
)
from complaintctl.domain.deadlines.profiles import (
    BUILTIN,
    CN_CBIRC_2020,
    DEFAULT_PROFILE,
    UK_FCA,
    US_CFPB,
    Approver,
    ClockKind,
    ExtensionStep,
    Profile,
    Rule,
    Unit,
    profile_from_dict,
    shipped_text,
)
from complaintctl.domain.deadlines.walk import (
    MAX_DAYS,
    Deadline,
    Pause,
    day_bounds,
    deadline,
    end_of_day,
    paused_seconds,
)

__all__ = [
    "BUILTIN", "CN_CBIRC_2020", "DEFAULT_PROFILE", "MAX_DAYS", "RUNNING", "UK_FCA", "US_CFPB",
    "Approver", "ClockKind", "ClockState", "Deadline", "ExtensionStep", "Pause", "Profile",
    "Progress", "Rule", "Unit", "day_bounds", "deadline", "due", "end_of_day", "humanize",
    "parse_duration", "paused_seconds", "profile_from_dict", "progress", "review_window_closes",
    "rule_for", "shipped_text",
]
