"""Files as they come: encodings, byte order marks, JSON, JSON Lines, standard input, native
CSV, TOML mappings."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from importing import CFPB, count, csv_text, run_import, stored

from complaintctl.services.intake.reading.source import detect_encoding
from complaintctl.store.models import Complaint
from complaintctl.domain.records import CSV_COLUMNS

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NATIVE = [
    ["channel", "customer_name", "customer_phone", "summary", "description", "amount", "tags",
     "received_at", "external_ref", "branch"],
    ["phone", "张伟", "13812345678", "信用卡年费重复扣收", "客户称年费被扣两次，要求退还。", "300",
     "elderly;repeat", "2026-03-04 09:30", "OLD-1", "BJ01"],
    ["counter", "李娜", "13900001111", "柜台排队时间过长", "", "", "", "2026-03-05", "OLD-2", "BJ01"],
]


def test_gb18030_files_are_read_when_they_decode_cleanly(cli, tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes(csv_text(NATIVE[0], NATIVE[1:]).encode("gb18030"))
    run, summary = run_import(cli, path)
    assert run.exit_code == 0, run.stderr
    assert summary["encoding"] == "gb18030" and summary["imported"] == 2
    rows = stored(cli.database)
    assert rows[0]["customer_name"] == "张伟" and rows[0]["summary"] == "信用卡年费重复扣收"


def test_a_gb18030_file_s_rejects_are_utf8_with_a_bom_and_import_once_fixed(cli, tmp_path):
    """Chinese Excel writes GB18030 and reads a CSV without a byte order mark as GB18030 too:
    the rejects file carries the mark, so its Chinese shows right there, and imports again."""
    path, rejects = tmp_path / "gbk.csv", tmp_path / "rejects.csv"
    bad = [*NATIVE[2][:7], "2026-03-0x", *NATIVE[2][8:]]
    path.write_bytes(csv_text(NATIVE[0], [NATIVE[1], bad]).encode("gb18030"))
    run, summary = run_import(cli, path, "--max-errors", "1", "--rejects", str(rejects))
    assert run.exit_code == 0, run.stderr
    assert (summary["encoding"], summary["imported"], summary["rejected"]) == ("gb18030", 1, 1)
    data = rejects.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data[3:].decode("utf-8").splitlines()
    assert lines[0] == ",".join(NATIVE[0]) + ",line,reason"
    assert lines[1].startswith("counter,李娜,13900001111,柜台排队时间过长,")
    (tmp_path / "fixed.csv").write_bytes(data.replace(b"2026-03-0x", b"2026-03-05"))
    run, summary = run_import(cli, tmp_path / "fixed.csv")
    assert run.exit_code == 0, run.stderr
    assert (summary["encoding"], summary["imported"]) == ("utf-8-sig", 1)
    assert [r["summary"] for r in stored(cli.database)] == ["信用卡年费重复扣收", "柜台排队时间过长"]


def test_utf8_with_a_byte_order_mark_reads_the_header_and_the_text(cli, tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + csv_text(NATIVE[0], NATIVE[1:], newline="\r\n").encode())
    run, summary = run_import(cli, path)
    assert run.exit_code == 0, run.stderr
    assert summary["encoding"] == "utf-8-sig" and summary["imported"] == 2
    assert stored(cli.database)[0]["channel"] == "phone"


def test_a_file_in_neither_utf8_nor_gb18030_is_refused_naming_encoding(cli, tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("channel,customer_name,summary\nphone,Ren\xe9e \xe0 l'\xe9cole,x\xff\n"
                     .encode("latin-1"))
    run = cli("import", str(path))
    assert run.exit_code == 5
    assert run.stderr.strip() == (
        "Error: The file is neither UTF-8 nor GB18030; pass --encoding with its encoding "
        "(e.g. --encoding big5 or --encoding latin-1).")
    run, summary = run_import(cli, path, "--encoding", "latin-1")
    assert run.exit_code == 0, run.stderr
    assert stored(cli.database)[0]["customer_name"] == "Renée à l'école"


def test_encoding_detection_prefers_utf8_and_never_guesses_gb18030_on_broken_bytes():
    assert detect_encoding("投诉".encode(), None, final=True) == "utf-8"
    assert detect_encoding("投诉".encode("gb18030"), None, final=True) == "gb18030"
    assert detect_encoding(b"\xef\xbb\xbfa", "utf-8", final=True) == "utf-8-sig"
    # a sample cut inside a UTF-8 character is still UTF-8
    assert detect_encoding("投诉".encode()[:-1], None, final=False) == "utf-8"
    with pytest.raises(Exception, match="--encoding"):
        detect_encoding(b"abc\x80\xff", None, final=True)


def test_json_arrays_and_json_lines_import_like_csv(cli, tmp_path):
    objects = [dict(zip(NATIVE[0], row)) for row in NATIVE[1:]]
    (tmp_path / "a.json").write_text(json.dumps(objects, ensure_ascii=False, indent=2))
    run, summary = run_import(cli, tmp_path / "a.json")
    assert run.exit_code == 0, run.stderr
    assert summary["format"] == "json:native" and summary["imported"] == 2
    jsonl = "\n".join(json.dumps(o, ensure_ascii=False) for o in objects) + "\n\n"
    (tmp_path / "b.jsonl").write_text(jsonl)
    run, summary = run_import(cli, tmp_path / "b.jsonl")
    assert summary["format"] == "jsonl:native" and summary["skipped"] == 2  # same keys


def test_a_json_array_element_that_is_not_an_object_is_rejected_with_its_line(cli, tmp_path):
    objects = [dict(zip(NATIVE[0], row)) for row in NATIVE[1:]]
    text = json.dumps(objects, ensure_ascii=False, indent=1)
    text = text[:-1] + ",\n 42\n]"
    (tmp_path / "a.json").write_text(text)
    run, summary = run_import(cli, tmp_path / "a.json", "--format", "json")
    assert run.exit_code == 5
    assert summary["errors"] == [{"line": text.count("\n"), "reason": "not a JSON object"}]
    assert count(cli.database, Complaint) == 0


def test_list_json_output_imports_back_through_stdin(cli):
    cli("register", "--channel", "email", "--customer", "王芳", "--summary", "理财风险未告知",
        "--external-ref", "E-1", as_="clerk")
    listed = cli("list", "--format", "json")
    before = count(cli.database, Complaint)
    run, summary = run_import(cli, "-", "--format", "json", input=listed.stdout)
    assert run.exit_code == 0, run.stderr
    assert summary["file"] == "<stdin>" and summary["skipped"] == 1
    assert count(cli.database, Complaint) == before


def test_native_csv_from_list_imports_into_another_database(cli, tmp_path):
    from conftest import Cli

    for ref in ("N-1", "N-2"):
        cli("register", "--channel", "phone", "--customer", "张伟", "--summary", "年费 =1+1",
            "--phone", "13812345678", "--external-ref", ref, "--tag", "repeat", as_="clerk")
    exported = cli("list", "--format", "csv", "--unmask", as_="sup")
    path = tmp_path / "native.csv"
    path.write_text(exported.stdout)
    other_db = _fresh(tmp_path / "other.db")
    other = Cli(other_db)
    run, summary = run_import(other, path)
    assert run.exit_code == 0, run.stderr
    assert summary["format"] == "native" and summary["imported"] == 2
    a, b = stored(cli.database), stored(other_db)
    for mine, theirs in zip(a, b, strict=True):
        for key in ("channel", "customer_name", "customer_phone", "summary", "external_ref",
                    "branch", "priority", "status", "received_at"):
            assert mine[key] == theirs[key], key
    assert set(CSV_COLUMNS) >= {"number", "customer_name"}


def test_the_examples_native_sample_imports(cli):
    run, summary = run_import(cli, EXAMPLES / "complaints_native.csv")
    assert run.exit_code == 0, run.stderr
    assert summary["rejected"] == 0 and summary["imported"] >= 5
    assert any("张" in r["customer_name"] or "王" in r["customer_name"]
               for r in stored(cli.database))


def test_the_examples_mapping_imports_the_branch_spreadsheet(cli, tmp_path):
    run, summary = run_import(cli, EXAMPLES / "bank_export.csv", "--mapping",
                              str(EXAMPLES / "bank_mapping.toml"))
    assert run.exit_code == 0, run.stderr
    assert summary["format"] == "mapping" and summary["source"] == "bj01-branch-xls"
    assert summary["rejected"] == 0 and summary["imported"] >= 4
    rows = stored(cli.database)
    assert {r["branch"] for r in rows} == {"BJ01"}
    assert {r["channel"] for r in rows} <= {"counter", "phone", "online", "letter", "email"}
    assert all(r["external_ref"] for r in rows)
    run, summary = run_import(cli, EXAMPLES / "bank_export.csv", "--mapping",
                              str(EXAMPLES / "bank_mapping.toml"))
    assert summary["imported"] == 0 and summary["skipped"] == len(rows)


def test_a_mapping_with_an_unknown_field_is_refused_naming_it(cli, tmp_path):
    mapping = tmp_path / "m.toml"
    mapping.write_text('[columns]\n"Name" = "customer"\n"What" = "complaint_text"\n')
    (tmp_path / "f.csv").write_text("Name,What\nA,B\n")
    run = cli("import", str(tmp_path / "f.csv"), "--mapping", str(mapping))
    assert run.exit_code == 2
    assert "maps column 'What' to 'complaint_text', which is not a field" in run.stderr


def test_a_mapping_with_values_defaults_date_format_and_key(cli, tmp_path):
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        'key = "Ref"\nsource = "callcentre"\ndate_format = "%d.%m.%Y"\n'
        '[columns]\n"Kunde" = "customer"\n"Kanal" = "channel"\n"Betreff" = "summary"\n'
        '"Datum" = "received_at"\n'
        '[values.channel]\n"Telefon" = "phone"\n"Filiale" = "counter"\n'
        '[defaults]\nbranch = "BJ01"\ncurrency = "EUR"\n')
    (tmp_path / "f.csv").write_text("Ref,Kunde,Kanal,Betreff,Datum\n"
                                    "R1,Anna,Telefon,Gebühr doppelt,03.04.2025\n"
                                    "R2,Ben,filiale,Wartezeit,25.12.2025\n")
    run, summary = run_import(cli, tmp_path / "f.csv", "--mapping", str(mapping))
    assert run.exit_code == 0, run.stderr
    rows = stored(cli.database)
    assert [(r["external_ref"], r["channel"], r["currency"], r["branch"]) for r in rows] == [
        ("R1", "phone", "EUR", "BJ01"), ("R2", "counter", "EUR", "BJ01")]
    assert rows[0]["received_at"].astimezone().date().isoformat() in ("2025-04-02", "2025-04-03")
    assert rows[0]["external_source"] == "callcentre"


def _fresh(path):
    from complaintctl.store.db import Database, resolve_url
    from complaintctl.services.admin import staff

    db = Database(resolve_url(str(path)))
    db.create()
    with db.session(write=True) as session:
        staff.init_admin(session=session, username="admin", name="Admin")
    from conftest import widen_late_window

    return widen_late_window(db)


def test_stdin_dash_reads_csv(cli):
    run, summary = run_import(cli, "-", input=CFPB.read_text())
    assert run.exit_code == 0, run.stderr
    assert summary["imported"] == 6 and summary["file"] == "<stdin>"
    assert len(summary["sha256"]) == 64


def test_the_batch_records_the_files_sha256(cli, tmp_path):
    import hashlib

    path = tmp_path / "c.csv"
    shutil.copy(CFPB, path)
    run, summary = run_import(cli, path)
    assert summary["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    listed = json.loads(cli("import", "list", "--format", "json").stdout)
    assert listed[0]["sha256"] == summary["sha256"] and listed[0]["file"] == "c.csv"
    assert (listed[0]["read"], listed[0]["imported"], listed[0]["by"]) == (6, 6, "admin")
