"""Pure pieces of the reports: periods, buckets, business days, the code table, spikes."""

from __future__ import annotations

from datetime import date

import pytest

from complaintctl.domain import period as p
from complaintctl.domain.classification import default_text, parse
from complaintctl.domain.stats import is_spike, nearest_rank
from complaintctl.errors import InvalidData, UsageProblem


@pytest.mark.parametrize("text,start,end", [
    ("2026-11", date(2026, 11, 1), date(2026, 11, 30)),
    ("2026-02", date(2026, 2, 1), date(2026, 2, 28)),
    ("2026-Q3", date(2026, 7, 1), date(2026, 9, 30)),
    ("2026-q4", date(2026, 10, 1), date(2026, 12, 31)),
    ("2026-H1", date(2026, 1, 1), date(2026, 6, 30)),
    ("2026-H2", date(2026, 7, 1), date(2026, 12, 31)),
    ("2026", date(2026, 1, 1), date(2026, 12, 31)),
    ("2026-W01", date(2025, 12, 29), date(2026, 1, 4)),
    ("2026-11-05", date(2026, 11, 5), date(2026, 11, 5)),
])
def test_a_period_names_whole_local_days(text, start, end):
    assert p.parse_period(text) == p.Period(start, end)


@pytest.mark.parametrize("text", ["2026-13", "2026-Q5", "26", "last month", "2026-02-30"])
def test_a_bad_period_says_which_forms_work(text):
    with pytest.raises(UsageProblem, match="is not a period; use 2026-11, 2026-Q3"):
        p.parse_period(text)


def test_the_default_period_is_this_month_or_for_regulatory_this_quarter():
    today = date(2026, 11, 28)
    assert p.resolve(period=None, date_from=None, date_to=None, today=today) == \
        p.Period(date(2026, 11, 1), date(2026, 11, 30))
    assert p.resolve(period=None, date_from=None, date_to=None, today=today,
                     default="quarter") == p.Period(date(2026, 10, 1), date(2026, 12, 31))
    assert p.resolve(period="all", date_from=None, date_to=None, today=today,
                     earliest=date(2024, 3, 9)) == p.Period(date(2024, 3, 9), today)


def test_period_bounds_are_local_midnights_in_utc():
    from zoneinfo import ZoneInfo

    start, end = p.Period(date(2026, 11, 1), date(2026, 11, 30)).bounds(ZoneInfo("Asia/Shanghai"))
    assert start.isoformat() == "2026-10-31T16:00:00+00:00"
    assert end.isoformat() == "2026-11-30T16:00:00+00:00"


def test_week_and_month_buckets_are_clipped_to_the_period():
    weeks = p.buckets(p.Period(date(2026, 11, 1), date(2026, 11, 30)), "week")
    assert (weeks[0].label, weeks[0].start, weeks[0].end) == ("2026-W44", date(2026, 11, 1),
                                                             date(2026, 11, 1))
    assert weeks[-1].end == date(2026, 11, 30) and len(weeks) == 6
    months = p.buckets(p.Period(date(2026, 1, 15), date(2026, 3, 10)), "month")
    assert [m.label for m in months] == ["2026-01", "2026-02", "2026-03"]
    before = p.preceding(months, "month", 2)
    assert [(b.label, b.start) for b in before] == [("2025-11", date(2025, 11, 1)),
                                                    ("2025-12", date(2025, 12, 1))]


def test_three_business_days_after_a_friday_end_on_wednesday():
    assert p.add_business_days(date(2026, 11, 27), 3) == date(2026, 12, 2)
    assert p.add_business_days(date(2026, 11, 23), 3) == date(2026, 11, 26)
    assert p.add_business_days(date(2026, 11, 23), 3, frozenset({date(2026, 11, 24)})) == \
        date(2026, 11, 27)


def test_the_shipped_code_table_maps_every_channel_and_common_products():
    table = parse(default_text())
    from complaintctl.domain.enums import Channel

    assert all(table.codes[table.a_code(c.value)].dimension == "A" for c in Channel)
    assert table.b_code("Credit card or prepaid card") == "B03"
    assert table.b_code("Credit reporting, credit repair services") == "B06"
    assert table.b_code("Checking or savings account") == "B01"
    assert table.b_code("Mortgage") == "B02"
    assert table.b_code("借记卡") == "B03" and table.b_code("wealth") == "B99"
    assert [c.code for c in table.of("C")][:3] == ["C01", "C02", "C03"]


def test_a_broken_code_table_is_refused_naming_the_problem():
    with pytest.raises(InvalidData, match=r"the \[C\] table of codes is missing"):
        parse("[A]\nA1 = { name = 'x' }\n[B]\nB99 = { name = 'y' }\n", "mine.toml")
    with pytest.raises(InvalidData, match="mine.toml: .*fix the TOML"):
        parse("[A\n", "mine.toml")


def test_a_spike_needs_five_and_three_poisson_deviations():
    assert not is_spike(4, 0.1) and is_spike(5, 0.1)
    assert not is_spike(19, 10) and is_spike(20, 10)  # 10 + 3 * sqrt(10) = 19.49
    assert not is_spike(100, None)


def test_nearest_rank_percentiles():
    assert nearest_rank(list(range(1, 11)), 0.9) == 9
    assert nearest_rank([4, 1, 3, 2], 0.5) == 2
    assert nearest_rank([], 0.5) is None
