"""Files and secrets (issue 7, item 10): the database (and its -wal/-shm files), the evidence
store, backups and every file written with -o are readable by their owner only; evidence
paths cannot escape the store; an SMTP password appears nowhere."""

from __future__ import annotations

import os
import socket
import sqlite3
import stat
from pathlib import Path

import pytest

from complaintctl.errors import InvalidData
from complaintctl.infra.evidence import EvidenceStore

pytestmark = pytest.mark.sqlite_only("file modes of SQLite files and files beside them")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask():
    """The most common umask (022: new files world-readable unless we say otherwise)."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def _register(cli) -> str:
    run = cli("register", "--channel", "phone", "--customer", "张伟", "--phone", "13812345678",
              "--summary", "年费重复扣收", "--branch", "BJ01", as_="clerk")
    assert run.exit_code == 0, run.stderr
    return run.stdout.strip()


def test_a_new_database_its_wal_and_shm_and_its_directory_are_owner_only(tmp_path, open_umask):
    from conftest import Cli

    from complaintctl.store.db import Database, resolve_url

    path = tmp_path / "new" / "complaints.db"
    cli = Cli(Database(resolve_url(str(path))))
    assert cli("init", "--admin", "admin", "--name", "Admin").exit_code == 0
    assert (mode(path), mode(path.parent)) == (0o600, 0o700)
    conn = sqlite3.connect(path)  # a writer holds the WAL open
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO setting (key, value) VALUES ('x', 'y')")
    wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
    try:
        assert wal.exists() and shm.exists()
        assert (mode(wal), mode(shm)) == (0o600, 0o600)
    finally:
        conn.rollback()
        conn.close()


def test_the_evidence_store_and_its_files_are_owner_only(cli, tmp_path, open_umask):
    number = _register(cli)
    cli("assign", number, "--to", "h1", as_="sup")
    statement = tmp_path / "statement.pdf"
    statement.write_bytes(b"%PDF statement")
    assert cli("evidence", "add", number, str(statement), as_="h1").exit_code == 0
    store = cli.database.evidence_dir
    (kept,) = [p for p in store.rglob("*") if p.is_file()]
    assert (mode(store), mode(kept.parent), mode(kept)) == (0o700, 0o700, 0o600)


def test_backups_and_their_evidence_copy_are_owner_only_and_follow_no_link(
        cli, tmp_path, open_umask):
    number = _register(cli)
    cli("assign", number, "--to", "h1", as_="sup")
    statement = tmp_path / "statement.pdf"
    statement.write_bytes(b"%PDF statement")
    assert cli("evidence", "add", number, str(statement), as_="h1").exit_code == 0
    outside = tmp_path / "outside.txt"
    outside.write_text("not evidence")
    os.symlink(outside, cli.database.evidence_dir / "planted")
    dest = tmp_path / "backups" / "copy.db"
    run = cli("db", "backup", str(dest))
    assert run.exit_code == 0, run.stderr
    copy = dest.with_name("copy.db.evidence")
    files = sorted(p for p in copy.rglob("*") if p.is_file())
    assert mode(dest) == 0o600 and mode(copy) == 0o700
    assert [mode(p) for p in files] == [0o600] and files[0].read_bytes() == b"%PDF statement"
    assert not (copy / "planted").exists()


def test_every_file_written_with_o_is_owner_only(cli, tmp_path, open_umask):
    number = _register(cli)
    bad = tmp_path / "bad.csv"
    bad.write_text("channel,customer_name,summary\nnowhere,张伟,年费\nphone,李娜,转账\n",
                   encoding="utf-8")
    runs = {
        "export.csv": ("export", "--format", "csv", "-o", "{out}"),
        "export.xlsx": ("export", "--format", "xlsx", "-o", "{out}"),
        "report.html": ("report", "summary", "--format", "html", "-o", "{out}"),
        "report.xlsx": ("report", "summary", "--format", "xlsx", "-o", "{out}"),
        "report.json": ("report", "summary", "--format", "json", "-o", "{out}"),
        "anchor.json": ("audit", "anchor", "-o", "{out}"),
        "codes.toml": ("rootcause", "export-codes", "{out}"),
        "plan.toml": ("plan", "init", "{out}"),
        "rejects.csv": ("import", "file", str(bad), "--rejects", "{out}", "--max-errors", "5"),
    }
    for name, args in runs.items():
        out = tmp_path / name
        run = cli(*[a.replace("{out}", str(out)) for a in args])
        assert out.exists(), (name, run.exit_code, run.stderr)
        assert mode(out) == 0o600, name
    assert cli("notify", "send").exit_code == 0  # no SMTP: the log file beside the database
    log = Path(f"{cli.database.path}.notifications.log")
    assert number and log.exists() and mode(log) == 0o600


# --- evidence paths ----------------------------------------------------------------------------


def test_evidence_names_cannot_name_a_path_and_land_in_the_store(tmp_path):
    store = EvidenceStore(tmp_path / "store")
    for name, listed in (("../../etc/passwd", "passwd"), ("/etc/shadow", "shadow"),
                         ("C:\\Windows\\x.pdf", "x.pdf"), ("..", "unnamed"),
                         ("a\x00b\n.pdf", "ab.pdf")):
        kept = store.put_bytes(name.encode(), name)
        assert kept.filename == listed
        assert store.path_for(kept.sha256).resolve().is_relative_to((tmp_path / "store").resolve())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]  # nothing beside it
    for digest in ("../" + "a" * 61, "/etc/passwd", "A" * 64, "a" * 63):
        with pytest.raises(InvalidData):
            store.path_for(digest)


def test_a_symbolic_link_planted_in_the_store_is_refused_and_not_written_through(tmp_path):
    store = EvidenceStore(tmp_path / "store")
    data = b"customer statement"
    import hashlib

    digest = hashlib.sha256(data).hexdigest()
    (tmp_path / "store").mkdir(mode=0o700)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere, tmp_path / "store" / digest[:2])
    with pytest.raises(InvalidData) as refused:
        store.put_bytes(data, "s.pdf")
    assert "symbolic link" in str(refused.value)
    assert list(elsewhere.iterdir()) == []
    with pytest.raises(InvalidData):
        store.copy_out(digest, tmp_path / "out.pdf")


def test_evidence_add_refuses_a_symbolic_link_to_a_file(cli, tmp_path):
    number = _register(cli)
    cli("assign", number, "--to", "h1", as_="sup")
    target = tmp_path / "secret.txt"
    target.write_text("x")
    link = tmp_path / "link.pdf"
    os.symlink(target, link)
    run = cli("evidence", "add", number, str(link), as_="h1")
    assert (run.exit_code, run.stderr) == (
        5, f"Error: {link} is a symbolic link; give the file itself.\n")


# --- the SMTP password -------------------------------------------------------------------------

PASSWORD = "S3cret-Pw-7781"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _everything_stored(db) -> str:
    """Every cell of every table, as text."""
    from sqlalchemy import inspect, text

    with db.engine.connect() as conn:
        return "\n".join(
            repr(row) for table in inspect(conn).get_table_names()
            for row in conn.execute(text(f'SELECT * FROM "{table}"')))


def test_an_smtp_password_appears_in_no_output_log_error_or_audit_event(cli, tmp_path):
    _register(cli)
    assert cli("config", "set", "notify.max_attempts", "1").exit_code == 0  # no backoff waits
    url = f"smtp://bot:{PASSWORD}@127.0.0.1:{_free_port()}?timeout=1"
    seen = []
    for env in ({"COMPLAINTCTL_SMTP": url},
                {"COMPLAINTCTL_SMTP": f"smtp://bot:{PASSWORD}@127.0.0.1:notaport"},
                {"COMPLAINTCTL_SMTP": f"ftp://bot:{PASSWORD}@127.0.0.1"}):
        run = cli("notify", "send", env={**env, "COMPLAINTCTL_DEBUG": ""})
        assert run.exit_code in (1, 2), run.stderr
        seen += [run.stdout, run.stderr]
        for command in (("notify", "list", "--format", "json"), ("audit", "log", "--format", "json"),
                        ("config", "show")):
            listed = cli(*command, env=env)
            seen += [listed.stdout, listed.stderr]
    assert "Error: " in "".join(seen)
    seen.append(_everything_stored(cli.database))
    seen += [p.read_text(errors="replace") for p in Path(cli.database.path).parent.glob("*.log")]
    assert not [text for text in seen if PASSWORD in text]
