"""The plan file: the default is valid, and every problem is named with its line."""

from __future__ import annotations

import pytest

from complaintctl.domain import plan as em


def line_of(text: str, needle: str, nth: int = 1) -> int:
    hits = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[nth - 1]


def problems(text: str) -> list[tuple[int | None, str]]:
    with pytest.raises(em.PlanError) as caught:
        em.parse_plan(text, source="plan.toml")
    return caught.value.problems


def test_the_default_plan_is_valid_and_has_four_levels_with_timetables():
    plan = em.default_plan()
    assert sorted(plan.levels) == [1, 2, 3, 4]
    assert all(level.timetable for level in plan.levels.values())
    assert plan.drill_every_months == 12
    assert plan.levels[2].triggers.in_person_group_size == 20
    assert plan.levels[3].triggers.same_cluster == 10
    assert plan.levels[4].triggers.same_cluster == 5


def test_the_digest_ignores_comments_and_layout_but_not_values():
    text = em.default_text()
    reformatted = "# a new comment\n" + text.replace('window = "24h"', 'window   =   "24h"')
    assert em.parse_plan(reformatted).digest() == em.parse_plan(text).digest()
    changed = text.replace("same_cluster = 10", "same_cluster = 11")
    assert em.parse_plan(changed).digest() != em.parse_plan(text).digest()


def test_a_toml_syntax_error_names_its_line():
    text = em.default_text().replace('window = "24h"', "window = 24h")
    [(line, message)] = problems(text)
    assert line == line_of(text, "window = 24h")
    assert message.startswith("not valid TOML")


def test_a_bad_duration_in_the_second_timetable_item_names_that_line():
    text = em.default_text().replace('within = "2h"', 'within = "2 hours"', 1)
    [(line, message)] = problems(text)
    assert line == line_of(text, 'within = "2 hours"')
    assert message == ("levels.I.timetable[1].within: '2 hours' is not a duration; "
                       "write 15m, 2h or 1d")


def test_an_unknown_key_names_its_line_and_the_allowed_keys():
    text = em.default_text().replace("same_cluster = 10", "same_clustr = 10")
    [(line, message)] = problems(text)
    assert line == line_of(text, "same_clustr")
    assert "unknown key 'same_clustr' in levels.III.triggers" in message
    assert "same_cluster" in message


def test_a_missing_level_names_the_levels_table():
    start = em.default_text().index("[levels.IV]")
    text = em.default_text()[:start]
    [(line, message)] = problems(text)
    assert message == "levels needs 'IV'"
    assert line == line_of(text, "[levels.I]")


def test_a_timetable_item_without_an_owner_names_its_table_header():
    text = em.default_text().replace('owner = "deputy"\nwithin = "24h"\n\n[levels.II]',
                                   'within = "24h"\n\n[levels.II]', 1)
    [(line, message)] = problems(text)
    assert message == "levels.I.timetable[2] needs 'owner'"
    assert line == line_of(text, "[[levels.I.timetable]]", 3)


def test_a_wrong_type_and_a_bad_tag_are_both_reported_with_their_lines():
    text = (em.default_text().replace("in_person_group_size = 20", 'in_person_group_size = "20"')
            .replace('"local_media"]', '"local media"]'))
    found = problems(text)
    assert [line for line, _m in found] == [line_of(text, 'in_person_group_size = "20"'),
                                            line_of(text, '"local media"')]
    assert "levels.II.triggers.in_person_group_size must be a whole number" in found[0][1]
    assert "tag 'local media'" in found[1][1]


def test_the_error_message_lists_file_and_line_for_each_problem():
    text = em.default_text().replace("every_months = 12", "every_months = 0")
    with pytest.raises(em.PlanError) as caught:
        em.parse_plan(text, source="plan.toml")
    n = line_of(text, "every_months = 0")
    assert f"plan.toml:{n}: drills.every_months must be a whole number of at least 1" in str(
        caught.value)
    assert caught.value.exit_code == 5


def test_locate_finds_keys_in_nested_and_array_tables():
    text = 'a = 1\n[t]\nb = 2\n[[t.x]]\nc = 3\n[[t.x]]\nc = 4\nd.e = 5\n'
    assert em.locate(text, ("a",)) == 1
    assert em.locate(text, ("t", "b")) == 3
    assert em.locate(text, ("t", "x", 0, "c")) == 5
    assert em.locate(text, ("t", "x", 1, "c")) == 7
    assert em.locate(text, ("t", "x", 1, "d", "e")) == 8
    assert em.locate(text, ("t", "x", 1, "missing")) == 6
    assert em.locate(text, ("nowhere",)) is None
