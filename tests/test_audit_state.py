"""The stored rows reconciled with the audit trail (issue 23): every column of every complaint
table, edited directly in the database, makes ``audit verify`` fail naming the complaint and
the column (the cases come from the tables' metadata, so a new column is covered by being
declared); a wiped, truncated, or renumbered and re-hashed trail fails; imported and purged
complaints verify; complaints whose events predate the state are counted, not failed."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, text, update
from sqlmodel import Session

from complaintctl.domain import chain
from complaintctl.domain.row_state import BOOL, INT, TIME
from complaintctl.store.models import AuditHead, Complaint, Event
from complaintctl.services.audit import trail as audit
from complaintctl.services.core.state import layout, state_columns
from conftest import BACKEND
from tampering import disarm, renumber_and_rehash

EVENTS, HEAD = Event.__table__, AuditHead.__table__


LONG_AGO = "2021-03-01T09:00"  # beyond the legal retention floor (CBIRC Art 28: 3 years)


def _history(cli, tmp_path, *, long_ago: bool = False) -> str:
    """One complaint with a row in every child table, through the commands (``long_ago``:
    each step effective a minute apart from ``LONG_AGO``, for a purge)."""
    statement = tmp_path / "statement.pdf"
    statement.write_bytes(b"%PDF-1.4 statement")
    run = cli("register", "--channel", "phone", "--customer", "张伟", "--phone", "13812345678",
              "--summary", "年费重复扣收", "--branch", "BJ01", "--tag", "elderly",
              "--amount", "300", *(["--received-at", LONG_AGO, "--at", LONG_AGO] if long_ago
                                   else []), as_="clerk")
    assert run.exit_code == 0, run.stderr
    number = _number(cli)
    steps = [
        (["assign", number, "--to", "h1"], "sup"),
        (["contact", number, "--via", "phone", "--summary", "已致电客户"], "h1"),
        (["investigate", number], "h1"),
        (["consult", number, "--department", "card_ops", "--question", "扣了两次吗"], "h1"),
        (["answer", number, "1", "是"], "h1"),
        (["evidence", "add", number, str(statement)], "h1"),
        (["pause", number, "--reason", "appraisal", "--customer-notified-via", "phone"], "h1"),
        (["resume", number], "h1"),
        (["extend", number, "--level", "1", "--reason", "需要卡组织记录"], "h1"),
        (["approve", number], "sup"),
        (["resolve", number,
            "--reasons", "核实结果", "--basis", "合同条款",
            "--outcome", "upheld", "--findings", "属实", "--remedy",
          "fee_refund:300", "--notified-via", "phone", "--proof", "CALL-1"], "h1"),
    ]
    for minute, (args, who) in enumerate(steps, start=1):
        when = ["--at", f"2021-03-01T09:{minute:02d}"] if long_ago else []
        run = cli(*args, *when, as_=who)
        assert run.exit_code == 0, (args, run.stderr)
    return number


def _number(cli) -> str:
    with cli.database.session() as session:
        return session.execute(select(Complaint.number).order_by(Complaint.id.desc())).scalar()


def _edited(value, kind: str, attempt: int, length: int | None = None):
    """Another value of the column's kind (``attempt`` picks among a few), no longer than
    ``length`` (PostgreSQL enforces it)."""
    if kind == TIME:
        return (value + timedelta(hours=attempt + 1)) if value is not None else \
            chain_time() + timedelta(days=attempt)
    if kind == BOOL:
        return (not value) if value is not None else bool(attempt % 2 == 0)
    if kind == INT:
        return (value or 0) + 7 + attempt
    grown = (value or "") + "xyz"[attempt]
    if length is not None and len(grown) > length:
        return value[:-1] + ("xyz"[attempt] if value[-1] != "xyz"[attempt] else "w")
    return grown


def chain_time():
    from datetime import datetime, timezone

    return datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def _unchecked(conn) -> None:
    """Foreign keys off for the edit (someone with write access can do that too)."""
    if BACKEND == "postgresql":
        conn.execute(text("SET LOCAL session_replication_role = replica"))


def _verify(conn):
    with Session(bind=conn) as session:
        return audit.verify(session)


def test_every_column_of_every_complaint_table_edited_is_named(cli, tmp_path):
    number = _history(cli, tmp_path)
    db = cli.database
    with Session(bind=db.engine) as session:
        assert audit.verify(session).ok
    tables = layout().tables
    cases, unnamed = 0, []
    with db.engine.connect() as conn:
        cid = conn.execute(select(Complaint.__table__.c.id)
                           .where(Complaint.__table__.c.number == number)).scalar()
        conn.rollback()
        if BACKEND == "sqlite":  # outside any transaction, where the pragma takes effect
            conn.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")
        for name, columns in tables:
            table = Complaint.metadata.tables[name]
            owner = table.c.id if name == "complaint" else table.c.complaint_id
            assert conn.execute(select(table).where(owner == cid)).first() is not None, name
            conn.rollback()
            for column, kind, _personal in columns:
                cases += 1
                named = False
                for attempt in range(3):  # one byte per column: another value if it collides
                    transaction = conn.begin()
                    _unchecked(conn)
                    row = conn.execute(select(table).where(owner == cid)).mappings().first()
                    new = _edited(row[column], kind, attempt,
                                  getattr(table.c[column].type, "length", None))
                    where = (table.c.tag == row["tag"]) if name == "complaint_tag" else \
                        (table.c.id == row["id"])
                    conn.execute(update(table).where(where).values({column: new}))
                    result = _verify(conn)
                    transaction.rollback()
                    assert not result.ok, (name, column)
                    shown = number if column != "number" else number + "xyz"[attempt]
                    if f"complaint {shown}: " in result.problem and \
                            f"{name}.{column}" in result.problem:
                        named = True
                        break
                if not named:
                    unnamed.append((f"{name}.{column}", result.problem))
    assert not unnamed
    assert cases == len(layout().columns) >= 100
    assert {"complaint.amount_cents", "complaint.status", "complaint.assignee",
            "remedy.note", "evidence.filename", "complaint_tag.tag"} <= set(layout().columns)


def test_the_edits_the_issue_tried_are_named_by_the_cli(cli, tmp_path):
    number = _history(cli, tmp_path)
    with cli.database.engine.begin() as conn:
        conn.execute(update(Complaint.__table__).where(Complaint.__table__.c.number == number)
                     .values(amount_cents=99999900, status="closed", assignee="h2"))
    run = cli("audit", "verify", as_="aud")
    seq = _last_seq(cli.database)
    assert (run.exit_code, run.stderr) == (1, (
        f"Error: The audit trail is broken: complaint {number}: complaint.status, "
        f"complaint.amount_cents, complaint.assignee changed outside complaintctl (the state "
        f"its event {seq} recorded differs).\n"))


def _last_seq(db) -> int:
    with db.session() as session:
        return session.execute(select(EVENTS.c.seq).where(EVENTS.c.state.is_not(None))
                               .order_by(EVENTS.c.seq.desc())).scalar()


def test_a_renumbered_complaint_and_a_changed_id_are_named(cli, tmp_path):
    number = _history(cli, tmp_path)
    complaints = Complaint.__table__
    with cli.database.engine.connect() as conn:
        transaction = conn.begin()
        conn.execute(update(complaints).where(complaints.c.number == number)
                     .values(number="CMP-2026-999999"))
        result = _verify(conn)
        transaction.rollback()
    assert result.problem.startswith(
        f"complaint CMP-2026-999999: column complaint.number was changed outside complaintctl "
        f"(its events name {number})")


def test_a_wiped_trail_reports_the_complaints_and_staff_it_created(cli, tmp_path):
    number = _history(cli, tmp_path)
    with cli.database.engine.begin() as conn:
        disarm(conn)
        conn.execute(delete(EVENTS))
        conn.execute(update(HEAD).values(count=0, last_hash=chain.GENESIS))
    run = cli("audit", "verify", as_="aud")
    assert (run.exit_code, run.stderr) == (1, (
        f"Error: The audit trail is broken: complaints stored without the event that created "
        f"them: {number}; staff stored without the event that added them: admin, sup, h1, h2, "
        f"clerk, aud, sup2, h3.\n"))


def test_a_batch_without_its_event_is_reported(cli, tmp_path):
    from datetime import datetime, timezone

    from complaintctl.store.models import ImportBatch

    with cli.database.engine.begin() as conn:
        conn.execute(ImportBatch.__table__.insert().values(
            file_name="x.csv", format="csv", imported_by="admin",
            imported_at=datetime.now(timezone.utc)))
    run = cli("audit", "verify", as_="aud")
    assert (run.exit_code, run.stderr) == (1, (
        "Error: The audit trail is broken: import batches stored without the event that "
        "recorded them: 1.\n"))


@pytest.mark.parametrize("cut", [1, 5, 12])
def test_a_truncated_trail_with_the_head_moved_back_fails(cli, tmp_path, cut):
    number = _history(cli, tmp_path)
    total = _last_seq(cli.database)
    keep = total - cut
    with cli.database.engine.begin() as conn:
        disarm(conn)
        conn.execute(delete(EVENTS).where(EVENTS.c.seq > keep))
        last = conn.execute(select(EVENTS.c.hash).where(EVENTS.c.seq == keep)).scalar()
        conn.execute(update(HEAD).values(count=keep, last_hash=last))
    run = cli("audit", "verify", as_="aud")
    assert run.exit_code == 1
    if cut < 12:
        assert f"complaint {number}: " in run.stderr and "outside complaintctl" in run.stderr
    else:  # the cut took its registration too
        assert run.stderr == ("Error: The audit trail is broken: complaints stored without the "
                              f"event that created them: {number}.\n")


def test_a_trail_with_events_deleted_renumbered_and_rehashed_fails(cli, tmp_path):
    """The complaint's last change deleted and the chain renumbered and re-hashed: whole
    again, but the row no longer matches its last event. A change in the middle deleted the
    same way is found by a signed anchor taken before (test_audit_anchors)."""
    number = _history(cli, tmp_path)
    with cli.database.engine.begin() as conn:
        removed = renumber_and_rehash(conn, [_last_seq(cli.database)])
    assert removed == 1
    with cli.database.session() as session:  # the chain itself is whole again
        assert audit.verify(session, rows=False).ok
    run = cli("audit", "verify", as_="aud")
    assert run.exit_code == 1
    assert f"complaint {number}: complaint.status" in run.stderr


def test_imported_complaints_verify_and_an_edit_of_one_is_named(cli):
    run = cli("import", "file", "examples/complaints_native.csv")
    assert run.exit_code == 0, run.stderr
    run = cli("audit", "verify", as_="aud")
    assert (run.exit_code, run.stderr.startswith("The audit trail is intact")) == (0, True)
    with cli.database.engine.begin() as conn:
        first = conn.execute(select(Complaint.__table__.c.number)
                             .order_by(Complaint.__table__.c.id)).scalar()
        conn.execute(update(Complaint.__table__).where(Complaint.__table__.c.number == first)
                     .values(summary="rewritten"))
    run = cli("audit", "verify", as_="aud")
    assert run.exit_code == 1
    assert f"complaint {first}: complaint.summary changed outside complaintctl" in run.stderr


def test_purge_then_verify_passes(cli, tmp_path):
    number = _history(cli, tmp_path, long_ago=True)
    assert cli("close", number, "--satisfaction", "4", "--at", "2021-03-01T10:00",
               as_="h1").exit_code == 0
    with cli.database.session() as session:
        closed = session.execute(select(Complaint.closed_at)).scalar()
    cutoff = (closed + timedelta(milliseconds=1)).isoformat()
    time.sleep(0.01)
    run = cli("purge", "--closed-before", cutoff)
    assert run.exit_code == 0, run.stderr
    with cli.database.session() as session:
        row = session.execute(select(Complaint)).scalar()
        assert row.customer_name is None and row.erased_at is not None
        result = audit.verify(session)
    assert (result.ok, result.covered, result.not_covered) == (True, 1, 0)


def test_complaints_whose_events_predate_the_state_are_counted_not_failed(cli, tmp_path):
    number = _history(cli, tmp_path)
    with cli.database.engine.begin() as conn:  # as a database written before issue 23
        disarm(conn)
        conn.execute(update(EVENTS).values(state=None))
        renumber_and_rehash(conn, [])
    run = cli("audit", "verify", as_="aud")
    total = _total(cli.database)
    assert (run.exit_code, run.stderr) == (0, (
        f"The audit trail is intact: {total} events.\n"
        "1 complaints were last changed before events recorded their state and are not "
        "covered until their next event.\n"))
    assert cli("note", number, "再次回访", as_="h1").exit_code == 0
    run = cli("audit", "verify", as_="aud")
    assert (run.exit_code, run.stderr) == (0, f"The audit trail is intact: {total + 1} events.\n")


def _total(db) -> int:
    with db.session() as session:
        return session.get(AuditHead, 1).count


def test_the_state_is_the_same_text_on_either_back_end(cli, tmp_path):
    """A stamp is recomputed from the rows as stored: reading them back gives the stamp the
    event carries (on SQLite and PostgreSQL alike, both run this test)."""
    from complaintctl.services.core import state
    from complaintctl.services.core.context import chain_key

    number = _history(cli, tmp_path)
    with cli.database.session() as session:
        complaint = session.execute(select(Complaint).where(Complaint.number == number)).scalar()
        stamped = session.execute(select(EVENTS.c.state).where(EVENTS.c.state.is_not(None))
                                  .order_by(EVENTS.c.seq.desc())).scalar()
        assert stamped == f"{number} {state.stamps(session, [complaint])[number]}"
        key = chain_key(session)
    assert state_columns("remedy") == ["kind", "amount_cents", "note"]
    # the personal columns' marks are keyed: the same rows under another key mark otherwise
    assert key != bytes(32)
