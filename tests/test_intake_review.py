"""Mail that is a complaint but whose sender cannot be told (issue 25, point 5) becomes work in
the review queue, never a failure: each kind of odd sender, the message kept as evidence, the
real reason shown; accepted through the normal registration (with the bank's receipt time) or
rejected with a reason; audited; permissions like register."""

from __future__ import annotations

import json

import pytest
from sqlmodel import col, select

import mailkit
from complaintctl.infra.evidence import EvidenceStore
from complaintctl.services.audit import trail as audit
from complaintctl.services.intake import mailbox as intake
from complaintctl.store.models import Complaint, Event, MailReview, Notification

GOOD_BODY = "My card fee was charged twice; please refund it.\n"


def _message(sender_line: str | None, msgid: str, *, extra: tuple[str, ...] = ()) -> bytes:
    headers = [h for h in (sender_line, "To: tousu@bank.example", "Subject: Fee charged twice",
                           f"Message-ID: {msgid}",
                           f"Date: {mailkit.format_datetime(mailkit.when(1))}") if h]
    return mailkit.raw(*headers, *extra, body=GOOD_BODY)


#: (label, message, the reason shown)
ODD_SENDERS = [
    ("no From", _message(None, "<no-from@x>"),
     "the message has no From header"),
    ("empty From", _message("From: ", "<empty-from@x>"),
     "the message has no From header"),
    ("name and address without <>", _message("From: Big Bug bb@bug.com", "<bigbug@x>"),
     "From holds no usable email address"),
    ("several addresses", _message("From: a@example.com, b@example.org", "<several@x>"),
     "From names several addresses; which one is the customer's is for a person to decide"),
    ("no domain", _message("From: guest@localhost", "<guest@x>"),
     "the sender's address has no domain a reply could reach (like guest@localhost)"),
    ("NUL in From", _message("From: \x00", "<nul@x>"),
     "the message has no From header"),
]


def _queue(db, tmp_path, messages):
    box = mailkit.maildir(tmp_path / "Maildir", messages)
    return intake.run_mail(database=db, username="clerk", maildir=box)


def _rows(db) -> list[MailReview]:
    with db.session() as session:
        return list(session.exec(select(MailReview).order_by(col(MailReview.id))).all())


@pytest.mark.parametrize("label, message, reason", ODD_SENDERS, ids=[o[0] for o in ODD_SENDERS])
def test_an_odd_sender_is_queued_for_review_with_the_real_reason(seeded, tmp_path, label,
                                                                  message, reason):
    summary = _queue(seeded, tmp_path, [message])
    [result] = summary.messages
    assert (result.result.value, summary.exit_code, result.marked) == ("needs_review", 0, True)
    assert result.reason == f"for review: {reason}; see `complaintctl intake review list`"
    assert "defects" not in result.reason
    [row] = _rows(seeded)
    assert (row.status, row.queued_by, result.queued) == ("pending", "clerk", row.id)
    assert EvidenceStore(seeded.evidence_dir).path_for(row.sha256).read_bytes() == message
    with seeded.session() as session:
        assert session.exec(select(Complaint)).all() == []
        event = session.exec(select(Event).where(Event.action == "intake review queue")).one()
        assert json.loads(event.details)["review"] == row.id
        assert audit.verify(session).ok


def test_a_multipart_without_parts_from_a_good_sender_is_registered_with_its_text(seeded,
                                                                                   tmp_path):
    message = mailkit.raw("From: Li Na <li.na@example.com>", "Subject: parts missing",
                          "Message-ID: <noparts@x>", "MIME-Version: 1.0",
                          'Content-Type: multipart/mixed; boundary="never-used"',
                          body=GOOD_BODY)
    [result] = _queue(seeded, tmp_path, [message]).messages
    assert result.result.value == "registered"
    with seeded.session() as session:
        assert session.exec(select(Complaint)).one().description == GOOD_BODY.strip()


def test_a_message_that_starts_with_a_byte_order_mark_is_read_as_a_message(seeded, tmp_path):
    message = b"\xef\xbb\xbf" + _message("From: Chen Jing <chen.jing@example.cn>", "<bom@x>")
    [result] = _queue(seeded, tmp_path, [message]).messages
    assert result.result.value == "registered"
    with seeded.session() as session:
        complaint = session.exec(select(Complaint)).one()
    assert (complaint.customer_email, complaint.summary) == ("chen.jing@example.cn",
                                                             "Fee charged twice")


def test_a_queued_message_read_again_is_a_duplicate_not_a_second_entry(seeded, tmp_path):
    box = mailkit.maildir(tmp_path / "Maildir", [ODD_SENDERS[2][1]])
    intake.run_mail(database=seeded, username="clerk", maildir=box)
    again = intake.run_mail(database=seeded, username="clerk", maildir=box, include_seen=True)
    [result] = again.messages
    assert (result.result.value, result.reason) == (
        "duplicate", "already in the review queue as entry 1 (pending)")
    assert len(_rows(seeded)) == 1


def test_accepting_registers_it_with_the_bank_s_receipt_time_and_acknowledges(seeded, tmp_path,
                                                                              cli):
    _queue(seeded, tmp_path, [ODD_SENDERS[2][1]])
    listed = json.loads(cli("intake", "review", "list", "--json", as_="clerk").stdout)
    assert [(r["id"], r["status"], r["problem"], r["sender"]) for r in listed] == [
        (1, "pending", "no-address", "Big Bug b***@bug.com")]  # the address masked
    done = cli("intake", "review", "accept", "1", "--customer", "Big Bug", "--email",
               "bb@bug.com", "--json", as_="clerk")
    assert done.exit_code == 0, done.stderr
    number = json.loads(done.stdout)["number"]
    with seeded.session() as session:
        complaint = session.exec(select(Complaint)).one()
        assert (complaint.number, complaint.customer_name, complaint.customer_email) == (
            number, "Big Bug", "bb@bug.com")
        assert complaint.received_at == _rows(seeded)[0].received_at
        assert complaint.received_at < complaint.registered_at
        assert complaint.external_ref == "<bigbug@x>"
        note = session.exec(select(Notification).where(
            Notification.event == "acknowledgement")).one()
        assert (note.address, note.number) == ("bb@bug.com", number)
        actions = [e.action for e in session.exec(select(Event).order_by(col(Event.seq)))]
        steps = ["intake review queue", "register", "evidence", "intake review accept"]
        assert [a for a in actions if a in steps] == steps
        assert audit.verify(session).ok
    row = _rows(seeded)[0]
    assert (row.status, row.number, row.decided_by) == ("accepted", number, "clerk")
    again = cli("intake", "review", "accept", "1", "--customer", "X", as_="clerk")
    assert again.exit_code == 3
    assert f"Review entry 1 is accepted already ({number})" in again.stderr
    box = tmp_path / "Maildir"
    rerun = intake.run_mail(database=seeded, username="clerk", maildir=box, include_seen=True)
    assert rerun.messages[0].reason == f"already registered as {number}"


def test_rejecting_needs_a_reason_and_keeps_it(seeded, tmp_path, cli):
    _queue(seeded, tmp_path, [ODD_SENDERS[3][1]])
    empty = cli("intake", "review", "reject", "1", "--reason", " ", as_="clerk")
    assert (empty.exit_code, _rows(seeded)[0].status) == (5, "pending")
    assert "Say why with --reason" in empty.stderr
    done = cli("intake", "review", "reject", "1", "--reason", "spam", as_="clerk")
    assert (done.exit_code, done.stderr) == (0, "Review entry 1 rejected.\n")
    row = _rows(seeded)[0]
    assert (row.status, row.note, row.decided_by) == ("rejected", "spam", "clerk")
    assert json.loads(cli("intake", "review", "list", "--json", as_="clerk").stdout) == []
    rejected = json.loads(cli("intake", "review", "list", "--status", "rejected", "--json",
                              as_="clerk").stdout)
    assert [(r["id"], r["note"]) for r in rejected] == [(1, "spam")]
    assert cli("intake", "review", "reject", "1", "--reason", "x", as_="clerk").exit_code == 3


def test_an_unknown_entry_and_a_missing_customer_are_clear_errors(seeded, tmp_path, cli):
    missing = cli("intake", "review", "accept", "9", "--customer", "X", as_="clerk")
    assert (missing.exit_code, missing.stderr) == (
        1, "Error: There is no review entry 9; see `complaintctl intake review list`.\n")
    _queue(seeded, tmp_path, [ODD_SENDERS[0][1]])
    blank = cli("intake", "review", "accept", "1", "--customer", "  ", as_="clerk")
    assert blank.exit_code == 5 and "Give the customer's name with --customer" in blank.stderr
    assert _rows(seeded)[0].status == "pending"


def test_only_who_may_register_may_see_accept_or_reject(seeded, tmp_path, cli):
    _queue(seeded, tmp_path, [ODD_SENDERS[0][1]])
    for args in (["list"], ["accept", "1", "--customer", "X"], ["reject", "1", "--reason", "x"]):
        refused = cli("intake", "review", *args, as_="aud")
        assert refused.exit_code == 4, args
        assert "Traceback" not in refused.stderr
    assert _rows(seeded)[0].status == "pending"
    with seeded.session() as session:
        refusals = session.exec(select(Event).where(Event.kind == "refusal")).all()
    assert len(refusals) == 3


def test_the_review_list_table_in_chinese(seeded, tmp_path, cli):
    _queue(seeded, tmp_path, [ODD_SENDERS[4][1]])
    table = cli("--lang", "zh", "intake", "review", "list", as_="clerk",
                env={"COLUMNS": "200"})
    assert table.exit_code == 0
    assert "发件人地址没有可回信的域名" in table.stdout
