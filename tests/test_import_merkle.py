"""One audit event per import batch carrying a Merkle root (issue 20): the root is RFC 6962's
over the rows as stored (recomputed here with hashlib only), `audit prove` gives each row's
path, and tampering with any one imported row (each column of its tables, from the tables'
metadata; its deletion; a fake row; two rows' order) makes `audit verify` fail naming it.
One small batch (the six rows of examples/complaints_native.csv)."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import delete, func, insert, select, text, update
from sqlmodel import Session

from complaintctl.domain.row_state import BOOL, INT, TIME
from complaintctl.services.audit import trail as audit
from complaintctl.services.core.state import layout, stamps
from complaintctl.store.models import (Complaint, ComplaintIdentityKey, ComplaintTag, Event,
                                      ImportLeaf, Remedy)
from conftest import BACKEND

EXAMPLE = "examples/complaints_native.csv"
COMPLAINTS, EVENTS, LEAVES = Complaint.__table__, Event.__table__, ImportLeaf.__table__


def _imported(cli) -> tuple[list[str], dict]:
    """Import the example; its numbers in order and the batch event's details."""
    with cli.database.session() as session:
        before = session.execute(select(func.count()).select_from(EVENTS)).scalar()
    run = cli("import", "file", EXAMPLE, "--json")
    assert run.exit_code == 0, run.stderr
    with cli.database.session() as session:
        events = session.execute(select(EVENTS.c.action, EVENTS.c.details, EVENTS.c.number)
                                 .where(EVENTS.c.seq > before)).all()
        numbers = session.execute(select(LEAVES.c.number).order_by(LEAVES.c.position)
                                  ).scalars().all()
    # one event for the batch, none for a row (the emergency plan's first load may follow)
    assert [action for action, _d, _n in events if action != "plan load"] == ["import"]
    assert not {n for _a, _d, n in events} & set(numbers)
    events = [e for e in events if e[0] == "import"]
    return list(numbers), json.loads(events[0][1])


def _mth(leaves: list[bytes]) -> bytes:
    """RFC 6962's MTH, hashlib only."""
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + _mth(leaves[:k]) + _mth(leaves[k:])).digest()


def _root_from_path(leaf: bytes, index: int, size: int, path: list[str]) -> str:
    """RFC 9162 2.1.3.2, hashlib only."""
    fn, sn, r = index, size - 1, leaf
    for p in map(bytes.fromhex, path):
        assert sn != 0
        if fn % 2 == 1 or fn == sn:
            r = hashlib.sha256(b"\x01" + p + r).digest()
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn // 2, sn // 2
        else:
            r = hashlib.sha256(b"\x01" + r + p).digest()
        fn, sn = fn // 2, sn // 2
    assert sn == 0
    return r.hex()


def test_the_batch_event_holds_rfc_6962s_root_over_the_rows_as_stored(cli):
    numbers, details = _imported(cli)
    assert len(numbers) == details["imported"] == 6
    with cli.database.session() as session:
        current = stamps(session, numbers)  # recomputed from the stored rows
    leaves = [hashlib.sha256(b"\x00" + f"{n} {current[n]}".encode()).digest() for n in numbers]
    assert details["merkle"] == {"algorithm": "rfc6962-sha256", "leaves": 6,
                                 "root": _mth(leaves).hex()}
    run = cli("audit", "verify", as_="aud")
    assert (run.exit_code, run.stderr.startswith("The audit trail is intact")) == (0, True)


def test_audit_prove_gives_every_row_a_path_to_the_root_its_event_holds(cli):
    numbers, details = _imported(cli)
    with cli.database.session() as session:
        seq, event_hash = session.execute(select(EVENTS.c.seq, EVENTS.c.hash)
                                          .where(EVENTS.c.action == "import")).one()
    for index, number in enumerate(numbers):
        run = cli("audit", "prove", number, "--json", as_="aud")
        assert run.exit_code == 0, run.stderr
        proof = json.loads(run.stdout)
        leaf = hashlib.sha256(b"\x00" + proof["leaf_data"].encode()).digest()
        assert proof["leaf_data"].startswith(number + " ")
        assert (proof["leaf_hash"], proof["index"], proof["tree_size"]) == (leaf.hex(), index, 6)
        assert _root_from_path(leaf, index, 6, proof["path"]) == details["merkle"]["root"]
        assert (proof["root"], proof["event_seq"], proof["event_hash"]) == (
            details["merkle"]["root"], seq, event_hash)
        assert proof["row_matches_leaf"] is True
    assert cli("audit", "prove", numbers[2], as_="clerk").exit_code == 4  # auditors only
    run = cli("audit", "prove", numbers[2], as_="aud")
    assert run.exit_code == 0, run.stderr
    assert run.stdout.splitlines()[0] == (
        f"{numbers[2]}: leaf 2 of 6 in import batch {details['batch']}'s Merkle tree "
        "(rfc6962-sha256).")
    assert run.stdout.splitlines()[-3] == f"root:       {details['merkle']['root']}"
    assert run.stdout.splitlines()[-1] == (
        "row:        as imported: its stored content gives the leaf data")
    withdrawn = cli("withdraw", numbers[0], "--reason", "客户撤回", as_="admin")
    assert withdrawn.exit_code == 0, withdrawn.stderr
    run = cli("audit", "prove", numbers[0], "--json", as_="aud")
    proof = json.loads(run.stdout)  # the proof of the row as imported still holds
    assert (proof["root"], proof["row_matches_leaf"]) == (details["merkle"]["root"], False)


def test_a_registered_complaint_has_no_batch_proof(cli):
    assert cli("register", "--channel", "phone", "--customer", "张伟", "--phone", "13812345678",
               "--summary", "年费", "--branch", "BJ01", as_="clerk").exit_code == 0
    with cli.database.session() as session:
        number = session.execute(select(COMPLAINTS.c.number)).scalar()
    run = cli("audit", "prove", number, as_="aud")
    assert (run.exit_code, run.stderr) == (1, (
        f"Error: {number} was not imported in a batch with a Merkle root (it was registered, "
        f"or imported before issue 20); its events are in `audit log {number}`.\n"))
    # a number no complaint has is said as every command says it, not as one without a proof
    missing = cli("audit", "prove", "CMP-2026-999999", as_="aud")
    assert (missing.exit_code, missing.stderr) == (1, (
        "Error: No complaint CMP-2026-999999; check the number with `complaintctl list`.\n"))


def _edited(value, kind: str, attempt: int, length: int | None):
    from datetime import datetime, timedelta, timezone

    if kind == TIME:
        return (value or datetime(2026, 1, 2, tzinfo=timezone.utc)) + timedelta(hours=attempt + 1)
    if kind == BOOL:
        return not value if value is not None else attempt % 2 == 0
    if kind == INT:
        return (value or 0) + 7 + attempt
    grown = (value or "") + "xyz"[attempt]
    return grown if length is None or len(grown) <= length else value[:-1] + "xyz"[attempt]


def _problem(conn) -> str:
    with Session(bind=conn) as session:
        result = audit.verify(session)
    assert not result.ok
    return result.problem


def _unchecked(conn) -> None:
    if BACKEND == "postgresql":
        conn.execute(text("SET LOCAL session_replication_role = replica"))


IMPORTED_TABLES = ("complaint", "complaint_tag", "remedy")


def test_each_column_of_an_imported_row_edited_is_named(cli):
    """Every column of the complaint's row and of the child rows an import writes."""
    numbers, _details = _imported(cli)
    with cli.database.engine.connect() as conn:
        # a row with tags and a remedy (the example's CMP-2025-000103, closed with a refund)
        owner = conn.execute(select(Remedy.__table__.c.complaint_id)).scalar()
        number = conn.execute(select(COMPLAINTS.c.number).where(COMPLAINTS.c.id == owner)
                              ).scalar()
        conn.rollback()
        if BACKEND == "sqlite":  # outside any transaction, where the pragma takes effect
            conn.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")
        cases, unnamed = 0, []
        for name, columns in layout().tables:
            if name not in IMPORTED_TABLES:
                continue
            table = Complaint.metadata.tables[name]
            key = table.c.id if name == "complaint" else table.c.complaint_id
            for column, kind, _personal in columns:
                cases += 1
                for attempt in range(3):  # a one-byte mark may collide: another value
                    transaction = conn.begin()
                    _unchecked(conn)
                    row = conn.execute(select(table).where(key == owner)).mappings().first()
                    assert row is not None, name
                    where = (table.c.tag == row["tag"]) if name == "complaint_tag" else \
                        (table.c.id == row["id"])
                    conn.execute(update(table).where(where).values({column: _edited(
                        row[column], kind, attempt, getattr(table.c[column].type, "length",
                                                            None))}))
                    problem = _problem(conn)
                    transaction.rollback()
                    if column == "number":
                        named = f"complaint {number}: deleted outside complaintctl" in problem
                    else:
                        named = f"complaint {number}: " in problem and f"{name}.{column}" in \
                            problem
                    if named:
                        break
                else:
                    unnamed.append((name, column, problem))
    assert not unnamed
    assert cases > 60


def test_a_deleted_a_fake_and_two_swapped_imported_rows_are_named(cli):
    numbers, details = _imported(cli)
    batch = details["batch"]
    with cli.database.engine.connect() as conn:
        seq = conn.execute(select(EVENTS.c.seq).where(EVENTS.c.action == "import")).scalar()
        ids = dict(conn.execute(select(COMPLAINTS.c.number, COMPLAINTS.c.id)).all())
        conn.rollback()

        with conn.begin() as transaction:  # deletion
            _unchecked(conn)
            for table in (ComplaintTag.__table__, Remedy.__table__,
                          ComplaintIdentityKey.__table__):
                conn.execute(delete(table).where(table.c.complaint_id == ids[numbers[3]]))
            conn.execute(delete(COMPLAINTS).where(COMPLAINTS.c.number == numbers[3]))
            assert _problem(conn) == (f"complaint {numbers[3]}: deleted outside complaintctl "
                                      f"(leaf 3 of import batch {batch}, event {seq})")
            transaction.rollback()

        with conn.begin() as transaction:  # a fake row, copied from a real one
            row = dict(conn.execute(select(COMPLAINTS).where(
                COMPLAINTS.c.number == numbers[0])).mappings().one())
            row.pop("id")
            row["number"], row["external_ref"] = "CMP-2026-999999", "FAKE-1"
            conn.execute(insert(COMPLAINTS).values(row))
            assert _problem(conn) == ("complaints stored without the event that created them: "
                                      "CMP-2026-999999")
            transaction.rollback()

        with conn.begin() as transaction:  # two rows swapped: each holds the other's number
            _unchecked(conn)
            first, second = numbers[0], numbers[1]
            conn.execute(update(COMPLAINTS).where(COMPLAINTS.c.number == first)
                         .values(number="CMP-SWAP"))
            conn.execute(update(COMPLAINTS).where(COMPLAINTS.c.number == second)
                         .values(number=first))
            conn.execute(update(COMPLAINTS).where(COMPLAINTS.c.number == "CMP-SWAP")
                         .values(number=second))
            problem = _problem(conn)
            assert f"complaint {first}: complaint." in problem
            assert f"complaint {second}: complaint." in problem
            transaction.rollback()

        with conn.begin() as transaction:  # two leaves swapped: the root no longer matches
            for position, value in ((0, -1), (1, 0), (-1, 1)):
                conn.execute(update(LEAVES).where(LEAVES.c.position == position)
                             .values(position=value))
            assert _problem(conn) == (
                f"import batch {batch}: its 6 stored leaves do not give the Merkle root its "
                f"event {seq} recorded for 6 rows (table import_leaf was changed outside "
                "complaintctl)")
            transaction.rollback()
    run = cli("audit", "prove", numbers[0], as_="aud")
    assert run.exit_code == 0, run.stderr
    with cli.database.engine.begin() as conn:  # a leaf's stamp rewritten: no proof is given
        conn.execute(update(LEAVES).where(LEAVES.c.position == 4)
                     .values(stamp=LEAVES.c.stamp + "x"))
    run = cli("audit", "prove", numbers[0], as_="aud")
    assert (run.exit_code, run.stderr) == (5, (
        f"Error: Import batch {batch}'s stored leaves do not match the Merkle root of its event "
        f"{seq}; run `complaintctl audit verify`.\n"))


@pytest.mark.parametrize("again", [False, True])
def test_undo_is_one_event_and_reimport_stays_a_no_op(cli, again):
    numbers, details = _imported(cli)
    if again:
        run = cli("import", "file", EXAMPLE, "--json")
        assert (run.exit_code, json.loads(run.stdout)["imported"]) == (0, 0)
    with cli.database.session() as session:
        before = session.execute(select(func.count()).select_from(EVENTS)).scalar()
    batch = details["batch"]
    run = cli("import", "undo", str(batch))
    assert run.exit_code == 0, run.stderr
    with cli.database.session() as session:
        after = session.execute(select(EVENTS.c.action, EVENTS.c.details)
                                .where(EVENTS.c.seq > before)).all()
        assert session.execute(select(func.count()).select_from(COMPLAINTS)).scalar() == 0
    assert [a for a, _d in after] == ["import undo"]
    assert json.loads(after[0][1])["removed"] == 6
    run = cli("audit", "verify", as_="aud")
    assert run.exit_code == 0, run.stderr


def _old_format_batch(cli) -> tuple[int, list[str]]:
    """A batch written as before issue 20, beside a new one: copies of the example's rows
    under new numbers, each with its own ``imported`` event carrying its state, and the
    batch's ``import`` event without a root."""
    from datetime import datetime, timezone

    from complaintctl.domain.enums import EventKind
    from complaintctl.services.core import trail
    from complaintctl.store.models import ImportBatch

    at = datetime.now(timezone.utc)
    with cli.database.session(write=True) as session:
        batch = ImportBatch(file_name="old.csv", format="native", imported_by="admin",
                            imported_at=at, rows_read=6, rows_imported=6)
        session.add(batch)
        session.flush()
        rows = session.execute(select(COMPLAINTS).order_by(COMPLAINTS.c.id)).mappings().all()
        numbers = []
        for i, row in enumerate(rows):
            copy = {k: v for k, v in row.items() if k != "id"}
            copy |= {"number": f"CMP-2024-{i + 1:06d}", "external_ref": f"OLD-{i}",
                     "import_batch_id": batch.id}
            session.execute(insert(COMPLAINTS).values(copy))
            numbers.append(copy["number"])
        ids = dict(session.execute(select(COMPLAINTS.c.number, COMPLAINTS.c.id)
                                   .where(COMPLAINTS.c.number.in_(numbers))).all())
        states = stamps(session, numbers)
        trail.record_many(session, [
            {"kind": EventKind.change, "action": "imported", "actor": "admin", "at": at,
             "complaint_id": ids[n], "number": n, "to_status": "registered",
             "details": {"batch": batch.id, "line": i + 2}, "personal": {"name": "张伟"},
             "state": f"{n} {states[n]}"} for i, n in enumerate(numbers)])
        trail.record(session, kind=EventKind.admin, action="import", actor="admin", at=at,
                     details={"batch": batch.id, "file": "old.csv", "imported": 6})
        session.commit()
        return batch.id, numbers


def test_a_batch_with_per_row_events_still_verifies_beside_one_with_a_root(cli):
    _imported(cli)
    old, numbers = _old_format_batch(cli)
    run = cli("audit", "verify", as_="aud")
    assert (run.exit_code, run.stderr.startswith("The audit trail is intact")) == (0, True)
    assert cli("audit", "prove", numbers[0], as_="aud").exit_code == 1  # no tree: its events
    with cli.database.engine.begin() as conn:
        summary = conn.execute(select(COMPLAINTS.c.summary)
                               .where(COMPLAINTS.c.number == numbers[1])).scalar()
        conn.execute(update(COMPLAINTS).where(COMPLAINTS.c.number == numbers[1])
                     .values(summary="rewritten"))
    run = cli("audit", "verify", as_="aud")
    assert run.exit_code == 1
    assert f"complaint {numbers[1]}: complaint.summary changed outside complaintctl" in run.stderr
    with cli.database.engine.begin() as conn:
        conn.execute(update(COMPLAINTS).where(COMPLAINTS.c.number == numbers[1])
                     .values(summary=summary))
    assert cli("audit", "verify", as_="aud").exit_code == 0
    run = cli("import", "undo", str(old))
    assert run.exit_code == 0, run.stderr
    assert cli("audit", "verify", as_="aud").exit_code == 0
