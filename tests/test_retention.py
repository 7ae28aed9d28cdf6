"""Retention and erasure (issue 7, item 9): purge erases the personal data of complaints past
retention everywhere it is kept (complaint, audit events, the customer's notifications,
evidence files and names, the notification log), keeps numbers and figures, writes one purge
event, leaves the chain verifiable, and keeps complaints under a legal hold."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from complaintctl.domain.enums import Channel, ContactVia, Direction, Outcome
from complaintctl.infra.evidence import EvidenceStore
from complaintctl.services.audit import trail as audit
from complaintctl.services.complaints import decisions, handling
from complaintctl.services.notify import outbox, senders
from complaintctl.services.complaints import registration as svc
from complaintctl.services.core import kernel
from complaintctl.services.complaints.registration import NewComplaint, RemedyInput
from conftest import actor

UTC = timezone.utc
YEARS_AGO = datetime.now(UTC) - timedelta(days=4 * 365)


def _do(db, use_case, who, **kwargs):
    with db.session(write=True) as session:
        return use_case(session=session, actor=actor(who), **kwargs)


def valid_id(first17: str) -> str:
    """A resident ID number with its GB 11643 check digit (registration checks it, Art 22)."""
    from complaintctl.domain.identity import check_digit

    return first17 + check_digit(first17)


def seeded_customer(i: int) -> dict[str, str]:
    """Values found nowhere else, so a scan for them finds only this customer's."""
    return {"customer": f"欧阳测试{i}号", "phone": f"1391111{i:04d}",
            "email": f"purge.me.{i}@example.net", "id_number": valid_id(f"11010119800101{i:03d}"),
            "account": f"62220000111{i:05d}", "customer_id": f"CUST-PURGE-{i:04d}",
            "description": f"客户欧阳测试{i}号称其账户被重复扣费"}


def closed_long_ago(db, i: int, tmp_path: Path, *, closed=YEARS_AGO) -> str:
    values = seeded_customer(i)
    new = NewComplaint(channel=Channel.email, summary="信用卡年费重复扣收", branch="BJ01",
                       received_at=closed - timedelta(days=10), **values)
    number = _do(db, svc.register, "clerk", new=new, at=closed - timedelta(days=10)).number
    _do(db, handling.assign, "sup", number=number, to="h1", at=closed - timedelta(days=9))
    _do(db, handling.investigate, "h1", number=number, at=closed - timedelta(days=8))
    _do(db, handling.contact, "h1", number=number, via=ContactVia.phone, direction=Direction.out,
        summary="已回电", at=closed - timedelta(days=7))
    statement = tmp_path / f"statement-{i}.txt"
    statement.write_text(f"{values['customer']} {values['account']} {values['phone']}")
    with db.session(write=True) as session:
        handling.add_evidence(session=session, actor=actor("h1"), number=number,
                         store=EvidenceStore(db.evidence_dir), path=statement,
                         description=f"{values['customer']}的对账单", at=closed - timedelta(days=7))
    with db.session(write=True) as session:  # the customer's own mail, as intake queues it
        complaint = kernel.get(session, number)
        outbox.queue_to_customer(session, complaint=complaint, event="acknowledgement",
                                 subject=f"{number} received",
                                 body=f"Dear {values['customer']}, we received it.",
                                 at=closed - timedelta(days=7))
        session.commit()
    _do(db, decisions.resolve, "h1", reasons="核实结果", basis="合同条款", proof="CALL-1",
        number=number, outcome=Outcome.upheld, findings="属实",
        remedies=[RemedyInput.parse("fee_refund:300")], notified_via=ContactVia.phone,
        at=closed - timedelta(days=2))
    _do(db, decisions.close, "h1", number=number, satisfaction=4, at=closed)
    return number


def residual(db, values: list[str]) -> dict[str, int]:
    """Where each seeded value still occurs: every cell of every table, every file of the
    evidence store, the notification log."""
    from sqlalchemy import inspect, text

    cells = []
    with db.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                cells += [str(v) for v in row if v is not None]
    store = Path(db.evidence_dir)
    if store.exists():
        cells += [p.read_bytes().decode("utf-8", "replace") for p in store.rglob("*")
                  if p.is_file()]
    log = senders.default_log_path(db.path) if db.path else None
    if log is not None and log.exists():
        cells.append(log.read_text())
    return {v: sum(c.count(v) for c in cells) for v in values if any(v in c for c in cells)}


def _values(i: int) -> list[str]:
    return list(seeded_customer(i).values())


def test_purge_erases_every_personal_value_keeps_the_figures_and_the_chain(cli, tmp_path):
    db = cli.database
    purged = [closed_long_ago(db, i, tmp_path) for i in (1, 2, 3)]
    held = closed_long_ago(db, 4, tmp_path)
    closed_long_ago(db, 5, tmp_path, closed=datetime.now(UTC) - timedelta(days=30))  # recent
    assert cli("notify", "send").exit_code == 0  # the log file now holds the customer's mail
    assert cli("hold", held, "--reason", "诉讼 2026-17", as_="sup").exit_code == 0
    seeded = [v for i in (1, 2, 3) for v in _values(i)]
    assert set(residual(db, seeded)) == set(seeded)  # every value was stored somewhere
    before = json.loads(cli("report", "summary", "--period", "all", "--format", "json").stdout)

    dry = cli("purge", "--dry-run", "--format", "json")
    assert json.loads(dry.stdout)["numbers"] == purged and set(residual(db, seeded)) == set(seeded)

    run = cli("purge")
    assert run.exit_code == 0, run.stderr
    assert run.stderr.startswith("Erased the personal data of 3 complaint(s) that ended before ")
    assert run.stderr.endswith(" (3 evidence file(s) removed); 1 under a legal hold kept.\n")
    left = residual(db, seeded)
    print(f"\npurged {len(purged)}, residual personal values {sum(left.values())} ({left})")
    assert left == {}
    # the held and the recent complaint keep theirs; numbers, statuses and figures stay
    assert set(residual(db, _values(4) + _values(5))) == set(_values(4) + _values(5))
    after = json.loads(cli("report", "summary", "--period", "all", "--format", "json").stdout)
    assert after == before
    shown = json.loads(cli("show", purged[0], "--unmask", "--format", "json").stdout)
    assert (shown["number"], shown["status"], shown["amount"], shown["outcome"]) == (
        purged[0], "closed", None, "upheld")
    assert shown["customer"] == {k: None for k in shown["customer"]}
    with db.session() as session:
        assert audit.verify(session).ok
        (event,) = [e for e in audit.log(session) if e.action == "purge"]
    details = json.loads(event.details)
    assert (event.actor, details["purged"], details["numbers"], details["held"]) == (
        "admin", 3, purged, [held])
    # a second run finds nothing more, and still records the run
    again = cli("purge", "--format", "json")
    assert json.loads(again.stdout)["purged"] == 0


def test_the_retention_rule_comes_from_config(cli, tmp_path):
    db = cli.database
    number = closed_long_ago(db, 6, tmp_path)  # four years ago
    assert cli("config", "set", "retention.years", "5").exit_code == 0
    assert json.loads(cli("purge", "--format", "json").stdout)["purged"] == 0
    assert cli("config", "set", "retention.years", "3").exit_code == 0
    assert json.loads(cli("purge", "--format", "json").stdout)["numbers"] == [number]


def test_holds_are_permissioned_audited_and_released(cli, tmp_path):
    number = closed_long_ago(cli.database, 7, tmp_path)
    refused = cli("hold", number, "--reason", "x", as_="h1")
    assert (refused.exit_code, refused.stderr) == (
        4, "Error: Permission denied: `hold` needs the role supervisor or admin; h1 is a "
           "handler.\n")
    assert cli("hold", number, "--reason", "x", as_="sup2").exit_code == 4  # other branch
    assert cli("hold", number, "--reason", " ", as_="sup").exit_code == 5
    assert cli("hold", number, "--reason", "诉讼", as_="sup").exit_code == 0
    again = cli("hold", number, "--reason", "诉讼", as_="sup")
    assert again.exit_code == 2 and "already under a legal hold" in again.stderr
    assert json.loads(cli("purge", "--format", "json").stdout)["held"] == [number]
    assert cli("release", number, "--reason", "结案", as_="sup").exit_code == 0
    assert json.loads(cli("purge", "--format", "json").stdout)["numbers"] == [number]
    with cli.database.session() as session:
        actions = [(e.action, e.actor) for e in audit.log(session, number=number)][-2:]
    assert actions == [("hold", "sup"), ("release", "sup")]
    late = cli("hold", number, "--reason", "太晚", as_="sup")
    assert late.exit_code == 2 and "already erased" in late.stderr


def test_purge_needs_the_database_permission_and_a_past_date(cli):
    refused = cli("purge", as_="sup")
    assert (refused.exit_code, refused.stderr) == (
        4, "Error: Permission denied: `purge` needs the role admin; sup is a supervisor.\n")
    future = cli("purge", "--closed-before", "2999-01-01")
    assert future.exit_code == 5 and "in the future" in future.stderr
    assert cli("purge", "--closed-before", "yesterday").exit_code == 5
