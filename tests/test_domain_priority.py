"""The documented priority rule, at each threshold and one below it. Pure: no database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from complaintctl.domain.enums import Channel, Priority
from complaintctl.domain.priority import derive_priority


def prio(*, amount=None, tags=(), channel=Channel.counter, group_size=1) -> Priority:
    return derive_priority(
        amount=None if amount is None else Decimal(amount), tags=frozenset(tags),
        channel=channel, group_size=group_size,
    )


def test_an_ordinary_complaint_is_normal():
    assert prio() is Priority.normal
    assert prio(amount="0") is Priority.normal


@pytest.mark.parametrize(
    ("group_size", "expected"),
    [(1, Priority.normal), (4, Priority.normal), (5, Priority.high), (19, Priority.high),
     (20, Priority.urgent), (300, Priority.urgent)],
)
def test_twenty_joint_complainants_are_urgent_and_five_are_high(group_size, expected):
    assert prio(group_size=group_size) is expected


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("9999.99", Priority.normal), ("10000", Priority.high), ("10000.00", Priority.high),
     ("99999.99", Priority.high), ("100000", Priority.urgent), ("2500000", Priority.urgent)],
)
def test_an_amount_of_100000_is_urgent_and_10000_is_high(amount, expected):
    assert prio(amount=amount) is expected


@pytest.mark.parametrize("tag", ["elderly", "vulnerable", "repeat"])
def test_an_elderly_vulnerable_or_repeat_tag_makes_it_high(tag):
    assert prio(tags={tag}) is Priority.high


def test_the_media_tag_makes_it_urgent():
    assert prio(tags={"media"}) is Priority.urgent
    assert prio(tags={"media", "elderly"}) is Priority.urgent


def test_other_tags_do_not_raise_the_priority():
    assert prio(tags={"vip", "card"}) is Priority.normal


def test_a_regulator_referral_is_high_and_other_channels_are_not():
    assert prio(channel=Channel.regulator) is Priority.high
    for channel in Channel:
        if channel is not Channel.regulator:
            assert prio(channel=channel) is Priority.normal


def test_the_highest_rule_wins():
    assert prio(channel=Channel.regulator, amount="100000") is Priority.urgent
    assert prio(channel=Channel.regulator, group_size=20) is Priority.urgent


def test_low_is_never_derived():
    seen = {
        prio(amount=a, tags=t, channel=c, group_size=g)
        for a in (None, "1", "10000", "100000")
        for t in ((), ("media",), ("elderly",))
        for c in Channel
        for g in (1, 5, 20)
    }
    assert Priority.low not in seen
