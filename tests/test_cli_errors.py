"""Every exit code, with the exact sentence on stderr; --at checks; prompting only on a terminal;
and the one place that turns errors into exit codes."""

from __future__ import annotations

import json
import types
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

UTC = timezone.utc


def register(cli, *extra) -> str:
    run = cli("register", "--channel", "phone", "--customer", "张伟", "--summary", "年费", *extra,
              as_="clerk")
    assert run.exit_code == 0, run.stderr
    return run.stdout.strip()


def failed(run, code: int, message: str) -> None:
    assert (run.exit_code, run.stdout, run.stderr) == (code, "", f"Error: {message}\n")


def timeline(cli, number) -> list[str]:
    return [e["action"] for e in json.loads(cli("show", number, "--format", "json").stdout)["events"]]


def test_exit_0_ok(cli):
    n = register(cli)
    run = cli("note", n, "ok", as_="clerk")
    assert (run.exit_code, run.stdout, run.stderr) == (0, "", f"Note added to {n}.\n")


def test_exit_1_not_found(cli):
    failed(cli("show", "CMP-2026-999999"), 1,
           "No complaint CMP-2026-999999; check the number with `complaintctl list`.")
    failed(cli("assign", "cmp-2026-000404", "--to", "h1", as_="sup"), 1,
           "No complaint CMP-2026-000404; check the number with `complaintctl list`.")


def test_exit_1_for_a_missing_evidence_file(cli, tmp_path):
    n = register(cli)
    cli("assign", n, "--to", "h1", as_="sup")
    failed(cli("evidence", "add", n, str(tmp_path / "missing.pdf"), as_="h1"), 1,
           f"No file at {tmp_path / 'missing.pdf'}; check the path.")


#: a command given a folder where it reads a file: its exit code (what a missing file gives),
#: then what it says in English and in Chinese ({d}: the folder)
FOLDER_GIVEN = [
    (["import", "{d}"], 1,
     "{d} is a folder; give the file to import (or - to read standard input).",
     "{d} 是文件夹；请给出要导入的文件（或用 - 读取标准输入）。"),
    (["import", "{csv}", "--mapping", "{d}"], 2,
     "{d} is a folder; give the mapping file (TOML) to --mapping.",
     "{d} 是文件夹；请给 --mapping 一个映射文件（TOML）。"),
    (["evidence", "add", "{n}", "{d}"], 1,
     "{d} is a folder; give the file to keep as evidence.",
     "{d} 是文件夹；请给出要作为证据保存的文件。"),
    (["intake", "mail", "--mbox", "{d}"], 1,
     "{d} is a folder; give an mbox file to --mbox (a Maildir folder goes to --maildir).",
     "{d} 是文件夹；请给 --mbox 一个 mbox 文件（Maildir 文件夹请用 --maildir）。"),
    (["intake", "json", "{d}"], 2,
     "{d} is a folder; give a JSON Lines file or - for standard input.",
     "{d} 是文件夹；请给出 JSON Lines 文件，或用 - 表示标准输入。"),
    (["plan", "validate", "{d}"], 5, "{d} is a folder; give the plan file (TOML).",
     "{d} 是文件夹；请给出预案文件（TOML）。"),
    (["plan", "load", "{d}"], 5, "{d} is a folder; give the plan file (TOML).",
     "{d} 是文件夹；请给出预案文件（TOML）。"),
    (["drill", "run", "--scenario", "surge", "--level", "II", "--simulate", "--delays", "{d}"],
     5, "{d} is a folder; give the delays file (TOML) to --delays.",
     "{d} 是文件夹；请给 --delays 一个延迟文件（TOML）。"),
    (["config", "load", "{d}"], 2, "{d} is a folder; give the settings file (TOML).",
     "{d} 是文件夹；请给出设置文件（TOML）。"),
    (["rootcause", "load-codes", "{d}"], 1, "{d} is a folder; give the code table file (TOML).",
     "{d} 是文件夹；请给出代码表文件（TOML）。"),
    (["audit", "verify", "--anchor", "{d}"], 1,
     "{d} is a folder; give the anchor file that `complaintctl audit anchor` wrote.",
     "{d} 是文件夹；请给出由 `complaintctl audit anchor` 写出的锚点文件。"),
]


def _stored(cli) -> tuple:
    """What the commands above would store: complaints, events (with the evidence, imports,
    plans, drills and settings they record), plan versions and settings."""
    def read(*args):
        run = cli("--lang", "en", *args, "--format", "json")
        assert run.exit_code == 0, run.stderr
        return json.loads(run.stdout)

    complaints = [{k: v for k, v in c.items() if k not in ("seconds_left", "time_left", "urgency")}
                  for c in read("list")]  # less what is computed at the moment of reading
    return (complaints, read("audit", "log"), read("plan", "history"), read("config", "show"))


@pytest.mark.parametrize(("args", "code", "english", "chinese"), FOLDER_GIVEN,
                         ids=[" ".join(a[:2]) for a, *_ in FOLDER_GIVEN])
def test_a_folder_given_for_an_input_file_is_named_as_one_saying_what_to_give(
        cli, tmp_path, args, code, english, chinese):
    folder = tmp_path / "inbox"
    folder.mkdir()
    csv = tmp_path / "branch.csv"
    csv.write_text("number,summary\n", encoding="utf-8")
    n = register(cli)
    cli("assign", n, "--to", "h1", as_="sup")
    given = [a.format(d=folder, csv=csv, n=n) for a in args]
    _stored(cli)  # the first read of the plan stores the shipped one
    before = _stored(cli)
    run = cli("--lang", "en", *given)
    assert (run.exit_code, run.stdout, run.stderr) == (
        code, "", f"Error: {english.format(d=folder)}\n")
    run = cli("--lang", "zh", *given)
    assert (run.exit_code, run.stdout, run.stderr) == (
        code, "", f"错误：{chinese.format(d=folder)}\n")
    assert _stored(cli) == before  # nothing stored, nothing on the trail


def test_file_to_read_expands_the_home_and_names_the_path_as_given(tmp_path, monkeypatch):
    from complaintctl.infra.files import file_to_read

    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "d").mkdir()
    (tmp_path / "f.toml").write_text("x = 1\n", encoding="utf-8")
    kwargs = {"folder": "{path} is a folder", "missing": "no {path}", "error": ValueError}
    assert file_to_read("~/f.toml", **kwargs) == tmp_path / "f.toml"
    with pytest.raises(ValueError, match="^~/d is a folder$"):
        file_to_read("~/d", **kwargs)
    with pytest.raises(ValueError, match="^no ~/none$"):
        file_to_read("~/none", **kwargs)
    # without a sentence for a missing file, the caller's own read reports it
    assert file_to_read("~/none", folder="{path}", error=ValueError) == tmp_path / "none"


def test_exit_2_usage_from_the_parser_names_the_option(cli):
    n = register(cli)
    run = cli("assign", n, as_="sup")
    assert run.exit_code == 2 and run.stdout == ""
    assert "Missing option '--to'" in run.stderr
    run = cli("contact", n, "--via", "pigeon", "--summary", "x", as_="clerk")
    assert run.exit_code == 2
    assert "Invalid value for '--via'" in run.stderr and "'pigeon' is not one of" in run.stderr
    run = cli("close", n, "--satisfaction", "four", as_="sup")
    assert run.exit_code == 2 and "Invalid value for '--satisfaction'" in run.stderr
    run = cli("list", "--limit", "0")
    assert run.exit_code == 2 and "--limit" in run.stderr
    run = cli("frobnicate")
    assert run.exit_code == 2 and "No such command 'frobnicate'" in run.stderr


def test_an_invalid_value_is_said_without_pydantic_s_words(cli):
    """Typer checks values through pydantic: its "Value error, " prefix and its phrasing of a
    number check ("Input should be greater than or equal to 1") are replaced by what to give."""
    for args, problem in (
            (("list", "--status", "foo"),
             "Invalid value for '--status': 'foo' is not one of 'registered', 'assigned', "
             "'investigating', 'resolved', 'closed', 'archived', 'withdrawn', 'merged', "
             "'under_review', 'any'."),
            (("list", "--limit", "0"), "Invalid value for '--limit': Give a number of at least 1."),
            (("import", "undo", "x"), "Invalid value for 'batch': Give a whole number.")):
        run = cli("--lang", "en", *args, as_="sup")
        assert run.exit_code == 2 and run.stdout == "", run.stderr
        assert run.stderr.endswith(f"\nError: {problem}\n"), run.stderr
        assert "Value error" not in run.stderr and "Input should" not in run.stderr


def test_exit_2_usage_from_the_services(cli):
    n = register(cli)
    failed(cli("merge", n, "--into", n.lower(), as_="sup"), 2,
           "A complaint cannot be merged into itself.")
    cli("assign", n, "--to", "h1", as_="sup")
    failed(cli("assign", n, "--to", "h1", as_="sup"), 2, f"{n} is already assigned to h1.")


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ([], "--channel"),
        (["--channel", "phone"], "--customer"),
        (["--channel", "phone", "--customer", "张伟"], "--summary"),
    ],
)
def test_register_with_a_missing_required_field_and_no_terminal_exits_2(cli, given, missing):
    failed(cli("register", *given, as_="clerk"), 2,
           f"Missing {missing}; pass it (no prompt without a terminal).")
    assert json.loads(cli("list", "--format", "json").stdout) == []


def test_register_prompts_for_missing_fields_on_a_terminal(cli, monkeypatch):
    import complaintctl.cli.complaints.registration as commands

    terminal = types.SimpleNamespace(stdin=types.SimpleNamespace(isatty=lambda: True))
    monkeypatch.setattr(commands, "sys", terminal)
    run = cli("register", "--phone", "13812345678", as_="clerk",
              input="counter\n王秀英\n理财产品风险未充分告知\n")
    assert run.exit_code == 0, run.stderr
    number = run.stdout.strip().splitlines()[-1]
    data = json.loads(cli("show", number, "--format", "json").stdout)
    assert (data["channel"], data["customer"]["name"], data["summary"]) == (
        "counter", "王秀英", "理财产品风险未充分告知")
    run = cli("register", as_="clerk", input="pigeon\npigeon\npigeon\n")  # three tries (issue 22)
    assert run.exit_code == 2
    assert run.stderr.endswith("Error: No valid --channel after 3 tries; nothing was saved.\n")


def test_exit_3_action_not_allowed_in_the_current_state(cli):
    n = register(cli)
    failed(cli("close", n, "--satisfaction", "4", as_="sup"), 3,
           f"Can't close {n} when it is registered (allowed: assign, contact, note, withdraw, "
           "merge, pause, resume, extend, approve).")
    failed(cli("evidence", "add", n, "/etc/hostname", as_="sup"), 3,
           f"Can't evidence add {n} when it is registered (allowed: assign, contact, note, "
           "withdraw, merge, pause, resume, extend, approve).")
    assert timeline(cli, n) == ["register"]


def test_exit_4_permission_denied_names_the_role_needed(cli):
    n = register(cli)
    failed(cli("assign", n, "--to", "h1", as_="clerk"), 4,
           "Permission denied: `assign` needs the role supervisor or admin; clerk is a clerk.")
    failed(cli("note", n, "x", as_="h3"), 4,
           f"Permission denied: {n} belongs to branch BJ01; h3 works for branch SH01. Ask a "
           "supervisor of that branch or an admin.")
    cli("assign", n, "--to", "h1", as_="sup")
    failed(cli("investigate", n, as_="h2"), 4,
           f"Permission denied: {n} is not assigned to h2; a handler may run `investigate` only "
           "on their own complaints (a supervisor or admin may act on any).")
    assert timeline(cli, n) == ["register", "assign"]


def test_exit_5_invalid_data(cli):
    failed(cli("register", "--channel", "phone", "--customer", "x", "--summary", "y",
               "--amount", "12.345", as_="clerk"), 5, "'12.345' has more than two decimal places.")
    failed(cli("register", "--channel", "phone", "--customer", "x", "--summary", "y",
               "--amount", "1e999999999", as_="clerk"), 5,
           "'1e999999999' is not an amount; write it like 1200.50.")
    n = register(cli)
    cli("assign", n, "--to", "h1", as_="sup")
    cli("investigate", n, as_="h1")
    failed(cli("resolve", n,
        "--reasons", "核实结果", "--basis", "合同条款",
        "--outcome", "upheld", "--findings", "x", "--notified-via", "phone", "--proof", "CALL-1",
               "--remedy", "cash", as_="h1"), 5,
           "'cash' is not a remedy; use one of apology, compensation, fee_refund, correction, "
           "explanation, tracking, other (KIND or KIND:AMOUNT).")
    failed(cli("resolve", n,
        "--reasons", "核实结果", "--basis", "合同条款",
        "--outcome", "upheld", "--findings", "x", "--notified-via", "phone", "--proof", "CALL-1",
               as_="h1"), 5, "An upheld complaint needs at least one --remedy (e.g. apology).")
    cli("resolve", n,
        "--reasons", "核实结果", "--basis", "合同条款",
        "--outcome", "not_upheld", "--findings", "x", "--notified-via", "phone", "--proof", "CALL-1",
        as_="h1")
    failed(cli("close", n, "--satisfaction", "1", as_="h1"), 5,
           f"The customer is dissatisfied (1/5): close with --disputed to record the dispute, or "
           f"`complaintctl reopen {n} --reason ...` to keep working.")
    failed(cli("close", n, "--satisfaction", "9", as_="h1"), 5,
           "--satisfaction must be a whole number from 1 to 5.")


# --- --at ----------------------------------------------------------------------------------------


def test_at_in_the_future_is_refused_with_exit_5_and_changes_nothing(cli):
    n = register(cli)
    future = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    run = cli("note", n, "x", "--at", future.isoformat(), as_="clerk")
    typed = future.astimezone(ZoneInfo("Asia/Shanghai")).isoformat()  # the bank's time zone
    failed(run, 5, f"--at {typed} is in the future; give the time the action really happened.")
    assert timeline(cli, n) == ["register"]


def test_at_before_the_previous_event_is_refused_with_exit_5(cli):
    n = register(cli, "--at", "2026-03-02T10:00")
    run = cli("assign", n, "--to", "h1", "--at", "2026-03-02T09:59", as_="sup")
    # both times in the bank's time zone, as the clerk typed them
    failed(run, 5, "--at 2026-03-02T09:59:00+08:00 is before the complaint's previous event "
                   "(2026-03-02T10:00:00+08:00); give a later time.")
    run = cli("assign", n, "--to", "h1", "--at", "2026-03-02T10:00", as_="sup")
    assert run.exit_code == 0


def test_at_is_kept_as_the_events_effective_time_beside_when_it_was_recorded(cli):
    n = register(cli, "--at", "2026-03-02T10:00")
    cli("note", n, "phoned yesterday", "--at", "2026-03-05T16:30+08:00", as_="clerk")
    event = json.loads(cli("show", n, "--format", "json").stdout)["events"][-1]
    assert event["at"] == "2026-03-05T16:30:00+08:00"
    assert event["recorded_at"] > "2026-03-06"


@pytest.mark.parametrize("garbage", ["yesterday", "1", "31/12/2026", "2026-02-30"])
def test_garbage_at_is_refused_with_exit_5(cli, garbage):
    n = register(cli)
    failed(cli("note", n, "x", "--at", garbage, as_="clerk"), 5,
           f"'{garbage}' is not a date or time; use ISO 8601, e.g. 2026-11-28T09:30.")


def test_received_at_after_registration_is_refused(cli):
    failed(cli("register", "--channel", "phone", "--customer", "x", "--summary", "y",
               "--received-at", "2026-03-02T11:00", "--at", "2026-03-02T10:00", as_="clerk"), 5,
           "--received-at 2026-03-02 11:00 is after the registration time (2026-03-02 10:00); "
           "check it.")


# --- the one place errors are mapped ---------------------------------------------------------------


def test_an_unexpected_error_is_one_sentence_with_exit_1_and_no_traceback(cli, monkeypatch):
    from complaintctl.services.complaints import handling

    def broken(**_kwargs):
        raise RuntimeError("customer 13812345678 broke it")

    monkeypatch.setattr(handling, "note", broken)
    n = "CMP-2026-000001"
    run = cli("note", n, "x", as_="clerk")
    failed(run, 1, "complaintctl hit an internal error (RuntimeError); nothing was changed. Please "
                   "report it; set COMPLAINTCTL_DEBUG=1 to see the details.")
    assert "13812345678" not in run.stderr


def test_debug_mode_lets_the_internal_error_through(cli, monkeypatch):
    from complaintctl.services.complaints import handling

    monkeypatch.setattr(handling, "note", lambda **_k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        cli("note", "CMP-2026-000001", "x", as_="clerk", env={"COMPLAINTCTL_DEBUG": "1"})


def test_an_os_error_is_one_sentence_with_exit_1(cli, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    run = cli("db", "backup", str(blocker / "under-a-file.db"))
    assert run.exit_code == 1 and run.stdout == ""
    assert run.stderr.startswith("Error: ") and len(run.stderr.splitlines()) == 1
