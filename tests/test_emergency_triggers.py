"""The plan's triggers over plain complaint facts: no database."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from fractions import Fraction

import pytest

from complaintctl.domain import emergency as em
from complaintctl.domain import plan as plans
from complaintctl.domain.drill import Scenario, synthesise
from complaintctl.errors import InvalidData

AS_OF = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
PLAN = plans.default_plan()


def fact(i: int, **kw) -> em.Fact:
    base = dict(number=f"CMP-2026-{i:06d}", received_at=AS_OF - timedelta(hours=1),
                channel="phone", branch=f"B{i}", product=f"p{i}", issue=f"i{i}")
    base.update(kw)
    return em.Fact(**base)


def levels(facts, plan=PLAN, as_of=AS_OF) -> list[int]:
    return sorted({f.level for f in em.evaluate(plan, facts, as_of)})


def top(facts, plan=PLAN) -> int | None:
    fired = em.strongest(em.evaluate(plan, facts, AS_OF))
    return fired[0].level if fired else None


def test_a_regulator_designation_tag_fires_level_one():
    assert top([fact(1, tags=frozenset({"regulator_designated"}))]) == 1
    assert top([fact(1, tags=frozenset({"regulator"}))]) is None


def test_twenty_joint_complainants_in_person_fire_level_two_and_nineteen_do_not():
    assert top([fact(1, channel="counter", group_size=20)]) == 2
    assert top([fact(1, channel="counter", group_size=19)]) is None


def test_a_group_filing_by_letter_is_not_in_person():
    assert top([fact(1, channel="letter", group_size=40)]) is None


def test_fifty_in_person_fire_level_one():
    assert top([fact(1, channel="counter", group_size=50)]) == 1
    assert top([fact(1, channel="counter", group_size=49)]) == 2


@pytest.mark.parametrize("tag", ["disaster", "accident", "public_health"])
def test_a_disaster_accident_or_public_health_tag_fires_level_two(tag):
    assert top([fact(1, tags=frozenset({tag}))]) == 2


@pytest.mark.parametrize("dimension", ["product", "issue", "branch"])
def test_ten_complaints_on_one_dimension_in_24h_fire_level_three_and_nine_fire_four(dimension):
    ten = [fact(i, **{dimension: "same"}) for i in range(10)]
    assert top(ten) == 3
    assert top(ten[:9]) == 4


@pytest.mark.parametrize("dimension", ["product", "issue", "branch"])
def test_five_complaints_on_one_dimension_fire_level_four_and_four_do_not(dimension):
    five = [fact(i, **{dimension: "same"}) for i in range(5)]
    assert top(five) == 4
    assert top(five[:4]) is None


def test_complaints_outside_the_24h_window_do_not_count():
    five = [fact(i, product="same") for i in range(4)]
    five.append(fact(9, product="same", received_at=AS_OF - timedelta(hours=24)))
    assert top(five) is None  # exactly 24 h old: outside (window is (as_of - 24h, as_of])
    five[-1] = replace(five[-1], received_at=AS_OF - timedelta(hours=23, minutes=59))
    assert top(five) == 4


def test_complaints_after_the_evaluation_time_do_not_count():
    five = [fact(i, product="same") for i in range(4)]
    five.append(fact(9, product="same", received_at=AS_OF + timedelta(minutes=1)))
    assert top(five) is None


def test_an_amount_at_the_threshold_fires_level_four_and_one_cent_less_does_not():
    assert top([fact(1, amount_cents=500000_00)]) == 4
    assert top([fact(1, amount_cents=500000_00 - 1)]) is None


def test_a_vulnerable_customer_with_the_media_tag_fires_level_four():
    assert top([fact(1, tags=frozenset({"vulnerable", "media"}))]) == 4
    assert top([fact(1, tags=frozenset({"elderly", "media"}))]) == 4
    assert top([fact(1, tags=frozenset({"vulnerable"}))]) is None
    assert top([fact(1, tags=frozenset({"media"}))]) is None


def test_the_most_severe_firing_per_cluster_wins():
    facts = [fact(i, product="same") for i in range(10)]
    fired = em.strongest(em.evaluate(PLAN, facts, AS_OF))
    by_cluster = {f.cluster: f for f in fired}
    assert by_cluster["product:same"].level == 3
    assert by_cluster["product:same"].numbers == tuple(sorted(f.number for f in facts))


def poisson_sf_exact(n: int, lam: Fraction) -> float:
    """1 - sum_{i<n} e^-lam lam^i / i!, with exact rationals for the polynomial part."""
    poly = sum(lam**i / math.factorial(i) for i in range(n))
    return 1 - math.exp(-float(lam)) * float(poly)


@pytest.mark.parametrize("n,lam", [(0, 3), (1, 0.5), (5, 1), (12, 12), (25, 12), (40, 10)])
def test_the_poisson_upper_tail_matches_a_direct_sum(n, lam):
    lam_f = Fraction(lam).limit_denominator(1000)
    assert em.poisson_sf(n, float(lam_f)) == pytest.approx(poisson_sf_exact(n, lam_f), abs=1e-12)


def test_the_poisson_tail_is_zero_without_a_baseline_and_stable_for_a_large_mean():
    assert em.poisson_sf(3, 0) == 0
    assert 0.4 < em.poisson_sf(1000, 1000) < 0.6


def history(dimension_value: str, per_day: int) -> list[em.Fact]:
    """``per_day`` complaints a day on one branch over the 30 days before the window."""
    out = []
    for day in range(30):
        for k in range(per_day):
            when = AS_OF - timedelta(days=1 + day, hours=1 + k % 20)
            out.append(fact(10_000 + day * 100 + k, branch=dimension_value, received_at=when))
    return out


def test_a_busy_branch_with_its_usual_dozen_a_day_is_not_in_alarm():
    usual = [fact(i, branch="BUSY") for i in range(12)]
    assert top(history("BUSY", 12) + usual) is None
    assert top(usual) == 3  # the same dozen on a quiet branch is an incident


def test_a_spike_far_above_a_busy_branchs_baseline_fires():
    spike = [fact(i, branch="BUSY") for i in range(30)]
    fired = em.strongest(em.evaluate(PLAN, history("BUSY", 12) + spike, AS_OF))
    assert fired[0].level == 3 and fired[0].cluster == "branch:BUSY"
    assert fired[0].details["baseline_mean"] == pytest.approx(12)
    assert fired[0].details["p_value"] <= PLAN.spike.alpha


def test_the_spike_rule_fires_at_its_critical_count_and_not_one_below():
    plan = plans.parse_plan(plans.default_text().replace("same_cluster = 5", "same_cluster = 500")
                         .replace("same_cluster = 10", "same_cluster = 1000"))
    base = history("B", 2)  # mean 2 a day
    critical = next(n for n in range(1, 100) if em.poisson_sf(n, 2.0) <= plan.spike.alpha)
    assert critical >= plan.spike.min_count
    at = [fact(i, branch="B") for i in range(critical)]
    fired = [f for f in em.evaluate(plan, base + at, AS_OF) if f.rule == "spike"]
    assert [f.cluster for f in fired] == ["branch:B"]
    assert not [f for f in em.evaluate(plan, base + at[:-1], AS_OF) if f.rule == "spike"]


def test_the_spike_rule_needs_its_minimum_count():
    plan = plans.parse_plan(plans.default_text().replace("same_cluster = 5", "same_cluster = 500")
                         .replace("same_cluster = 10", "same_cluster = 1000"))
    four = [fact(i, branch="Q") for i in range(4)]
    assert not em.evaluate(plan, four, AS_OF)
    assert [f.rule for f in em.evaluate(plan, four + [fact(9, branch="Q")], AS_OF)] == ["spike"]


def test_levels_are_roman_in_tables_and_parse_both_ways():
    assert [plans.roman(n) for n in (1, 2, 3, 4)] == ["I", "II", "III", "IV"]
    assert [plans.parse_level(x) for x in ("I", "ii", "3", "IV")] == [1, 2, 3, 4]
    with pytest.raises(InvalidData):
        plans.parse_level("V")


@pytest.mark.parametrize("scenario", list(Scenario))
@pytest.mark.parametrize("level", [1, 2, 3, 4])
def test_every_drill_scenario_fires_exactly_the_level_it_drills(scenario, level):
    synthetic = synthesise(PLAN, scenario, level, start=AS_OF, branch="DRILL")
    facts = [em.Fact(number=f"S{i}", received_at=s.received_at, registered_at=s.received_at,
                     channel=s.channel, group_size=s.group_size, product=s.product,
                     issue=s.issue, branch=s.branch, tags=frozenset(s.tags),
                     amount_cents=None if s.amount is None else int(float(s.amount) * 100))
             for i, s in enumerate(synthetic)]
    assert top(facts) == level


def test_a_drill_with_too_many_complaints_for_its_level_is_refused():
    with pytest.raises(InvalidData, match="would fire level III, not IV"):
        synthesise(PLAN, Scenario.surge, 4, start=AS_OF, branch="D", count=10)
    with pytest.raises(InvalidData, match="needs at least 10"):
        synthesise(PLAN, Scenario.surge, 3, start=AS_OF, branch="D", count=9)


def test_the_checklist_counts_each_deadline_from_the_declaration():
    items = em.checklist(PLAN.levels[2], AS_OF)
    assert [(i.key, i.due_at - AS_OF) for i in items] == [
        ("on_site", timedelta(hours=1)), ("report_head_office", timedelta(hours=2)),
        ("written_report", timedelta(hours=24))]
    assert items[0].person == "supervisor" and items[2].person == "handler"


def test_an_item_is_met_late_missed_or_pending():
    due = AS_OF
    assert em.item_result(due, due, due) == "met"
    assert em.item_result(due, due + timedelta(seconds=1), due) == "late"
    assert em.item_result(due, None, due + timedelta(seconds=1)) == "missed"
    assert em.item_result(due, None, due) == "pending"
