"""The online platform's way in: `register --json -` (one object) and `intake json -` (JSON
Lines), validated by the interactive path's rules, all or nothing, safe to send again."""

from __future__ import annotations

import json
import os

import pytest
from sqlmodel import col, select

from complaintctl.store.models import Complaint, ComplaintTag

RECORD = {
    "channel": "online",
    "customer": {"name": "张伟", "phone": "13812345678", "email": "zhang.wei@example.com",
                 "id_number": "110101199003071233", "account": "6222021234567890",
                 "customer_id": "C-1001"},
    "group_size": 1,
    "branch": "BJ01",
    "product": "credit_card",
    "issue": "fees",
    "summary": "信用卡年费重复扣收",
    "description": "年费被扣了两次。",
    "amount": "300.00",
    "currency": "CNY",
    "tags": ["elderly"],
    "priority": None,
    "received_at": "2026-11-20T09:30:00+08:00",
    "source_ref": "WEB-88",
    "external_ref": "PLATFORM-0001",
}


def stored(db) -> list[Complaint]:
    with db.session() as session:
        return list(session.exec(select(Complaint).order_by(col(Complaint.id))).all())


def test_register_json_reads_one_object_and_prints_the_number(cli):
    result = cli("register", "--json", "-", as_="clerk", input=json.dumps(RECORD))
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["number"].startswith("CMP-") and out["duplicate"] is False
    assert out["due_at"] == "2026-12-05T23:59:59+08:00"
    shown = json.loads(cli("show", out["number"], "--format", "json", "--unmask",
                           as_="sup").stdout)
    for key in ("channel", "group_size", "branch", "product", "issue", "summary", "description",
                "amount", "currency", "tags", "source_ref", "external_ref"):
        assert shown[key] == RECORD[key], key
    assert shown["customer"] == RECORD["customer"]
    assert shown["received_at"] == "2026-11-20T09:30:00+08:00"
    assert shown["registered_by"] == "clerk" and shown["priority"] == "high"  # elderly


def test_show_output_minus_what_complaintctl_sets_registers_again(cli):
    first = json.loads(cli("register", "--json", "-", as_="clerk",
                           input=json.dumps(RECORD)).stdout)["number"]
    shown = json.loads(cli("show", first, "--format", "json", "--unmask", as_="sup").stdout)
    from complaintctl.services.intake.mail.records import ACCEPTED

    again = {k: v for k, v in shown.items() if k in ACCEPTED}
    again["external_ref"] = "PLATFORM-0002"
    result = cli("register", "--json", "-", as_="clerk", input=json.dumps(again))
    assert result.exit_code == 0, result.stderr


def test_sending_the_same_external_ref_again_is_not_a_second_complaint(cli, seeded):
    first = json.loads(cli("register", "--json", "-", as_="clerk",
                           input=json.dumps(RECORD)).stdout)
    second = cli("register", "--json", "-", as_="clerk", input=json.dumps(RECORD))
    assert second.exit_code == 0
    assert json.loads(second.stdout) == {"number": first["number"], "due_at": None,
                                         "duplicate": True, "possible_duplicates": []}
    assert len(stored(seeded)) == 1


@pytest.mark.parametrize("change, field, reason", [
    ({"customer": {"name": "  "}}, "customer.name",
     "The customer's name (--customer) is required and cannot be blank."),
    ({"customer": {"name": "张伟", "email": "not-mail"}}, "customer.email",
     "'not-mail' is not an email address."),
    ({"customer": {"name": "张伟", "passport": "E1"}}, "customer.passport",
     "is not a customer field (name, phone, email, id_number, account, customer_id)"),
    ({"summary": ""}, "summary", "The summary (--summary) is required and cannot be blank."),
    ({"amount": "12.345"}, "amount", "'12.345' has more than two decimal places."),
    ({"amount": "-5"}, "amount", "'-5' is not a positive amount."),
    ({"channel": "pigeon"}, "channel",
     "'pigeon' is not one of counter, phone, email, online, letter, fax, regulator, "
     "social_media, self_service, other"),
    ({"channel": None}, "channel", "is required: one of counter, phone, email, online, letter, "
     "fax, regulator, social_media, self_service, other"),
    ({"group_size": 0}, "group_size", "--group-size must be 1 or more."),
    ({"group_size": "3"}, "group_size", "must be a whole number"),
    ({"tags": ["ok", "bad tag!"]}, "tags",
     "Tag 'bad tag!' must be 1-40 letters, digits, '_', '.' or '-'."),
    ({"tags": "elderly"}, "tags", "must be a list of strings"),
    ({"currency": "yuan"}, "currency", "Currency 'yuan' must be a 3-letter ISO code like CNY."),
    ({"priority": "asap"}, "priority", "'asap' is not one of low, normal, high, urgent"),
    ({"received_at": "03/04/2025"}, "received_at",
     "'03/04/2025' is not a date or time; use ISO 8601, e.g. 2026-11-28T09:30."),
    ({"number": "CMP-2026-000001"}, "number", "is set by complaintctl; leave it out"),
    ({"colour": "red"}, "colour",
     "is not a complaint field (see the keys of `complaintctl show --format json`)"),
    ({"summary": 42}, "summary", "must be a string"),
])
def test_an_invalid_record_exits_5_with_the_field_and_the_reason(cli, seeded, change, field,
                                                                  reason):
    record = {**RECORD, **change}
    result = cli("register", "--json", "-", as_="clerk", input=json.dumps(record))
    assert result.exit_code == 5
    assert json.loads(result.stdout) == {"number": None, "field": field, "reason": reason}
    assert result.stderr == f"Error: {field}: {reason}\n"
    assert stored(seeded) == []


def test_not_json_and_not_an_object_are_invalid(cli):
    bad = cli("register", "--json", "-", as_="clerk", input="{channel: online")
    assert bad.exit_code == 5
    assert json.loads(bad.stdout)["reason"].startswith("not valid JSON (Expecting property name")
    listed = cli("register", "--json", "-", as_="clerk", input="[1, 2]")
    assert listed.exit_code == 5
    assert json.loads(listed.stdout)["reason"] == "a complaint record is a JSON object {...}"


def test_register_json_checks_permission_and_branch_like_the_interactive_path(cli, seeded):
    refused = cli("register", "--json", "-", as_="aud", input=json.dumps(RECORD))
    assert refused.exit_code == 4 and "`register` needs the role" in refused.stderr
    other_branch = cli("register", "--json", "-", as_="clerk",
                       input=json.dumps({**RECORD, "branch": "SH01"}))
    assert other_branch.exit_code == 4
    assert "registers complaints for branch BJ01, not SH01" in other_branch.stderr
    future = cli("register", "--json", "-", as_="clerk",
                 input=json.dumps({**RECORD, "received_at": "2099-01-01T00:00:00+08:00"}))
    assert future.exit_code == 5 and "is after the registration time" in future.stderr
    assert stored(seeded) == []


def test_register_json_does_not_mix_with_field_options(cli):
    result = cli("register", "--json", "-", "--channel", "phone", as_="clerk", input="{}")
    assert result.exit_code == 2
    assert "--json takes the whole complaint" in result.stderr


def test_register_json_from_a_file(cli, tmp_path):
    path = tmp_path / "complaint.json"
    path.write_text(json.dumps(RECORD, ensure_ascii=False, indent=2), encoding="utf-8")
    assert cli("register", "--json", str(path), as_="clerk").exit_code == 0
    missing = cli("register", "--json", str(tmp_path / "nope.json"), as_="clerk")
    assert missing.exit_code == 2 and "No file at" in missing.stderr


def _lines(*records) -> str:
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n"


def test_intake_json_registers_every_line_and_prints_the_numbers(cli, seeded):
    records = [{**RECORD, "external_ref": f"P-{i}", "summary": f"complaint {i}"}
               for i in range(3)]
    result = cli("intake", "json", "-", "--json", as_="clerk", input=_lines(*records) + "\n")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["read"], data["registered"], data["duplicates"], data["failed"]) == (3, 3, 0, 0)
    assert data["numbers"] == [c.number for c in stored(seeded)]
    assert [c.summary for c in stored(seeded)] == ["complaint 0", "complaint 1", "complaint 2"]
    assert [r["line"] for r in data["records"]] == [1, 2, 3]


def test_intake_json_plain_output_is_one_number_per_line(cli, seeded):
    result = cli("intake", "json", "-", as_="clerk",
                 input=_lines({**RECORD, "external_ref": "A"}, {**RECORD, "external_ref": "B"}))
    assert result.exit_code == 0
    assert result.stdout.split() == [c.number for c in stored(seeded)]
    assert "Read 2: 2 registered" in result.stderr


def test_one_bad_line_registers_nothing_and_names_every_bad_line(cli, seeded):
    lines = _lines({**RECORD, "external_ref": "A"}, {**RECORD, "summary": " "},
                   {**RECORD, "external_ref": "C"}, {**RECORD, "amount": "abc"})
    result = cli("intake", "json", "-", "--json", as_="clerk", input=lines)
    assert result.exit_code == 5
    data = json.loads(result.stdout)
    assert (data["registered"], data["valid"], data["failed"]) == (0, 2, 2)
    assert data["numbers"] == []
    assert [(r["line"], r["result"], r["field"]) for r in data["records"]] == [
        (1, "valid", None), (2, "failed", "summary"), (3, "valid", None),
        (4, "failed", "amount")]
    assert result.stderr.splitlines() == [
        "Error: line 2: summary: The summary (--summary) is required and cannot be blank.",
        "Error: line 4: amount: 'abc' is not an amount; write it like 1200.50.",
    ]
    assert stored(seeded) == []


def test_a_refusal_on_a_later_line_rolls_back_the_earlier_ones(cli, seeded):
    lines = _lines({**RECORD, "external_ref": "A"}, {**RECORD, "external_ref": "B",
                                                      "branch": "SH01"})
    result = cli("intake", "json", "-", as_="clerk", input=lines)
    assert result.exit_code == 4
    assert result.stderr.startswith("Error: line 2: Permission denied: clerk registers")
    assert stored(seeded) == []


def test_sending_a_batch_again_skips_what_is_in(cli, seeded):
    lines = _lines({**RECORD, "external_ref": "A"}, {**RECORD, "external_ref": "B"})
    cli("intake", "json", "-", as_="clerk", input=lines)
    again = json.loads(cli("intake", "json", "-", "--json", as_="clerk", input=lines).stdout)
    assert (again["registered"], again["duplicates"]) == (0, 2)
    assert [r["number"] for r in again["records"]] == [c.number for c in stored(seeded)]
    assert len(stored(seeded)) == 2


def test_a_dry_run_checks_everything_and_stores_nothing(cli, seeded):
    result = cli("intake", "json", "-", "--dry-run", "--json", as_="clerk",
                 input=_lines({**RECORD, "external_ref": "A"}))
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["dry_run"] is True and (data["registered"], data["valid"]) == (0, 1)
    assert data["numbers"] == [] and data["records"][0]["number"] is None
    assert stored(seeded) == []
    with seeded.session() as session:
        assert session.exec(select(ComplaintTag)).all() == []


# --- the README's back-end code, run as it is written ------------------------------------------

@pytest.mark.slow
def test_the_readme_back_end_code_registers_refuses_and_reports(cli, seeded, monkeypatch):
    import re
    import sys
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("**For the platform's back end:**"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    add = cli("staff", "add", "platform", "--name", "投诉平台", "--role", "clerk", "--branch",
              "BJ01")
    assert add.exit_code == 0, add.stderr
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("COMPLAINTCTL_DB", seeded.url)
    register_complaint = namespace["register_complaint"]

    first = register_complaint(RECORD)
    assert first["number"].startswith("CMP-") and first["duplicate"] is False
    assert register_complaint(RECORD) == {"number": first["number"], "due_at": None,
                                          "duplicate": True, "possible_duplicates": []}
    with pytest.raises(ValueError) as bad:
        register_complaint({**RECORD, "external_ref": "P-2", "amount": "12.345"})
    assert str(bad.value) == "amount: '12.345' 的小数位超过两位。"
    with pytest.raises(RuntimeError) as refused:
        register_complaint({**RECORD, "external_ref": "P-3"}, user="aud")
    assert str(refused.value).startswith(
        "错误：权限不足：`register` 需要登记员、承办人、主管或管理员角色")
    assert [c.number for c in stored(seeded)] == [first["number"]]
