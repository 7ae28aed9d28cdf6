"""CBIRC 2020 Art 12: a joint in-person complaint names its representatives (at most 5), each
with a name and a contact phone, stored and masked like the customer's personal data."""

from __future__ import annotations

import json

from sqlmodel import select

from complaintctl.store.models import Complaint, Event

AT = ["--received-at", "2026-09-30T10:00", "--at", "2026-09-30T10:05"]
REPS = ["--representative", "王芳,138 0013 8000", "--representative", "李强,+86 139-0013-9000"]


def counter_group(cli, *extra, size="6"):
    return cli("register", "--channel", "counter", "--customer", "张伟等六人",
               "--summary", "理财产品亏损", "--group-size", size, *AT, *extra, as_="clerk")


def test_a_joint_counter_complaint_keeps_its_representatives_masked_unless_unmasked(cli, seeded):
    run = counter_group(cli, *REPS)
    assert run.exit_code == 0, run.stderr
    number = run.stdout.strip()
    shown = json.loads(cli("show", number, "--format", "json", as_="clerk").stdout)
    assert shown["representatives"] == [{"name": "王芳", "phone": "138****8000"},
                                         {"name": "李强", "phone": "139****9000"}]
    clear = json.loads(cli("show", number, "--format", "json", "--unmask", as_="sup").stdout)
    assert clear["representatives"] == [{"name": "王芳", "phone": "13800138000"},
                                         {"name": "李强", "phone": "13900139000"}]
    table = cli("show", number, as_="clerk").stdout
    assert "王芳 138****8000; 李强 139****9000" in table
    with seeded.session() as s:
        row = s.exec(select(Complaint).where(Complaint.number == number)).one()
        assert json.loads(row.representatives)[1] == {"name": "李强", "phone": "13900139000"}
        event = s.exec(select(Event).where(Event.complaint_id == row.id,
                                           Event.action == "register")).one()
        assert json.loads(event.personal)["representatives"] == row.representatives
        assert "李强" not in event.details


def test_six_representatives_are_refused_naming_article_12_and_nothing_is_stored(cli, seeded):
    six = [a for i in range(6) for a in ("--representative", f"代表{i},1380013800{i}")]
    run = counter_group(cli, *six)
    assert run.exit_code == 5
    assert run.stderr == ("Error: 6 representatives named; a joint complaint elects at most 5 "
                          "(CBIRC Art 12).\n")
    with seeded.session() as s:
        assert s.exec(select(Complaint)).all() == []


def test_five_representatives_are_the_most_allowed(cli):
    five = [a for i in range(5) for a in ("--representative", f"代表{i},1380013800{i}")]
    run = counter_group(cli, *five)
    assert run.exit_code == 0, run.stderr


def test_a_joint_counter_complaint_without_representatives_is_refused(cli):
    run = counter_group(cli)
    assert run.exit_code == 5
    assert run.stderr == ("Error: A joint in-person complaint of 6 complainants names its "
                          "representatives (1 to 5, --representative NAME,PHONE) (CBIRC Art "
                          "12).\n")


def test_a_joint_complaint_by_letter_may_name_none_and_a_single_complainant_needs_none(cli):
    letter = cli("register", "--channel", "letter", "--customer", "张伟等三人", "--summary", "s",
                 "--group-size", "3", *AT, as_="clerk")
    assert letter.exit_code == 0, letter.stderr
    alone = cli("register", "--channel", "counter", "--customer", "张伟", "--summary", "s", *AT,
                as_="clerk")
    assert alone.exit_code == 0, alone.stderr


def test_a_representative_needs_a_name_and_a_valid_phone(cli):
    run = counter_group(cli, "--representative", "王芳")
    assert run.exit_code == 5
    assert run.stderr == ("Error: Representative '王芳' must be NAME,PHONE: a name and a "
                          "contact phone (CBIRC Art 12).\n")
    run = counter_group(cli, "--representative", "王芳,12345")
    assert run.exit_code == 5
    assert run.stderr.startswith("Error: Phone 12345 is not a mainland mobile")


def test_the_online_platform_json_names_representatives_too(cli, tmp_path):
    record = {"channel": "counter", "customer": {"name": "张伟等六人"}, "summary": "s",
              "group_size": 6, "representatives": [{"name": "王芳", "phone": "13800138000"}]}
    path = tmp_path / "c.json"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    run = cli("register", "--json", str(path), as_="clerk")
    assert run.exit_code == 0, run.stderr
    number = json.loads(run.stdout)["number"]
    shown = json.loads(cli("show", number, "--format", "json", as_="clerk").stdout)
    assert shown["representatives"] == [{"name": "王芳", "phone": "138****8000"}]
    del record["representatives"]
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    refused = cli("register", "--json", str(path), as_="clerk")
    assert refused.exit_code == 5
    assert "representatives" in refused.stderr and "CBIRC Art 12" in refused.stderr


def test_purge_erases_the_representatives_from_the_row_and_the_register_event(cli, seeded):
    from datetime import datetime, timedelta, timezone

    from conftest import actor
    from complaintctl.domain.enums import Channel
    from complaintctl.services.complaints import decisions, registration

    long_ago = datetime.now(timezone.utc) - timedelta(days=4 * 365)
    new = registration.NewComplaint(
        channel=Channel.counter, customer="张伟等三人", summary="s", group_size=3, branch="BJ01",
        representatives=[{"name": "欧阳代表", "phone": "13977770001"}], received_at=long_ago)
    with seeded.session(write=True) as s:
        number = registration.register(session=s, actor=actor("clerk"), new=new,
                                       at=long_ago).number
    with seeded.session(write=True) as s:
        decisions.withdraw(session=s, actor=actor("sup"), number=number, reason="撤回",
                           at=long_ago + timedelta(days=1))
    run = cli("purge", "--format", "json")
    assert run.exit_code == 0, run.stderr
    assert json.loads(run.stdout)["numbers"] == [number]
    with seeded.session() as s:
        row = s.exec(select(Complaint).where(Complaint.number == number)).one()
        assert row.representatives is None
        events = s.exec(select(Event).where(Event.complaint_id == row.id)).all()
        assert not any("13977770001" in (e.personal or "") + (e.details or "") for e in events)
    assert cli("audit", "verify").exit_code == 0
