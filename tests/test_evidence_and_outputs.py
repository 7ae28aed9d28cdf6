"""Evidence is only ever a regular file, folders made for outputs are 0700, and formulas behind
whitespace or in full-width forms are neutralised (issue 23, point 5)."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import threading
from pathlib import Path

import pytest

from complaintctl.present.formulas import neutralise


@pytest.fixture
def open_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def assigned(cli) -> str:
    run = cli("register", "--channel", "phone", "--customer", "张伟", "--summary", "年费",
              as_="clerk")
    number = run.stdout.strip()
    cli("assign", number, "--to", "h1", as_="sup")
    return number


def _evidence(cli, number) -> list:
    return json.loads(cli("evidence", "list", number, "--format", "json", as_="h1").stdout)


def _kept_files(cli) -> list[Path]:
    store = cli.database.evidence_dir
    return [p for p in store.rglob("*") if p.is_file()] if store.exists() else []


REFUSAL = ("; only a regular file can be kept as evidence: copy what you mean to keep into a "
           "file first.\n")


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="no /proc here")
def test_proc_self_environ_is_refused_as_evidence(cli, assigned):
    run = cli("evidence", "add", assigned, "/proc/self/environ", as_="h1")
    assert (run.exit_code, run.stderr) == (
        5, "Error: /proc/self/environ is a view of the running system (/proc, /sys or /dev), "
           "not a document" + REFUSAL)
    assert _evidence(cli, assigned) == [] and _kept_files(cli) == []


@pytest.mark.skipif(not Path("/sys/kernel").exists(), reason="no /sys here")
def test_a_file_under_sys_is_refused_as_evidence(cli, assigned):
    target = next(p for p in Path("/sys/kernel").iterdir() if p.is_file() and os.access(p, os.R_OK))
    run = cli("evidence", "add", assigned, str(target), as_="h1")
    assert run.exit_code == 5 and "a view of the running system" in run.stderr
    assert _kept_files(cli) == []


def test_a_fifo_is_refused_at_once_and_never_read(cli, assigned, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = {}
    worker = threading.Thread(target=lambda: result.update(
        run=cli("evidence", "add", assigned, str(fifo), as_="h1")), daemon=True)
    worker.start()
    worker.join(20)
    assert not worker.is_alive(), "evidence add blocked on a named pipe"
    run = result["run"]
    assert (run.exit_code, run.stderr) == (5, f"Error: {fifo} is a named pipe (FIFO)" + REFUSAL)
    assert _evidence(cli, assigned) == [] and _kept_files(cli) == []


def test_a_device_is_refused_as_evidence(cli, assigned):
    run = cli("evidence", "add", assigned, "/dev/null", as_="h1")
    assert (run.exit_code, run.stderr) == (5, "Error: /dev/null is a device" + REFUSAL)


def test_a_symbolic_link_to_a_regular_file_is_refused_and_the_file_itself_is_kept(
        cli, assigned, tmp_path):
    real = tmp_path / "statement.pdf"
    real.write_bytes(b"%PDF statement")
    link = tmp_path / "link.pdf"
    link.symlink_to(real)
    run = cli("evidence", "add", assigned, str(link), as_="h1")
    assert (run.exit_code, run.stderr) == (
        5, f"Error: {link} is a symbolic link; give the file itself.\n")
    assert cli("evidence", "add", assigned, str(real), as_="h1").exit_code == 0
    assert [e["filename"] for e in _evidence(cli, assigned)] == ["statement.pdf"]
    (kept,) = _kept_files(cli)
    assert kept.read_bytes() == b"%PDF statement"


def test_every_folder_made_for_an_output_is_0700_under_umask_022(tmp_path, open_umask):
    from complaintctl.infra.files import private_dirs

    made = private_dirs(tmp_path / "a" / "b" / "c")
    assert [mode(p) for p in (tmp_path / "a", tmp_path / "a" / "b", made)] == [0o700] * 3
    os.chmod(tmp_path / "a", 0o750)  # an existing folder is left as it is
    private_dirs(tmp_path / "a" / "b" / "d")
    assert (mode(tmp_path / "a"), mode(tmp_path / "a" / "b" / "d")) == (0o750, 0o700)


def test_a_backup_into_new_folders_makes_each_of_them_0700(cli, tmp_path, open_umask):
    from conftest import BACKEND

    if BACKEND != "sqlite":
        pytest.skip("SQLite's file backup")
    dest = tmp_path / "backups" / "2026" / "12" / "complaints.db"
    run = cli("db", "backup", str(dest))
    assert run.exit_code == 0, run.stderr
    folders = [tmp_path / "backups", tmp_path / "backups" / "2026", dest.parent]
    assert [mode(p) for p in folders] == [0o700] * 3 and mode(dest) == 0o600


def test_a_new_database_in_new_folders_makes_each_of_them_0700(tmp_path, open_umask):
    from conftest import Cli

    from complaintctl.store.db import Database, resolve_url

    path = tmp_path / "x" / "y" / "complaints.db"
    cli = Cli(Database(resolve_url(str(path))))
    assert cli("init", "--admin", "admin", "--name", "Admin").exit_code == 0
    assert [mode(p) for p in (tmp_path / "x", path.parent)] == [0o700, 0o700]


# --- formulas ---------------------------------------------------------------------------------

#: (cell text, neutralised?) — whitespace before a trigger, full-width triggers, and cells that
#: only look alike
VARIANTS = [
    (" =1+1", True), ("  +SUM(A1)", True), ("\u00a0-2+3", True), ("\u3000@SUM(1)", True),
    ("\uff1d1+1", True), ("\uff0bSUM(A1)", True), ("\uff0d2+3", True), ("\uff20SUM(1)", True),
    (" \uff1dHYPERLINK(\"x\")", True), ("\t =1", True), ("=1", True),
    ("a =1", False), ("1 = 1", False), ("   ", False), ("信用卡＝年费", False), ("", False),
]


@pytest.mark.parametrize("text,dangerous", VARIANTS)
def test_formula_variants_are_neutralised_and_others_kept_exact(text, dangerous):
    assert neutralise(text) == ("'" + text if dangerous else text)


DESCRIPTIONS = [text for text, dangerous in VARIANTS if dangerous]


@pytest.fixture
def with_variants(cli) -> dict[str, str]:
    """A complaint per variant, the variant as its description: {number: description}."""
    made = {}
    for text in DESCRIPTIONS:
        run = cli("register", "--channel", "phone", "--customer", "张伟", "--summary", "年费",
                  "--description", text, as_="clerk")
        assert run.exit_code == 0, run.stderr
        made[run.stdout.strip()] = text
    return made


def _by_number(rows) -> dict[str, dict]:
    return {r["number"]: r for r in rows}


def test_csv_exports_and_list_csv_neutralise_the_variants(cli, with_variants):
    listed = {c["number"]: c for c in json.loads(cli("list", "--format", "json",
                                                     as_="aud").stdout)}
    for command in (["list", "--format", "csv"], ["export", "--format", "csv"]):
        text = cli(*command, as_="aud").stdout.lstrip("\ufeff")
        rows = _by_number(csv.DictReader(io.StringIO(text)))
        for number in with_variants:
            stored = listed[number]["description"]  # as stored (JSON is exact)
            assert rows[number]["description"] == "'" + stored, (command, stored)


def test_xlsx_export_neutralises_the_variants(cli, with_variants, tmp_path):
    from openpyxl import load_workbook

    listed = {c["number"]: c for c in json.loads(cli("list", "--format", "json",
                                                     as_="aud").stdout)}
    out = tmp_path / "out.xlsx"
    assert cli("export", "--format", "xlsx", "-o", str(out), as_="aud").exit_code == 0
    sheet = load_workbook(out).worksheets[0]
    header = [c.value for c in sheet[1]]
    rows = _by_number({h: c.value for h, c in zip(header, cells)}
                      for cells in sheet.iter_rows(min_row=2))
    for number in with_variants:
        assert rows[number]["description"] == "'" + listed[number]["description"]
    assert all(c.data_type != "f" for cells in sheet.iter_rows() for c in cells)


def test_the_fifo_check_needs_no_reader_on_the_other_end():
    """``open_regular`` opens without blocking: a FIFO with no writer is refused at once."""
    import tempfile

    from complaintctl.errors import InvalidData
    from complaintctl.infra.files import open_regular

    with tempfile.TemporaryDirectory() as folder:
        fifo = Path(folder) / "p"
        os.mkfifo(fifo)
        with pytest.raises(InvalidData):
            open_regular(fifo)
