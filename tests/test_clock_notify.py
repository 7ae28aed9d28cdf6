"""Notifications: the outbox is delivered to a real SMTP server on localhost (aiosmtpd), retried
with exponential backoff against a server that refuses, and never shows the SMTP password."""

from __future__ import annotations

import socket
import time

import pytest
from clockkit import register
from conftest import actor
from sqlmodel import select

from complaintctl.store.models import Event, Notification, NotificationAttempt
from complaintctl.services.notify import delivery, senders

aiosmtpd = pytest.importorskip("aiosmtpd")
from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import AuthResult  # noqa: E402

PASSWORD = "s3cr3t-Pa55"


class Inbox:
    """An aiosmtpd handler that keeps what it receives; optionally refuses recipients."""

    def __init__(self, rcpt_reply: str | None = None):
        self.messages: list[tuple[str, list[str], str]] = []
        self.rcpt_reply = rcpt_reply

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                              envelope.content.decode("utf-8", "replace")))
        return "250 Message accepted"


def _authenticate(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == b"bot" and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    started = []

    def start(handler: Inbox, **kwargs):
        port = _free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
        controller.start()
        started.append(controller)
        return port

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture
def queued(seeded):
    """Two complaints registered: two 'registered' notices to sup (sup@bank.example)."""
    with seeded.session(write=True) as session:
        for i in range(2):
            register(session, actor("clerk"), received=f"2026-09-30T1{i}:00",
                     customer="张伟", phone="13812345678", summary="张伟：信用卡年费重复扣收")
    return seeded


def rows(db, model):
    with db.session() as session:
        return list(session.exec(select(model).order_by(model.id)).all())


def test_messages_are_delivered_to_a_real_smtp_server_with_login(queued, smtp_server):
    inbox = Inbox()
    port = smtp_server(inbox, authenticator=_authenticate, auth_require_tls=False)
    env = {senders.ENV_SMTP: f"smtp://bot:{PASSWORD}@127.0.0.1:{port}?timeout=5",
           senders.ENV_FROM: "complaints@bank.example"}
    report = delivery.send(database=queued, actor_name="admin", environ=env)
    assert (report.sent, report.failed, report.attempts) == (2, 0, 2)
    assert [(frm, to) for frm, to, _text in inbox.messages] == [
        ("complaints@bank.example", ["sup@bank.example"])] * 2
    text = inbox.messages[0][2]
    assert "Subject: [complaintctl] CMP-" in text and "registered (channel phone)" in text
    assert "Due: 2026-10-15 23:59:59+08:00" in text
    for secret in ("张伟", "13812345678", "年费"):
        assert secret not in text
    notes = rows(queued, Notification)
    assert [(n.status, n.attempts) for n in notes] == [("sent", 1), ("sent", 1)]
    assert all(a.ok and a.sender == "smtp" for a in rows(queued, NotificationAttempt))
    assert delivery.send(database=queued, actor_name="admin", environ=env).attempts == 0


def test_a_wrong_password_is_recorded_without_the_password(queued, smtp_server):
    port = smtp_server(Inbox(), authenticator=_authenticate, auth_require_tls=False)
    env = {senders.ENV_SMTP: f"smtp://bot:{PASSWORD}x@127.0.0.1:{port}?timeout=2"}
    report = delivery.send(database=queued, actor_name="admin", environ=env, limit=1,
                         attempts_per_message=1, sleep=lambda s: None)
    assert (report.sent, report.attempts) == (0, 1)
    attempts = rows(queued, NotificationAttempt)
    assert len(attempts) == 1 and not attempts[0].ok and attempts[0].error
    everything = " ".join(str(a.error) for a in attempts) + " ".join(
        e.details for e in rows(queued, Event)) + repr(senders.parse_smtp_url(env[senders.ENV_SMTP]))
    assert PASSWORD not in everything


def test_a_refusing_server_is_retried_with_exponential_backoff_then_failed(queued):
    port = _free_port()  # nothing listens there: connection refused
    waits: list[float] = []
    env = {senders.ENV_SMTP: f"smtp://127.0.0.1:{port}?timeout=2"}
    report = delivery.send(database=queued, actor_name="admin", environ=env,
                         sleep=waits.append, limit=1)
    assert (report.sent, report.failed, report.attempts) == (0, 1, 5)
    assert waits == [2, 4, 8, 16]  # notify.backoff_seconds 2, doubling; no wait after the last
    first = rows(queued, Notification)[0]
    assert (first.status, first.attempts) == ("failed", 5)
    assert "ConnectionRefusedError" in first.last_error
    attempts = rows(queued, NotificationAttempt)
    assert [a.ok for a in attempts] == [False] * 5
    assert all("ConnectionRefusedError" in a.error for a in attempts)
    failed = [e for e in rows(queued, Event) if e.action == "notify failed"]
    assert len(failed) == 1 and '"attempts":5' in failed[0].details


def test_attempts_per_run_leave_the_message_pending_for_the_next_run(queued):
    port = _free_port()
    env = {senders.ENV_SMTP: f"smtp://127.0.0.1:{port}?timeout=2"}
    before = time.time()
    report = delivery.send(database=queued, actor_name="admin", environ=env, sleep=lambda s: None,
                         attempts_per_message=2, limit=1)
    assert (report.failed, report.retry_later, report.attempts) == (0, 1, 2)
    note = rows(queued, Notification)[0]
    assert (note.status, note.attempts) == ("pending", 2)
    assert note.next_attempt_at.timestamp() >= before + 4  # the third try waits 2 * 2^1 s
    again = delivery.send(database=queued, actor_name="admin", environ=env, sleep=lambda s: None)
    assert again.attempts == 5  # only the other message was due: all its tries, then failed
    assert rows(queued, Notification)[0].attempts == 2  # the first waits for its time


def test_a_temporary_refusal_is_retried_and_a_permanent_one_is_not(queued, smtp_server):
    temporary = smtp_server(Inbox(rcpt_reply="451 4.3.0 Try again later"))
    env = {senders.ENV_SMTP: f"smtp://127.0.0.1:{temporary}?timeout=5"}
    report = delivery.send(database=queued, actor_name="admin", environ=env, sleep=lambda s: None,
                         limit=1)
    assert report.attempts == 5 and report.failed == 1
    permanent = smtp_server(Inbox(rcpt_reply="550 5.1.1 No such user"))
    env = {senders.ENV_SMTP: f"smtp://127.0.0.1:{permanent}?timeout=5"}
    report = delivery.send(database=queued, actor_name="admin", environ=env, sleep=lambda s: None)
    assert report.attempts == 1 and report.failed == 1
    assert "550" in rows(queued, Notification)[1].last_error


def test_without_a_mail_server_messages_go_to_a_log_file_beside_the_database(queued):
    # beside the SQLite file; for a server database, in the per-user app dir
    log = senders.default_log_path(queued.path)
    if queued.path is not None:
        assert log == queued.path.with_name(queued.path.name + ".notifications.log")
    log.unlink(missing_ok=True)
    report = delivery.send(database=queued, actor_name="admin", environ={})
    assert report.sent == 2
    text = log.read_text(encoding="utf-8")
    assert text.count("To: sup@bank.example") == 2 and "From: complaintctl@localhost" in text
    assert "13812345678" not in text


def test_sending_needs_the_database_permission(queued):
    from complaintctl.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        delivery.send(database=queued, actor_name="sup", environ={})


@pytest.mark.parametrize("url", ["http://bot:hunter2@example", "smtp://bot:hunter2@",
                                 "smtp://bot:hunter2@h:notaport"])
def test_a_malformed_smtp_url_is_refused_without_echoing_it(url):
    from complaintctl.errors import UsageProblem

    with pytest.raises(UsageProblem) as refused:
        senders.parse_smtp_url(url)
    assert "hunter2" not in str(refused.value)
