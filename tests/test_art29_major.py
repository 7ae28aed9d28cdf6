"""CBIRC 2020 Art 29: a major complaint opens its incident in the registration's own
transaction (the incident exists when ``register`` returns), and the fields for regulator
designation, media attention and cause trigger the plan's levels, in the plan's vocabulary."""

from __future__ import annotations

import json
import tomllib
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from complaintctl.domain import attention
from complaintctl.store.models import Complaint, Event, Incident, IncidentComplaint

BANK = timezone(timedelta(hours=8))
T0 = (datetime.now(BANK) - timedelta(days=2)).replace(second=0, microsecond=0)
REP = ["--representative", "王芳,13800138000"]


def at(minutes: int = 0) -> str:
    return (T0 + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S")


def register(cli, *extra, channel="phone", minutes=0, product=None):
    run = cli("register", "--channel", channel, "--customer", "张伟", "--summary", "理财亏损",
              "--at", at(minutes), *(["--product", product] if product else []), *extra,
              as_="clerk")
    return run


def incidents(seeded):
    with seeded.session() as s:
        found = []
        for inc in s.exec(select(Incident).order_by(Incident.id)):
            numbers = sorted(s.exec(select(Complaint.number).join(
                IncidentComplaint, IncidentComplaint.complaint_id == Complaint.id).where(
                IncidentComplaint.incident_id == inc.id)))
            found.append((inc.level, inc.trigger, numbers, inc.declared_at))
        return found


@pytest.mark.parametrize(("size", "level"), [("20", 2), ("49", 2), ("50", 1)])
def test_a_counter_group_opens_its_incident_when_register_returns(cli, seeded, size, level):
    run = register(cli, "--group-size", size, *REP, channel="counter", minutes=3)
    assert run.exit_code == 0, run.stderr
    number = run.stdout.strip()
    [(got, trigger, numbers, declared)] = incidents(seeded)
    assert (got, trigger, numbers) == (level, "group_visit", [number])
    assert declared == T0 + timedelta(minutes=3)  # the registration's effective time
    with seeded.session() as s:  # in the registration's transaction, right after its event
        actions = [e.action for e in s.exec(select(Event).order_by(Event.seq))][-4:]
    assert actions == ["register", "plan load", "incident declare", "incident link"]
    assert cli("incident", "detect", "--as-of", at(4), as_="sup").stdout == ""


def test_a_group_of_19_or_a_group_by_letter_opens_nothing(cli, seeded):
    assert register(cli, "--group-size", "19", *REP, channel="counter").exit_code == 0
    assert register(cli, "--group-size", "40", channel="letter").exit_code == 0
    assert incidents(seeded) == []


def test_a_refused_registration_opens_no_incident(cli, seeded):
    run = register(cli, "--group-size", "25", channel="counter")
    assert run.exit_code == 5 and "CBIRC Art 12" in run.stderr
    assert incidents(seeded) == []


@pytest.mark.parametrize(("option", "tag", "level"), [
    (["--regulator-designated"], "regulator_designated", 1),
    (["--media", "national"], "national_media", 2),
    (["--media", "local"], "local_media", 3),
    (["--media", "social"], "social_media_spread", 3),
    (["--cause", "disaster"], "disaster", 2),
    (["--cause", "public_health"], "public_health", 2),
    (["--tag", "regulator_designated"], "regulator_designated", 1),
])
def test_designation_media_and_cause_trigger_the_plans_level(cli, seeded, option, tag, level):
    run = register(cli, *option)
    assert run.exit_code == 0, run.stderr
    number = run.stdout.strip()
    shown = json.loads(cli("show", number, "--format", "json").stdout)
    assert tag in shown["tags"]
    [(got, trigger, numbers, _declared)] = incidents(seeded)
    assert (got, trigger, numbers) == (level, f"tag:{tag}", [number])


def test_an_unknown_media_value_is_refused(cli, seeded):
    run = register(cli, "--media", "tv")
    assert run.exit_code == 5
    assert run.stderr == "Error: --media tv is not one of national, local, social.\n"


def test_the_fifth_complaint_on_one_product_opens_level_iv_at_its_registration(cli, seeded):
    numbers = [register(cli, product="card", minutes=i).stdout.strip() for i in range(4)]
    assert incidents(seeded) == []
    numbers.append(register(cli, product="card", minutes=4).stdout.strip())
    [(level, trigger, linked, declared)] = incidents(seeded)
    assert (level, trigger, linked) == (4, "same_cluster", sorted(numbers))
    assert declared == T0 + timedelta(minutes=4)
    sixth = register(cli, product="card", minutes=5).stdout.strip()
    [(_l, _t, linked, _d)] = incidents(seeded)
    assert sixth in linked


def test_a_drills_complaints_are_left_to_the_drill(cli, seeded):
    run = cli("drill", "run", "--scenario", "group-visit", "--level", "2", "--json", as_="sup")
    assert run.exit_code == 0, run.stderr
    assert incidents(seeded) == []


def test_one_vocabulary_the_fields_tags_are_the_plans_at_the_readmes_levels():
    from importlib.resources import files

    plan = tomllib.loads(files("complaintctl").joinpath("data/emergency_plan.toml").read_text())
    levels = {"I": 1, "II": 2, "III": 3, "IV": 4}
    in_plan = {tag: levels[name] for name, level in plan["levels"].items()
               for tag in level["triggers"].get("tags", [])}
    for tag, level in attention.DEFAULT_LEVELS.items():
        assert in_plan.get(tag) == level, tag
    fields = {attention.REGULATOR_DESIGNATED, *attention.MEDIA.values(),
              *attention.CAUSES.values()}
    assert fields == set(attention.DEFAULT_LEVELS)
    assert set(in_plan) - fields == {"outage_multi_region"}  # a tag only (no field)
    combos = plan["levels"]["IV"]["triggers"]["tag_combinations"]
    assert ["vulnerable", "media"] in combos
    from pathlib import Path

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    for tag in fields:
        assert f"`{tag}`" in readme, tag
