"""Mail intake on Maildir and mbox fixtures: registration, replies, duplicates, automatic mail,
failures, idempotence, the crash between commit and marking, and the CLI's summary."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from sqlmodel import col, select

import mailkit
from complaintctl.domain.enums import Channel, ContactVia, Outcome
from complaintctl.infra.evidence import EvidenceStore
from complaintctl.services.intake.mail.sources import MaildirSource
from complaintctl.store.models import (
    Complaint,
    ComplaintTag,
    Contact,
    Event,
    Evidence,
    Notification,
)
from complaintctl.services.audit import trail as audit
from complaintctl.services.complaints import decisions, handling
from complaintctl.services.intake import mailbox as intake
from complaintctl.services.complaints import registration as svc
from complaintctl.services.complaints.registration import NewComplaint, RemedyInput
from complaintctl.services.core.context import now
from conftest import actor

# --- helpers ---------------------------------------------------------------------------------


def run(db, *, maildir=None, mbox=None, who="clerk", dry_run=False, include_seen=False):
    return intake.run_mail(database=db, username=who, maildir=maildir, mbox=mbox,
                           dry_run=dry_run, include_seen=include_seen)


def complaints_in(db) -> list[Complaint]:
    with db.session() as session:
        return list(session.exec(select(Complaint).order_by(col(Complaint.id))).all())


def evidence_of(db, number) -> list[Evidence]:
    with db.session() as session:
        c = session.exec(select(Complaint).where(Complaint.number == number)).one()
        return list(session.exec(select(Evidence).where(Evidence.complaint_id == c.id)
                                 .order_by(col(Evidence.id))).all())


def timeline(db, number) -> list[str]:
    with db.session() as session:
        return [e.action for e in session.exec(
            select(Event).where(Event.number == number, Event.kind == "change")
            .order_by(col(Event.seq))).all()]


def by_subject(db) -> dict[str, Complaint]:
    return {c.summary: c for c in complaints_in(db)}


@pytest.fixture
def box(tmp_path):
    return mailkit.maildir(tmp_path / "Maildir", [raw for _label, raw in mailkit.corpus()])


def do(db, use_case, who, **kwargs):
    with db.session(write=True) as session:
        return use_case(session=session, actor=actor(who), **kwargs)


# --- registration ------------------------------------------------------------------------------


def test_the_standard_mailbox_becomes_six_complaints_two_ignored_one_for_review(seeded, box):
    summary = run(seeded, maildir=box)
    assert summary.counts == mailkit.EXPECTED
    assert summary.exit_code == 0  # a message without a sender is work, not a failure
    results = {m.message_id: m.result.value for m in summary.messages}
    assert results["<auto-1@example.com>"] == "automatic"
    assert results["<bounce-1@mx.example.com>"] == "automatic"
    queued = [m for m in summary.messages if m.result.value == "needs_review"]
    assert [m.reason for m in queued] == [
        "for review: the message has no From header; see `complaintctl intake review list`"]
    assert len(complaints_in(seeded)) == 6
    with seeded.session() as session:
        assert audit.verify(session).ok


def test_a_mail_complaint_has_the_email_fields(seeded, box):
    run(seeded, maildir=box)
    c = by_subject(seeded)["信用卡年费重复扣收"]
    assert (c.channel, c.customer_name, c.customer_email) == (
        "email", "张伟", "zhang.wei@example.com")
    assert c.description == "我的信用卡年费被扣了两次，请退还。\n张伟"
    assert (c.source_ref, c.external_source, c.external_ref) == (
        "<plain-1@example.com>", "mail", "<plain-1@example.com>")
    assert (c.registered_by, c.branch, c.status) == ("clerk", "BJ01", "registered")
    assert c.received_at < c.registered_at
    assert timeline(seeded, c.number) == ["register", "evidence"]


def test_received_at_is_the_maildir_delivery_time_never_the_date_header(seeded, box):
    run(seeded, maildir=box)
    complaints = by_subject(seeded)
    for subject, raw in (("信用卡年费重复扣收", mailkit.plain()), ("Card fee", mailkit.damaged())):
        delivered = next(p for p in (box / "cur").iterdir() if p.read_bytes() == raw)
        c = complaints[subject]
        assert c.received_at.timestamp() == pytest.approx(delivered.stat().st_mtime, abs=1)
        assert c.received_at < c.registered_at
    # the plain message's Date (a day ago) is 12 hours from its delivery: kept and flagged
    details = _evidence_event(seeded, complaints["信用卡年费重复扣收"].number)
    assert details["receipt"] == "maildir-delivery"
    assert details["sent_at"].startswith(mailkit.when(1).astimezone(mailkit.SHANGHAI)
                                         .strftime("%Y-%m-%dT%H:%M"))
    assert "date_off_hours" not in details  # 12 hours is within the default 24


def test_the_message_and_each_attachment_are_kept_as_evidence_with_sha256(seeded, box):
    run(seeded, maildir=box)
    c = by_subject(seeded)["Disputed transfer of 5,000 CNY"]
    rows = evidence_of(seeded, c.number)
    store = EvidenceStore(seeded.evidence_dir)
    raw = mailkit.with_attachments()
    assert [(r.filename.endswith(".eml"), r.sha256, r.size) for r in rows] == [
        (True, hashlib.sha256(raw).hexdigest(), len(raw)),
        (False, hashlib.sha256(mailkit.PDF).hexdigest(), len(mailkit.PDF)),
        (False, hashlib.sha256(mailkit.PNG).hexdigest(), len(mailkit.PNG)),
    ]
    assert [r.filename for r in rows][1:] == ["对账单.pdf", "screenshot.png"]
    assert all(store.verify(r.sha256) for r in rows)
    assert store.path_for(rows[0].sha256).read_bytes() == raw
    assert {r.added_by for r in rows} == {"clerk"}


def test_chinese_subjects_and_bodies_in_gb2312_and_utf8(seeded, box):
    run(seeded, maildir=box)
    complaints = by_subject(seeded)
    gb = complaints[f"投诉：朱{mailkit.GBK_ONLY}的理财产品"]
    assert gb.customer_name == f"朱{mailkit.GBK_ONLY}"
    assert gb.description == f"我是朱{mailkit.GBK_ONLY}，理财产品到期未兑付。\n请尽快处理。"
    utf8 = complaints["网银转账失败但已扣款"]
    assert (utf8.customer_name, utf8.description) == ("陈静", "昨天网银转账5000元失败，但账户已扣款。")


def test_an_html_only_message_is_registered_with_its_text(seeded, box):
    run(seeded, maildir=box)
    c = by_subject(seeded)["ATM kept my card"]
    assert c.customer_name == "wang@example.com"  # no display name: the address
    assert c.description.startswith("The ATM at Chaoyang branch kept my card.")
    assert "<" not in c.description and "alert" not in c.description


def test_messages_are_marked_when_taken_the_one_for_review_included(seeded, box):
    run(seeded, maildir=box)
    state = mailkit.maildir_state(box)
    assert state["new"] == []  # the malformed message is in the review queue
    assert len(state["cur"]) == 9 and all(n.endswith(":2,S") for n in state["cur"])


def test_running_again_adds_nothing(seeded, box):
    run(seeded, maildir=box)
    before = (complaints_in(seeded), _count(seeded, Evidence), _count(seeded, Event))
    again = run(seeded, maildir=box)
    assert again.counts["read"] == 0
    everything = run(seeded, maildir=box, include_seen=True)
    assert everything.counts["duplicates"] == 7 and everything.counts["registered"] == 0
    assert everything.counts["needs_review"] == 0  # the queued one is recognised
    after = (complaints_in(seeded), _count(seeded, Evidence), _count(seeded, Event))
    assert [c.number for c in after[0]] == [c.number for c in before[0]]
    assert after[1] == before[1]
    assert after[2] == before[2] + 2  # only the two runs' own audit entries


def _evidence_event(db, number) -> dict:
    with db.session() as session:
        event = session.exec(select(Event).where(Event.number == number,
                                                 Event.action == "evidence")).one()
        return json.loads(event.details)


def _events(db) -> list[Event]:
    with db.session() as session:
        return list(session.exec(select(Event)).all())


def _count(db, model) -> int:
    with db.session() as session:
        return len(session.exec(select(model)).all())


class Crash(BaseException):
    """The process dies (power cut, kill -9) right after a commit."""


def test_a_crash_between_commit_and_marking_never_duplicates(seeded, tmp_path, monkeypatch):
    box = mailkit.maildir(tmp_path / "Maildir", [mailkit.plain(), mailkit.with_attachments()])

    def die(self, key):
        raise Crash()

    monkeypatch.setattr(MaildirSource, "mark_taken", die)
    with pytest.raises(Crash):
        run(seeded, maildir=box)
    assert [c.summary for c in complaints_in(seeded)] == ["信用卡年费重复扣收"]  # committed
    assert len(mailkit.maildir_state(box)["new"]) == 2  # but not marked
    monkeypatch.undo()

    summary = run(seeded, maildir=box)
    assert [(m.message_id, m.result.value) for m in summary.messages] == [
        ("<plain-1@example.com>", "duplicate"), ("<attach-1@example.com>", "registered")]
    assert [c.summary for c in complaints_in(seeded)] == [
        "信用卡年费重复扣收", "Disputed transfer of 5,000 CNY"]
    assert mailkit.maildir_state(box)["new"] == []
    assert len(evidence_of(seeded, complaints_in(seeded)[0].number)) == 1


def test_a_failure_inside_one_message_rolls_back_only_that_message(seeded, tmp_path, monkeypatch):
    box = mailkit.maildir(tmp_path / "Maildir", [mailkit.plain(), mailkit.with_attachments()])
    real = EvidenceStore.put_bytes

    def flaky(self, data, filename):
        if filename == "对账单.pdf":
            raise OSError(28, "No space left on device")
        return real(self, data, filename)

    monkeypatch.setattr(EvidenceStore, "put_bytes", flaky)
    with pytest.raises(OSError):
        run(seeded, maildir=box)
    # the first message is in; the second left nothing behind (no complaint without evidence)
    assert [c.summary for c in complaints_in(seeded)] == ["信用卡年费重复扣收"]
    monkeypatch.undo()
    assert run(seeded, maildir=box).counts["registered"] == 1
    assert len(evidence_of(seeded, complaints_in(seeded)[1].number)) == 3


def test_mbox_intake_registers_marks_and_is_idempotent(seeded, tmp_path):
    path = mailkit.mbox(tmp_path / "complaints.mbox", [raw for _l, raw in mailkit.corpus()])
    summary = run(seeded, mbox=path)
    assert summary.counts == mailkit.EXPECTED
    assert b"\nStatus: " not in path.read_bytes()  # marking never writes the mbox
    state = path.with_name(path.name + ".complaintctl-taken").read_text().splitlines()
    assert len(state) == 1 + 9  # a comment, then each message taken (the queued one too)
    assert run(seeded, mbox=path).counts["read"] == 0
    assert len(complaints_in(seeded)) == 6
    raw = mailkit.with_attachments()
    c = by_subject(seeded)["Disputed transfer of 5,000 CNY"]
    assert evidence_of(seeded, c.number)[0].sha256 == hashlib.sha256(raw).hexdigest()


def test_a_dry_run_changes_nothing_and_says_what_would_happen(seeded, box):
    before = mailkit.maildir_state(box)
    summary = run(seeded, maildir=box, dry_run=True)
    assert summary.counts == mailkit.EXPECTED and summary.dry_run
    assert complaints_in(seeded) == []
    assert not any(e.kind == "change" for e in _events(seeded))
    assert mailkit.maildir_state(box) == before
    assert not any(m.marked for m in summary.messages)


def test_intake_needs_the_register_permission_and_the_refusal_is_audited(seeded, box):
    from complaintctl.errors import PermissionDenied

    with pytest.raises(PermissionDenied, match="register"):
        run(seeded, maildir=box, who="aud")
    with seeded.session() as session:
        refusal = session.exec(select(Event).where(Event.kind == "refusal")).one()
    assert (refusal.action, refusal.actor) == ("intake mail", "aud")
    assert len(mailkit.maildir_state(box)["new"]) == 9


def test_the_run_is_on_the_audit_trail_without_personal_data(seeded, box):
    run(seeded, maildir=box)
    with seeded.session() as session:
        entry = session.exec(select(Event).where(Event.action == "intake mail")).one()
    details = json.loads(entry.details)
    assert details["registered"] == 6 and details["source"] == f"maildir:{box}"
    assert {i["message_id"] for i in details["ignored"]} == {"<auto-1@example.com>",
                                                             "<bounce-1@mx.example.com>"}
    assert "zhang.wei@example.com" not in entry.details


# --- replies -------------------------------------------------------------------------------------


def _registered_from_mail(db, tmp_path):
    box = mailkit.maildir(tmp_path / "Maildir", [mailkit.plain()])
    run(db, maildir=box)
    return box, complaints_in(db)[0].number


def test_a_reply_carrying_the_number_becomes_an_inbound_contact_with_evidence(seeded, tmp_path):
    box, number = _registered_from_mail(seeded, tmp_path)
    mailkit.add_to_maildir(box, mailkit.reply(number))
    summary = run(seeded, maildir=box)
    assert [(m.result.value, m.number, m.evidence, m.reason) for m in summary.messages] == [
        ("attached", number, 2, None)]
    assert len(complaints_in(seeded)) == 1
    with seeded.session() as session:
        contact = session.exec(select(Contact)).one()
    assert (contact.via, contact.direction, contact.by) == ("email", "in", "clerk")
    assert contact.summary == f"Email from the customer: Re: [{number}] 信用卡年费重复扣收"
    assert timeline(seeded, number) == ["register", "evidence", "contact", "evidence"]
    files = evidence_of(seeded, number)
    assert [f.filename.endswith(".eml") for f in files] == [True, True, False]
    assert files[2].filename == "bank-app.png"
    assert files[2].sha256 == hashlib.sha256(mailkit.PNG).hexdigest()
    assert EvidenceStore(seeded.evidence_dir).path_for(files[1].sha256).read_bytes() in {
        p.read_bytes() for p in (box / "cur").iterdir()}
    c = complaints_in(seeded)[0]
    assert c.acknowledged_at is None  # an inbound contact is not our acknowledgement


def test_a_reply_by_in_reply_to_without_a_number_is_attached(seeded, tmp_path):
    box, number = _registered_from_mail(seeded, tmp_path)
    mailkit.add_to_maildir(box, mailkit.reply("", in_reply_to="<plain-1@example.com>"))
    summary = run(seeded, maildir=box)
    assert [(m.result.value, m.number) for m in summary.messages] == [("attached", number)]


def test_a_reply_to_a_message_we_sent_is_attached_by_the_number_in_its_id(seeded, tmp_path):
    box, number = _registered_from_mail(seeded, tmp_path)
    ours = f"<{number}.ack.1@complaintctl.bank.example>"
    mailkit.add_to_maildir(box, mailkit.reply("", msgid="<r2@example.com>", in_reply_to=ours))
    assert [m.number for m in run(seeded, maildir=box).messages] == [number]


def test_an_attached_reply_is_not_attached_twice(seeded, tmp_path, monkeypatch):
    box, number = _registered_from_mail(seeded, tmp_path)
    mailkit.add_to_maildir(box, mailkit.reply(number))
    monkeypatch.setattr(MaildirSource, "mark_taken", lambda self, key: (_ for _ in ()).throw(
        Crash()))
    with pytest.raises(Crash):
        run(seeded, maildir=box)
    monkeypatch.undo()
    summary = run(seeded, maildir=box)
    assert [(m.result.value, m.number) for m in summary.messages] == [("duplicate", number)]
    with seeded.session() as session:
        assert len(session.exec(select(Contact)).all()) == 1


def test_a_reply_from_another_address_is_attached_and_says_so(seeded, tmp_path):
    box, number = _registered_from_mail(seeded, tmp_path)
    mailkit.add_to_maildir(box, mailkit.reply(number, sender="Someone <someone@else.example>"))
    (outcome,) = run(seeded, maildir=box).messages
    assert (outcome.result.value, outcome.number) == ("attached", number)
    assert outcome.reason == "sent from an address that is not the customer's on record"
    with seeded.session() as session:
        event = session.exec(select(Event).where(Event.action == "contact")).one()
    assert json.loads(event.details)["same_sender"] is False


def test_a_number_that_does_not_exist_is_a_new_complaint(seeded, tmp_path):
    box = mailkit.maildir(tmp_path / "Maildir", [mailkit.reply("CMP-2020-999999")])
    summary = run(seeded, maildir=box)
    assert [m.result.value for m in summary.messages] == ["registered"]


def test_a_reply_to_a_merged_complaint_goes_to_the_one_it_was_merged_into(seeded, tmp_path):
    box, number = _registered_from_mail(seeded, tmp_path)
    other = do(seeded, svc.register, "clerk",
               new=NewComplaint(channel=Channel.phone, customer="张伟", summary="年费")).number
    do(seeded, decisions.merge, "sup", number=number, into=other)
    mailkit.add_to_maildir(box, mailkit.reply(number))
    assert [(m.result.value, m.number) for m in run(seeded, maildir=box).messages] == [
        ("attached", other)]


def _decided(db, *, days_ago: float, archive: bool = False) -> str:
    """An email complaint registered, decided and closed in the past: its number."""
    past = now() - timedelta(days=days_ago)
    number = do(db, svc.register, "clerk", at=past - timedelta(hours=1), new=NewComplaint(
        channel=Channel.email, customer="张伟", summary="信用卡年费重复扣收",
        email="zhang.wei@example.com")).number
    do(db, handling.assign, "sup", number=number, to="h1", at=past - timedelta(minutes=3))
    do(db, handling.investigate, "h1", number=number, at=past - timedelta(minutes=2))
    do(db, decisions.resolve, "h1", reasons="核实结果", basis="合同条款", proof="CALL-1",
        number=number, outcome=Outcome.upheld, findings="charged twice",
       remedies=[RemedyInput.parse("apology")], notified_via=ContactVia.email, at=past)
    do(db, decisions.close, "h1", number=number, satisfaction=4, at=past + timedelta(minutes=1))
    if archive:
        do(db, decisions.archive, "sup", number=number, at=past + timedelta(minutes=2))
    return number


def test_a_reply_to_a_closed_complaint_within_the_review_window_requests_a_review(seeded,
                                                                                   tmp_path):
    number = _decided(seeded, days_ago=10)
    box = mailkit.maildir(tmp_path / "Maildir", [mailkit.reply(number)])
    summary = run(seeded, maildir=box)
    assert [(m.result.value, m.review) for m in summary.messages] == [("attached", "requested")]
    with seeded.session() as session:
        c = session.exec(select(Complaint).where(Complaint.number == number)).one()
        notices = session.exec(select(Notification).where(
            Notification.event == "review_requested")).all()
    assert c.status == "under_review" and c.review_requested_at is not None
    assert c.clock_kind == "review" and c.due_at > c.review_requested_at
    assert timeline(seeded, number)[-3:] == ["contact", "evidence", "review_request"]
    assert {n.recipient for n in notices} == {"admin"}  # head office: no head-office supervisor


def test_a_clerk_of_another_branch_flags_the_review_for_that_branch(seeded, tmp_path):
    number = _decided(seeded, days_ago=10)
    box = mailkit.maildir(tmp_path / "Maildir", [mailkit.reply(number)])
    summary = run(seeded, maildir=box, who="h3")  # a Shanghai handler; the complaint is BJ01's
    assert [(m.result.value, m.review) for m in summary.messages] == [("attached", "flagged")]
    with seeded.session() as session:
        c = session.exec(select(Complaint).where(Complaint.number == number)).one()
        tags = [t.tag for t in session.exec(select(ComplaintTag)).all()]
    assert c.status == "closed" and tags == ["review_requested"]
    assert timeline(seeded, number)[-3:] == ["contact", "evidence", "note"]


def test_a_reply_after_the_review_window_is_attached_without_a_review(seeded, tmp_path):
    # 32, not 31: the window ends at 23:59:59 bank time on the 30th day after the notice, and
    # the reply is dated 2.4 hours ago; 31 days put the reply inside it from 00:00 to 02:24
    # Beijing time
    number = _decided(seeded, days_ago=32)
    box = mailkit.maildir(tmp_path / "Maildir", [mailkit.reply(number)])
    assert [(m.result.value, m.review) for m in run(seeded, maildir=box).messages] == [
        ("attached", None)]
    with seeded.session() as session:
        assert session.exec(select(ComplaintTag)).all() == []
        c = session.exec(select(Complaint).where(Complaint.number == number)).one()
    assert c.status == "closed"


def test_a_reply_to_an_archived_complaint_is_registered_as_a_repeat(seeded, tmp_path):
    number = _decided(seeded, days_ago=45, archive=True)
    box = mailkit.maildir(tmp_path / "Maildir", [mailkit.reply(number)])
    summary = run(seeded, maildir=box)
    assert [m.result.value for m in summary.messages] == ["registered"]
    new = complaints_in(seeded)[1]
    assert new.description.startswith(f"This email replies to {number}, which is archived")
    with seeded.session() as session:
        assert [t.tag for t in session.exec(select(ComplaintTag).where(
            ComplaintTag.complaint_id == new.id)).all()] == ["repeat"]


# --- the command ---------------------------------------------------------------------------------


def test_cli_json_summary_and_exit_codes(cli, box):
    first = cli("intake", "mail", "--maildir", str(box), "--json", as_="clerk")
    assert first.exit_code == 0
    data = json.loads(first.stdout)
    assert {k: data[k] for k in mailkit.EXPECTED} == mailkit.EXPECTED
    assert data["source"] == f"maildir:{box}" and data["dry_run"] is False
    plain = next(m for m in data["messages"] if m["message_id"] == "<plain-1@example.com>")
    assert plain["sender"] == "z***@example.com"  # masked
    assert plain["number"].startswith("CMP-") and plain["marked"] is True
    assert plain["received_at"].endswith("+08:00")
    second = cli("intake", "mail", "--maildir", str(box), as_="clerk")
    assert second.exit_code == 0
    assert "Read 0: 0 registered" in second.stderr and "No new mail" in second.stderr


def test_cli_table_lists_what_happened(cli, box):
    result = cli("intake", "mail", "--maildir", str(box), as_="clerk",
                 env={"COLUMNS": "200"})  # each reason on one line
    assert result.exit_code == 0
    assert "Read 9: 6 registered, 0 attached to existing complaints, 0 duplicates skipped, " \
           "2 automatic ignored, 0 already read (not taken), 1 for review, 0 failed." \
           in result.stderr
    assert "Auto-Submitted: auto-replied" in result.stdout


@pytest.mark.parametrize("args, message", [
    ([], "Give exactly one of --maildir DIR, --mbox FILE or --imap URL."),
    (["--maildir", "x", "--mbox", "y"], "Give exactly one of"),
    (["--maildir", "/nonexistent"], "/nonexistent is not a Maildir"),
    (["--mbox", "/nonexistent.mbox"], "No mbox file at /nonexistent.mbox"),
    (["--imap", "imaps://u@localhost/INBOX"], "Set COMPLAINTCTL_IMAP_PASSWORD"),
    (["--imap", "imaps://u:secret@localhost/INBOX"], "Don't put the IMAP password in --imap"),
])
def test_cli_refuses_bad_sources_without_traceback(cli, args, message):
    result = cli("intake", "mail", *args, as_="clerk", env={"COMPLAINTCTL_IMAP_PASSWORD": ""})
    assert result.exit_code in (1, 2)
    assert message in result.stderr
    assert "Traceback" not in result.stderr and "secret" not in result.stderr


def test_cli_unreachable_imap_server_is_an_operational_error(cli):
    result = cli("intake", "mail", "--imap", "imaps://u@127.0.0.1:1/INBOX", as_="clerk",
                 env={"COMPLAINTCTL_IMAP_PASSWORD": "pw-never-shown"})
    assert result.exit_code == 1
    assert "Can't reach the IMAP server imaps://u@127.0.0.1:1/INBOX" in result.stderr
    assert "pw-never-shown" not in result.stderr + result.stdout


def test_use_cases_inside_one_transaction_are_kept_together_or_not_at_all(seeded):
    from complaintctl.services.core.context import one_transaction

    new = NewComplaint(channel=Channel.phone, customer="张伟", summary="年费")
    with seeded.session(write=True) as session:
        with pytest.raises(RuntimeError):
            with one_transaction(session):
                svc.register(session=session, actor=actor("clerk"), new=new)
                svc.register(session=session, actor=actor("clerk"), new=new)
                raise RuntimeError("the third step fails")
        assert complaints_in(seeded) == []
        with one_transaction(session):
            first = svc.register(session=session, actor=actor("clerk"), new=new)
            with one_transaction(session):  # nested: joins the outer one
                svc.register(session=session, actor=actor("clerk"), new=new)
        assert first.number.endswith("-000001")  # the rolled-back numbers were not used up
        assert len(complaints_in(seeded)) == 2


def _intake_in_a_process(url: str, box: str, queue) -> None:
    from complaintctl.store.db import Database
    from complaintctl.services.intake import mailbox as intake_service

    database = Database(url)
    summary = intake_service.run_mail(database=database, username="clerk", maildir=box)
    queue.put(summary.counts)


@pytest.mark.slow
def test_three_intake_runs_at_once_register_each_message_once(seeded, box):
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    runs = [context.Process(target=_intake_in_a_process, args=(seeded.url, str(box), queue))
            for _ in range(3)]
    for process in runs:
        process.start()
    for process in runs:
        process.join(120)
    counts = [queue.get(timeout=5) for _ in runs]
    assert [p.exitcode for p in runs] == [0, 0, 0]
    assert sum(c["registered"] for c in counts) == 6
    assert all(c["not_marked"] == 0 for c in counts)
    assert len(complaints_in(seeded)) == 6
    assert len({c.number for c in complaints_in(seeded)}) == 6
    assert mailkit.maildir_state(box)["new"] == []
    assert sum(c["needs_review"] for c in counts) == 1
    with seeded.session() as session:
        assert audit.verify(session).ok


def test_the_json_summary_is_the_same_in_both_languages_but_for_the_reasons(cli, box):
    """Keys, results, counts and message ids never change with the language; only the
    ``reason`` sentences (for people) do."""
    runs = {lang: cli("--lang", lang, "intake", "mail", "--maildir", str(box), "--dry-run",
                      "--json", as_="clerk") for lang in ("zh", "en")}
    assert {r.exit_code for r in runs.values()} == {0}
    data = {lang: json.loads(r.stdout) for lang, r in runs.items()}
    reasons = {lang: [m.pop("reason") for m in d["messages"]] for lang, d in data.items()}
    assert data["zh"] == data["en"]
    assert reasons["en"][5] == "Auto-Submitted: auto-replied"  # a header, as it came
    assert reasons["zh"][7].startswith("待人工审核：该邮件没有 From 头")
    assert reasons["en"][7].startswith("for review: the message has no From header")
