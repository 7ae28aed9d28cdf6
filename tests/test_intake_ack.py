"""The acknowledgement of a complaint registered from mail: queued in the outbox in the
registration's transaction, delivered by `notify send` to a real SMTP server (aiosmtpd), counted
as the acknowledgement when it goes out, and found again when the customer replies to it."""

from __future__ import annotations

import email
import email.policy
import socket

import mailkit
import pytest
from sqlmodel import col, select

from complaintctl.infra.evidence import EvidenceStore
from complaintctl.store.models import Complaint, Contact, Notification
from complaintctl.services.intake import mailbox as intake
from complaintctl.services.notify import delivery, senders

aiosmtpd = pytest.importorskip("aiosmtpd")
from aiosmtpd.controller import Controller  # noqa: E402


def run(db, box, **kwargs):
    return intake.run_mail(database=db, username="clerk", maildir=box, **kwargs)


def acks(db) -> list[Notification]:
    with db.session() as session:
        return list(session.exec(select(Notification).where(
            Notification.event == "acknowledgement").order_by(col(Notification.id))).all())


def complaint(db, number) -> Complaint:
    with db.session() as session:
        return session.exec(select(Complaint).where(Complaint.number == number)).one()


def test_registration_from_mail_queues_an_acknowledgement_with_number_and_due_date(seeded,
                                                                                   tmp_path):
    box = mailkit.maildir(tmp_path / "Maildir", [mailkit.plain()])
    (outcome,) = run(seeded, box).messages
    c = complaint(seeded, outcome.number)
    (note,) = acks(seeded)
    assert outcome.acknowledgement == note.id
    assert (note.recipient, note.address, note.status, note.number, note.complaint_id) == (
        "customer", "zhang.wei@example.com", "pending", c.number, c.id)
    assert note.created_at == c.registered_at
    due = c.due_at.astimezone(mailkit.SHANGHAI).strftime("%Y-%m-%d")
    assert note.subject == f"[{c.number}] We have received your complaint"
    assert note.body == (
        "Dear customer,\n\n"
        f"We have received your complaint and registered it under the number {c.number}.\n\n"
        "What happens next: a complaint handler will look into it, may contact you for more "
        "details, and will tell you the decision and the reasons for it.\n\n"
        f"We expect to decide by {due}. If it takes longer, we will tell you why and by when.\n\n"
        f"When you write to us about this complaint, please keep {c.number} in the subject of "
        "your email, so that it reaches the right complaint.\n\n"
        "This message was sent automatically.\n"
    )
    assert "张伟" not in note.body and "年费" not in note.body  # nothing else about the customer
    assert c.acknowledged_at is None  # queued, not yet sent


def test_the_due_date_is_the_clocks(seeded, tmp_path):
    """The expected decision date is the regulatory clock's, computed a second way."""
    box = mailkit.maildir(tmp_path / "Maildir", [mailkit.plain()])
    (outcome,) = run(seeded, box).messages
    c = complaint(seeded, outcome.number)
    from complaintctl.services.clock import state as clock
    from complaintctl.services.core import config

    with seeded.session() as session:
        expected = clock.compute(session, c, config.load(session)).due_at
    assert c.due_at == expected
    assert expected.astimezone(mailkit.SHANGHAI).strftime("%Y-%m-%d") in acks(seeded)[0].body


def test_one_acknowledgement_per_complaint_however_often_intake_runs(seeded, tmp_path):
    box = mailkit.maildir(tmp_path / "Maildir", [raw for _l, raw in mailkit.corpus()])
    run(seeded, box)
    run(seeded, box, include_seen=True)
    assert len(acks(seeded)) == 6
    with seeded.session() as session:
        numbers = [c.number for c in session.exec(select(Complaint)).all()]
    assert sorted(n.number for n in acks(seeded)) == sorted(numbers)


def test_replies_duplicates_dry_runs_and_platform_records_queue_no_acknowledgement(seeded, cli,
                                                                                    tmp_path):
    box = mailkit.maildir(tmp_path / "Maildir", [mailkit.plain()])
    assert run(seeded, box, dry_run=True).messages[0].acknowledgement is None
    assert acks(seeded) == []
    (outcome,) = run(seeded, box).messages
    mailkit.add_to_maildir(box, mailkit.reply(outcome.number))
    run(seeded, box)
    cli("register", "--json", "-", as_="clerk",
        input='{"channel": "online", "customer": {"name": "x", "email": "x@example.com"}, '
              '"summary": "y"}')
    assert len(acks(seeded)) == 1


def test_a_message_that_fails_leaves_no_acknowledgement_behind(seeded, tmp_path, monkeypatch):
    box = mailkit.maildir(tmp_path / "Maildir", [mailkit.with_attachments()])

    def full(self, data, filename):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(EvidenceStore, "put_bytes", full)
    with pytest.raises(OSError):
        run(seeded, box)
    assert acks(seeded) == []


class Inbox:
    def __init__(self):
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.original_content or envelope.content)
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, {senders.ENV_SMTP: f"smtp://127.0.0.1:{port}?timeout=5",
                  senders.ENV_FROM: "Complaints <tousu@bank.example>"}
    controller.stop()


def test_the_customer_gets_it_it_counts_as_the_acknowledgement_and_a_reply_finds_it(
        seeded, tmp_path, smtp):
    inbox, env = smtp
    box = mailkit.maildir(tmp_path / "Maildir", [mailkit.plain()])
    (outcome,) = run(seeded, box).messages
    number = outcome.number
    report = delivery.send(database=seeded, actor_name="admin", environ=env)
    assert report.sent >= 1
    delivered = [email.message_from_bytes(raw, policy=email.policy.default)
                 for raw in inbox.messages]
    (ack,) = [m for m in delivered if m["To"] == "zhang.wei@example.com"]
    assert ack["Subject"] == f"[{number}] We have received your complaint"
    assert ack["From"] == "Complaints <tousu@bank.example>"
    assert number in ack["Message-ID"] and ack["Message-ID"].endswith("@bank.example>")
    assert f"please keep {number} in the subject" in ack.get_content()
    (note,) = acks(seeded)
    c = complaint(seeded, number)
    assert note.status == "sent" and c.acknowledged_at == note.sent_at
    with seeded.session() as session:
        (contact,) = session.exec(select(Contact)).all()
    assert (contact.direction, contact.via, contact.by) == ("out", "email", "admin")

    # the customer answers the acknowledgement; their client quotes its Message-ID only
    reply = mailkit.plain("<answer-1@example.com>", subject="Re: We have received your complaint",
                          body="谢谢，请尽快处理。", date=mailkit.when(0.01),
                          In_Reply_To=ack["Message-ID"])
    mailkit.add_to_maildir(box, reply)
    (answer,) = run(seeded, box).messages
    assert (answer.result.value, answer.number) == ("attached", number)


def test_an_acknowledgement_only_written_to_the_log_file_does_not_count(seeded, tmp_path):
    box = mailkit.maildir(tmp_path / "Maildir", [mailkit.plain()])
    (outcome,) = run(seeded, box).messages
    log = tmp_path / "outbox.log"
    delivery.send(database=seeded, actor_name="admin", sender=senders.LogSender(log))
    assert acks(seeded)[0].status == "sent"
    assert outcome.number in log.read_text(encoding="utf-8")
    assert complaint(seeded, outcome.number).acknowledged_at is None
