"""Root causes on closed complaints and rectification actions: who may, what is stored, what is
audited, what is refused (and that a refusal changes nothing)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from complaintctl.domain.enums import Channel, ContactVia, Outcome
from complaintctl.store.models import ComplaintRootCause, Event, Rectification
from complaintctl.services.complaints import registration as svc
from complaintctl.services.complaints import decisions, handling
from complaintctl.services.complaints.registration import NewComplaint, RemedyInput
from conftest import actor

T0 = datetime(2025, 10, 1, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def closed(cli):
    """Two closed BJ01 complaints, one open BJ01 and one closed SH01; returns their numbers."""
    admin, numbers = actor("admin"), []
    with cli.database.session(write=True) as s:
        for i, (branch, close) in enumerate([("BJ01", True), ("BJ01", True), ("BJ01", False),
                                             ("SH01", True)]):
            t = T0 + timedelta(days=i)
            c = svc.register(session=s, actor=admin, at=t, new=NewComplaint(
                channel=Channel.phone, customer="张伟", summary="s", branch=branch))
            numbers.append(c.number)
            if not close:
                continue
            handling.assign(session=s, actor=admin, number=c.number,
                       to="h1" if branch == "BJ01" else "h3", at=t + timedelta(hours=1))
            handling.investigate(session=s, actor=admin, number=c.number, at=t + timedelta(hours=2))
            decisions.resolve(
                reasons="核实结果", basis="合同条款", proof="CALL-1",
                session=s, actor=admin, number=c.number, outcome=Outcome.not_upheld,
                        findings="f", remedies=[RemedyInput.parse("explanation")],
                        notified_via=ContactVia.phone, at=t + timedelta(hours=3))
            decisions.close(session=s, actor=admin, number=c.number, satisfaction=4,
                      at=t + timedelta(hours=4))
    return numbers


def stored_cause(cli, number):
    from sqlmodel import select

    from complaintctl.store.models import Complaint

    with cli.database.session() as s:
        c = s.exec(select(Complaint).where(Complaint.number == number)).one()
        row = s.get(ComplaintRootCause, c.id)
        return None if row is None else (row.code, row.note, row.recorded_by)


def test_a_supervisor_records_a_root_cause_on_a_closed_complaint_and_it_is_audited(cli, closed):
    run = cli("rootcause", "set", closed[0], "--cause", "c03", "--note", "规则重复扣费",
              as_="sup")
    assert run.exit_code == 0, run.stderr
    assert run.stderr.strip() == f"Root cause C03 recorded on {closed[0]}."
    assert stored_cause(cli, closed[0]) == ("C03", "规则重复扣费", "sup")
    again = cli("rootcause", "set", closed[0], "--cause", "C05", as_="sup")
    assert again.exit_code == 0 and stored_cause(cli, closed[0])[0] == "C05"
    timeline = json.loads(cli("show", closed[0], "--format", "json").stdout)["events"]
    assert [e["details"]["changes"]["root_cause"] for e in timeline
            if e["action"] == "rootcause"] == [[None, "C03"], ["C03", "C05"]]
    assert cli("audit", "verify").exit_code == 0


@pytest.mark.parametrize("who,index,cause,code,message", [
    ("h1", 0, "C03", 4, "Permission denied: `rootcause set` needs the role supervisor or admin"),
    ("sup", 3, "C03", 4, "belongs to branch SH01"),
    ("sup", 2, "C03", 3, "when it is registered; close it first"),
    ("sup", 0, "A101", 5, "'A101' is not a cause (C code)"),
])
def test_refused_root_causes_change_nothing(cli, closed, who, index, cause, code, message):
    run = cli("rootcause", "set", closed[index], "--cause", cause, as_=who)
    assert run.exit_code == code
    assert message in run.stderr
    assert stored_cause(cli, closed[index]) is None


def test_rectification_actions_link_complaints_and_show_when_overdue(cli, closed):
    run = cli("rectify", "open", "--what", "修订收费规则", "--owner", "h1", "--due", "2025-10-20",
              "--cause", "C03", "--link", closed[0], "--link", closed[1], as_="sup")
    assert run.exit_code == 0, run.stderr
    action = int(run.stdout.strip())
    listed = json.loads(cli("rectify", "list", "--overdue", "--format", "json", as_="sup").stdout)
    assert [(a["id"], a["overdue"], a["complaints"]) for a in listed] == \
        [(action, True, [closed[0], closed[1]])]
    monitor = json.loads(cli("monitor", "--format", "json", as_="sup").stdout)
    assert monitor["rectifications_overdue"] == [
        {"id": action, "what": "修订收费规则", "owner": "h1", "due": "2025-10-20", "status": "open"}]
    assert cli("rectify", "update", str(action), "--status", "done", as_="sup").exit_code == 0
    shown = json.loads(cli("rectify", "show", str(action), "--format", "json", as_="sup").stdout)
    assert shown["status"] == "done" and shown["overdue"] is False and shown["done_at"]
    with cli.database.session() as s:
        from sqlmodel import select

        actions = [e.action for e in s.exec(select(Event).where(Event.kind == "admin"))]
    assert actions.count("rectify open") == 1 and actions.count("rectify update") == 1


def test_rectification_refusals(cli, closed):
    assert cli("rectify", "open", "--what", "x", "--owner", "h1", "--due", "2025-12-01",
               as_="h1").exit_code == 4
    other = cli("rectify", "open", "--what", "x", "--owner", "h1", "--due", "2025-12-01",
                "--link", closed[3], as_="sup")
    assert other.exit_code == 4 and "belongs to branch SH01" in other.stderr
    assert cli("rectify", "open", "--what", "x", "--owner", "nobody", "--due", "2025-12-01",
               as_="sup").exit_code == 5
    assert cli("rectify", "open", "--what", "x", "--owner", "h1", "--due", "tomorrow",
               as_="sup").exit_code == 5
    with cli.database.session() as s:
        from sqlmodel import select

        assert s.exec(select(Rectification)).all() == []
    made = cli("rectify", "open", "--what", "x", "--owner", "h3", "--due", "2025-12-01",
               as_="sup2")
    assert made.exit_code == 0
    refused = cli("rectify", "update", made.stdout.strip(), "--status", "done", as_="sup")
    assert refused.exit_code == 4 and "belongs to branch SH01" in refused.stderr
    assert cli("rectify", "update", made.stdout.strip(), "--status", "finished",
               as_="sup2").exit_code == 5
    assert cli("rectify", "show", "999").exit_code == 1


def test_the_root_causes_report_lists_the_actions_on_each_cause(cli, closed):
    cli("rootcause", "set", closed[0], "--cause", "C03", as_="sup")
    cli("rootcause", "set", closed[1], "--cause", "C03", as_="sup")
    cli("rectify", "open", "--what", "x", "--owner", "h1", "--due", "2030-01-01", "--link",
        closed[0], as_="sup")
    out = json.loads(cli("report", "root-causes", "--period", "2025-10", "--format", "json").stdout)
    assert out["rows"][0] == {"root_cause": "C03", "name": "Rules and process", "closed": 2,
                              "share": round(2 / 3, 4), "actions": [1], "actions_open": 1,
                              "actions_overdue": 0, "actions_done": 0}
    assert out["rows"][1]["root_cause"] is None and out["rows"][1]["closed"] == 1


def test_the_code_table_can_be_written_out_edited_and_loaded_back_by_an_admin(cli, closed,
                                                                              tmp_path):
    path = tmp_path / "codes.toml"
    assert cli("rootcause", "export-codes", str(path)).exit_code == 0
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('C99 = { name = "Other", zh = "其他" }',
                                 'C99 = { name = "Other", zh = "其他" }\n'
                                 'C11 = { name = "Fees", zh = "收费" }'), encoding="utf-8")
    assert cli("rootcause", "load-codes", str(path), as_="sup").exit_code == 4
    assert cli("rootcause", "load-codes", str(path)).exit_code == 0
    codes = json.loads(cli("rootcause", "codes", "--dimension", "C", "--format", "json").stdout)
    assert codes[-1] == {"dimension": "C", "code": "C11", "name": "Fees", "zh": "收费",
                         "parent": None}
    assert cli("rootcause", "set", closed[0], "--cause", "C11", as_="sup").exit_code == 0
    broken = tmp_path / "broken.toml"
    broken.write_text(text.replace('online = "A1031"', 'online = "B01"'), encoding="utf-8")
    run = cli("rootcause", "load-codes", str(broken))
    assert run.exit_code == 5 and "channel online maps to B01, which is not an A code" in run.stderr


def test_a_filter_value_that_names_no_status_or_dimension_is_a_usage_error(cli, closed):
    # an empty list from a typo reads as "there are none": the value is refused instead
    run = cli("rectify", "list", "--status", "finished", as_="sup")
    assert (run.exit_code, run.stdout) == (2, "")
    assert run.stderr == "Error: --status must be one of open, in_progress, done, cancelled.\n"
    assert cli("rectify", "list", "--status", "done", "--format", "json",
               as_="sup").stdout.strip() == "[]"
    run = cli("rootcause", "codes", "--dimension", "D")
    assert (run.exit_code, run.stdout) == (2, "")
    assert run.stderr == "Error: --dimension must be A, B or C.\n"
    zh = cli("--lang", "zh", "rootcause", "codes", "--dimension", "D")
    assert zh.exit_code == 2 and zh.stderr.startswith("错误") and "A、B 或 C" in zh.stderr
    codes = json.loads(cli("rootcause", "codes", "--dimension", "c", "--format", "json").stdout)
    assert codes and {c["dimension"] for c in codes} == {"C"}
