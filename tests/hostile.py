"""Hostile and malformed import files, made by code (issue 7, item 8), and the checks every
import of one must pass: our own error or success, never a traceback, nothing half written."""

from __future__ import annotations

import json
from dataclasses import dataclass

HEADER = ["channel", "customer_name", "summary", "description"]

#: text that must be stored and shown literally
MARKUP = ["[red]alarm[/red]", "[link=http://evil.example]click[/link]", "[bold", "[/]",
          "<script>alert(1)</script>", "{number} {0} %s %(x)s"]
SQL = ["'; DROP TABLE complaint; --", "Robert'); DELETE FROM event;--", "1 OR 1=1",
       "\" OR \"\"=\"", "x' UNION SELECT personal FROM event --"]

_BODIES = ["1+1", "SUM(1,1)", "cmd|' /C calc'!A0", 'HYPERLINK("http://evil.example","x")',
           'IMPORTXML("http://evil.example","//a")', 'WEBSERVICE("http://evil.example")',
           "2+5+cmd|' /C calc'!A0", 'EXEC("calc")', "1-1", "A1"]


def formula_payloads() -> list[str]:
    """Cells a spreadsheet would run (OWASP CSV injection): every dangerous first character
    before every body, and a few classics; 60 in all."""
    payloads = [lead + body for lead in "=+-@" for body in _BODIES]
    payloads += ["=1+1\t", "-2+3+cmd|' /C calc'!A0", "+HYPERLINK(\"x\")", "@SUM(A1:A2)",
                 "=cmd|'/c notepad'!'A1'", "-=1", "+=1", "@=1", "==1", "=@SUM(1)",
                 "=\"\"=1", "-0", "+1", "=TRUE", "\t=1+1", "=A1&A2", "\r=1+1", "\t@SUM(1)", "=1e3",
                 "=DDE(\"cmd\";\"/C calc\";\"x\")"]
    return payloads


def csv_bytes(rows: list[list[str]], *, header=HEADER, encoding="utf-8", newline="\n") -> bytes:
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    expect: str  # "ok": imported (exit 0); "refused": exit 1-5, nothing written; "either"
    stored: str | None = None  # the summary the first row must be stored with


def corpus() -> list[Case]:
    row = ["phone", "张伟", "信用卡年费重复扣收", "客户称年费被扣收两次"]
    long = "长" * 100_000
    cases = [
        Case("bom.csv", b"\xef\xbb\xbf" + csv_bytes([row]), "ok", row[2]),
        Case("gb18030.csv", csv_bytes([row], encoding="gb18030"), "ok", row[2]),
        Case("gbk.csv", csv_bytes([row], encoding="gbk"), "ok", row[2]),
        Case("utf16.csv", csv_bytes([row], encoding="utf-16"), "ok", row[2]),
        Case("utf16be-bom.csv", b"\xfe\xff" + csv_bytes([row], encoding="utf-16-be"), "ok",
             row[2]),
        Case("utf16-no-bom.csv", csv_bytes([row], encoding="utf-16-le"), "refused"),
        Case("nul.csv", csv_bytes([["phone", "x", "a\x00b", ""]]), "refused"),
        Case("nul-after-good-rows.csv", csv_bytes([row] * 5 + [["phone", "x", "y\x00", ""]]),
             "refused"),
        Case("newlines.csv", csv_bytes([["phone", "x", "first\nsecond\r\nthird", "a\rb"]],
                                       newline="\r\n"), "ok", "first\nsecond\r\nthird"),
        Case("bare-cr.csv", csv_bytes([["phone", "x", "y", "a\rb"]]), "refused"),
        Case("crlf-and-lf.csv", csv_bytes([row, row], newline="\r\n") + b"phone,x,y,\n", "ok",
             row[2]),
        Case("field-100k.csv", csv_bytes([["phone", "x", "long description", long]]), "ok",
             "long description"),
        Case("summary-100k.csv", csv_bytes([["phone", "x", long, ""]]), "either"),
        Case("name-100k.csv", csv_bytes([["phone", long, "y", ""]]), "either"),
        Case("cut-off-quote.csv", csv_bytes([row]) + b'phone,x,"never closed\n', "refused"),
        Case("stray-quote.csv", csv_bytes([row]) + b'phone,x,a "b" c,d\n', "either"),
        Case("extra-fields.csv", csv_bytes([row]) + b"phone,x,y,z,extra\n", "refused"),
        Case("markup.csv", csv_bytes([["phone", m, m, m] for m in MARKUP]), "ok", MARKUP[0]),
        Case("sql.csv", csv_bytes([["phone", s, s, s] for s in SQL]), "ok", SQL[0]),
        Case("formulas.csv", csv_bytes([["phone", f, f, f] for f in formula_payloads()],
                                       newline="\r\n"), "ok"),
        Case("escape-codes.csv", csv_bytes([["\x1b[2J\x1b]0;owned\x07phone", "x", "y", ""]]),
             "refused"),
        Case("binary.csv", bytes(range(256)) * 64, "refused"),
        Case("png.csv", b"\x89PNG\r\n\x1a\n" + bytes(200), "refused"),
        Case("empty.csv", b"", "refused"),
        Case("blank-lines.csv", b"\n\n\r\n   \n", "refused"),
        Case("header-only.csv", csv_bytes([]), "either"),
        Case("latin1.csv", csv_bytes([["phone", "Zoë Müller", "Gebühr", ""]],
                                     encoding="latin-1"), "either"),
        Case("deep.jsonl", ("[" * 100_000 + "]" * 100_000 + "\n").encode(), "refused"),
        Case("deep-value.jsonl", _jsonl({"tags": "[" * 5000}), "either"),
        Case("deep-list.jsonl", (json.dumps(_record())[:-1] + ', "tags": ' + "[" * 900
                                 + "]" * 900 + "}\n").encode(), "either"),
        Case("big-number.jsonl", (json.dumps(_record())[:-1] + ', "amount": ' + "9" * 5000
                                  + "}\n").encode(), "refused"),
        Case("lone-surrogate.jsonl", b'{"channel": "phone", "customer": {"name": "x"}, '
             b'"summary": "a\\ud800b"}\n', "refused"),
        Case("lone-surrogate-2nd.jsonl", _jsonl(_record()) + b'{"channel": "phone", '
             b'"customer": {"name": "x"}, "summary": "a\\udfffb"}\n', "refused"),
        Case("nul.jsonl", _jsonl(_record(summary="a\x00b")), "refused"),
        Case("not-objects.jsonl", b"1\n[]\n\"x\"\nnull\n", "refused"),
        Case("truncated.json", b'[{"channel": "phone", "customer": {"name": "x"}, "summ',
             "refused"),
        Case("deep.json", ("[" + "[" * 100_000 + "]" * 100_000 + "]").encode(), "refused"),
        Case("big-number.json", ("[" + json.dumps(_record())[:-1] + ', "amount": '
                                 + "9" * 5000 + "}]").encode(), "refused"),
        Case("wrong-types.jsonl", _jsonl({"channel": 7, "customer": [1], "summary": {"a": 1},
                                          "tags": 5, "group_size": "many"}), "refused"),
    ]
    return cases


def _record(**fields) -> dict:
    return {"channel": "phone", "customer": {"name": "x"}, "summary": "y", **fields}


def _jsonl(*records: dict) -> bytes:
    return b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records)


def counts(db) -> dict[str, int]:
    """Rows that an import writes, and change events (refusals are recorded by design)."""
    from sqlalchemy import text

    with db.engine.connect() as conn:
        return {
            "complaints": conn.execute(text("SELECT COUNT(*) FROM complaint")).scalar(),
            "batches": conn.execute(text("SELECT COUNT(*) FROM import_batch")).scalar(),
            "changes": conn.execute(text(
                "SELECT COUNT(*) FROM event WHERE kind <> 'refusal'")).scalar(),
        }


def assert_clean_outcome(run, where: str, *, one_error: bool = True) -> None:
    """Our own outcome: exit 0, or exit 1-5 with one ``Error:`` line (or, with ``one_error``
    false, at least one: ``intake json`` lists every bad record); never a traceback, never an
    internal error, no raw control character that a terminal would act on."""
    output = run.stdout + run.stderr
    assert "Traceback" not in output, where
    assert "internal error" not in run.stderr, (where, run.stderr)
    assert "\x1b" not in run.stderr and "\x07" not in run.stderr, (where, run.stderr)
    assert run.exit_code in (0, 1, 2, 3, 4, 5), (where, run.exit_code, run.stderr)
    if run.exit_code != 0:
        errors = [line for line in run.stderr.splitlines() if line.startswith("Error: ")]
        assert len(errors) == 1 if one_error else errors, (where, run.stderr)
