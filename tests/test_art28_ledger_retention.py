"""CBIRC Art 28 (ledger and archive) with the retention floor of DOMAIN.md (records kept at
least 3 years after closure, PBoC Order 2020 No. 5): retention can never be configured below
the floor (exit 5 naming it), purge refuses any cutoff inside it and never erases a complaint
closed within it, and the ledger export (``export --format ledger``) carries every field the
rules list, each value the one ``show`` gives. Effective times with --at."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone

from sqlmodel import select

from complaintctl.domain.records import LEDGER_COLUMNS, LEDGER_HEADER
from complaintctl.store.models import Complaint, Setting
from test_retention import closed_long_ago

FLOOR = ("is inside the legal retention floor of 3 years after closure (CBIRC Art 28 ledger "
         "and archive; PBoC Order 2020 No. 5): complaint records cannot be erased sooner.")


def test_retention_cannot_be_configured_below_the_legal_floor(cli):
    for years in ("1", "2"):
        run = cli("config", "set", "retention.years", years)
        assert (run.exit_code, run.stderr) == (5, f"Error: retention.years {years} {FLOOR}\n")
    shown = json.loads(cli("config", "show", "--format", "json").stdout)
    assert [k["value"] for k in shown if k["key"] == "retention.years"] == ["3"]
    assert cli("config", "set", "retention.years", "3").exit_code == 0
    assert cli("config", "set", "retention.years", "10").exit_code == 0


def test_purge_refuses_a_cutoff_inside_the_floor_and_changes_nothing(cli, tmp_path):
    recent = closed_long_ago(cli.database, 11, tmp_path,
                             closed=datetime.now(timezone.utc) - timedelta(days=400))
    inside = (datetime.now(timezone.utc) - timedelta(days=2 * 365)).date().isoformat()
    run = cli("purge", "--closed-before", inside)
    assert run.exit_code == 5
    assert run.stderr.startswith(f"Error: --closed-before {inside}T00:00:00")
    assert run.stderr.endswith(f" {FLOOR}\n")
    with cli.database.session() as session:
        row = session.exec(select(Complaint).where(Complaint.number == recent)).one()
        assert (row.customer_name, row.erased_at) == ("欧阳测试11号", None)


def test_a_retention_stored_below_the_floor_still_keeps_what_the_floor_keeps(cli, tmp_path):
    now = datetime.now(timezone.utc)
    kept = closed_long_ago(cli.database, 12, tmp_path, closed=now - timedelta(days=2 * 365))
    old = closed_long_ago(cli.database, 13, tmp_path, closed=now - timedelta(days=4 * 365))
    with cli.database.session(write=True) as session:  # written before the floor existed
        session.add(Setting(key="retention.years", value="1"))
        session.commit()
    purged = json.loads(cli("purge", "--format", "json").stdout)
    assert purged["numbers"] == [old] and kept not in purged["numbers"]


def test_the_ledger_export_carries_every_field_the_rules_list(cli):
    run = cli("register", "--channel", "regulator", "--source-ref", "CBIRC-BJ-2026-0042",
              "--regulator-due", "2026-12-31",
              "--customer", "张伟", "--phone", "13812345678", "--id-number",
              "110101199003071233", "--account", "6222020200001234", "--branch", "BJ01",
              "--product", "credit_card", "--issue", "fee", "--summary", "年费重复扣收，要求退还",
              "--description", "同一笔年费扣了两次", "--received-at", "2026-09-30T10:00",
              "--at", "2026-09-30T10:05", as_="clerk")
    assert run.exit_code == 0, run.stderr
    number = run.stdout.strip()
    for args, who in (
        (["assign", number, "--to", "h1", "--at", "2026-09-30T11:00"], "sup"),
        (["investigate", number, "--at", "2026-09-30T11:30"], "h1"),
        (["resolve", number, "--outcome", "upheld", "--findings", "扣了两次", "--reasons",
          "重复扣收无依据", "--basis", "信用卡章程第五条", "--remedy", "fee_refund:300",
          "--at", "2026-10-08T10:00"], "h1"),
        (["notify-decision", number, "--method", "letter", "--proof", "EMS-1122",
          "--at", "2026-10-09T10:00"], "h1"),
        (["close", number, "--satisfaction", "4", "--at", "2026-10-12T10:00"], "h1"),
    ):
        done = cli(*args, as_=who)
        assert done.exit_code == 0, (args, done.stderr)
    ledger = cli("export", "--format", "ledger")
    assert ledger.exit_code == 0, ledger.stderr
    rows = list(csv.reader(io.StringIO(ledger.stdout.lstrip("\ufeff"))))
    assert rows[0] == LEDGER_HEADER
    (row,) = [dict(zip(rows[0], r)) for r in rows[1:] if r[0] == number]
    shown = json.loads(cli("show", number, "--format", "json").stdout)
    customer = {f"customer_{k}": v for k, v in shown["customer"].items()}
    for name, rule in LEDGER_COLUMNS:  # every column filled from what show gives, masked alike
        want = customer[name] if name in customer else shown[name]
        if name == "remedies":
            want = ";".join(f"{r['kind']}:{r['amount']}" for r in shown["remedies"])
        if isinstance(want, bool):
            want = "true" if want else "false"
        assert row[name] == ("" if want is None else str(want)), (name, rule)
    assert (row["source_ref"], row["notice_proof"], row["decision_basis"],
            row["customer_id_number"], row["closed_at"]) == (
        "CBIRC-BJ-2026-0042", "EMS-1122", "信用卡章程第五条", "110101********1233",
        "2026-10-12T10:00:00+08:00")
    assert {rule.split(":")[0] for _n, rule in LEDGER_COLUMNS} >= {
        "Art 13", "Art 18", "Art 19", "Art 20", "Art 21", "Art 28"}
