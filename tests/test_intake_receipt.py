"""When the bank received a message (issue 25, point 1): the delivery evidence the bank controls
(a trusted Received header, the Maildir delivery time, the mbox From line; INTERNALDATE is in
test_intake_imap.py), never the sender's Date, which is kept and flagged when far off."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

import mailkit
from complaintctl.services.admin import config as config_service
from complaintctl.services.intake import mailbox as intake
from complaintctl.services.intake.mail import receipt
from complaintctl.store.models import Complaint, Event
from conftest import actor

UTC = timezone.utc
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def _received(by: str, at: datetime) -> str:
    return mailkit.received(by, at).split(": ", 1)[1]


# --- the rule, pure -----------------------------------------------------------------------------


def test_the_topmost_received_header_of_a_trusted_host_decides():
    headers = (_received("lmtp.internal", NOW - timedelta(minutes=1)),
               _received("mx1.bank.example", NOW - timedelta(minutes=5)),
               _received("mx1.bank.example", NOW - timedelta(days=30)))  # forged below
    got = receipt.decide(received=headers, trusted=("mx1.bank.example",),
                         arrival=NOW - timedelta(minutes=2), arrival_kind="maildir-delivery",
                         now=NOW)
    assert got == receipt.Receipt(NOW - timedelta(minutes=5), "received-header",
                                  "mx1.bank.example")


def test_a_leading_dot_trusts_every_host_of_a_domain_and_nothing_else():
    assert receipt.trusts((".bank.example",), "MX2.Bank.Example.")
    assert not receipt.trusts((".bank.example",), "bank.example.evil.example")
    assert not receipt.trusts(("mx1.bank.example",), "mx1.bank.example.evil.example")


@pytest.mark.parametrize("headers, trusted", [
    ((), ("mx1.bank.example",)),  # no Received header
    ((_received("mx.sender.example", NOW - timedelta(hours=3)),), ("mx1.bank.example",)),
    ((_received("mx1.bank.example", NOW + timedelta(hours=3)),), ("mx1.bank.example",)),
    ((_received("mx1.bank.example", NOW - timedelta(hours=3)),), ()),  # nothing trusted
])
def test_without_a_sane_trusted_header_the_delivery_time_decides(headers, trusted):
    arrival = NOW - timedelta(minutes=2)
    got = receipt.decide(received=headers, trusted=trusted, arrival=arrival,
                         arrival_kind="mbox-from-line", now=NOW)
    assert (got.at, got.evidence) == (arrival, "mbox-from-line")


@pytest.mark.parametrize("arrival", [None, NOW + timedelta(days=1),
                                     datetime(1989, 12, 31, tzinfo=UTC)])
def test_without_any_sane_evidence_the_intake_time_decides(arrival):
    got = receipt.decide(received=(), trusted=(), arrival=arrival, arrival_kind="x", now=NOW)
    assert (got.at, got.evidence) == (NOW, "intake-time")


def test_a_date_header_far_from_the_receipt_is_flagged_in_hours():
    assert receipt.date_off_by_hours(NOW - timedelta(days=10), NOW, 24) == -240.0
    assert receipt.date_off_by_hours(NOW + timedelta(hours=30), NOW, 24) == 30.0
    assert receipt.date_off_by_hours(NOW - timedelta(hours=23), NOW, 24) is None
    assert receipt.date_off_by_hours(None, NOW, 24) is None


# --- on a real Maildir and mbox -------------------------------------------------------------------


def _set(db, key: str, value: str) -> None:
    with db.session(write=True) as session:
        config_service.set_value(session=session, actor=actor("admin"), key=key, value=value)


def _complaint(db, external_ref: str) -> Complaint:
    with db.session() as session:
        return session.exec(select(Complaint).where(Complaint.external_ref == external_ref)).one()


def _evidence_details(db, number: str) -> dict:
    with db.session() as session:
        event = session.exec(select(Event).where(Event.number == number,
                                                 Event.action == "evidence")).one()
        return json.loads(event.details)


def test_a_backdated_complaint_counts_from_the_bank_s_delivery_not_its_date(seeded, tmp_path):
    """The sender claims ten days ago; the Maildir got it an hour ago."""
    box = mailkit.maildir(tmp_path / "Maildir", [])
    delivered = mailkit.when(1 / 24)
    mailkit.add_to_maildir(box, mailkit.plain("<backdated@example.com>", date=mailkit.when(10)),
                           delivered=delivered.timestamp())
    summary = intake.run_mail(database=seeded, username="clerk", maildir=box)
    [message] = summary.messages
    assert (message.result.value, message.receipt) == ("registered", "maildir-delivery")
    assert message.date_off_hours == pytest.approx(-(10 - 1 / 24) * 24, abs=0.1)
    complaint = _complaint(seeded, "<backdated@example.com>")
    assert complaint.received_at.timestamp() == pytest.approx(delivered.timestamp(), abs=1)
    assert complaint.due_at > datetime.now(UTC)  # not overdue the moment it is registered
    details = _evidence_details(seeded, complaint.number)
    assert details["receipt"] == "maildir-delivery"
    assert details["date_off_hours"] == message.date_off_hours


def test_a_postdated_date_never_moves_the_clock(seeded, tmp_path):
    box = mailkit.maildir(tmp_path / "Maildir", [])
    delivered = mailkit.when(0.5)
    mailkit.add_to_maildir(box, mailkit.plain("<postdated@example.com>", date=mailkit.when(-20)),
                           delivered=delivered.timestamp())
    [message] = intake.run_mail(database=seeded, username="clerk", maildir=box).messages
    assert message.date_off_hours == pytest.approx((20 + 0.5) * 24, abs=0.1)
    assert _complaint(seeded, "<postdated@example.com>").received_at.timestamp() == \
        pytest.approx(delivered.timestamp(), abs=1)


def test_a_trusted_received_header_decides_over_the_maildir_delivery(seeded, tmp_path, cli):
    _set(seeded, "mail.trusted_hosts", "mx1.bank.example, .mail.bank.example")
    accepted = mailkit.when(2).replace(microsecond=0)
    forged = mailkit.when(40)
    message = mailkit.raw(
        mailkit.received("lmtp.store.internal", mailkit.when(1.9)),
        mailkit.received("in3.mail.bank.example", accepted),
        mailkit.received("mx1.bank.example", forged),  # below the bank's own: the sender's
        "From: Li Na <li.na@example.com>", "Subject: Fee charged twice",
        "Message-ID: <trusted-received@example.com>", f"Date: {mailkit.format_datetime(forged)}",
        "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8")
    box = mailkit.maildir(tmp_path / "Maildir", [message])
    [result] = intake.run_mail(database=seeded, username="clerk", maildir=box).messages
    assert result.receipt == "received-header"
    assert _complaint(seeded, "<trusted-received@example.com>").received_at == accepted
    shown = json.loads(cli("show", result.number, "--format", "json", as_="clerk").stdout)
    evidence = next(e for e in shown["events"] if e["action"] == "evidence")
    assert evidence["details"]["receipt"] == "received-header"
    assert evidence["details"]["date_off_hours"] == pytest.approx(-38 * 24, abs=0.1)


def test_mbox_receipt_is_the_from_line_of_the_delivery_agent(seeded, tmp_path):
    delivered = mailkit.when(0.25).replace(microsecond=0)
    stamp = delivered.strftime("%a %b %d %H:%M:%S %Y")
    body = mailkit.plain("<mbox-receipt@example.com>", date=mailkit.when(5))
    path = tmp_path / "in.mbox"
    path.write_bytes(f"From zhang.wei@example.com {stamp}\n".encode() + body.replace(
        b"\r\n", b"\n") + b"\n")
    [result] = intake.run_mail(database=seeded, username="clerk", mbox=path).messages
    assert result.receipt == "mbox-from-line"
    assert _complaint(seeded, "<mbox-receipt@example.com>").received_at == delivered


def test_the_trusted_hosts_setting_refuses_what_is_no_host_name(cli):
    result = cli("config", "set", "mail.trusted_hosts", "mx1.bank.example, not a host")
    assert result.exit_code == 5
    assert "'mx1.bank.example, not a host' is not a valid value for mail.trusted_hosts" \
        in result.stderr
