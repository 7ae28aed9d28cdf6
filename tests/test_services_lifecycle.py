"""The use cases on a real database: a complaint's whole life, refusals, numbering, queries,
visibility, unmasking and the audit chain (tampered with by plain SQL)."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from complaintctl.domain import chain
from complaintctl.domain.clock import decision_due
from complaintctl.domain.enums import Channel, ContactVia, Direction, Outcome, Priority, SortKey
from complaintctl.errors import (
    InvalidData,
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
    UsageProblem,
)
from complaintctl.infra.evidence import EvidenceStore
from complaintctl.store.models import AuditHead, Complaint, Event
from complaintctl.services.audit import trail as audit
from complaintctl.services.complaints import decisions, handling, queries
from complaintctl.services.complaints import registration as svc
from complaintctl.services.complaints.registration import NewComplaint, RemedyInput
from conftest import actor
from tampering import disarm

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = timezone.utc


# --- helpers ---------------------------------------------------------------------------------


def do(db, use_case, who, **kwargs):
    """Run one use case as ``who`` in its own session (as the CLI does)."""
    with db.session(write=True) as session:
        return use_case(session=session, actor=actor(who), **kwargs)


def register(db, who="clerk", *, at=None, **fields) -> str:
    fields.setdefault("channel", Channel.phone)
    fields.setdefault("customer", "张伟")
    fields.setdefault("summary", "信用卡年费重复扣收")
    if fields["channel"] is Channel.regulator:  # a referral carries these (CBIRC Art 33)
        fields.setdefault("source_ref", "CBIRC-BJ-2026-0815")
        fields.setdefault("regulator_due", "2026-12-31")
    return do(db, svc.register, who, new=NewComplaint(**fields), at=at).number


def complaint(db, number) -> Complaint:
    with db.session() as session:
        return session.exec(select(Complaint).where(Complaint.number == number)).one()


def events(db, *, kind=None, number=None) -> list[Event]:
    with db.session() as session:
        query = select(Event).order_by(col(Event.seq))
        if kind:
            query = query.where(Event.kind == kind)
        if number:
            query = query.where(Event.number == number)
        return list(session.exec(query).all())


def timeline(db, number) -> list[tuple[str, str | None, str | None]]:
    return [(e.action, e.from_status, e.to_status)
            for e in events(db, kind="change", number=number)]


def show(db, who, number, **kwargs) -> dict:
    with db.session() as session:
        return queries.show(session=session, actor=actor(who), number=number, **kwargs)


def listing(db, who="admin", **kwargs) -> list[dict]:
    filters = kwargs.pop("filters", queries.Filters())
    with db.session() as session:
        return queries.list_complaints(session=session, actor=actor(who), filters=filters,
                                       **kwargs)


def numbers(rows) -> list[str]:
    return [r["number"] for r in rows]


def verify(db) -> audit.VerifyResult:
    with db.session() as session:
        return audit.verify(session)


def snapshot(db, number) -> dict:
    """Everything stored about a complaint: its row and its timeline."""
    c = complaint(db, number)
    return {"row": c.model_dump(), "timeline": [(e.seq, e.hash) for e in
                                                events(db, kind="change", number=number)]}


def to_investigating(db, number, handler="h1"):
    do(db, handling.assign, "sup", number=number, to=handler)
    do(db, handling.investigate, handler, number=number)


def to_resolved(db, number, handler="h1"):
    to_investigating(db, number, handler)
    do(db, decisions.resolve, handler, reasons="核实结果", basis="合同条款", proof="CALL-1",
        number=number, outcome=Outcome.upheld, findings="属实",
       remedies=[RemedyInput.parse("apology")], notified_via=ContactVia.phone)


def to_closed(db, number, handler="h1"):
    to_resolved(db, number, handler)
    do(db, decisions.close, handler, number=number, satisfaction=4)


def sql(db, statement, *params):
    """Tamper with the database directly, as someone with shell or SQL access would: plain
    sqlite3 on the file, or the PostgreSQL driver (``?`` placeholders become ``%s``)."""
    db.engine.dispose()
    if db.path is None:
        with db.engine.begin() as conn:
            disarm(conn)  # the append-only triggers, as a superuser could
            conn.exec_driver_sql(statement.replace("?", "%s"), params)
        db.engine.dispose()
        return
    conn = sqlite3.connect(db.path)
    with conn:
        disarm(conn)  # the append-only triggers, as an attacker with the file could
        conn.execute(statement, params)
    conn.close()


# --- the whole life of a complaint -------------------------------------------------------------


def test_a_complaint_goes_from_registration_to_archive_with_one_event_per_change(seeded, tmp_path):
    db = seeded
    received = datetime.now(UTC) - timedelta(days=2)
    number = register(db, phone="13812345678", branch="BJ01", product="credit_card",
                      amount="1,200.5", tags=["Elderly", "elderly"], received_at=received)
    c = complaint(db, number)
    assert (c.status, c.branch, c.registered_by, c.amount_cents) == (
        "registered", "BJ01", "clerk", 120050)
    assert c.priority == "high" and not c.priority_set  # derived from the elderly tag
    assert c.due_at == decision_due(received, tz=SHANGHAI)
    assert c.received_at == received and c.registered_at >= received

    do(db, handling.assign, "sup", number=number, to="h1")
    assert complaint(db, number).assignee == "h1"

    # an inbound contact is not the acknowledgement; the first outbound one is, and only it
    do(db, handling.contact, "h1", number=number, via=ContactVia.phone, summary="客户来电询问",
       direction=Direction.in_)
    assert complaint(db, number).acknowledged_at is None
    first = do(db, handling.contact, "h1", number=number, via=ContactVia.sms, summary="已受理")
    acknowledged = complaint(db, number).acknowledged_at
    assert acknowledged == first.last_event_at
    do(db, handling.contact, "h1", number=number, via=ContactVia.phone, summary="再次说明流程")
    assert complaint(db, number).acknowledged_at == acknowledged

    do(db, handling.investigate, "h1", number=number)
    do(db, handling.note, "h1", number=number, text="已调取交易流水")
    q = do(db, handling.consult, "h1", number=number, department="card_ops", question="扣了两次吗？")
    answered = do(db, handling.answer, "h1", number=number, consultation_id=q.id,
                  text="是，11月3日重复入账")
    assert (answered.answer, answered.answered_by) == ("是，11月3日重复入账", "h1")

    statement = tmp_path / "statement.pdf"
    statement.write_bytes(b"%PDF-1.4 statement " * 1000)
    store = EvidenceStore(db.evidence_dir)
    evidence = do(db, handling.add_evidence, "h1", number=number, store=store, path=statement,
                  description="Card statement")
    assert evidence.sha256 == hashlib.sha256(statement.read_bytes()).hexdigest()
    assert evidence.size == statement.stat().st_size == 19000

    do(db, decisions.resolve, "h1", reasons="核实结果", basis="合同条款",
        number=number, outcome=Outcome.upheld, findings="Fee charged twice",
       remedies=[RemedyInput.parse("apology"), RemedyInput.parse("fee_refund:300")],
       notified_via=ContactVia.phone, proof="CALL-7781")
    c = complaint(db, number)
    assert (c.status, c.outcome, c.notified_via, c.notice_proof) == (
        "resolved", "upheld", "phone", "CALL-7781")
    assert c.notified_at is not None

    do(db, decisions.close, "h1", number=number, satisfaction=4, feedback="退款及时")
    c = complaint(db, number)
    assert (c.status, c.satisfaction, c.feedback, c.disputed) == ("closed", 4, "退款及时", False)
    assert c.closed_at is not None

    do(db, decisions.reopen, "sup", number=number, reason="客户发现另一笔扣费")
    c = complaint(db, number)
    assert (c.status, c.reopen_count, c.closed_at, c.satisfaction) == (
        "investigating", 1, None, None)

    do(db, decisions.resolve, "h1", reasons="核实结果", basis="合同条款", proof="CALL-1",
        number=number, outcome=Outcome.partially_upheld, findings="部分属实",
       remedies=[RemedyInput.parse("compensation:50")], notified_via=ContactVia.letter)
    do(db, decisions.close, "h1", number=number, satisfaction=2, disputed=True)
    closed_at = complaint(db, number).closed_at
    do(db, decisions.archive, "sup", number=number)
    c = complaint(db, number)
    assert (c.status, c.disputed, c.closed_at) == ("archived", True, closed_at)
    assert c.archived_at >= closed_at

    assert timeline(db, number) == [
        ("register", None, "registered"),
        ("assign", "registered", "assigned"),
        ("contact", "assigned", "assigned"),
        ("contact", "assigned", "assigned"),
        ("contact", "assigned", "assigned"),
        ("investigate", "assigned", "investigating"),
        ("note", "investigating", "investigating"),
        ("consult", "investigating", "investigating"),
        ("answer", "investigating", "investigating"),
        ("evidence", "investigating", "investigating"),
        ("resolve", "investigating", "resolved"),
        ("close", "resolved", "closed"),
        ("reopen", "closed", "investigating"),
        ("resolve", "investigating", "resolved"),
        ("close", "resolved", "closed"),
        ("archive", "closed", "archived"),
    ]
    shown = show(db, "sup", number)
    assert [e["action"] for e in shown["events"]] == [t[0] for t in timeline(db, number)]
    assert [r["kind"] for r in shown["remedies"]] == ["compensation"]  # the last decision's
    assert shown["remedies"][0]["amount"] == "50.00"
    assert [c["direction"] for c in shown["contacts"]] == ["in", "out", "out"]
    assert shown["consultations"][0]["answer"] == "是，11月3日重复入账"
    assert not events(db, kind="refusal")
    assert verify(db).ok


def test_each_change_records_its_changed_fields_with_old_and_new_values(seeded):
    number = register(seeded)
    do(seeded, handling.assign, "sup", number=number, to="h1")
    do(seeded, handling.assign, "sup", number=number, to="h2")
    assign, reassign = events(seeded, kind="change", number=number)[1:]
    assert (assign.action, json.loads(assign.details)) == (
        "assign", {"changes": {"assignee": [None, "h1"]}})
    assert (reassign.action, json.loads(reassign.details)) == (
        "reassign", {"changes": {"assignee": ["h1", "h2"]}})
    assert reassign.from_status == reassign.to_status == "assigned"


def test_registration_keeps_personal_data_out_of_the_hashed_details(seeded):
    number = register(seeded, phone="13812345678", id_number="110105196001011239",
                      description="客户张伟身份证号110105196001011234")
    event = events(seeded, kind="change", number=number)[0]
    assert "13812345678" not in event.details
    assert "110105196001011239" not in event.details
    assert json.loads(event.personal)["phone"] == "13812345678"
    assert event.personal_digest is not None and len(event.personal_digest) == 64


# --- evidence ----------------------------------------------------------------------------------


def test_evidence_is_stored_under_its_digest_owner_only_and_deduplicated(seeded, tmp_path):
    number = register(seeded)
    to_investigating(seeded, number)
    data = os.urandom(3 * 1024 * 1024 + 17)  # more than one read chunk
    source = tmp_path / "recording.mp3"
    source.write_bytes(data)
    store = EvidenceStore(seeded.evidence_dir)
    first = do(seeded, handling.add_evidence, "h1", number=number, store=store, path=source)
    digest = hashlib.sha256(data).hexdigest()
    stored = seeded.evidence_dir / digest[:2] / digest
    assert (first.sha256, first.size, first.filename) == (digest, len(data), "recording.mp3")
    assert stored.read_bytes() == data
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(seeded.evidence_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(stored.parent.stat().st_mode) == 0o700
    assert store.verify(digest)

    copy = tmp_path / "same-again.mp3"
    copy.write_bytes(data)
    second = do(seeded, handling.add_evidence, "h1", number=number, store=store, path=copy)
    assert second.sha256 == digest and second.id != first.id
    assert [p.name for p in stored.parent.iterdir()] == [digest]
    assert not list(seeded.evidence_dir.glob(".incoming-*"))
    with seeded.session() as session:
        listed = handling.evidence_list(session=session, actor=actor("clerk"), number=number)
    assert [(e["filename"], e["sha256"]) for e in listed] == [
        ("recording.mp3", digest), ("same-again.mp3", digest)]


def test_a_symbolic_link_is_refused_as_evidence_and_nothing_is_recorded(seeded, tmp_path):
    number = register(seeded)
    to_investigating(seeded, number)
    target = tmp_path / "secret.txt"
    target.write_text("not for the store")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    before = snapshot(seeded, number)
    with pytest.raises(InvalidData, match=r"link\.txt is a symbolic link; give the file itself\."):
        do(seeded, handling.add_evidence, "h1", number=number, store=EvidenceStore(seeded.evidence_dir),
           path=link)
    assert snapshot(seeded, number) == before
    assert not seeded.evidence_dir.exists() or not any(seeded.evidence_dir.rglob("*"))


def test_a_missing_evidence_file_is_not_found(seeded, tmp_path):
    number = register(seeded)
    to_investigating(seeded, number)
    with pytest.raises(NotFound, match=r"No file at .*nope\.pdf; check the path\."):
        do(seeded, handling.add_evidence, "h1", number=number,
           store=EvidenceStore(seeded.evidence_dir), path=tmp_path / "nope.pdf")


# --- decisions and closure ------------------------------------------------------------------------


def _resolve(db, number, outcome, *remedies):
    return do(db, decisions.resolve, "h1", reasons="核实结果", basis="合同条款", proof="CALL-1",
        number=number, outcome=outcome, findings="findings",
              remedies=[RemedyInput.parse(r) for r in remedies], notified_via=ContactVia.email)


@pytest.mark.parametrize(
    ("outcome", "remedies", "message"),
    [
        (Outcome.upheld, ["compensation"],
         "Remedy compensation needs an amount: --remedy compensation:200."),
        (Outcome.upheld, ["fee_refund:0"],
         "Remedy fee_refund needs an amount: --remedy fee_refund:200."),
        (Outcome.upheld, ["apology:20"],
         "Remedy apology takes no amount; only compensation and fee_refund do."),
        (Outcome.not_upheld, ["compensation:100"],
         "A not_upheld complaint gets no money; use partially_upheld or drop the remedy."),
        (Outcome.not_upheld, ["explanation", "fee_refund:5"],
         "A not_upheld complaint gets no money; use partially_upheld or drop the remedy."),
        (Outcome.upheld, [], "An upheld complaint needs at least one --remedy (e.g. apology)."),
        (Outcome.partially_upheld, [],
         "An partially_upheld complaint needs at least one --remedy (e.g. apology)."),
        (Outcome.upheld, ["compensation:abc"], "'abc' is not an amount; write it like 1200.50."),
    ],
)
def test_a_decision_breaking_a_remedy_rule_is_refused_and_changes_nothing(
    seeded, outcome, remedies, message
):
    number = register(seeded)
    to_investigating(seeded, number)
    before = snapshot(seeded, number)
    with pytest.raises(InvalidData) as refused:
        _resolve(seeded, number, outcome, *remedies)
    assert str(refused.value) == message
    assert snapshot(seeded, number) == before


def test_a_not_upheld_decision_needs_no_remedy_and_may_explain(seeded):
    for remedies in ([], ["explanation"]):
        number = register(seeded)
        to_investigating(seeded, number)
        _resolve(seeded, number, Outcome.not_upheld, *remedies)
        assert complaint(seeded, number).status == "resolved"


def test_a_remedy_kind_that_does_not_exist_is_refused_naming_the_kinds():
    with pytest.raises(InvalidData) as refused:
        RemedyInput.parse("cash:100")
    assert str(refused.value) == (
        "'cash' is not a remedy; use one of apology, compensation, fee_refund, correction, "
        "explanation, tracking, other (KIND or KIND:AMOUNT)."
    )
    assert RemedyInput.parse(" compensation : 1,200.5 ").amount == "1,200.5"


def test_a_dissatisfied_customer_needs_a_dispute_or_a_reopen_and_the_message_says_so(seeded):
    number = register(seeded)
    to_resolved(seeded, number)
    before = snapshot(seeded, number)
    with pytest.raises(InvalidData) as refused:
        do(seeded, decisions.close, "h1", number=number, satisfaction=2)
    assert str(refused.value) == (
        f"The customer is dissatisfied (2/5): close with --disputed to record the dispute, or "
        f"`complaintctl reopen {number} --reason ...` to keep working."
    )
    assert snapshot(seeded, number) == before
    do(seeded, decisions.close, "h1", number=number, satisfaction=3)  # 3 is not dissatisfied
    assert complaint(seeded, number).status == "closed"


@pytest.mark.parametrize("score", [0, 6, -1])
def test_satisfaction_must_be_from_one_to_five(seeded, score):
    number = register(seeded)
    to_resolved(seeded, number)
    with pytest.raises(InvalidData, match=r"^--satisfaction must be a whole number from 1 to 5\.$"):
        do(seeded, decisions.close, "h1", number=number, satisfaction=score)


def test_a_disputed_close_is_recorded_and_a_reopen_clears_the_closing(seeded):
    number = register(seeded)
    to_resolved(seeded, number)
    do(seeded, decisions.close, "h1", number=number, satisfaction=1, disputed=True, feedback="不满意")
    c = complaint(seeded, number)
    assert (c.disputed, c.satisfaction, c.feedback) == (True, 1, "不满意")
    do(seeded, decisions.reopen, "sup", number=number, reason="继续调查")
    do(seeded, decisions.resolve, "h1", reasons="核实结果", basis="合同条款", proof="CALL-1",
        number=number, outcome=Outcome.upheld, findings="再次核实",
       remedies=[RemedyInput.parse("apology")], notified_via=ContactVia.phone)
    do(seeded, decisions.reopen, "sup", number=number, reason="客户仍不满意")
    c = complaint(seeded, number)
    assert (c.reopen_count, c.disputed, c.satisfaction, c.feedback, c.closed_at) == (
        2, False, None, None, None)


def test_a_reopen_needs_a_reason(seeded):
    number = register(seeded)
    to_closed(seeded, number)
    with pytest.raises(InvalidData, match=r"^The reason \(--reason\) is required and cannot be"):
        do(seeded, decisions.reopen, "sup", number=number, reason="  ")


# --- withdraw and merge ----------------------------------------------------------------------------


def test_a_withdrawn_complaint_ends_there_and_takes_only_notes(seeded):
    number = register(seeded)
    do(seeded, handling.assign, "sup", number=number, to="h1")
    do(seeded, decisions.withdraw, "sup", number=number, reason="客户来电撤回")
    assert complaint(seeded, number).status == "withdrawn"
    assert complaint(seeded, number).closed_at is None
    do(seeded, handling.note, "clerk", number=number, text="撤回录音已存档")
    with pytest.raises(TransitionNotAllowed, match=r"when it is withdrawn \(allowed: note\)\.$"):
        do(seeded, handling.investigate, "h1", number=number)
    assert timeline(seeded, number)[-2:] == [
        ("withdraw", "assigned", "withdrawn"), ("note", "withdrawn", "withdrawn")]


def test_a_merged_duplicate_and_its_original_both_keep_their_history(seeded):
    original = register(seeded, summary="转账延迟三天未到账")
    duplicate = register(seeded, summary="转账延迟未到账（重复投诉）")
    do(seeded, handling.assign, "sup", number=original, to="h1")
    do(seeded, decisions.merge, "sup", number=duplicate.lower(), into=original)
    dup, orig = complaint(seeded, duplicate), complaint(seeded, original)
    assert (dup.status, dup.merged_into) == ("merged", original)
    assert (orig.status, orig.merged_into) == ("assigned", None)
    assert timeline(seeded, duplicate) == [
        ("register", None, "registered"), ("merge", "registered", "merged")]
    assert timeline(seeded, original) == [
        ("register", None, "registered"), ("assign", "registered", "assigned"),
        ("merge", "assigned", "assigned")]
    assert show(seeded, "sup", original)["events"][-1]["details"] == {"merged_from": duplicate}
    assert show(seeded, "sup", duplicate)["events"][-1]["details"]["into"] == original
    assert verify(seeded).ok


def test_merging_into_a_closed_complaint_is_refused_and_changes_nothing(seeded):
    closed = register(seeded)
    to_closed(seeded, closed)
    duplicate = register(seeded)
    before = (snapshot(seeded, closed), snapshot(seeded, duplicate))
    refusals = len(events(seeded, kind="refusal"))
    with pytest.raises(TransitionNotAllowed) as refused:
        do(seeded, decisions.merge, "sup", number=duplicate, into=closed)
    assert str(refused.value) == (
        f"Can't merge {duplicate} into {closed} when it is closed; merge into an open complaint."
    )
    assert (snapshot(seeded, closed), snapshot(seeded, duplicate)) == before
    assert len(events(seeded, kind="refusal")) == refusals + 1


def test_a_complaint_cannot_be_merged_into_itself_or_a_missing_one(seeded):
    number = register(seeded)
    with pytest.raises(UsageProblem, match=r"^A complaint cannot be merged into itself\.$"):
        do(seeded, decisions.merge, "sup", number=number, into=number.lower())
    with pytest.raises(NotFound, match=r"^No complaint CMP-2026-999999; check the number"):
        do(seeded, decisions.merge, "sup", number=number, into="CMP-2026-999999")


# --- refusals change nothing and are audited -----------------------------------------------------


REFUSED = [
    # (description, who, use case, kwargs, expected error, setup)
    ("close a registered complaint", "sup", decisions.close, {"satisfaction": 4},
     TransitionNotAllowed, None),
    ("archive a registered complaint", "admin", decisions.archive, {}, TransitionNotAllowed, None),
    ("investigate an unassigned complaint", "sup", handling.investigate, {}, TransitionNotAllowed,
     None),
    ("assign as a clerk", "clerk", handling.assign, {"to": "h1"}, PermissionDenied, None),
    ("note as an auditor", "aud", handling.note, {"text": "x"}, PermissionDenied, None),
    ("reopen as a handler", "h1", decisions.reopen, {"reason": "x"}, PermissionDenied, "closed"),
    ("resolve someone else's complaint", "h2", decisions.resolve,
     {"outcome": Outcome.not_upheld, "findings": "x", "remedies": [],
      "notified_via": ContactVia.phone}, PermissionDenied, "investigating"),
    ("note from another branch", "h3", handling.note, {"text": "x"}, PermissionDenied, None),
    ("withdraw from another branch", "sup2", decisions.withdraw, {"reason": "x"}, PermissionDenied,
     None),
]


@pytest.mark.parametrize(("what", "who", "use_case", "kwargs", "error", "setup"), REFUSED,
                         ids=[r[0] for r in REFUSED])
def test_a_refused_action_changes_nothing_and_adds_exactly_one_refusal_to_the_audit_log(
    seeded, what, who, use_case, kwargs, error, setup
):
    number = register(seeded, branch="BJ01")
    if setup == "investigating":
        to_investigating(seeded, number)
    elif setup == "closed":
        to_closed(seeded, number)
    before = snapshot(seeded, number)
    all_before = events(seeded)
    with pytest.raises(error) as refused:
        do(seeded, use_case, who, number=number, **kwargs)
    assert snapshot(seeded, number) == before
    after = events(seeded)
    assert [e.hash for e in after[:-1]] == [e.hash for e in all_before]
    new = after[-1]
    assert (new.kind, new.actor, new.number, new.complaint_id) == ("refusal", who, number, None)
    assert new.action == use_case.__name__.replace("add_evidence", "evidence")
    assert json.loads(new.details) == {"reason": str(refused.value),
                                       "exit_code": refused.value.exit_code}
    assert verify(seeded).ok


def test_invalid_data_changes_nothing_and_is_not_a_refusal(seeded):
    number = register(seeded)
    before, count = snapshot(seeded, number), len(events(seeded))
    with pytest.raises(InvalidData, match=r"^The note is required and cannot be blank\.$"):
        do(seeded, handling.note, "clerk", number=number, text="   ")
    assert snapshot(seeded, number) == before
    assert len(events(seeded)) == count


def test_a_refused_registration_uses_no_number_and_is_audited(seeded):
    first = register(seeded)
    with pytest.raises(PermissionDenied) as refused:
        register(seeded, "clerk", branch="SH01")
    assert str(refused.value) == (
        "Permission denied: clerk registers complaints for branch BJ01, not SH01."
    )
    with pytest.raises(PermissionDenied):
        register(seeded, "aud")
    with pytest.raises(InvalidData):
        register(seeded, amount="-1")
    second = register(seeded)
    assert int(second[-6:]) == int(first[-6:]) + 1
    refusals = events(seeded, kind="refusal")
    assert [(e.actor, e.action) for e in refusals] == [("clerk", "register"), ("aud", "register")]


# --- effective times ---------------------------------------------------------------------------------


def test_an_action_dated_in_the_future_or_before_the_previous_event_is_refused(seeded):
    now = datetime.now(UTC)
    number = register(seeded, at=now - timedelta(hours=3))
    before = snapshot(seeded, number)
    with pytest.raises(InvalidData, match=r"is in the future; give the time the action really"):
        do(seeded, handling.assign, "sup", number=number, to="h1", at=now + timedelta(hours=1))
    with pytest.raises(InvalidData, match=r"is before the complaint's previous event"):
        do(seeded, handling.assign, "sup", number=number, to="h1", at=now - timedelta(hours=4))
    assert snapshot(seeded, number) == before
    do(seeded, handling.assign, "sup", number=number, to="h1", at=now - timedelta(hours=2))
    event = events(seeded, kind="change", number=number)[-1]
    assert event.at == now - timedelta(hours=2)
    assert event.recorded_at >= now


def test_an_action_dated_in_bank_time_keeps_the_chain_verifiable(seeded):
    at = (datetime.now(UTC) - timedelta(days=1)).astimezone(SHANGHAI)
    number = register(seeded, at=at)
    do(seeded, handling.note, "clerk", number=number, text="x", at=at + timedelta(minutes=5))
    assert complaint(seeded, number).registered_at == at
    assert verify(seeded).ok


def test_a_merge_may_not_be_dated_before_the_originals_last_event(seeded):
    now = datetime.now(UTC)
    duplicate = register(seeded, at=now - timedelta(hours=5))
    original = register(seeded, at=now - timedelta(hours=1))
    with pytest.raises(InvalidData, match=r"is before the complaint's previous event"):
        do(seeded, decisions.merge, "sup", number=duplicate, into=original, at=now - timedelta(hours=3))


def test_received_at_may_precede_registration_but_not_follow_it(seeded):
    now = datetime.now(UTC)
    number = register(seeded, received_at=now - timedelta(days=3), at=now - timedelta(days=1))
    c = complaint(seeded, number)
    assert c.received_at == now - timedelta(days=3)
    assert c.due_at == decision_due(now - timedelta(days=3), tz=SHANGHAI)
    received, registered = now - timedelta(hours=1), now - timedelta(hours=2)
    with pytest.raises(InvalidData) as refused:
        register(seeded, received_at=received, at=registered)
    local = [f"{t.astimezone(SHANGHAI):%Y-%m-%d %H:%M}" for t in (received, registered)]
    assert str(refused.value) == (f"--received-at {local[0]} is after the registration time "
                                  f"({local[1]}); check it.")


# --- numbers and references ----------------------------------------------------------------------


def test_numbers_are_sequential_per_year_in_bank_time(seeded):
    now = datetime.now(UTC)
    year = now.astimezone(SHANGHAI).year
    made = [register(seeded, at=now - timedelta(minutes=10 - i)) for i in range(3)]
    assert made == [f"CMP-{year}-{n:06d}" for n in (1, 2, 3)]
    # 16:30 UTC on 31 December is already 1 January in Shanghai
    new_year = datetime(year - 1, 12, 31, 16, 30, tzinfo=UTC)
    last_year = datetime(year - 1, 12, 31, 15, 30, tzinfo=UTC)
    assert register(seeded, at=last_year) == f"CMP-{year - 1}-000001"
    assert register(seeded, at=new_year) == f"CMP-{year}-000004"
    assert register(seeded, at=last_year) == f"CMP-{year - 1}-000002"


def test_an_external_reference_is_registered_once(seeded):
    first = register(seeded, external_ref="REF-1")
    with pytest.raises(InvalidData) as refused:
        register(seeded, external_ref="REF-1")
    assert str(refused.value) == f"External reference REF-1 is already registered as {first}."
    other_source = do(seeded, svc.register, "clerk", new=NewComplaint(
        channel=Channel.online, customer="x", summary="y", external_ref="REF-1",
        external_source="cfpb")).number
    assert other_source != first


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"customer": "  "}, "The customer's name (--customer) is required and cannot be blank."),
        ({"summary": ""}, "The summary (--summary) is required and cannot be blank."),
        ({"group_size": 0}, "--group-size must be 1 or more."),
        ({"tags": ["bad tag"]}, "Tag 'bad tag' must be 1-40 letters, digits, '_', '.' or '-'."),
        ({"currency": "yuan"}, "Currency 'yuan' must be a 3-letter ISO code like CNY."),
        ({"email": "nobody"}, "'nobody' is not an email address."),
        ({"amount": "1.234"}, "'1.234' has more than two decimal places."),
    ],
)
def test_a_registration_with_a_bad_field_is_refused_naming_the_field(seeded, fields, message):
    with pytest.raises(InvalidData) as refused:
        register(seeded, **fields)
    assert str(refused.value) == message
    assert listing(seeded) == []


def test_a_priority_given_by_hand_wins_over_the_rule(seeded):
    number = register(seeded, priority=Priority.low, tags=["media"])
    c = complaint(seeded, number)
    assert (c.priority, c.priority_set) == ("low", True)
    assert complaint(seeded, register(seeded, group_size=20)).priority == "urgent"
    assert complaint(seeded, register(seeded, channel=Channel.regulator)).priority == "high"


# --- assignment ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("to", "error", "message"),
    [
        ("clerk", InvalidData,
         "clerk is a clerk; complaints are assigned to handlers or supervisors."),
        ("h3", InvalidData, "h3 works for branch SH01; {number} belongs to branch BJ01."),
        ("ghost", InvalidData,
         "ghost is not an active member of staff; see `complaintctl staff list`."),
    ],
)
def test_a_complaint_is_assigned_only_to_an_active_handler_of_its_branch(seeded, to, error,
                                                                         message):
    number = register(seeded)
    with pytest.raises(error) as refused:
        do(seeded, handling.assign, "sup", number=number, to=to)
    assert str(refused.value) == message.format(number=number)
    assert complaint(seeded, number).assignee is None


def test_reassigning_to_the_same_handler_is_a_usage_problem(seeded):
    number = register(seeded)
    do(seeded, handling.assign, "sup", number=number, to="h1")
    with pytest.raises(UsageProblem, match=rf"^{number} is already assigned to h1\.$"):
        do(seeded, handling.assign, "sup", number=number, to="h1")


def test_a_consultation_is_answered_once_and_only_on_its_own_complaint(seeded):
    a, b = register(seeded), register(seeded)
    to_investigating(seeded, a)
    to_investigating(seeded, b)
    q = do(seeded, handling.consult, "h1", number=a, department="ops", question="?")
    with pytest.raises(NotFound, match=rf"^{b} has no consultation {q.id}; see"):
        do(seeded, handling.answer, "h1", number=b, consultation_id=q.id, text="x")
    do(seeded, handling.answer, "h1", number=a, consultation_id=q.id, text="yes")
    with pytest.raises(UsageProblem, match=rf"^Consultation {q.id} of {a} is already answered\.$"):
        do(seeded, handling.answer, "h1", number=a, consultation_id=q.id, text="again")


def test_an_unknown_number_is_not_found_and_says_how_to_look(seeded):
    with pytest.raises(NotFound) as missing:
        do(seeded, handling.note, "clerk", number="cmp-2026-000777", text="x")
    assert str(missing.value) == (
        "No complaint CMP-2026-000777; check the number with `complaintctl list`."
    )


# --- list: filters, sorting, limits ------------------------------------------------------------------


@pytest.fixture
def variety(seeded):
    """Six complaints, different in every filtered field; returns their numbers by name."""
    now = datetime.now(UTC)
    n = {}
    n["old_card"] = register(seeded, "admin", channel=Channel.phone, branch="BJ01",
                             product="credit_card", summary="信用卡年费重复扣收", tags=["elderly"],
                             received_at=now - timedelta(days=30), at=now - timedelta(days=29),
                             amount="300")
    n["loan_sh"] = register(seeded, "admin", channel=Channel.regulator, branch="SH01",
                            product="loan", summary="Early repayment penalty 100% wrong",
                            received_at=now - timedelta(days=10), at=now - timedelta(days=9))
    n["app"] = register(seeded, "admin", channel=Channel.online, branch="BJ01",
                        product="mobile_banking", summary="App locked me out",
                        customer="Emily Clark", tags=["media"],
                        received_at=now - timedelta(days=5), at=now - timedelta(days=4))
    n["fx"] = register(seeded, "admin", channel=Channel.email, branch="BJ01", product="fx",
                       summary="外汇手续费未告知", issue="fee_disclosure",
                       description="客户称手续费未在柜台告知", received_at=now - timedelta(days=3),
                       at=now - timedelta(days=3), tags=["repeat", "elderly"])
    n["old_done"] = register(seeded, "admin", channel=Channel.counter, branch="BJ01",
                             product="savings", summary="柜台服务态度差",
                             received_at=now - timedelta(days=40), at=now - timedelta(days=2))
    n["new_sh"] = register(seeded, "admin", channel=Channel.phone, branch="SH01",
                           product="credit_card", summary="Card blocked abroad",
                           received_at=now - timedelta(hours=5), at=now - timedelta(hours=4))
    do(seeded, handling.assign, "sup", number=n["app"], to="h1")
    do(seeded, handling.assign, "sup", number=n["fx"], to="h2")
    to_resolved(seeded, n["old_done"])
    n["now"] = now
    return n


def _filtered(db, who="admin", **kwargs):
    return numbers(listing(db, who, filters=queries.Filters(**kwargs)))


def test_list_filters_each_narrow_the_complaints(seeded, variety):
    v, db = variety, seeded
    now = v["now"]
    assert _filtered(db, status=["assigned"]) == [v["app"], v["fx"]]
    assert _filtered(db, status=["registered", "resolved"]) == [
        v["old_card"], v["loan_sh"], v["old_done"], v["new_sh"]]
    assert _filtered(db, assignee="h2") == [v["fx"]]
    assert _filtered(db, branch="SH01") == [v["loan_sh"], v["new_sh"]]
    assert _filtered(db, channel=["phone", "email"]) == [v["old_card"], v["fx"], v["new_sh"]]
    assert _filtered(db, product="credit_card") == [v["old_card"], v["new_sh"]]
    assert _filtered(db, tag=["elderly"]) == [v["old_card"], v["fx"]]
    assert _filtered(db, tag=["ELDERLY", "repeat"]) == [v["fx"]]  # every tag must match
    assert _filtered(db, received_since=now - timedelta(days=10)) == [
        v["loan_sh"], v["app"], v["fx"], v["new_sh"]]
    assert _filtered(db, received_until=now - timedelta(days=10)) == [
        v["old_card"], v["loan_sh"], v["old_done"]]
    assert _filtered(db, received_since=now - timedelta(days=6),
                     received_until=now - timedelta(days=2)) == [v["app"], v["fx"]]
    # overdue: open, undecided and past due; the resolved one is decided, not overdue
    assert _filtered(db, overdue=True) == [v["old_card"]]
    assert _filtered(db, status=["assigned"], branch="BJ01", tag=["media"]) == [v["app"]]


def test_list_text_search_finds_chinese_and_english_in_every_searched_field(seeded, variety):
    v, db = variety, seeded
    assert _filtered(db, text="年费") == [v["old_card"]]
    assert _filtered(db, text="手续费") == [v["fx"]]  # in the summary and the description
    assert _filtered(db, text="柜台") == [v["fx"], v["old_done"]]  # description, summary
    assert _filtered(db, text="emily") == [v["app"]]  # the customer's name, any case
    assert _filtered(db, text="fee_disclosure") == [v["fx"]]  # the issue
    assert _filtered(db, text="mobile_bank") == [v["app"]]  # the product
    assert _filtered(db, text=v["loan_sh"][-6:]) == [v["loan_sh"]]  # the number
    assert _filtered(db, text="100%") == [v["loan_sh"]]  # % is literal
    assert _filtered(db, text="%") == [v["loan_sh"]]
    # _ is literal: only products and issues with an underscore match
    assert _filtered(db, text="_") == [v["old_card"], v["app"], v["fx"], v["new_sh"]]
    assert _filtered(db, text="没有这个") == []


def test_list_sorts_by_each_key_and_limits(seeded, variety):
    v, db = variety, seeded
    assert numbers(listing(db, sort=SortKey.number)) == [
        v["old_card"], v["loan_sh"], v["app"], v["fx"], v["old_done"], v["new_sh"]]
    assert numbers(listing(db, sort=SortKey.received)) == [
        v["old_done"], v["old_card"], v["loan_sh"], v["app"], v["fx"], v["new_sh"]]
    assert numbers(listing(db, sort=SortKey.due)) == [
        v["old_done"], v["old_card"], v["loan_sh"], v["app"], v["fx"], v["new_sh"]]
    # urgent (media), high (elderly, regulator, repeat) by due date, then normal by due date
    assert numbers(listing(db, sort=SortKey.priority)) == [
        v["app"], v["old_card"], v["loan_sh"], v["fx"], v["old_done"], v["new_sh"]]
    assert numbers(listing(db, sort=SortKey.status)) == [
        v["app"], v["fx"], v["old_card"], v["loan_sh"], v["new_sh"], v["old_done"]]
    assert numbers(listing(db, sort=SortKey.received, limit=2)) == [v["old_done"], v["old_card"]]


def test_list_objects_are_show_objects_without_the_timeline(seeded, variety):
    rows = listing(seeded, filters=queries.Filters(status=["assigned"]))
    one = show(seeded, "admin", rows[0]["number"])
    for key in ("events", "contacts", "consultations", "pauses", "approvals"):
        assert key not in rows[0]
        one.pop(key)
    for key in ("seconds_left", "time_left", "urgency"):  # computed at the moment of reading
        rows[0].pop(key), one.pop(key)
    assert rows[0] == one


# --- visibility and unmasking ---------------------------------------------------------------------


def test_branch_staff_see_their_branch_and_the_auditor_sees_all(seeded, variety):
    v, db = variety, seeded
    bj = [v["old_card"], v["app"], v["fx"], v["old_done"]]
    sh = [v["loan_sh"], v["new_sh"]]
    for who in ("clerk", "h1", "sup"):
        assert numbers(listing(db, who)) == bj
        # naming another branch is refused, as in reports (an empty list would hide a typo)
        with pytest.raises(PermissionDenied, match=rf"^Permission denied: {who} works for "
                           r"branch BJ01 and cannot list the complaints of branch SH01\.$"):
            listing(db, who, filters=queries.Filters(branch="SH01"))
    assert numbers(listing(db, "h3")) == sh
    assert numbers(listing(db, "aud")) == numbers(listing(db, "admin")) == sorted(bj + sh)
    with pytest.raises(PermissionDenied, match=r"belongs to branch SH01; clerk works for branch"):
        show(db, "clerk", v["loan_sh"])
    assert show(db, "aud", v["loan_sh"])["branch"] == "SH01"
    assert [(e.actor, e.action) for e in events(db, kind="refusal")] == [
        ("clerk", "list"), ("h1", "list"), ("sup", "list"), ("clerk", "show")]


def test_a_head_office_complaint_is_out_of_a_branch_clerks_reach_even_once_assigned(seeded):
    number = register(seeded, "admin")  # the admin works for head office: no branch
    assert complaint(seeded, number).branch is None
    with pytest.raises(PermissionDenied):
        show(seeded, "clerk", number)
    do(seeded, handling.assign, "admin", number=number, to="admin")
    with pytest.raises(PermissionDenied):
        show(seeded, "clerk", number)
    assert numbers(listing(seeded, "clerk")) == []
    assert show(seeded, "aud", number)["number"] == number


def test_personal_data_is_masked_unless_a_permitted_role_unmasks_it(seeded):
    number = register(seeded, phone="13812345678", email="zhang.wei@example.com",
                      id_number="110105196001011239", account="6222020200001234",
                      customer_id="C-88")
    masked = show(seeded, "clerk", number)["customer"]
    assert masked == {"name": "张伟", "phone": "138****5678", "email": "z***@example.com",
                      "id_number": "110105********1239", "account": "************1234",
                      "customer_id": "C-88"}
    assert listing(seeded, "clerk")[0]["customer"] == masked
    assert not events(seeded, kind="access")
    clear = show(seeded, "sup", number, unmask=True)["customer"]
    assert clear["phone"] == "13812345678" and clear["id_number"] == "110105196001011239"
    access = events(seeded, kind="access")
    assert [(e.actor, e.action, e.number) for e in access] == [("sup", "unmask", number)]
    assert json.loads(access[0].details) == {"command": "show", "complaints": [number],
                                             "count": 1}
    rows = listing(seeded, "aud", unmask=True)
    assert rows[0]["customer"]["account"] == "6222020200001234"
    assert json.loads(events(seeded, kind="access")[-1].details)["command"] == "list"
    assert verify(seeded).ok


@pytest.mark.parametrize("who", ["clerk", "h1"])
def test_clerks_and_handlers_may_not_unmask_and_the_attempt_is_audited(seeded, who):
    number = register(seeded, phone="13812345678")
    with pytest.raises(PermissionDenied, match=rf"`--unmask` needs the role supervisor or auditor or "
                                               rf"admin; {who} is a"):
        show(seeded, who, number, unmask=True)
    with pytest.raises(PermissionDenied):
        listing(seeded, who, unmask=True)
    assert not events(seeded, kind="access")
    assert [(e.actor, e.action) for e in events(seeded, kind="refusal")] == [
        (who, "show"), (who, "list")]


def test_a_refused_evidence_listing_is_audited(seeded):
    number = register(seeded)
    with seeded.session() as session, pytest.raises(PermissionDenied):
        handling.evidence_list(session=session, actor=actor("h3"), number=number)
    assert [(e.actor, e.action) for e in events(seeded, kind="refusal")] == [
        ("h3", "evidence list")]


# --- the audit chain ----------------------------------------------------------------------------------


@pytest.fixture
def history(seeded):
    """A short, intact history: 8 admin events from seeding, then 6 complaint events."""
    number = register(seeded)
    to_closed(seeded, number)
    assert verify(seeded).ok
    return number


def _count(db) -> int:
    with db.session() as session:
        return session.get(AuditHead, 1).count


def test_every_change_is_one_change_event_and_the_chain_verifies(seeded, history):
    result = verify(seeded)
    assert (result.ok, result.events, result.problem) == (True, _count(seeded), None)
    kinds = [e.kind for e in events(seeded)]
    assert kinds == ["admin"] * 8 + ["change"] * 5
    assert [e.seq for e in events(seeded)] == list(range(1, 14))
    previous = chain.GENESIS
    for event in events(seeded):  # each link computed a second way
        assert event.prev_hash == previous
        previous = event.hash


def test_verify_names_an_edited_event(seeded, history):
    sql(seeded, "UPDATE event SET details = ? WHERE seq = 10", '{"changes":{"assignee":[null,"h2"]}}')
    result = verify(seeded)
    assert (result.ok, result.bad_seq, result.problem) == (False, 10, "event 10 was altered")


def test_verify_names_an_event_whose_time_was_moved(seeded, history):
    sql(seeded, "UPDATE event SET at = '2020-01-01 00:00:00.000000' WHERE seq = 11")
    assert (verify(seeded).bad_seq, verify(seeded).problem) == (11, "event 11 was altered")


def test_verify_names_altered_personal_data(seeded, history):
    sql(seeded, "UPDATE event SET personal = ? WHERE seq = 9", '{"name":"李四"}')
    result = verify(seeded)
    assert (result.bad_seq, result.problem) == (9, "event 9 personal data was altered")


def test_personal_data_can_be_erased_without_breaking_the_chain(seeded, history):
    sql(seeded, "UPDATE event SET personal = NULL WHERE personal IS NOT NULL")
    assert verify(seeded).ok


def test_verify_names_a_deleted_event(seeded, history):
    sql(seeded, "DELETE FROM event WHERE seq = 10")
    result = verify(seeded)
    assert (result.ok, result.bad_seq, result.problem) == (
        False, 10, "event 10 is missing (found 11 next)")


def test_verify_names_an_event_inserted_by_hand(seeded, history):
    # shift the later events up and slip a forged one in at 10, linked to event 9
    db = seeded
    sql(db, "UPDATE event SET seq = seq + 1000 WHERE seq >= 10")
    sql(db, "UPDATE event SET seq = seq - 999 WHERE seq >= 1000")
    nine = events(db)[8]
    forged = {"seq": 10, "number": history, "kind": "change", "action": "note", "actor": "sup",
              "at": nine.at.isoformat(), "recorded_at": nine.recorded_at.isoformat(),
              "from_status": "assigned", "to_status": "assigned", "details": {"text": "forged"},
              "personal_digest": None}
    forged_hash = chain.event_hash(forged, nine.hash)
    sql(db, "INSERT INTO event (seq, number, kind, action, actor, at, recorded_at, from_status, "
            "to_status, details, prev_hash, hash) VALUES (10, ?, 'change', 'note', 'sup', ?, ?, "
            "'assigned', 'assigned', '{\"text\":\"forged\"}', ?, ?)",
        history, nine.at.replace(tzinfo=None).isoformat(sep=" "),
        nine.recorded_at.replace(tzinfo=None).isoformat(sep=" "), nine.hash, forged_hash)
    result = verify(db)
    assert not result.ok
    # the forgery links and hashes correctly; the genuine event it displaced does not link
    assert (result.bad_seq, result.problem) == (11, "event 11 does not link to the event before it")


def test_verify_names_a_crude_insertion_at_the_end(seeded, history):
    last = events(seeded)[-1]
    sql(seeded, "INSERT INTO event (seq, kind, action, actor, at, recorded_at, details, "
                "prev_hash, hash) VALUES (?, 'change', 'note', 'x', '2026-01-01 00:00:00', "
                "'2026-01-01 00:00:00', '{}', ?, ?)", last.seq + 1, last.hash, "f" * 64)
    result = verify(seeded)
    assert (result.ok, result.bad_seq) == (False, last.seq + 1)
    assert result.problem == f"event {last.seq + 1} was altered"


def test_verify_notices_a_truncated_tail(seeded, history):
    total = _count(seeded)
    sql(seeded, "DELETE FROM event WHERE seq > ?", total - 2)
    result = verify(seeded)
    assert (result.ok, result.bad_seq) == (False, total - 1)
    assert result.problem == (
        f"the chain head records {total} events but {total - 2} are stored: events were removed "
        "from or added to the end"
    )


def test_refusals_and_unmasking_are_on_the_chain_too(seeded, history):
    with pytest.raises(TransitionNotAllowed):
        do(seeded, handling.investigate, "sup", number=history)
    show(seeded, "aud", history, unmask=True)
    assert [e.kind for e in events(seeded)][-2:] == ["refusal", "access"]
    assert verify(seeded).ok
    sql(seeded, "UPDATE event SET details = '{}' WHERE kind = 'refusal'")
    assert verify(seeded).problem == f"event {_count(seeded) - 1} was altered"


def test_the_audit_log_lists_a_complaints_events_or_the_latest(seeded, history):
    with seeded.session() as session:
        mine = audit.log(session, number=history)
        latest = audit.log(session, limit=3)
    assert [e.action for e in mine] == ["register", "assign", "investigate", "resolve", "close"]
    assert [e.seq for e in latest] == [11, 12, 13]
    as_dict = audit.event_dict(latest[-1], SHANGHAI)
    assert set(as_dict) == {"seq", "number", "kind", "at", "recorded_at", "actor", "action",
                            "from_status", "to_status", "details", "hash"}
    assert as_dict["at"].endswith("+08:00")


def test_a_blank_branch_means_the_registering_clerks_own_branch(seeded):
    number = register(seeded, "clerk", branch="  ")
    assert complaint(seeded, number).branch == "BJ01"
    assert complaint(seeded, register(seeded, "clerk", branch=" BJ01 ")).branch == "BJ01"
