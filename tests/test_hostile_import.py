"""Hostile input to the importer (issue 7, item 8): a corpus of malformed and hostile files made
by code, then Hypothesis fuzzing of CSV and JSON Lines. Only our own outcomes: exit 0, or exit
1-5 with one ``Error:`` line; never a traceback; a refused file writes nothing."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostile import HEADER, MARKUP, SQL, assert_clean_outcome, corpus, counts, csv_bytes
from importing import run_import

CASES = corpus()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_hostile_file_gets_our_own_outcome_and_a_refused_one_writes_nothing(cli, tmp_path,
                                                                               case):
    path = tmp_path / case.name
    path.write_bytes(case.data)
    before = counts(cli.database)
    run, summary = run_import(cli, path)
    assert_clean_outcome(run, case.name)
    after = counts(cli.database)
    if case.expect == "ok":
        assert run.exit_code == 0, run.stderr
    elif case.expect == "refused":
        assert run.exit_code in (1, 2, 5), (run.exit_code, run.stderr)
    if run.exit_code != 0:
        assert after == before
        assert len(run.stderr.strip().splitlines()) == 1, run.stderr
    else:
        assert after["complaints"] - before["complaints"] == summary["imported"]
        assert after["batches"] == before["batches"] + 1
    if case.stored is not None:
        shown = cli("show", summary["first_number"], "--format", "json", as_="aud")
        assert json.loads(shown.stdout)["summary"] == case.stored


def test_a_file_that_is_utf16_without_a_byte_order_mark_is_refused_with_a_hint(cli, tmp_path):
    path = tmp_path / "utf16.csv"
    path.write_bytes(csv_bytes([["phone", "x", "y", ""]], encoding="utf-16-le"))
    run, _summary = run_import(cli, path)
    assert run.exit_code == 5
    assert "NUL character" in run.stderr and "--encoding utf-16" in run.stderr


def test_json_nested_too_deeply_or_with_a_giant_number_is_named_as_such(cli, tmp_path):
    deep, big = tmp_path / "deep.jsonl", tmp_path / "big.json"
    deep.write_text("[" * 100_000 + "]" * 100_000 + "\n")
    big.write_text('[{"channel": "phone", "customer": {"name": "x"}, "summary": "y", '
                   '"amount": ' + "9" * 5000 + "}]")
    run, _s = run_import(cli, deep)
    assert (run.exit_code, run.stderr.strip()) == (
        5, "Error: Line 1: not valid JSON (nested too deeply); fix the file.")
    run, _s = run_import(cli, big)
    assert (run.exit_code, run.stderr.strip()) == (
        5, "Error: Line 1: the JSON array is broken (a number with too many digits); fix the "
           "file.")


def test_markup_and_sql_are_stored_and_shown_literally(cli, tmp_path):
    path = tmp_path / "literal.csv"
    path.write_bytes(csv_bytes([["phone", "x", text, text] for text in MARKUP + SQL]))
    run, summary = run_import(cli, path)
    assert run.exit_code == 0, run.stderr
    listed = json.loads(cli("list", "--format", "json", "--sort", "number", as_="aud").stdout)
    assert [c["summary"] for c in listed][-len(MARKUP + SQL):] == MARKUP + SQL
    table = cli("show", summary["first_number"], as_="aud")
    assert "[red]alarm[/red]" in table.stdout
    assert cli("audit", "verify", as_="aud").exit_code == 0


# --- fuzzing -----------------------------------------------------------------------------

EXAMPLES = int(os.environ.get("COMPLAINTCTL_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 40,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])

_nasty = st.sampled_from(["", " ", '"', '""', ",", "\n", "\r\n", "\r", "\x00", "\x1b[31m",
                          "\ufeff", "=1+1", "[red]", "'; DROP TABLE complaint; --",
                          "phone", "email", "CMP-2026-000001", "2026-13-45", "1,000.005",
                          "-1", "9" * 30, "长" * 50, "\u202e", "\udc80"])
_cell = st.one_of(_nasty, st.text(max_size=30), st.lists(_nasty, max_size=4).map("".join))
_columns = st.lists(st.sampled_from(HEADER + ["status", "amount", "tags", "received_at",
                                              "group_size", "priority", "closed_at",
                                              "satisfaction", "number", "remedies"]),
                    min_size=1, max_size=8, unique=True)


def _encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, "surrogateescape" if encoding == "utf-8" else "replace")


@st.composite
def _csv_files(draw) -> bytes:
    header = draw(_columns)
    rows = draw(st.lists(st.lists(_cell, min_size=len(header), max_size=len(header)),
                         max_size=5))
    sep = draw(st.sampled_from(["\n", "\r\n"]))
    text = ",".join(header) + sep
    for row in rows:
        quoted = draw(st.booleans())
        text += ",".join('"' + c.replace('"', '""') + '"' if quoted else c for c in row) + sep
    if draw(st.booleans()):
        text = text[: draw(st.integers(0, len(text)))]  # cut off anywhere
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "gb18030", "utf-16"]))
    return _encode(text, encoding)


_json = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | _cell,
                     lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(_cell, inner, max_size=3), max_leaves=10)
_records = st.fixed_dictionaries(
    {"channel": st.one_of(st.sampled_from(["phone", "email"]), _json),
     "customer": st.one_of(st.fixed_dictionaries({"name": _cell}), _json),
     "summary": _json},
    optional={"amount": _json, "tags": _json, "received_at": _json, "priority": _json,
              "status": _json})


def _check_import(cli, tmp_path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    before = counts(cli.database)
    run, summary = run_import(cli, path)
    assert_clean_outcome(run, repr(data[:300]))
    after = counts(cli.database)
    if run.exit_code == 0:
        assert after["complaints"] - before["complaints"] == summary["imported"]
    else:
        assert after == before, repr(data[:300])


@FUZZ
@given(data=_csv_files())
def test_fuzzed_csv_files_get_our_own_outcome(cli, tmp_path, data):
    _check_import(cli, tmp_path, "fuzz.csv", data)


@FUZZ
@given(records=st.lists(_records | _json, min_size=1, max_size=4),
       array=st.booleans(), cut=st.integers(0, 10_000))
def test_fuzzed_json_files_get_our_own_outcome(cli, tmp_path, records, array, cut):
    if array:
        text = json.dumps(records, ensure_ascii=False)
        text = text[: max(1, len(text) - cut % 5)]  # sometimes cut off near the end
    else:
        text = "".join(json.dumps(r, ensure_ascii=cut % 2 == 0) + "\n" for r in records)
    _check_import(cli, tmp_path, "fuzz.json" if array else "fuzz.jsonl",
                  text.encode("utf-8", "surrogatepass"))


JSON_CASES = [c for c in CASES if c.name.endswith((".json", ".jsonl"))] + [
    c for c in CASES if c.name in ("binary.csv", "gb18030.csv", "utf16-no-bom.csv", "png.csv")]


@pytest.mark.parametrize("command", [["intake", "json"], ["register", "--json"]])
@pytest.mark.parametrize("case", JSON_CASES, ids=[c.name for c in JSON_CASES])
def test_hostile_files_to_the_platform_intake_get_our_own_outcome(cli, tmp_path, command, case):
    """The online platform's way in (register --json, intake json) takes the same files: found
    a file that is not UTF-8, JSON nested too deeply and a 5,000-digit number were internal
    errors."""
    path = tmp_path / case.name
    path.write_bytes(case.data)
    before = counts(cli.database)
    run = cli(*command, str(path), as_="clerk")
    assert_clean_outcome(run, case.name, one_error=command[0] != "intake")
    if run.exit_code != 0:
        assert counts(cli.database) == before
