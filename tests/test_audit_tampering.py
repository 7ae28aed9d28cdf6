"""Tamper evidence (issue 7, item 4): 1,000 automated tamperings of five kinds on a real
database are all detected by ``audit verify``, which names the first bad event; a careful
truncation and a complete re-hash are found against an anchor kept outside the database."""

from __future__ import annotations

import json
import os
import random
import stat
from collections import Counter

import pytest
from sqlmodel import Session

from complaintctl.domain import chain
from complaintctl.domain.enums import Channel, ContactVia, Outcome
from complaintctl.errors import PermissionDenied
from complaintctl.services.audit import trail as audit
from complaintctl.services.complaints import decisions, handling, queries
from complaintctl.services.complaints import registration as svc
from complaintctl.services.complaints.registration import NewComplaint, RemedyInput
from complaintctl.services.core.context import chain_key
from conftest import actor
from tampering import KINDS, disarm, tamper

TAMPERINGS = int(os.environ.get("COMPLAINTCTL_TAMPERINGS", "1000"))


def _do(db, use_case, who, **kwargs):
    with db.session(write=True) as session:
        return use_case(session=session, actor=actor(who), **kwargs)


def build_history(db) -> list[str]:
    """Complaints with personal data through their lifecycle, notes, a refusal and an
    unmasking: every kind of event the chain holds."""
    numbers = []
    for i, (customer, phone) in enumerate([("张伟", "13812345678"), ("李娜", "13987654321"),
                                           ("Wang Fang", "13700001111")]):
        new = NewComplaint(channel=Channel.phone, customer=customer, phone=phone,
                           summary=f"年费重复扣收 {i}", branch="BJ01", account="6222020200001234",
                           id_number="110101199003071233", email=f"c{i}@example.com")
        numbers.append(_do(db, svc.register, "clerk", new=new).number)
    first, second, third = numbers
    for i in range(12):
        _do(db, handling.note, "clerk", number=third, text=f"第{i}次回访")
    _do(db, handling.assign, "sup", number=first, to="h1")
    _do(db, handling.investigate, "h1", number=first)
    _do(db, handling.note, "h1", number=first, text="客户来电催办")
    _do(db, decisions.resolve, "h1", reasons="核实结果", basis="合同条款", proof="CALL-1",
        number=first, outcome=Outcome.upheld, findings="属实",
        remedies=[RemedyInput.parse("fee_refund:300")], notified_via=ContactVia.phone)
    _do(db, decisions.close, "h1", number=first, satisfaction=4)
    _do(db, handling.assign, "sup", number=second, to="h2")
    with pytest.raises(PermissionDenied):
        _do(db, handling.investigate, "h1", number=second)  # a refusal on the chain
    with db.session() as session:
        queries.show(session=session, actor=actor("sup"), number=second, unmask=True)
    return numbers


def take_anchor(db) -> chain.Anchor:
    with db.session() as session:
        result, anchor = audit.take_anchor(session)
    assert result.ok
    return chain.Anchor.parse(anchor.to_json())  # through the file format


@pytest.fixture
def history(seeded):
    build_history(seeded)
    return seeded


@pytest.mark.once("a thousand tamperings; the kinds of tampering below run on both back ends")
def test_a_thousand_tamperings_of_five_kinds_are_all_detected_and_named(history):
    db = history
    anchor = take_anchor(db)
    rng = random.Random(20261128)
    detected, named, tried, cut_found = Counter(), Counter(), Counter(), Counter()
    with db.engine.connect() as conn:
        with Session(bind=conn) as session:
            key = chain_key(session)
            total = audit.verify(session).events
        conn.rollback()
        assert total == anchor.events >= 30
        for i in range(TAMPERINGS):
            kind = KINDS[i % len(KINDS)]
            transaction = conn.begin()
            try:
                done = tamper(conn, kind, rng, key)
                with Session(bind=conn) as session:
                    plain = audit.verify(session)
                    anchored = audit.verify(session, anchor=anchor)
            finally:
                transaction.rollback()
            tried[kind] += 1
            if done.anchor_only:
                # a careful truncation leaves a whole chain: only an anchor names it, but since
                # issue 23 the rows are reconciled too, so a cut that took a change's event
                # away leaves a complaint its last remaining event does not describe
                assert plain.ok or plain.problems, (done, plain)
                cut_found[plain.ok] += 1
            else:
                assert (plain.ok, plain.bad_seq) == (False, done.bad_seq), (done, plain)
            detected[kind] += not anchored.ok
            named[kind] += anchored.bad_seq == done.anchored_bad_seq
            assert (anchored.ok, anchored.bad_seq) == (False, done.anchored_bad_seq), (
                done, anchored)
    assert sum(tried.values()) == TAMPERINGS >= 1000 or TAMPERINGS < 1000
    assert detected == named == tried
    assert cut_found[False] > 0  # some careful truncations are now found without an anchor
    print(f"\ntamperings: {dict(tried)}; detected {sum(detected.values())}/{TAMPERINGS} "
          f"({100 * sum(detected.values()) / TAMPERINGS:.1f}%), first bad event named "
          f"{sum(named.values())}/{TAMPERINGS}")
    with Session(bind=db.engine) as session:  # every tampering was rolled back
        assert audit.verify(session, anchor=anchor).ok


def test_a_complete_rehash_passes_plain_verify_and_is_named_against_the_anchor(history):
    from tampering import rehash

    db = history
    anchor = take_anchor(db)
    rng = random.Random(7)
    with db.engine.connect() as conn:
        with Session(bind=conn) as session:
            key = chain_key(session)
        for _ in range(20):
            transaction = conn.begin()
            done = rehash(conn, rng, anchor.events, key)
            with Session(bind=conn) as session:
                assert audit.verify(session).ok
                result = audit.verify(session, anchor=anchor)
            transaction.rollback()
            assert (result.ok, result.bad_seq) == (False, done.bad_seq)
            assert result.problem == (
                f"the chain was rewritten since the anchor of {anchor.taken_at}: event "
                f"{done.bad_seq}'s hash differs from the anchor's, so events {done.bad_seq} to "
                f"{done.bad_seq} are suspect")


def test_an_event_moved_to_another_complaints_timeline_is_named(history):
    db = history
    with db.engine.begin() as conn:
        disarm(conn)  # as an attacker with the file (or a superuser) would
        seq, other = conn.exec_driver_sql(
            "SELECT e.seq, (SELECT MIN(c.id) FROM complaint c WHERE c.number <> e.number) "
            "FROM event e WHERE e.kind = 'change' ORDER BY e.seq LIMIT 1").one()
        conn.exec_driver_sql(f"UPDATE event SET complaint_id = {other} WHERE seq = {seq}")
    with db.session() as session:
        result = audit.verify(session)
    assert (result.ok, result.bad_seq, result.problem) == (
        False, seq, f"event {seq} was moved to another complaint's timeline")


def test_anchor_checkpoints_keep_every_event_of_a_short_chain_and_at_most_1000():
    assert chain.checkpoint_seqs(3) == [1, 2, 3]
    assert chain.checkpoint_seqs(1000) == list(range(1, 1001))
    seqs = chain.checkpoint_seqs(1_000_000)
    assert len(seqs) <= 1000 and seqs[:2] == [1024, 2048] and seqs[-1] == 999_424


# --- the commands ------------------------------------------------------------------------------


def test_audit_anchor_writes_a_private_file_that_verify_checks(cli, tmp_path):
    build_history(cli.database)
    path = tmp_path / "anchor.json"
    run = cli("audit", "anchor", "-o", str(path), as_="aud")
    assert run.exit_code == 0, run.stderr
    data = json.loads(path.read_text())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with cli.database.session() as session:
        head = session.get(audit.AuditHead, 1)
        assert (data["events"], data["head"]) == (head.count, head.last_hash)
    assert run.stderr == (f"Anchored {head.count} events (head {head.last_hash[:16]}) in {path}; "
                          "keep it outside the database.\n")
    assert len(data["checkpoints"]) == head.count - 1
    ok = cli("audit", "verify", "--anchor", str(path), as_="aud")
    assert (ok.exit_code, ok.stderr) == (0, (
        f"The audit trail is intact: {head.count} events; it holds the anchor of "
        f"{data['taken_at']} ({head.count} events).\n"))
    # the chain grows after the anchor: still holds it
    assert cli("note", _first(cli), "later", as_="sup").exit_code == 0
    assert cli("audit", "verify", "--anchor", str(path), as_="aud").exit_code == 0


def _first(cli) -> str:
    with cli.database.session() as session:
        return queries.list_complaints(session=session, actor=actor("admin"),
                                       filters=queries.Filters())[0]["number"]


def test_verify_against_an_anchor_finds_a_tail_cut_off_with_the_head_moved(cli, tmp_path):
    build_history(cli.database)
    path = tmp_path / "anchor.json"
    assert cli("audit", "anchor", "-o", str(path), as_="aud").exit_code == 0
    total = json.loads(path.read_text())["events"]
    taken = json.loads(path.read_text())["taken_at"]
    with cli.database.engine.begin() as conn:
        disarm(conn)  # as an attacker with the file (or a superuser) would
        conn.exec_driver_sql(f"DELETE FROM event WHERE seq > {total - 3}")
        conn.exec_driver_sql("UPDATE audit_head SET count = count - 3, last_hash = (SELECT hash "
                             f"FROM event WHERE seq = {total - 3})")
    # without the anchor the chain is whole, but the cut took the assignment of the second
    # complaint with it: its row no longer matches its last remaining event (issue 23)
    run = cli("audit", "verify", as_="aud")
    assert (run.exit_code, run.stderr) == (1, (
        "Error: The audit trail is broken: complaint CMP-2026-000002: complaint.status, "
        "complaint.assignee, complaint.last_event_at changed outside complaintctl (the state its "
        "event 10 recorded differs).\n"))
    run = cli("audit", "verify", "--anchor", str(path), as_="aud")
    assert (run.exit_code, run.stderr) == (1, (
        f"Error: The audit trail is broken: the chain ends at event {total - 3} but the anchor "
        f"of {taken} recorded {total}: events were removed from the end.\n"))


def test_anchor_refuses_a_broken_chain_and_bad_anchor_files(cli, tmp_path):
    build_history(cli.database)
    with cli.database.engine.begin() as conn:
        disarm(conn)  # as an attacker with the file (or a superuser) would
        conn.exec_driver_sql("UPDATE event SET actor = 'someone' WHERE seq = 5")
    path = tmp_path / "anchor.json"
    run = cli("audit", "anchor", "-o", str(path), as_="aud")
    assert (run.exit_code, run.stderr) == (1, "Error: The audit trail is broken: event 5 was "
                                              "altered; no anchor was written.\n")
    assert not path.exists()
    bad = tmp_path / "bad.json"
    for text in ("{}", "not json", '{"format": "complaintctl-audit-anchor/1", "events": -1, '
                 '"head": "x"}'):
        bad.write_text(text)
        run = cli("audit", "verify", "--anchor", str(bad), as_="aud")
        assert (run.exit_code, run.stderr) == (
            5, f"Error: {bad} is not an anchor written by `complaintctl audit anchor`.\n")
    run = cli("audit", "verify", "--anchor", str(tmp_path / "none.json"), as_="aud")
    assert (run.exit_code, run.stderr) == (
        1, f"Error: No anchor file at {tmp_path / 'none.json'}; check the path.\n")


def test_anchor_needs_the_audit_permission_and_the_refusal_is_recorded(cli, tmp_path):
    run = cli("audit", "anchor", "-o", str(tmp_path / "a.json"), as_="clerk")
    assert (run.exit_code, run.stderr) == (
        4, ("Error: Permission denied: `audit anchor` needs the role auditor or admin; clerk is "
            "a clerk.\n"))
    with cli.database.session() as session:
        last = audit.log(session, limit=1)[0]
    assert (last.kind, last.action, last.actor) == ("refusal", "audit anchor", "clerk")
