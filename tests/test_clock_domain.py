"""The regulatory clock's arithmetic, pure: profiles, calendars, pauses, extensions, rolling.

Expected dates are worked out by hand from the State Council's 2026 holiday notice (国办发明电
〔2025〕7号: New Year 1-3 Jan, work Sun 4 Jan; Spring Festival 15-23 Feb, work Sat 14 and Sat 28
Feb; Labour Day 1-5 May, work Sat 9 May; National Day 1-7 Oct, work Sun 20 Sep and Sat 10 Oct),
the England and Wales bank holidays and the US federal holidays.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from complaintctl.domain import deadlines
from complaintctl.domain.calendars import WorkCalendar, parse_dates
from complaintctl.domain.deadlines import (
    BUILTIN,
    ClockKind,
    ClockState,
    Pause,
    Rule,
    Unit,
    deadline,
    profile_from_dict,
)
from complaintctl.errors import InvalidData

SH = ZoneInfo("Asia/Shanghai")
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
CN = WorkCalendar("CN")
ENG = WorkCalendar("GB-ENG")
US = WorkCalendar("US")


def at(text: str, tz=SH) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=tz)


def local_day(value: datetime, tz=SH) -> date:
    return value.astimezone(tz).date()


# --- the calendars ---------------------------------------------------------------------------


def test_china_2026_make_up_working_days_are_working_days_although_weekends():
    for day in ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20",
                "2026-10-10"]:
        d = date.fromisoformat(day)
        assert d.weekday() >= 5
        assert CN.is_working_day(d), day
        assert CN.is_makeup_workday(d)


def test_china_national_day_2026_is_seven_days_off():
    days = [date(2026, 10, d) for d in range(1, 8)]
    assert [CN.is_working_day(d) for d in days] == [False] * 7
    assert CN.is_working_day(date(2026, 9, 30)) and CN.is_working_day(date(2026, 10, 8))


#: the State Council's 2026 notice (国办发明电〔2025〕7号): days off, and weekend days worked
OFF_2026 = [("01-01", "01-03"), ("02-15", "02-23"), ("04-04", "04-06"), ("05-01", "05-05"),
            ("06-19", "06-21"), ("09-25", "09-27"), ("10-01", "10-07")]
MAKE_UP_2026 = ["01-04", "02-14", "02-28", "05-09", "09-20", "10-10"]


def test_every_day_of_2026_is_a_working_day_exactly_as_the_state_council_notice_says():
    off = set()
    for first, last in OFF_2026:
        day = date.fromisoformat(f"2026-{first}")
        while day <= date.fromisoformat(f"2026-{last}"):
            off.add(day)
            day += timedelta(days=1)
    make_up = {date.fromisoformat(f"2026-{d}") for d in MAKE_UP_2026}
    day, wrong = date(2026, 1, 1), []
    while day.year == 2026:
        expected = day not in off and (day.weekday() < 5 or day in make_up)
        if CN.is_working_day(day) != expected:
            wrong.append(day.isoformat())
        day += timedelta(days=1)
    assert wrong == []
    assert len(off) == 33 and sum(d.weekday() < 5 for d in off) == 19


def test_a_bank_override_adds_a_holiday_and_a_make_up_day():
    cal = WorkCalendar("CN", extra_holidays=parse_dates("2027-02-11"),
                       extra_workdays=parse_dates(["2027-02-20"]))
    assert not cal.is_working_day(date(2027, 2, 11))
    assert cal.is_working_day(date(2027, 2, 20))  # a Saturday
    assert cal.holiday_name(date(2027, 2, 11)) == "bank holiday (configured)"


def test_a_year_without_published_make_up_days_is_flagged_as_not_official():
    assert CN.is_official(2026)
    # 2035: years before its schedule is published, so this holds whatever holidays release is
    # installed (2027 too is statutory-only in holidays 0.109, but a release may add it)
    assert not CN.is_official(2035)
    assert WorkCalendar("CN", extra_workdays=parse_dates("2035-02-17")).is_official(2035)


# --- the due-time table ------------------------------------------------------------------------

CBIRC, FCA, CFPB = BUILTIN["cn-cbirc-2020"], BUILTIN["uk-fca"], BUILTIN["us-cfpb"]
ROLL = profile_from_dict("cn-roll", {"roll_to_working_day": True}, known=BUILTIN)

#: (profile, received, time zone, calendar, expected decision due date, why)
TABLE = [
    (CBIRC, "2026-09-30T10:00", SH, CN, "2026-10-15", "national day counts: calendar days"),
    (CBIRC, "2026-09-17T10:00", SH, CN, "2026-10-02", "due inside national day, no roll"),
    (ROLL, "2026-09-17T10:00", SH, CN, "2026-10-08", "rolled past 2-7 Oct to Thu 8 Oct"),
    (ROLL, "2026-09-25T10:00", SH, CN, "2026-10-10", "Sat 10 Oct is a make-up working day"),
    (CBIRC, "2026-12-17T09:00", SH, CN, "2027-01-01", "new year's day 2027 stands"),
    (ROLL, "2026-12-17T09:00", SH, CN, "2027-01-04", "1 Jan 2027 Fri + weekend: Mon 4 Jan"),
    (CBIRC, "2025-12-20T15:00", SH, CN, "2026-01-04", "over new year 2026"),
    (ROLL, "2025-12-18T15:00", SH, CN, "2026-01-04", "2 Jan 2026 off, Sun 4 Jan works"),
    (CBIRC, "2026-11-28T12:00", SH, CN, "2026-12-13", "a Saturday receipt, due a Sunday"),
    (ROLL, "2026-11-28T12:00", SH, CN, "2026-12-14", "Sunday rolls to Monday"),
    (CBIRC, "2026-03-02T23:59:59", SH, CN, "2026-03-17", "received one second before midnight"),
    (CBIRC, "2026-03-02T00:00:00", SH, CN, "2026-03-17", "received at midnight"),
    (FCA, "2026-12-21T10:00", LONDON, ENG, "2027-02-15", "8 weeks = 56 calendar days"),
    (FCA, "2026-03-20T10:00", LONDON, ENG, "2026-05-15", "8 weeks across the clock change"),
    (CFPB, "2026-06-30T10:00", NEW_YORK, US, "2026-08-29", "closure 60 days"),
]


@pytest.mark.parametrize(("profile", "received", "tz", "cal", "expected", "why"), TABLE,
                         ids=[f"{p.name}-{r}" for p, r, *_rest in TABLE])
def test_the_decision_due_time_table(profile, received, tz, cal, expected, why):
    result = deadline(at(received, tz), profile.decision, tz=tz, calendar=cal,
                      roll=profile.roll_to_working_day)
    due = result.due_at.astimezone(tz)
    assert due.date() == date.fromisoformat(expected), why
    assert (due.hour, due.minute, due.second) == (23, 59, 59)
    assert result.due_at.tzinfo == UTC


#: (profile, received, tz, calendar, rule name, expected due date)
ACK_TABLE = [
    (CBIRC, "2026-09-30T10:00", SH, CN, "acknowledgement", "2026-10-08"),  # next working day
    (CBIRC, "2026-09-19T10:00", SH, CN, "acknowledgement", "2026-09-20"),  # Sun make-up day
    (CBIRC, "2025-12-31T10:00", SH, CN, "acknowledgement", "2026-01-04"),  # Sun 4 Jan works
    (CBIRC, "2026-11-27T18:00", SH, CN, "acknowledgement", "2026-11-30"),  # Fri -> Mon
    (FCA, "2026-12-23T10:00", LONDON, ENG, "summary", "2026-12-30"),  # 24, 29, 30 Dec
    (FCA, "2026-12-24T10:00", LONDON, ENG, "acknowledgement", "2026-12-29"),  # after Boxing Day
    (CFPB, "2026-06-30T10:00", NEW_YORK, US, "acknowledgement", "2026-07-15"),  # 15 days
]


@pytest.mark.parametrize(("profile", "received", "tz", "cal", "rule", "expected"), ACK_TABLE,
                         ids=[f"{p.name}-{r}-{n}" for p, r, _t, _c, n, _e in ACK_TABLE])
def test_the_acknowledgement_and_summary_clock_table(profile, received, tz, cal, rule, expected):
    result = deadline(at(received, tz), getattr(profile, rule), tz=tz, calendar=cal)
    assert local_day(result.due_at, tz) == date.fromisoformat(expected)


def test_the_decision_ends_at_23_59_59_shanghai_which_is_15_59_59_utc():
    result = deadline(at("2026-03-02T09:00"), Rule(15), tz=SH, calendar=CN)
    assert result.due_at == datetime(2026, 3, 17, 15, 59, 59, tzinfo=UTC)


# --- pauses ------------------------------------------------------------------------------------


def test_a_paused_complaint_does_not_count_appraisal_days_toward_its_deadline():
    pause = Pause(at("2026-10-03T10:00"), at("2026-10-05T15:00"), "appraisal")  # 2d 5h
    result = deadline(at("2026-09-30T10:00"), Rule(15), tz=SH, calendar=CN, pauses=[pause])
    # 15 Oct 23:59:59 + 2d 5h = 18 Oct 04:59:59: the day in which the count completes ends it
    assert local_day(result.due_at) == date(2026, 10, 18)
    assert result.pause_effects == [(pause, 2 * 86400 + 5 * 3600)]
    assert local_day(result.base_due_at) == date(2026, 10, 15)


def test_an_open_pause_freezes_the_deadline_until_it_is_resumed():
    started = at("2026-10-03T10:00")
    open_ = deadline(at("2026-09-30T10:00"), Rule(15), tz=SH, calendar=CN,
                     pauses=[Pause(started, None, "mediation")])
    assert local_day(open_.due_at) == date(2026, 10, 15)
    state = ClockState(received_at=at("2026-09-30T10:00"), status="investigating",
                       pauses=(Pause(started, None, "mediation"),), paused=True)
    p1 = deadlines.progress(state, open_.due_at, at("2026-10-10T10:00"))
    p2 = deadlines.progress(state, open_.due_at, at("2026-11-10T10:00"))
    assert p1.left == p2.left == int((open_.due_at - started).total_seconds())


def test_a_pause_on_the_day_of_receipt_is_outside_the_count_and_moves_nothing():
    pause = Pause(at("2026-03-02T10:00"), at("2026-03-02T18:00"), "appraisal")
    result = deadline(at("2026-03-02T09:00"), Rule(15), tz=SH, calendar=CN, pauses=[pause])
    assert local_day(result.due_at) == date(2026, 3, 17)
    assert result.pause_effects == [(pause, 0)]


def test_a_pause_after_the_deadline_passed_does_not_revive_it():
    pause = Pause(at("2026-03-20T10:00"), at("2026-03-25T10:00"), "appraisal")
    result = deadline(at("2026-03-02T09:00"), Rule(15), tz=SH, calendar=CN, pauses=[pause])
    assert local_day(result.due_at) == date(2026, 3, 17)


def test_a_business_day_rule_skips_holidays_and_counts_make_up_days():
    result = deadline(at("2026-09-29T10:00"), Rule(3, Unit.business), tz=SH, calendar=CN)
    # 30 Sep counts, 1-7 Oct are off, 8 and 9 Oct count
    assert local_day(result.due_at) == date(2026, 10, 9)
    assert date(2026, 10, 4) in result.skipped_days


# --- extensions and profiles -------------------------------------------------------------------


def test_the_cbirc_extension_ladder_is_30_then_60_days_from_receipt():
    state = ClockState(received_at=at("2026-03-02T09:00"), status="investigating")
    dues = []
    for level in (0, 1, 2):
        s = ClockState(**{**state.__dict__, "extension_level": level})
        dues.append(local_day(deadlines.due(CBIRC, s, tz=SH, calendar=CN).due_at))
    assert dues == [date(2026, 3, 17), date(2026, 4, 1), date(2026, 5, 1)]
    assert CBIRC.extension(2).approver is deadlines.Approver.senior
    assert CBIRC.extension(2).customer_notice and not CBIRC.extension(1).customer_notice


def test_the_review_clock_counts_30_days_from_the_request():
    state = ClockState(received_at=at("2026-01-05T09:00"), status="under_review",
                       kind=ClockKind.review, started_at=at("2026-02-10T10:00"))
    assert local_day(deadlines.due(CBIRC, state, tz=SH, calendar=CN).due_at) == date(2026, 3, 12)
    closes = deadlines.review_window_closes(CBIRC, at("2026-02-01T10:00"), tz=SH, calendar=CN)
    assert local_day(closes) == date(2026, 3, 3)


def test_a_custom_profile_inherits_and_overrides():
    custom = profile_from_dict("bank-10", {"decision": "10 calendar days",
                                           "extensions": [{"days": 20, "approver": "senior"}],
                                           "roll_to_working_day": True}, known=BUILTIN)
    assert custom.decision == Rule(10) and custom.review_window == Rule(30)
    assert custom.extension(1).days == 20 and custom.roll_to_working_day


@pytest.mark.parametrize("bad", [
    {"decision": "fifteen days"}, {"decision": 0}, {"based_on": "nope"},
    {"extensions": [{"days": 10}]}, {"calendar": "Mars"}, {"colour": "red"},
])
def test_a_bad_custom_profile_is_refused_with_a_sentence(bad):
    with pytest.raises(InvalidData):
        profile_from_dict("bad", bad, known=BUILTIN)


def test_durations_for_due_within():
    assert deadlines.parse_duration("2d") == timedelta(days=2)
    assert deadlines.parse_duration("36h") == timedelta(hours=36)
    with pytest.raises(InvalidData, match="not a duration"):
        deadlines.parse_duration("soon")


# --- properties --------------------------------------------------------------------------------

moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 6, 30),
                       timezones=st.just(SH))


@st.composite
def pause_lists(draw, start):
    pauses, cursor = [], start
    for _ in range(draw(st.integers(0, 3))):
        begin = cursor + timedelta(seconds=draw(st.integers(0, 20 * 86400)))
        end = begin + timedelta(seconds=draw(st.integers(1, 10 * 86400)))
        pauses.append(Pause(begin, end, "appraisal"))
        cursor = end
    return pauses


@settings(max_examples=150, deadline=None)
@given(received=moments, data=st.data(), days=st.integers(1, 60))
def test_paused_time_is_never_counted(received, data, days):
    pauses = data.draw(pause_lists(received))
    result = deadline(received, Rule(days), tz=SH, calendar=CN, pauses=pauses)
    day1 = datetime.combine(local_day(received) + timedelta(days=1), datetime.min.time(), SH)
    end = result.due_at + timedelta(seconds=1)
    paused = deadlines.paused_seconds(pauses, day1, end)
    counted = (end - day1).total_seconds() - paused
    assert counted >= days * 86400  # at least the allowed time ran outside pauses
    assert counted < (days + 1) * 86400  # and not a whole day more: the deadline is the first
    assert result.due_at >= deadline(received, Rule(days), tz=SH, calendar=CN).due_at


@settings(max_examples=100, deadline=None)
@given(received=moments, data=st.data(), low=st.integers(0, 2), high=st.integers(0, 2),
       roll=st.booleans())
def test_an_extension_never_moves_a_due_date_earlier(received, data, low, high, roll):
    low, high = sorted((low, high))
    pauses = tuple(data.draw(pause_lists(received)))
    profile = ROLL if roll else CBIRC
    base = ClockState(received_at=received, status="investigating", pauses=pauses)
    before = deadlines.due(profile, ClockState(**{**base.__dict__, "extension_level": low}),
                           tz=SH, calendar=CN)
    after = deadlines.due(profile, ClockState(**{**base.__dict__, "extension_level": high}),
                          tz=SH, calendar=CN)
    assert after.due_at >= before.due_at


def test_pauses_a_microsecond_off_midnight_never_make_the_deadline_a_day_early():
    # found by Hypothesis: truncating each day's overlap counted a second that the
    # whole-window total did not, so the deadline fell a day early
    received = datetime(2025, 1, 5, 12, 0, tzinfo=SH)
    tick = timedelta(microseconds=1)
    a = datetime(2025, 1, 6, tzinfo=SH) + tick
    b = datetime(2025, 1, 8, tzinfo=SH)
    pauses = [Pause(a, a + timedelta(days=1), "appraisal"),
              Pause(b, b + timedelta(seconds=1), "appraisal")]
    result = deadline(received, Rule(2), tz=SH, calendar=CN, pauses=pauses)
    day1 = datetime(2025, 1, 6, tzinfo=SH)
    end = result.due_at + timedelta(seconds=1)
    counted = (end - day1).total_seconds() - deadlines.paused_seconds(pauses, day1, end)
    assert counted >= 2 * 86400
    assert result.due_at == datetime(2025, 1, 9, 23, 59, 59, tzinfo=SH)
