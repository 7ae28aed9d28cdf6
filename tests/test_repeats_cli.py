"""Repeat and duplicate complaints at the door (issue 21; CBIRC Art 18): register warns and
lists the customer's earlier complaints about the same matter, --json carries them,
--merge-into registers a merged repeat, a repeat of a decided matter is flagged repeat_of and
counted in the reports, an import marks its repeats rather than stopping."""

from __future__ import annotations

import json

from sqlalchemy import text

PHONE = "13812345678"
SAME = "  {first}  score 100: same phone; same product; summary 93 % similar"
WARNING = ("Warning: 1 earlier complaint(s) of this customer may be the same matter (CBIRC "
           "Art 18); to merge, register with --merge-into NUMBER instead:")


def register(cli, summary, *extra, phone=PHONE, product="credit_card", as_="sup"):
    run = cli("register", "--channel", "phone", "--customer", "张伟", "--phone", phone,
              "--product", product, "--summary", summary, *extra, as_=as_)
    assert run.exit_code == 0, run.stderr
    return run


def show(cli, number) -> dict:
    run = cli("show", number, "--format", "json")
    assert run.exit_code == 0, run.stderr
    return json.loads(run.stdout)


def scalar(db, sql, **params):
    with db.engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def resolve(cli, number):
    for args in (("assign", number, "--to", "h1"), ("investigate", number)):
        assert cli(*args, as_="sup").exit_code == 0
    run = cli("resolve", number, "--reasons", "核实结果", "--basis", "合同条款",
              "--outcome", "upheld", "--findings", "年费重复", "--remedy", "apology",
              "--notified-via", "phone", "--proof", "CALL-1", as_="sup")
    assert run.exit_code == 0, run.stderr


def test_a_repeat_in_traditional_characters_and_another_phone_format_is_listed(cli):
    first = register(cli, "信用卡年费被重复扣收两次").stdout.strip()
    run = register(cli, "信用卡年費被重複扣收了兩次", phone="+86 138-1234-5678")
    second = run.stdout.strip()
    lines = run.stderr.splitlines()
    assert lines[0].startswith(f"Registered {second}; decision due ")
    assert lines[1:] == [WARNING, SAME.format(first=first)]


def test_the_warning_is_in_chinese_under_lang_zh(cli):
    first = register(cli, "信用卡年费被重复扣收两次").stdout.strip()
    run = cli("--lang", "zh", "register", "--channel", "phone", "--customer", "张伟",
              "--phone", PHONE, "--product", "credit_card", "--summary", "信用卡年费被重复扣收两次",
              as_="sup")
    assert run.exit_code == 0, run.stderr
    lines = run.stderr.splitlines()
    assert lines[1] == ("警告：该客户有 1 件以前的投诉可能是同一事项（银保监会第 18 条）；如需合并，"
                        "请改用 --merge-into 编号 登记：")
    assert lines[2] == f"  {first}  得分 100：同一电话；同一产品；摘要相似度 100 %"


def test_another_customer_or_another_matter_is_not_listed(cli):
    register(cli, "信用卡年费被重复扣收两次")
    other_customer = register(cli, "信用卡年费被重复扣收两次", phone="13900001111")
    other_matter = register(cli, "房贷提前还款违约金过高", product="mortgage")
    assert len(other_customer.stderr.splitlines()) == 1
    assert len(other_matter.stderr.splitlines()) == 1


def test_register_json_carries_the_possible_duplicates(cli):
    first = register(cli, "信用卡年费被重复扣收两次").stdout.strip()
    record = {"channel": "online", "customer": {"name": "张伟", "phone": PHONE},
              "product": "credit_card", "summary": "信用卡年費被重複扣收了兩次",
              "branch": "BJ01"}
    run = cli("register", "--json", "-", as_="sup", input=json.dumps(record))
    assert run.exit_code == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["possible_duplicates"] == [{
        "number": first, "score": 100,
        "reasons": ["same phone", "same product", "summary 93 % similar"]}]


def test_merge_into_registers_a_merged_repeat_the_first_clock_stands_and_the_customer_is_told(
        cli, seeded):
    first = register(cli, "信用卡年费被重复扣收两次").stdout.strip()
    due = show(cli, first)["due_at"]
    run = register(cli, "信用卡年费又被重复扣收", "--email", "zw@example.com",
                   "--merge-into", first[-6:])
    second = run.stdout.strip()
    assert run.stderr.splitlines()[0] == (
        f"Registered {second} and merged it into {first} (CBIRC Art 18: the clock of {first} "
        "stands; the customer is told).")
    shown = show(cli, second)
    assert (shown["status"], shown["merged_into"]) == ("merged", first)
    assert show(cli, first)["due_at"] == due
    actions = [e["action"] for e in show(cli, second)["events"]]
    assert actions == ["register", "merge"]
    assert [e["action"] for e in show(cli, first)["events"]][-1] == "merge"
    assert scalar(seeded, "SELECT count(*) FROM notification WHERE number = :n AND "
                  "recipient = 'customer' AND event = 'merged'", n=second) == 1


def test_merge_into_a_closed_complaint_is_refused_and_registers_nothing(cli, seeded):
    first = register(cli, "信用卡年费被重复扣收两次").stdout.strip()
    resolve(cli, first)
    assert cli("close", first, "--satisfaction", "4", as_="sup").exit_code == 0
    before = scalar(seeded, "SELECT count(*) FROM complaint")
    events = scalar(seeded, "SELECT count(*) FROM event WHERE kind = 'change'")
    run = cli("register", "--channel", "phone", "--customer", "张伟", "--phone", PHONE,
              "--summary", "年费", "--merge-into", first, as_="sup")
    assert run.exit_code == 3
    assert run.stderr == (f"Error: Can't merge CMP-2026-000002 into {first} when it is "
                          "closed; merge into an open complaint.\n")
    assert scalar(seeded, "SELECT count(*) FROM complaint") == before
    assert scalar(seeded, "SELECT count(*) FROM event WHERE kind = 'change'") == events


def test_a_repeat_of_a_decided_matter_is_flagged_and_counted_in_the_summary(cli, seeded):
    first = register(cli, "信用卡年费被重复扣收两次").stdout.strip()
    register(cli, "房贷提前还款违约金过高", product="mortgage")
    resolve(cli, first)
    repeat = register(cli, "信用卡年费被重复扣收两次，还没退").stdout.strip()
    assert show(cli, repeat)["repeat_of"] == first
    assert scalar(seeded, "SELECT repeat_of FROM complaint WHERE number = :n", n=repeat) == first
    run = cli("report", "summary", "--by", "product", "--format", "json", as_="admin")
    assert run.exit_code == 0, run.stderr
    data = json.loads(run.stdout)
    rows = {r["product"]: r for r in data["rows"]}
    # a second way: counted from the stored rows
    received = scalar(seeded, "SELECT count(*) FROM complaint WHERE product = 'credit_card'")
    repeats = scalar(seeded, "SELECT count(*) FROM complaint WHERE product = 'credit_card' "
                     "AND repeat_of IS NOT NULL")
    assert (received, repeats) == (2, 1)
    assert (rows["credit_card"]["repeats"], rows["credit_card"]["repeat_rate"]) == (1, 0.5)
    assert (rows["mortgage"]["repeats"], rows["mortgage"]["repeat_rate"]) == (0, 0.0)
    assert data["totals"]["repeat_rate"] == round(1 / 3, 4)


def test_an_import_marks_its_repeats_in_the_report_and_imports_them(cli, seeded, tmp_path):
    from importing import csv_text, run_import

    first = register(cli, "信用卡年费被重复扣收两次").stdout.strip()
    path = tmp_path / "in.csv"
    path.write_text(csv_text(
        ["channel", "customer_name", "customer_phone", "product", "summary", "external_ref"],
        [["phone", "张伟", "138 1234 5678", "credit_card", "信用卡年費被重複扣收了兩次", "R-1"],
         ["phone", "李娜", "13900001111", "credit_card", "信用卡年费被重复扣收两次", "R-2"]]))
    run, summary = run_import(cli, path)
    assert run.exit_code == 0, run.stderr
    assert summary["imported"] == 2
    assert summary["possible_duplicate_count"] == 1
    [marked] = summary["possible_duplicates"]
    assert (marked["line"], marked["repeat_of"]) == (2, None)
    assert marked["candidates"] == [{"number": first, "score": 100, "reasons": [
        "same phone", "same product", "summary 93 % similar"]}]
    # the imported complaints have their keys: a third registration finds both of 张伟's
    again = register(cli, "信用卡年费被重复扣收两次")
    assert [line.split()[0] for line in again.stderr.splitlines()[2:]] == [
        first, marked["number"]]
    assert scalar(seeded, "SELECT count(*) FROM complaint_identity_key") == 4


def test_the_import_says_which_rows_may_repeat_on_stderr(cli, tmp_path):
    first = register(cli, "信用卡年费被重复扣收两次").stdout.strip()
    path = tmp_path / "in.csv"
    from importing import csv_text

    path.write_text(csv_text(
        ["channel", "customer_name", "customer_phone", "product", "summary", "external_ref"],
        [["phone", "张伟", PHONE, "credit_card", "信用卡年费被重复扣收两次", "R-9"]]))
    run = cli("import", str(path))
    assert run.exit_code == 0, run.stderr
    assert (f"line 2: CMP-2026-000002 may repeat {first} (CBIRC Art 18); imported, marked in "
            "the summary.") in run.stderr.splitlines()
