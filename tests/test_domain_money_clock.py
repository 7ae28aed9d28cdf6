"""Exact amounts, the decision due date, and what users may type as a time. Pure: no database."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from complaintctl.domain.clock import (
    bank_tz,
    check_effective_time,
    decision_due,
    end_of_day,
    iso,
    parse_period_end,
    parse_timestamp,
)
from complaintctl.domain.money import format_amount, parse_amount, to_decimal
from complaintctl.errors import InvalidData

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = timezone.utc

# --- amounts -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cents"),
    [("1,200.5", 120050), ("1200.50", 120050), ("300", 30000), ("0.01", 1), ("0", 0),
     (" 12.30 ", 1230), ("¥1,000", 100000), ("$5", 500), ("1,234,567.89", 123456789),
     ("1.000", 100)],
)
def test_an_amount_is_stored_as_exact_cents(text, cents):
    assert parse_amount(text) == cents


def test_no_amount_is_none():
    assert parse_amount(None) is None
    assert parse_amount("") is None
    assert parse_amount("   ") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-5", "'-5' is not a positive amount."),
        ("abc", "'abc' is not an amount; write it like 1200.50."),
        ("1.234", "'1.234' has more than two decimal places."),
        ("0.005", "'0.005' has more than two decimal places."),
        ("NaN", "'NaN' is not an amount; write it like 1200.50."),
        ("Infinity", "'Infinity' is not an amount; write it like 1200.50."),
        ("1e3", "'1e3' is not an amount; write it like 1200.50."),
        ("1e999999999", "'1e999999999' is not an amount; write it like 1200.50."),
        ("1e-999999999", "'1e-999999999' is not an amount; write it like 1200.50."),
        ("1,2,3", "'1,2,3' is not an amount; write it like 1200.50."),
        ("12,00.50", "'12,00.50' is not an amount; write it like 1200.50."),
        ("1_000", "'1_000' is not an amount; write it like 1200.50."),
        ("1000000000000000", "'1000000000000000' is too large an amount."),
    ],
)
def test_a_bad_amount_is_refused_saying_what_is_wrong(text, message):
    with pytest.raises(InvalidData) as refused:
        parse_amount(text)
    assert str(refused.value) == message
    assert refused.value.exit_code == 5


def test_the_largest_amount_is_just_under_a_thousand_trillion():
    assert parse_amount("999999999999999.99") == 99999999999999999


def test_cents_format_back_as_a_two_decimal_string():
    assert format_amount(120050) == "1200.50"
    assert format_amount(5) == "0.05"
    assert format_amount(0) == "0.00"
    assert format_amount(None) is None


def test_amounts_survive_a_round_trip_exactly():
    for text in ("0.10", "0.20", "0.30", "19.99", "1000000.01"):
        cents = parse_amount(text)
        assert format_amount(cents) == text
        assert to_decimal(cents) == Decimal(text)


# --- the decision due date -----------------------------------------------------------------------


def test_the_decision_is_due_fifteen_calendar_days_after_receipt_at_end_of_day_in_shanghai():
    received = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
    due = decision_due(received, tz=SHANGHAI)
    assert due == datetime(2026, 3, 17, 23, 59, 59, tzinfo=SHANGHAI)
    assert due.tzinfo == UTC
    assert due == datetime(2026, 3, 17, 15, 59, 59, tzinfo=UTC)


def test_a_receipt_late_in_the_evening_utc_counts_from_the_next_day_in_shanghai():
    # 2026-03-01 20:00 UTC is 2026-03-02 04:00 in Shanghai: day 0 is 2 March there.
    received = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)
    assert decision_due(received, tz=SHANGHAI) == datetime(2026, 3, 17, 23, 59, 59, tzinfo=SHANGHAI)


def test_a_receipt_just_before_midnight_in_shanghai_counts_from_that_day():
    received = datetime(2026, 3, 1, 15, 59, 59, tzinfo=UTC)  # 23:59:59 on 1 March in Shanghai
    assert decision_due(received, tz=SHANGHAI) == datetime(2026, 3, 16, 23, 59, 59, tzinfo=SHANGHAI)


def test_the_due_date_counts_calendar_days_across_months_and_weekends():
    received = datetime(2026, 9, 28, 9, 0, tzinfo=SHANGHAI)  # the National Day week follows
    assert decision_due(received, tz=SHANGHAI).astimezone(SHANGHAI).date() == date(2026, 10, 13)
    received = datetime(2028, 2, 20, 9, 0, tzinfo=SHANGHAI)  # a leap year
    assert decision_due(received, tz=SHANGHAI).astimezone(SHANGHAI).date() == date(2028, 3, 6)


def test_the_number_of_days_can_be_configured():
    received = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
    assert decision_due(received, tz=SHANGHAI, days=30) == datetime(
        2026, 4, 1, 23, 59, 59, tzinfo=SHANGHAI
    )


def test_the_bank_time_zone_defaults_to_shanghai():
    assert bank_tz() == SHANGHAI
    assert bank_tz("Europe/London") == ZoneInfo("Europe/London")
    assert end_of_day(date(2026, 1, 1), SHANGHAI) == datetime(2026, 1, 1, 15, 59, 59, tzinfo=UTC)


def test_times_are_written_in_iso_8601_with_the_bank_offset():
    value = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)
    assert iso(value, SHANGHAI) == "2026-03-02T04:00:00+08:00"
    assert iso(value) == "2026-03-01T20:00:00+00:00"
    assert iso(datetime(2026, 3, 1, 20, 0)) == "2026-03-01T20:00:00+00:00"  # naive is UTC
    assert iso(None) is None


# --- what users type as a time --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-01T09:30", datetime(2026, 3, 1, 1, 30, tzinfo=UTC)),
        ("2026-03-01 09:30", datetime(2026, 3, 1, 1, 30, tzinfo=UTC)),
        ("2026-03-01", datetime(2026, 2, 28, 16, 0, tzinfo=UTC)),
        ("2026-03-01T09:30:00Z", datetime(2026, 3, 1, 9, 30, tzinfo=UTC)),
        ("2026-03-01T09:30+01:00", datetime(2026, 3, 1, 8, 30, tzinfo=UTC)),
        ("2026/03/01 9:30", datetime(2026, 3, 1, 1, 30, tzinfo=UTC)),
    ],
)
def test_a_typed_time_without_an_offset_is_bank_time_and_comes_back_in_utc(text, expected):
    value = parse_timestamp(text, tz=SHANGHAI)
    assert value == expected
    assert value.tzinfo == UTC


@pytest.mark.parametrize(
    "text",
    ["garbage", "", "2026-13-45", "2026-03-01T25:00", "tomorrow", "1", "12/03/2026",
     "03/04/2025 10:00", "0001-01-01", "0001-01-01T00:00", "9999-12-31T23:59:59-01:00"],
)
def test_a_time_that_is_not_an_unambiguous_iso_like_date_is_refused(text):
    with pytest.raises(InvalidData) as refused:
        parse_timestamp(text, tz=SHANGHAI)
    assert str(refused.value) == (
        f"'{text}' is not a date or time; use ISO 8601, e.g. 2026-11-28T09:30."
    )


NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def test_an_action_may_be_dated_now_or_in_the_past_after_the_previous_event():
    check_effective_time(NOW, now=NOW, previous=NOW - timedelta(days=1))
    check_effective_time(NOW - timedelta(hours=1), now=NOW, previous=NOW - timedelta(hours=1))
    check_effective_time(NOW - timedelta(days=400), now=NOW, previous=None)


def test_an_action_dated_in_the_future_is_refused():
    at = NOW + timedelta(minutes=5)
    with pytest.raises(InvalidData) as refused:
        check_effective_time(at, now=NOW, previous=None)
    assert str(refused.value) == (
        "--at 2026-11-28T12:05:00+00:00 is in the future; give the time the action really "
        "happened."
    )


def test_the_refusal_names_both_times_in_the_banks_time_zone_to_the_second():
    previous = NOW.replace(microsecond=250_000)
    with pytest.raises(InvalidData) as refused:
        check_effective_time(previous - timedelta(minutes=1), now=NOW, previous=previous,
                             tz=ZoneInfo("Asia/Shanghai"))
    assert str(refused.value) == (
        "--at 2026-11-28T19:59:00+08:00 is before the complaint's previous event "
        "(2026-11-28T20:00:00+08:00); give a later time."
    )


def test_a_second_of_clock_skew_is_tolerated_but_not_two():
    check_effective_time(NOW + timedelta(seconds=1), now=NOW, previous=None)
    with pytest.raises(InvalidData):
        check_effective_time(NOW + timedelta(seconds=2), now=NOW, previous=None)


def test_an_action_dated_before_the_complaints_previous_event_is_refused():
    previous = NOW - timedelta(hours=1)
    with pytest.raises(InvalidData) as refused:
        check_effective_time(previous - timedelta(seconds=1), now=NOW, previous=previous)
    assert str(refused.value) == (
        "--at 2026-11-28T10:59:59+00:00 is before the complaint's previous event "
        "(2026-11-28T11:00:00+00:00); give a later time."
    )


@pytest.mark.parametrize("text", ["2026-03-02", "20260302", "2026/3/2", " 2026-03-02 "])
def test_a_period_ending_on_a_date_includes_the_whole_of_that_day_in_bank_time(text):
    end = parse_period_end(text, tz=SHANGHAI)
    assert end == datetime(2026, 3, 2, 23, 59, 59, 999999, tzinfo=SHANGHAI)
    assert end.tzinfo == UTC


def test_a_period_ending_at_a_time_ends_at_that_instant():
    assert parse_period_end("2026-03-02T12:00", tz=SHANGHAI) == datetime(
        2026, 3, 2, 4, 0, tzinfo=UTC)
    with pytest.raises(InvalidData):
        parse_period_end("soon", tz=SHANGHAI)
