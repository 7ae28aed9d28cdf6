"""The mbox on real-world mail (issue 25, points 2 to 4): marking never rewrites a byte, a
message keeps its identity without a Message-ID and whatever a mail store did to it, a re-read
with --all registers nothing and sends nothing again, and messages flagged as read by another
program are counted and listed, never skipped silently."""

from __future__ import annotations

import hashlib

from sqlmodel import func, select

import mailkit
from complaintctl.services.intake import mailbox as intake
from complaintctl.services.intake.mail import parse as mail
from complaintctl.services.intake.mail.identity import identity
from complaintctl.store.models import Complaint, Notification

STATE = ".complaintctl-taken"


def run(db, path, **options):
    return intake.run_mail(database=db, username="clerk", mbox=path, **options)


def _count(db, table) -> int:
    with db.session() as session:
        return session.exec(select(func.count()).select_from(table)).one()


def _awkward() -> list[bytes]:
    """Messages that a rewriting mbox writer would change: CRLF and bare LF, a body line
    starting with "From ", a folded References header, no Message-ID, a Status header."""
    return [
        mailkit.raw("From: Zhang Wei <zhang.wei@example.com>", "Subject: fee",
                    "Message-ID: <crlf@example.com>",
                    "References: <a@example.com>", "\t<b@example.com>",
                    body="From now on I want my fee back.\n>From the bank\n", eol=b"\r\n"),
        mailkit.raw("From: li.na@example.com", "Subject: no id, LF",
                    body="No Message-ID here.\n\n\nTrailing blank lines.\n\n", eol=b"\n"),
        mailkit.raw("From: chen@example.cn", "Subject: no id, CRLF",
                    body="Another without an id.\n", eol=b"\r\n"),
        mailkit.raw("From: wang@example.com", "Subject: flagged", "Status: O",
                    "X-Status: F", "Message-ID: <status@example.com>", body="Status O only\n"),
    ]


def test_marking_never_changes_a_byte_of_the_mbox(seeded, tmp_path):
    path = mailkit.mbox(tmp_path / "in.mbox", _awkward() + [raw for _l, raw in mailkit.corpus()])
    before_file = path.read_bytes()
    before = mailkit.mbox_messages(path)
    summary = run(seeded, path)
    assert summary.counts["registered"] == 4 + 6 and summary.exit_code == 0
    assert all(m.marked for m in summary.messages)
    assert path.read_bytes() == before_file
    after = mailkit.mbox_messages(path)
    assert [hashlib.sha256(m).hexdigest() for m in after] == \
        [hashlib.sha256(m).hexdigest() for m in before]
    state = (tmp_path / ("in.mbox" + STATE)).read_text().splitlines()
    assert state[0].startswith("# complaintctl")
    assert sorted(state[1:]) == sorted(identity(m) for m in before)


def test_the_identity_ignores_line_endings_status_headers_and_from_quoting():
    lf = mailkit.raw("From: a@example.com", "Subject: s", body="From here on\nbody\n", eol=b"\n")
    crlf = mailkit.raw("From: a@example.com", "Subject:   s", body="From here on\nbody\n\n")
    stored = (b"From a@example.com Sat Nov 28 10:00:00 2026\n"
              + lf.replace(b"Subject: s\n", b"Subject: s\nStatus: RO\nX-Status: A\n"
                                                 b"Content-Length: 20\n")
              .replace(b"\nFrom here", b"\n>From here"))
    assert identity(lf) == identity(crlf) == identity(stored)
    assert mail.parse(lf).message_id == mail.parse(stored).message_id
    assert identity(lf) != identity(lf.replace(b"body", b"bodies"))
    assert identity(lf) != identity(lf.replace(b"Subject: s", b"Subject: t"))


def test_all_registers_nothing_twice_with_and_without_message_id(seeded, tmp_path):
    messages = _awkward()
    path = mailkit.mbox(tmp_path / "in.mbox", messages)
    first = run(seeded, path)
    assert first.counts["registered"] == 4
    complaints, outbox = _count(seeded, Complaint), _count(seeded, Notification)
    again = run(seeded, path, include_seen=True)
    assert (again.counts["read"], again.counts["duplicates"], again.counts["registered"]) == \
        (4, 4, 0)
    # a mail client rewrote the mbox (CRLF, its own Status headers) and the state file is gone
    (tmp_path / ("in.mbox" + STATE)).unlink()
    rewritten = [m.replace(b"\r\n", b"\n").replace(b"Subject:", b"Status: RO\nSubject:", 1)
                 for m in messages]
    path.unlink()
    mailkit.mbox(path, rewritten)
    third = run(seeded, path, include_seen=True)
    assert (third.counts["duplicates"], third.counts["registered"]) == (4, 0)
    assert (_count(seeded, Complaint), _count(seeded, Notification)) == (complaints, outbox)


def test_a_complaint_registered_by_an_earlier_version_is_still_recognised(seeded, tmp_path):
    """Earlier versions gave a message without Message-ID the digest of its bytes."""
    from complaintctl.services.complaints import registration
    from complaintctl.domain.enums import Channel
    from conftest import actor

    message = mailkit.raw("From: li.na@example.com", "Subject: old", body="Taken long ago.\n")
    legacy = f"<sha256-{hashlib.sha256(message).hexdigest()}@complaintctl.invalid>"
    with seeded.session(write=True) as session:
        registration.register(session=session, actor=actor("clerk"), new=registration.NewComplaint(
            channel=Channel.email, customer="Li Na", summary="old", external_source="mail",
            external_ref=legacy))
    [result] = run(seeded, mailkit.mbox(tmp_path / "in.mbox", [message])).messages
    assert result.result.value == "duplicate"


def test_messages_flagged_as_read_before_intake_are_counted_and_listed(seeded, tmp_path):
    read = [mailkit.raw("From: a@example.com", "Subject: read by a person", "Status: RO",
                        "Message-ID: <read-1@example.com>"),
            mailkit.raw("From: b@example.com", "Subject: read too", "Status: R",
                        "Message-ID: <read-2@example.com>")]
    path = mailkit.mbox(tmp_path / "in.mbox", read + [mailkit.plain()])
    summary = run(seeded, path)
    counts = summary.counts
    assert (counts["read"], counts["already_read"], counts["registered"]) == (3, 2, 1)
    listed = [(m.message_id, m.reason) for m in summary.messages
              if m.result.value == "already_read"]
    assert listed == [
        ("<read-1@example.com>", "flagged as read (Status: RO) in the mbox before intake saw "
                                 "it; `complaintctl intake mail --all` takes it in"),
        ("<read-2@example.com>", "flagged as read (Status: R) in the mbox before intake saw "
                                 "it; `complaintctl intake mail --all` takes it in")]
    assert not any(m.marked for m in summary.messages if m.result.value == "already_read")
    assert run(seeded, path).counts["already_read"] == 2  # still there, still listed
    taken = run(seeded, path, include_seen=True).counts
    assert (taken["registered"], taken["duplicates"], taken["already_read"]) == (2, 1, 0)


def test_the_counts_always_add_up_to_read(seeded, tmp_path):
    messages = (_awkward() + [raw for _l, raw in mailkit.corpus()]
                + [mailkit.raw("From: x@example.com", "Subject: r", "Status: RO")])
    path = mailkit.mbox(tmp_path / "in.mbox", messages)
    for options in ({"dry_run": True}, {}, {}, {"include_seen": True}):
        counts = run(seeded, path, **options).counts
        per_result = {k: v for k, v in counts.items() if k not in ("read", "not_marked")}
        assert set(per_result) == {"registered", "attached", "duplicates", "automatic",
                                   "already_read", "needs_review", "failed"}
        assert sum(per_result.values()) == counts["read"]
    assert counts["read"] == len(messages)  # --all reads every message


def test_a_dry_run_writes_no_state_file(seeded, tmp_path):
    path = mailkit.mbox(tmp_path / "in.mbox", _awkward())
    assert run(seeded, path, dry_run=True).counts["registered"] == 4
    assert not (tmp_path / ("in.mbox" + STATE)).exists()
