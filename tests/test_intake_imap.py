"""IMAP intake against a real IMAP server on localhost: Debian's dovecot, started by the test
with a throwaway configuration (TLS with a self-signed certificate, plain login, a passwd-file
user, a temporary Maildir). Skipped, saying why, when dovecot or openssl is not installed; the
Maildir tests carry the same assertions (tests/test_intake_mail.py)."""

from __future__ import annotations

import imaplib
import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from pathlib import Path

import mailkit
import pytest
from sqlmodel import col, select

from complaintctl.store.models import Complaint
from complaintctl.services.intake import mailbox as intake

pytestmark = pytest.mark.slow

PASSWORD = "imap-secret-7f3a"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def dovecot():
    binary = shutil.which("dovecot") or (
        "/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else None)
    if binary is None:
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd); the Maildir tests "
                    "carry the same assertions")
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: no certificate for the test IMAP server")
    root = Path(tempfile.mkdtemp(prefix="complaintctl-imap-"))
    os.chmod(root, 0o755)  # the mail user (not root) must reach its Maildir
    uid = os.getuid() if os.getuid() != 0 else 65534  # dovecot refuses to deliver as root
    gid = os.getgid() if os.getuid() != 0 else 65534
    (root / "mail").mkdir()
    if os.getuid() == 0:
        os.chown(root / "mail", uid, gid)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(root / "key.pem"), "-out", str(root / "cert.pem"), "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    (root / "passwd").write_text(f"intake:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{root / 'mail'}::\n")
    imaps, imap = _free_port(), _free_port()
    (root / "dovecot.conf").write_text(f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = yes
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = {root}/passwd
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {imap}
  }}
  inet_listener imaps {{
    port = {imaps}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
""")
    # the daemon keeps its output open: send it to a file, not to a pipe we would wait on
    with open(root / "start.log", "wb") as log:
        started = subprocess.run([binary, "-c", str(root / "dovecot.conf")],
                                 stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                 timeout=30)
    if started.returncode != 0:
        reason = (root / "start.log").read_text(errors="replace").strip()[:200]
        shutil.rmtree(root, ignore_errors=True)
        pytest.skip(f"dovecot did not start: {reason}")
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", imaps), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    try:
        yield {"root": root, "imaps": imaps, "imap": imap, "cafile": str(root / "cert.pem")}
    finally:
        pid = (root / "run" / "master.pid")
        if pid.exists():
            subprocess.run([binary, "-c", str(root / "dovecot.conf"), "stop"],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=30)
            for _ in range(100):
                if not pid.exists():
                    break
                time.sleep(0.05)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def folder(dovecot, monkeypatch):
    """A fresh folder holding the standard mailbox; the server's certificate trusted."""
    monkeypatch.setenv("SSL_CERT_FILE", dovecot["cafile"])
    name = f"T{time.monotonic_ns()}"
    client = _client(dovecot)
    client.create(name)
    for _label, raw in mailkit.corpus():
        status, _data = client.append(name, None, None, raw)
        assert status == "OK"
    client.logout()
    return name


def _client(dovecot):
    client = imaplib.IMAP4_SSL("localhost", dovecot["imaps"],
                               ssl_context=ssl.create_default_context(cafile=dovecot["cafile"]))
    client.login("intake", PASSWORD)
    return client


def _flags(dovecot, folder) -> list[str]:
    client = _client(dovecot)
    client.select(folder, readonly=True)
    _status, data = client.fetch("1:*", "(FLAGS)")
    client.logout()
    return [item.decode() for item in data if item]


def _url(dovecot, folder, scheme="imaps", port=None):
    return f"{scheme}://intake@localhost:{port or dovecot[scheme]}/{folder}"


def test_imap_intake_registers_marks_after_commit_and_is_idempotent(seeded, dovecot, folder):
    environ = {"COMPLAINTCTL_IMAP_PASSWORD": PASSWORD}
    summary = intake.run_mail(database=seeded, username="clerk",
                              imap=_url(dovecot, folder), environ=environ)
    assert summary.counts == mailkit.EXPECTED
    assert summary.source == f"imaps://intake@localhost:{dovecot['imaps']}/{folder}"
    flags = _flags(dovecot, folder)
    taken = [f for f in flags if "$Complaintctl" in f]
    assert len(taken) == 9 and all("\\Seen" in f for f in taken)  # the malformed one: queued
    with seeded.session() as session:
        stored = session.exec(select(Complaint).order_by(col(Complaint.id))).all()
    assert [c.summary for c in stored][:2] == ["信用卡年费重复扣收", "Disputed transfer of 5,000 CNY"]
    assert stored[3].description == f"我是朱{mailkit.GBK_ONLY}，理财产品到期未兑付。\n请尽快处理。"

    again = intake.run_mail(database=seeded, username="clerk", imap=_url(dovecot, folder),
                            environ=environ)
    assert (again.counts["read"], again.counts["registered"]) == (0, 0)
    everything = intake.run_mail(database=seeded, username="clerk", imap=_url(dovecot, folder),
                                 environ=environ, include_seen=True)
    assert (everything.counts["duplicates"], everything.counts["registered"]) == (7, 0)


def test_imap_crash_between_commit_and_marking_never_duplicates(seeded, dovecot, folder,
                                                                  monkeypatch):
    from complaintctl.services.intake.mail.sources import ImapSource

    class Crash(BaseException):
        pass

    environ = {"COMPLAINTCTL_IMAP_PASSWORD": PASSWORD}
    monkeypatch.setattr(ImapSource, "mark_taken",
                        lambda self, key: (_ for _ in ()).throw(Crash()))
    with pytest.raises(Crash):
        intake.run_mail(database=seeded, username="clerk", imap=_url(dovecot, folder),
                        environ=environ)
    assert not any("$Complaintctl" in f for f in _flags(dovecot, folder))
    monkeypatch.undo()
    monkeypatch.setenv("SSL_CERT_FILE", dovecot["cafile"])
    summary = intake.run_mail(database=seeded, username="clerk", imap=_url(dovecot, folder),
                              environ=environ)
    assert summary.messages[0].result.value == "duplicate"
    assert summary.counts["registered"] == 5
    with seeded.session() as session:
        assert len(session.exec(select(Complaint)).all()) == 6


def test_a_dry_run_reads_without_marking(seeded, dovecot, folder):
    summary = intake.run_mail(database=seeded, username="clerk", imap=_url(dovecot, folder),
                              environ={"COMPLAINTCTL_IMAP_PASSWORD": PASSWORD}, dry_run=True)
    assert summary.counts == mailkit.EXPECTED
    assert not any("\\Seen" in f for f in _flags(dovecot, folder))  # BODY.PEEK: not even seen


def test_imap_with_starttls_and_the_cli(cli, dovecot, folder):
    result = cli("intake", "mail", "--imap", _url(dovecot, folder, "imap"), "--json",
                 as_="clerk", env={"COMPLAINTCTL_IMAP_PASSWORD": PASSWORD,
                                   "SSL_CERT_FILE": dovecot["cafile"]})
    assert result.exit_code == 0  # the malformed message is queued for review, not a failure
    data = json.loads(result.stdout)
    assert {k: data[k] for k in mailkit.EXPECTED} == mailkit.EXPECTED
    assert PASSWORD not in result.stdout + result.stderr


def _everything_stored(db) -> str:
    """Every cell of every table, as text."""
    from sqlalchemy import inspect, text

    with db.engine.connect() as conn:
        return "\n".join(
            repr(row) for table in inspect(conn).get_table_names()
            for row in conn.execute(text(f'SELECT * FROM "{table}"')))


def test_the_password_is_in_no_output_audit_event_or_table(cli, dovecot, folder):
    env = {"COMPLAINTCTL_IMAP_PASSWORD": PASSWORD, "SSL_CERT_FILE": dovecot["cafile"]}
    seen = []
    for args in (("--json",), (), ("--dry-run",)):
        run = cli("intake", "mail", "--imap", _url(dovecot, folder), *args, as_="clerk", env=env)
        assert run.exit_code in (0, 5), run.stderr
        seen += [run.stdout, run.stderr]
    wrong = cli("intake", "mail", "--imap", _url(dovecot, folder), as_="clerk",
                env={**env, "COMPLAINTCTL_IMAP_PASSWORD": PASSWORD + "-wrong"})
    assert wrong.exit_code == 1
    seen += [wrong.stdout, wrong.stderr]
    log = cli("audit", "log", "--format", "json", as_="aud")
    assert log.exit_code == 0, log.stderr
    runs = [e for e in json.loads(log.stdout) if e["action"] == "intake mail"]
    assert len(runs) == 2  # the two runs that changed something; the details name the source
    assert all(f"imaps://intake@localhost:{dovecot['imaps']}/{folder}" in json.dumps(e)
               for e in runs)
    stored = _everything_stored(cli.database)
    assert json.loads(seen[0])["registered"] == 6
    assert not [text for text in [*seen, log.stdout, stored] if PASSWORD in text]


def test_a_wrong_password_is_refused_without_showing_it(cli, dovecot, folder):
    result = cli("intake", "mail", "--imap", _url(dovecot, folder), as_="clerk",
                 env={"COMPLAINTCTL_IMAP_PASSWORD": "wrong-pw-123",
                      "SSL_CERT_FILE": dovecot["cafile"]})
    assert result.exit_code == 1
    assert "The IMAP server refused the login of intake" in result.stderr
    assert "wrong-pw-123" not in result.stderr + result.stdout


def test_an_untrusted_certificate_is_refused(cli, dovecot, folder, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    result = cli("intake", "mail", "--imap", _url(dovecot, folder), as_="clerk",
                 env={"COMPLAINTCTL_IMAP_PASSWORD": PASSWORD})
    assert result.exit_code == 1
    assert "Can't reach the IMAP server" in result.stderr
    assert "CERTIFICATE_VERIFY_FAILED" in result.stderr


def test_a_missing_folder_is_named(cli, dovecot, folder):
    result = cli("intake", "mail", "--imap", _url(dovecot, "NoSuchFolder"), as_="clerk",
                 env={"COMPLAINTCTL_IMAP_PASSWORD": PASSWORD, "SSL_CERT_FILE": dovecot["cafile"]})
    assert result.exit_code == 1
    assert "The IMAP server has no folder NoSuchFolder" in result.stderr


def test_a_chinese_folder_name(seeded, dovecot, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", dovecot["cafile"])
    from complaintctl.services.intake.mail.sources import imap_utf7

    client = _client(dovecot)
    client.create(imap_utf7("投诉"))
    client.append(imap_utf7("投诉"), None, None, mailkit.plain("<cn-folder@example.com>"))
    client.logout()
    summary = intake.run_mail(database=seeded, username="clerk",
                              imap=f"imaps://intake@localhost:{dovecot['imaps']}/%E6%8A%95%E8%AF%89",
                              environ={"COMPLAINTCTL_IMAP_PASSWORD": PASSWORD})
    assert [m.result.value for m in summary.messages] == ["registered"]


def test_the_receipt_is_the_internaldate_and_a_far_date_header_is_flagged(seeded, dovecot,
                                                                          monkeypatch):
    """The sender's Date says ten days ago; the server received it three hours ago."""
    monkeypatch.setenv("SSL_CERT_FILE", dovecot["cafile"])
    name = f"R{time.monotonic_ns()}"
    delivered = mailkit.when(0.125).replace(second=0)
    client = _client(dovecot)
    client.create(name)
    client.append(name, None, imaplib.Time2Internaldate(delivered.timestamp()),
                  mailkit.plain("<backdated@example.com>", date=mailkit.when(10)))
    client.logout()
    summary = intake.run_mail(database=seeded, username="clerk", imap=_url(dovecot, name),
                              environ={"COMPLAINTCTL_IMAP_PASSWORD": PASSWORD})
    [message] = summary.messages
    assert (message.result.value, message.receipt) == ("registered", "imap-internaldate")
    assert message.date_off_hours == pytest.approx(-(10 - 0.125) * 24, abs=0.1)
    with seeded.session() as session:
        complaint = session.exec(select(Complaint)).one()
    assert complaint.received_at == delivered

