"""The Chinese interface: language choice, formatting, Typer's words, transcripts in both
languages, machine formats that do not change with the language, the HTML report in Chinese."""

from __future__ import annotations

import gettext
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from complaintctl import i18n
from complaintctl.i18n import (explicit_language, format_amount, format_date, format_datetime,
                               label, set_language)

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "src" / "complaintctl" / "locale"
EXE = Path(sys.executable).with_name("complaintctl")


@pytest.fixture(autouse=True)
def _back_to_english():
    yield
    set_language("en")


# --- choosing the language -------------------------------------------------------------------

@pytest.mark.parametrize("argv, env, expected", [
    (["complaintctl", "--lang", "zh", "list"], {}, "zh"),
    (["complaintctl", "--lang=en"], {"COMPLAINTCTL_LANG": "zh"}, "en"),
    (["complaintctl", "list"], {"COMPLAINTCTL_LANG": "zh_CN"}, "zh"),
    (["complaintctl"], {"LANG": "zh_CN.UTF-8"}, "zh"),
    (["complaintctl"], {"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
    (["complaintctl"], {"LANG": "C.UTF-8"}, None),
    (["complaintctl"], {}, None),
    (["complaintctl", "note", "X", "--", "--lang", "zh"], {}, None),
])
def test_the_language_comes_from_the_flag_then_the_variable_then_the_locale(argv, env, expected):
    assert explicit_language(argv, env) == expected
    assert i18n.detect_language(argv, env) == (expected or "en")


def test_dates_amounts_and_labels_follow_the_language():
    assert format_date("2026-11-28", "zh") == "2026年11月28日 星期六"
    assert format_date("2026-11-28T09:30:00+08:00", "en") == "28 Nov 2026"
    assert format_datetime("2026-11-28T09:30", "zh") == "2026年11月28日 09:30"
    assert format_datetime("2026-11-28T09:30", "en") == "2026-11-28 09:30"
    assert format_amount("1200", "CNY", "zh") == "¥1,200.00"
    assert format_amount("-35.5", "CNY", "zh") == "-¥35.50"
    assert format_amount("1200", "JPY", "zh") == "1,200.00 JPY"
    assert format_amount("1200.5", "CNY", "en") == "1,200.50 CNY"
    set_language("zh")
    assert [label(v) for v in ("investigating", "closed", "phone", "partially_upheld", "x")] == [
        "调查核实中", "已办结", "电话", "部分成立", "x"]
    assert [i18n.term(v) for v in ("register", "fee_refund", "active", "met", "decision",
                                   "attached", "closed", "x")] == [
        "登记", "退费", "处置中", "按时完成", "处理决定", "已并入原投诉", "已办结", "x"]
    assert i18n.scenario("group-visit") == "群体到访" and label("under_review") == "核查中"
    assert [i18n.duration(t) for t in ("3d 4h", "-2h 5m", "25m", None)] == [
        "3天4小时", "-2小时5分钟", "25分钟", None]
    assert i18n.labels(["handler", "supervisor", "admin"]) == "承办人、主管或管理员"
    set_language("en")
    assert label("partially_upheld") == "partially upheld"
    # English shows the codes as it always did
    assert [i18n.term(v) for v in ("register", "fee_refund", "active", "met")] == [
        "register", "fee_refund", "active", "met"]
    assert i18n.duration("3d 4h") == "3d 4h" and i18n.scenario("group-visit") == "group-visit"
    assert i18n.labels(["handler", "supervisor", "admin"]) == "handler or supervisor or admin"
    assert (i18n.code("under_review"), label("under_review")) == ("under_review", "under review")


# --- the console script: help is translated at import, so it needs a real process -----------

def run(*args: str, env: dict[str, str] | None = None, **kwargs) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items()
            if k not in ("COMPLAINTCTL_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}
    return subprocess.run([str(EXE), *args], capture_output=True, text=True,
                          env={**base, "COLUMNS": "100", **(env or {})}, **kwargs)


@pytest.mark.slow
def test_help_is_chinese_through_the_console_script_with_lang_or_the_environment():
    root = run("--lang", "zh", "--help")
    assert root.returncode == 0
    assert root.stdout.startswith("用法：complaintctl [OPTIONS] COMMAND [ARGS]...")
    for text in ("银行客户投诉从接收到归档", "示例：", "界面语言：en 或 zh。",
                 "显示此帮助信息并退出。", "登记一件投诉并输出其新编号。"):
        assert text in root.stdout
    assert [line for line in root.stdout.splitlines() if line.endswith(("：", ":"))] == [
        "  示例：", "选项：", "日常工作：", "计时：", "受理与文件：", "报表：", "应急预案：", "系统管理："]  # the commands in their groups (issue 22)
    sub = run("register", "--help", env={"COMPLAINTCTL_LANG": "zh"})
    assert "投诉的来源渠道。" in sub.stdout and "complaintctl register --channel phone" in sub.stdout
    assert "默认：CNY" in sub.stdout
    english = run("register", "--help", env={"LANG": "C.UTF-8"})
    assert english.stdout.startswith("Usage: complaintctl register [OPTIONS]")
    assert "How the complaint came in." in english.stdout and "Options" in english.stdout


def test_help_section_titles_end_with_the_languages_colon(cli):
    """Click writes "Options:" after the translated word; Chinese text takes "：" (as 用法：)."""
    def titles(*args: str) -> list[str]:
        run = cli(*args, "--help", as_=None)
        assert run.exit_code == 0, run.stderr
        return [line for line in run.stdout.splitlines()
                if line.endswith((":", "：")) and not line.startswith(" ")]

    set_language("zh")  # in one process the root's --help runs before --lang is applied
    assert titles() == ["选项：", "日常工作：", "计时：", "受理与文件：", "报表：", "应急预案：", "系统管理："]
    assert titles("--lang", "zh", "show") == ["参数：", "选项："]
    assert titles("--lang", "zh", "staff") == ["选项：", "命令："]
    assert cli("--lang", "zh", "show", "--help", as_=None).stdout.startswith("用法：")
    set_language("en")
    assert titles() == ["Options:", "Daily work:", "The clock:", "Intake and files:", "Reports:",
                        "The emergency plan:", "Administration:"]
    assert titles("--lang", "en", "show") == ["Arguments:", "Options:"]


@pytest.mark.slow
def test_typers_usage_errors_are_chinese_and_keep_exit_code_2():
    nowhere = ("--db", "/nonexistent/complaintctl-test.db")
    missing = run(*nowhere, "--lang", "zh", "merge", "CMP-2026-000001")
    assert missing.returncode == 2
    lines = missing.stderr.split("\n")
    assert lines[0].startswith("用法：complaintctl merge [OPTIONS] ")
    assert lines[1:] == ["请运行 'complaintctl merge -h' 查看帮助。", "", "错误：缺少选项 '--into'。", ""]
    argument = run(*nowhere, "--lang", "zh", "staff", "add")
    assert argument.returncode == 2 and argument.stderr.endswith("错误：缺少参数 'username'。\n")
    wrong = run(*nowhere, "--lang", "zh", "nosuch")
    assert wrong.returncode == 2 and wrong.stderr.endswith("错误：没有命令 'nosuch'。\n")
    bad = run(*nowhere, "--lang", "zh", "list", "--format", "xml")
    assert bad.returncode == 2
    assert "错误：'--format' 的值无效：'xml' 不是 'table', 'json', 'csv' 之一。" in bad.stderr
    english = run(*nowhere, "--lang", "en", "merge", "CMP-2026-000001")
    assert english.returncode == 2 and english.stderr.endswith("Error: Missing option '--into'.\n")


def test_the_database_setting_is_the_default_when_nothing_else_chooses(cli, seeded,
                                                                       monkeypatch):
    assert cli("config", "set", "language", "klingon", as_="admin").exit_code != 0
    set_language("en")
    assert cli("config", "set", "language", "zh", as_="admin").exit_code == 0
    set_language("en")
    monkeypatch.setattr(sys, "argv", ["complaintctl"])
    for var in ("COMPLAINTCTL_LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    run = cli("show", "CMP-2026-999999", as_="sup")
    assert (run.exit_code, run.stderr) == (
        1, "错误：没有投诉 CMP-2026-999999；请用 `complaintctl list` 核对编号。\n")
    for env in ({"LANG": "en_US.UTF-8"}, {"COMPLAINTCTL_LANG": "en"}):
        set_language("en")
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        run = cli("show", "CMP-2026-999999", as_="sup")
        assert run.stderr.startswith("Error: No complaint CMP-2026-999999;"), env


# --- transcripts in both languages -------------------------------------------------------------

def register(cli, lang: str) -> tuple[str, str]:
    r = cli("--lang", lang, "register", "--channel", "phone", "--customer", "张伟", "--phone",
            "13812345678", "--summary", "信用卡年费重复扣收", "--amount", "1200", as_="clerk")
    assert r.exit_code == 0, r.stderr
    return r.stdout.strip(), r.stderr


LIFECYCLE = [
    (("assign", "{n}", "--to", "h1"), "sup",
     "{n} 已分派给 h1。", "{n} assigned to h1."),
    (("contact", "{n}", "--via", "phone", "--summary", "已受理"), "h1",
     "已在 {n} 上记录联系。", "Contact logged on {n}."),
    (("investigate", "{n}"), "h1",
     "{n} 当前状态：调查核实中。", "{n} is now investigating."),
    (("note", "{n}", "已调取交易流水"), "h1", "已为 {n} 添加备注。", "Note added to {n}."),
    (("resolve", "{n}",
        "--reasons", "核实结果", "--basis", "合同条款",
        "--outcome", "upheld", "--findings", "重复扣费", "--remedy", "apology",
      "--remedy", "fee_refund:300", "--notified-via", "phone", "--proof", "CALL-1"), "h1",
     "{n} 已作出处理决定；告知客户的凭证已记录。", "{n} resolved; the customer's notice is on record."),
    (("close", "{n}", "--satisfaction", "5"), "h1", "{n} 已办结。", "{n} closed."),
    (("archive", "{n}"), "sup", "{n} 已归档。", "{n} archived."),
]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_full_lifecycle_speaks_the_chosen_language(cli, lang):
    n, said = register(cli, lang)
    expected = (r"已登记 CMP-2026-\d{6}；处理决定应于 \d{4}年\d\d?月\d\d?日 \d\d:\d\d 前作出。\n" if lang == "zh"
                else r"Registered CMP-2026-\d{6}; decision due \d{4}-\d\d-\d\d \d\d:\d\d\.\n")
    assert re.fullmatch(expected, said)
    for args, who, zh, en in LIFECYCLE:
        r = cli("--lang", lang, *(a.format(n=n) for a in args), as_=who)
        assert (r.exit_code, r.stderr, r.stdout) == (0, (zh if lang == "zh" else en).format(n=n)
                                                     + "\n", "")
    table = cli("--lang", lang, "show", n, as_="sup", env={"COLUMNS": "200"}).stdout
    if lang == "zh":
        for text in ("已归档", "电话", "成立", "¥1,200.00", "道歉，退费 ¥300.00", "时间线",
                     "调查核实中", "年", "月", "│ 作出处理决定 ", "告知方式：- → 电话"):
            assert text in table
    else:
        for text in ("archived", "phone", "upheld", "1,200.00 CNY", "fee_refund 300.00 CNY",
                     "Timeline"):
            assert text in table


@pytest.mark.parametrize("lang, expected", [
    ("zh", "错误：CMP-2026-000001 当前状态为已登记，不能执行 close（允许：{allowed}）。\n"),
    ("en", "Error: Can't close CMP-2026-000001 when it is registered (allowed: {allowed}).\n"),
])
def test_a_refused_action_exits_3_and_says_why_in_the_language(cli, lang, expected):
    n, _said = register(cli, lang)
    r = cli("--lang", lang, "close", n, "--satisfaction", "5", as_="sup")
    assert r.exit_code == 3
    allowed = re.search(r"(?:allowed: |允许：)([^)）]+)", r.stderr).group(1)
    assert r.stderr == expected.format(allowed=allowed)


@pytest.mark.parametrize("lang, expected", [
    ("zh", "错误：权限不足：`assign` 需要主管或管理员角色；clerk 的角色是登记员。\n"),
    ("en", "Error: Permission denied: `assign` needs the role supervisor or admin; clerk is a "
           "clerk.\n"),
])
def test_a_permission_refusal_exits_4_in_the_language(cli, lang, expected):
    n, _said = register(cli, lang)
    r = cli("--lang", lang, "assign", n, "--to", "h1", as_="clerk")
    assert (r.exit_code, r.stderr) == (4, expected)


def test_an_import_error_exits_5_in_the_language(cli, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("external_ref,channel,customer_name,summary\nX1,nope,张伟,年费\n",
                   encoding="utf-8")
    zh = cli("--lang", "zh", "import", str(bad), as_="sup")
    assert zh.exit_code == 5
    assert zh.stderr.splitlines()[-1] == (
        "错误：被拒绝 1 行（超过 --max-errors 0），因此未导入任何内容；第 2 行：渠道 'nope' 不是 "
        "counter, phone, email, online, letter, fax, regulator, social_media, self_service, other "
        "之一。请修正这些行（传入 --rejects FILE 可获得全部被拒绝的行），或传入 --max-errors N 导入有效行。")
    en = cli("--lang", "en", "import", str(bad), as_="sup")
    assert en.exit_code == 5
    assert en.stderr.splitlines()[-1].startswith(
        "Error: 1 row(s) rejected (more than --max-errors 0), so nothing was imported; line 2: "
        "channel 'nope' is not one of counter, phone,")


#: codes that tables show in Chinese under zh: none may be left as a cell of its own
CODES = ("register", "assign", "contact", "investigate", "note", "resolve", "close", "archive",
         "active", "manual", "declare", "link", "open", "overdue", "done", "met", "late",
         "missed", "pending", "surge", "media", "decision", "apology", "phone", "upheld")


def _cells(table: str) -> set[str]:
    return {c.strip() for line in table.splitlines() for c in re.split(r"[│┃]", line)}


def test_incidents_drills_and_timelines_show_no_codes_under_zh(cli):
    n, _said = register(cli, "zh")
    for args, who, _zh, _en in LIFECYCLE[:5]:
        assert cli(*(a.format(n=n) for a in args), as_=who).exit_code == 0
    declared = cli("incident", "declare", "--level", "III", "--title", "网点群访", "--link", n,
                   as_="sup")
    assert declared.exit_code == 0, declared.stderr
    drill = cli("drill", "run", "--scenario", "media", "--level", "IV", "--simulate",
                as_="sup")
    assert drill.exit_code == 0, drill.stderr
    shown = {args: cli("--lang", "zh", *args, as_="sup", env={"COLUMNS": "200"}).stdout
             for args in (("show", n), ("incident", "show", declared.stdout.strip()),
                          ("incident", "list"), ("drill", "list"), ("list", "--overdue"))}
    for args, table in shown.items():
        left = _cells(table) & set(CODES)
        assert not left, (args, left)
    assert {"登记", "分派", "联系客户", "调查核实", "作出处理决定"} <= _cells(shown[("show", n)])
    incident = shown[("incident", "show", declared.stdout.strip())]
    assert "处置中" in incident and "人工宣布" in incident and "│ 宣布 " in incident
    assert "│ 媒体传播 " in shown[("drill", "list")]
    report = {lang: cli("--lang", lang, "drill", "report", "1", "--format", "json", as_="sup")
              for lang in ("zh", "en")}
    assert report["zh"].exit_code == report["en"].exit_code == 0, report["zh"].stderr
    zh_report = json.loads(report["zh"].stdout)
    assert not re.search(r"[\u4e00-\u9fff]", report["zh"].stdout)
    assert zh_report["gaps"] == json.loads(report["en"].stdout)["gaps"]
    english = cli("--lang", "en", "incident", "show", declared.stdout.strip(), as_="sup").stdout
    assert "active" in english and "│ declare " in english  # English is as it was


# --- machine formats do not change with the language ------------------------------------------

def _steady(text: str) -> str:
    """JSON text without the fields computed at the moment of reading (they tick each second)."""
    read_time = {"seconds_left", "time_left", "urgency"}
    data = json.loads(text)
    for row in data if isinstance(data, list) else [data]:
        for key in read_time & set(row):
            row[key] = None
    return json.dumps(data, ensure_ascii=False, indent=2)


def test_json_and_csv_are_byte_identical_in_both_languages(cli):
    n, _said = register(cli, "en")
    cli("assign", n, "--to", "h1", as_="sup")
    for args in (("show", n, "--format", "json"), ("list", "--format", "json"),
                 ("list", "--format", "csv"),
                 ("report", "summary", "--format", "json", "--as-of", "2026-12-01T00:00"),
                 ("report", "sla", "--format", "csv", "--as-of", "2026-12-01T00:00"),
                 ("staff", "list", "--format", "json")):
        zh = cli("--lang", "zh", *args, as_="sup")
        en = cli("--lang", "en", *args, as_="sup")
        assert zh.exit_code == en.exit_code == 0, (args, zh.stderr)
        if args[0] in ("show", "list") and "json" in args:  # a second may pass between the two
            assert _steady(zh.stdout) == _steady(en.stdout), args
        else:
            assert zh.stdout == en.stdout, args
        assert zh.stdout.strip()
        if args[-1] == "json" or "json" in args:
            json.loads(zh.stdout)
    row = json.loads(cli("--lang", "zh", "show", n, "--format", "json", as_="sup").stdout)
    assert (row["status"], row["channel"]) == ("assigned", "phone")


def test_json_that_carries_sentences_or_labels_is_english_in_both_languages(cli):
    """due's steps, config's meanings and the reports' labels (the code table's names,
    "(not classified)") are text: in JSON and CSV they are English whatever --lang says,
    while the table beside them speaks the language."""
    n, _said = register(cli, "en")
    cli("assign", n, "--to", "h1", as_="sup")
    for args in (("due", n, "--format", "json"), ("config", "show", "--format", "json"),
                 ("report", "regulatory", "--format", "json", "--as-of", "2026-12-01T00:00"),
                 ("report", "regulatory", "--format", "csv", "--as-of", "2026-12-01T00:00"),
                 ("report", "root-causes", "--format", "json", "--period", "all")):
        zh = cli("--lang", "zh", *args, as_="sup")
        en = cli("--lang", "en", *args, as_="sup")
        assert zh.exit_code == en.exit_code == 0, (args, zh.stderr)
        if args[0] == "due":
            assert _steady(zh.stdout) == _steady(en.stdout)
        else:
            assert zh.stdout == en.stdout, args
        if args[0] != "config":  # config's values are the bank's data, in any language
            assert not re.search(r"[\u4e00-\u9fff]", en.stdout), args
    steps = json.loads(cli("--lang", "zh", "due", n, "--format", "json", as_="sup").stdout)["steps"]
    assert steps[0]["step"] == "received" and "(bank time Asia/Shanghai)" in steps[0]["explanation"]
    table = cli("--lang", "zh", "due", n, as_="sup")
    assert "已接收" in table.stdout and "本行时间" in table.stdout  # the table still speaks zh
    names = {r["name"] for r in json.loads(cli("--lang", "zh", "report", "regulatory", "--format",
                                                "json", "--as-of", "2026-12-01T00:00",
                                                as_="sup").stdout)["rows"] if "name" in r}
    assert names and all(not re.search(r"[\u4e00-\u9fff]", name) for name in names), names
    # the refusal is still worded in the interface language
    refused = cli("--lang", "zh", "due", "CMP-2026-999999", "--format", "json", as_="sup")
    assert refused.exit_code == 1 and re.search(r"[\u4e00-\u9fff]", refused.stderr), refused.stderr


def test_the_html_report_is_chinese_under_lang_zh(cli, tmp_path):
    n, _said = register(cli, "en")
    cli("assign", n, "--to", "h1", as_="sup")
    out = {}
    for lang in ("zh", "en"):
        path = tmp_path / f"{lang}.html"
        r = cli("--lang", lang, "report", "summary", "--format", "html", "-o", str(path),
                "--period", "all", as_="sup")
        assert r.exit_code == 0, r.stderr
        out[lang] = path.read_text(encoding="utf-8")
    html = out["zh"]
    assert "<html lang='zh-CN'>" in html
    assert re.search(r"<title>投诉概况</title>", html)
    headings = re.findall(r"<h[12][^>]*>([^<]+)</h[12]>", html)
    assert headings and all(re.search(r"[\u4e00-\u9fff]", h) for h in headings), headings
    chart = re.findall(r"<text[^>]*text-anchor='end'[^>]*>([^<]+)</text>", html)
    assert chart and all(re.search(r"[\u4e00-\u9fff]", t) for t in chart), chart
    assert "由 complaintctl 生成" in html
    assert "<title>Complaint summary</title>" in out["en"]
    md = {lang: cli("--lang", lang, "report", "summary", "--by", "channel", "--format", "md",
                    "--period", "all", as_="sup").stdout for lang in ("zh", "en")}
    assert "| 电话 |" in md["zh"] and "| phone |" in md["en"]
    assert re.search(r"期间 \d{4}年\d{1,2}月\d{1,2}日 至 \d{4}年\d{1,2}月\d{1,2}日", md["zh"])


# --- the catalogs ------------------------------------------------------------------------------

def _po(path: Path):
    from babel.messages.pofile import read_po

    with open(path, "rb") as f:
        return read_po(f)


@pytest.mark.parametrize("domain", ["complaintctl", "messages"])
def test_the_compiled_catalogs_are_fresh(domain):
    po = _po(LOCALE / "zh" / "LC_MESSAGES" / f"{domain}.po")
    with open(LOCALE / "zh" / "LC_MESSAGES" / f"{domain}.mo", "rb") as f:
        mo = gettext.GNUTranslations(f)
    wanted = {}
    for m in po:
        if not m.id or not m.string:
            continue
        if isinstance(m.id, str):
            wanted[m.id] = m.string
        else:  # plural forms: gettext keys them by (singular, index)
            wanted.update({(m.id[0], i): text for i, text in enumerate(m.string)})
    compiled = {k: v for k, v in mo._catalog.items() if k}  # type: ignore[attr-defined]
    assert compiled == wanted, "run `python scripts/i18n.py compile`"


def test_typers_own_strings_all_have_a_chinese_translation():
    import typer.core
    from babel.messages.extract import extract_from_file

    ids = {m if isinstance(m, str) else m[0]
           for _line, m, _c, _ctx in extract_from_file("python", typer.core.__file__)}
    po = {m.id: m.string for m in _po(LOCALE / "zh" / "LC_MESSAGES" / "messages.po") if m.id}
    assert ids and not [i for i in ids if not po.get(i)]


@pytest.mark.slow
def test_the_built_package_ships_the_compiled_catalogs(tmp_path):
    """What a wheel gets (setuptools' build_py, with the package data of pyproject.toml): the
    .mo files, the same bytes as in the tree, and they speak Chinese."""
    built = subprocess.run(
        [sys.executable, "-c", "from setuptools import setup; setup()", "-q", "build_py",
         "--build-lib", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stderr
    shipped = tmp_path / "complaintctl" / "locale"
    for domain in ("complaintctl", "messages"):
        mo = shipped / "zh" / "LC_MESSAGES" / f"{domain}.mo"
        assert mo.read_bytes() == (LOCALE / "zh" / "LC_MESSAGES" / f"{domain}.mo").read_bytes()
    zh = gettext.translation("complaintctl", localedir=str(shipped), languages=["zh"])
    assert zh.gettext("Timeline") == "时间线"


# --- urgency and due: rows, reasons and dates in the language; English and JSON as they were --

def _rows(table: str) -> list[list[str]]:
    """The cells of each line of a Rich table, the header's first (rows of one line each)."""
    return [[c.strip() for c in re.split("[│┃]", line)[1:-1]]
            for line in table.splitlines() if line[:1] in ("│", "┃")]


def _old_case(cli) -> str:
    r = cli("register", "--channel", "regulator", "--customer", "张伟", "--summary", "年费重复扣收",
            "--amount", "20000", "--tag", "elderly", "--priority", "high",
            "--source-ref", "CBIRC-BJ-2026-0815", "--regulator-due", "2026-10-14",
            "--received-at", "2026-09-30T10:00", "--at", "2026-09-30T10:05", as_="clerk")
    assert r.exit_code == 0, r.stderr
    return r.stdout.strip()


def test_the_urgency_table_speaks_chinese_and_its_json_does_not_change(cli):
    n = _old_case(cli)  # more than 7 days overdue: the due factor is 1.0 whenever this runs
    wide = {"COLUMNS": "200"}  # one line a row
    zh = cli("--lang", "zh", "urgency", n, as_="clerk", env=wide)
    assert zh.exit_code == 0, zh.stderr
    rows = _rows(zh.stdout)
    assert rows[0] == ["项目", "依据", "取值", "权重", "得分"]
    assert rows[1][0] == "到期" and re.fullmatch(r"逾期 \d+天\d+小时", rows[1][1]), rows[1]
    assert rows[1][2:] == ["1.0", "12.0", "12.0"]
    assert rows[2:] == [["优先级", "优先级：高", "0.65", "6.0", "3.9"],
                        ["老年客户", "标签 elderly", "1.0", "3.0", "3.0"],
                        ["监管转办", "渠道：监管转办", "1.0", "4.0", "4.0"],
                        ["金额", "金额 ¥20,000.00", "0.4337", "3.0", "1.3011"],
                        ["紧急程度", "-", "-", "-", "24.2"]]
    assert f"{n}：紧急程度 24.2" in zh.stdout
    en = cli("--lang", "en", "urgency", n, as_="clerk", env=wide)
    rows = _rows(en.stdout)
    assert rows[0] == ["Term", "Because", "Factor", "Coefficient", "Value"]
    assert rows[1][0] == "due" and re.fullmatch(r"-\d+h left", rows[1][1]), rows[1]
    assert rows[2:] == [["priority", "high", "0.65", "6.0", "3.9"],
                        ["elderly", "tag elderly", "1.0", "3.0", "3.0"],
                        ["regulator", "channel regulator", "1.0", "4.0", "4.0"],
                        ["amount", "amount 20000", "0.4337", "3.0", "1.3011"],
                        ["urgency", "-", "-", "-", "24.2"]]
    as_json = {lang: json.loads(cli("--lang", lang, "urgency", n, "--format", "json",
                                    as_="clerk").stdout) for lang in ("zh", "en")}
    for data in as_json.values():
        data["terms"][0]["because"] = None  # hours left: computed at the moment of reading
    assert as_json["zh"] == as_json["en"]
    assert [t["term"] for t in as_json["zh"]["terms"]] == [
        "due", "priority", "elderly", "regulator", "amount"]
    assert as_json["zh"]["terms"][4]["because"] == "amount 20000"


def test_due_shows_the_languages_dates_and_the_profiles_title(cli):
    n = _old_case(cli)
    wide = {"COLUMNS": "500"}  # one line a step
    zh = cli("--lang", "zh", "due", n, as_="clerk", env=wide).stdout
    assert f"{n}：到期 2026年10月15日 23:59" in zh
    text = text_zh = re.sub(r"\s*│\s*", "", zh)  # the cells' text, wrapped lines joined
    for expected in ("已接收2026年9月30日 10:00（本行时间 Asia/Shanghai）",
                     "cn-cbirc-2020：《银行业保险业消费投诉处理管理办法》（银保监会令2020年第3号",
                     "第 1 天为 2026年10月1日 星期四，即 2026年9月30日 星期三",
                     "15 个自然日 -> 2026年10月15日 23:59（不含中止计时）",
                     "2026年10月10日 星期六 调休上班日",
                     "受理确认到期 2026年10月8日 23:59（接收后 1 个工作日）"):
        assert expected in text, expected
    assert not re.search(r"\d{4}-\d\d-\d\dT", zh)  # no ISO moment left
    assert "China CBIRC" not in zh and "working day" not in zh
    en = cli("--lang", "en", "due", n, as_="clerk", env=wide).stdout
    assert f"{n}: due 2026-10-15T23:59:59+08:00" in en
    text = re.sub(r"\s*│\s*", " ", en)
    for expected in ("cn-cbirc-2020: China CBIRC 2020 Order No. 3 (CBIRC 2020 Order No. 3 Art",
                     "day 1 is 2026-10-01, the day after 2026-09-30",
                     "15 calendar days -> 2026-10-15T23:59:59+08:00 without pauses",
                     "2026-10-10 working day (调休 make-up day)",
                     "due 2026-10-08T23:59:59+08:00 (1 business day after receipt)"):
        assert expected in text, (expected, text)
    data = {lang: json.loads(cli("--lang", lang, "due", n, "--format", "json", as_="clerk").stdout)
            for lang in ("zh", "en")}
    for d in data.values():
        d.pop("seconds_left")  # computed at the moment of reading
    # JSON is the same in both languages, its sentences and holiday names included (English)
    assert data["zh"] == data["en"] and data["zh"]["due_at"] == "2026-10-15T23:59:59+08:00"
    names = {h["date"]: h["name"] for h in data["zh"]["holidays"]}
    assert names["2026-10-10"] == "working day (调休 make-up day)"
    assert names["2026-10-01"] == "National Day"
    # the tables name the package's holidays in the language, whichever loaded them first
    assert "2026年10月1日 星期四 国庆节" in text_zh and "2026-10-01 National Day" in text


def test_the_sweep_leaves_no_english_words_in_these_zh_tables(cli):
    """monitor, plan show, config show, report outcomes/aging, a checklist, pause and resume:
    statuses, roles, sources, remedy kinds, dimensions and times in Chinese; English as it was."""
    wide = {"COLUMNS": "250"}
    n = _old_case(cli)
    assert cli("assign", n, "--to", "h1", as_="sup").exit_code == 0
    register(cli, "en")  # received now: the monitor's last-24-hours table has rows
    declared = cli("incident", "declare", "--level", "III", "--title", "网点群访", "--link", n,
                   as_="sup").stdout.strip()

    def zh(*args: str, who: str = "sup") -> str:
        r = cli("--lang", "zh", *args, as_=who, env=wide)
        assert r.exit_code == 0, (args, r.stderr)
        return r.stdout + r.stderr

    monitor = zh("monitor")
    assert re.search(r"│\s+已分派\s+1\s", monitor) and "assigned" not in monitor
    assert re.search(r"complaintctl 监控 · \d{4}年\d+月\d+日 \d\d:\d\d", monitor)
    assert "下次演练到期：" in monitor and "│ 网点：" in monitor and "branch:" not in monitor
    plan = zh("plan", "show")
    assert "┃ 名称 " in plan and "主管 / 承办人" in plan and "标签 social_media_spread" in plan
    assert re.search(r"版本\s+1（默认，", plan)
    for word in ("supervisor", "handler", "tag ", "default,"):
        assert word not in plan, word
    config = zh("config", "show")
    assert "│ 默认 " in config and "│ 内置 " in config and "《银行业保险业消费投诉处理管理办法》" in config
    assert "│ default " not in config and "│ China CBIRC" not in config  # the value is JSON
    assert "┃ 退费 ┃" in zh("report", "outcomes", "--period", "all")
    assert " · 按状态 · " in zh("report", "aging", "--period", "all")
    assert "│ 主管 " in zh("incident", "show", declared)
    assert zh("pause", n, "--reason", "mediation", "--customer-notified-via", "phone",
              who="h1") == f"{n} 已因调解中止计时：其计时已停止。\n"
    assert re.search(r"│ 逾期 \d+天\d+小时（中止计时期间冻结） ", zh("due", n, who="h1"))
    assert re.fullmatch(rf"{n} 已恢复计时；现在于 \d{{4}}年\d+月\d+日 23:59 到期。\n",
                        zh("resume", n, who="h1"))
    # English as it was
    en = {args: cli("--lang", "en", *args, as_="sup", env=wide).stdout
          for args in (("plan", "show"), ("config", "show"), ("report", "outcomes", "--period",
                                                                 "all"), ("monitor",))}
    assert "supervisor / handler" in en[("plan", "show")] and "tag social_media_spread" in en[
        ("plan", "show")] and "┃ Name " in en[("plan", "show")]
    assert "│ default " in en[("config", "show")] and "China CBIRC 2020 Order No. 3" in en[
        ("config", "show")]
    assert "┃ fee_refund ┃" in en[("report", "outcomes", "--period", "all")]
    assert re.search(r"│\s+assigned\s+1\s", en[("monitor",)]) and "branch: " in en[("monitor",)]


# --- the shipped emergency plan speaks the language; a bank's own plan stays as written ---------

def test_every_word_of_the_shipped_plan_has_its_chinese():
    """The plan's name, organisation, level names and timetable actions (data/emergency_plan.toml)
    are all marked as shipped text and translated: a line added to the file without its
    translation fails here."""
    from complaintctl.domain.plan import default_plan, shipped_text

    plan = default_plan()
    words = [plan.name, plan.organisation] + [lv.name for lv in plan.levels.values()] + [
        i.action for lv in plan.levels.values() for i in lv.timetable]
    assert len(words) == 16
    i18n.set_language("zh")
    shown = [shipped_text(w) for w in words]
    assert not [w for w, s in zip(words, shown) if s == w or re.search(r"[A-Za-z]", s)], shown
    assert shown[:6] == ["默认重大消费投诉应急预案", "本行", "特别重大", "重大", "较大", "一般"]
    assert shipped_text("华北分行应急预案") == "华北分行应急预案"  # a bank's own words as written
    i18n.set_language("en")
    assert [shipped_text(w) for w in words] == words


@pytest.mark.parametrize("lang, declared, changed, now", [
    ("en", "Declared incident {id} at level IV; see `complaintctl incident checklist {id}`.\n",
     "Level IV -> II: 人数增加", "now level II: 人数增加"),
    ("zh", "已宣布突发事件 {id}，IV 级；请查看 `complaintctl incident checklist {id}`。\n",
     "IV 级 -> II 级：人数增加", "现为 II 级：人数增加"),
], ids=["en", "zh"])
def test_an_incident_level_in_a_sentence_is_a_roman_numeral_in_both_languages(cli, lang,
                                                                               declared, changed,
                                                                               now):
    run = cli("--lang", lang, "incident", "declare", "--level", "IV", "--title", "网点群访",
              as_="sup")
    incident = run.stdout.strip()
    assert (run.exit_code, run.stderr) == (0, declared.format(id=incident))
    assert cli("--lang", lang, "incident", "escalate", incident, "--level", "II", "--reason",
               "人数增加", as_="sup").exit_code == 0
    shown = json.loads(cli("--lang", lang, "incident", "show", incident, "--format", "json",
                           as_="sup").stdout)
    assert [a["text"] for a in shown["timeline"] if a["kind"] in ("escalate", "notify")][-2:] \
        == [changed, now]


def test_the_shipped_plan_checklists_and_drill_reports_speak_chinese_and_json_does_not(cli):
    wide = {"COLUMNS": "250"}
    declared = cli("incident", "declare", "--level", "IV", "--title", "网点群访", as_="sup")
    assert declared.exit_code == 0, declared.stderr
    incident = declared.stdout.strip()
    assert cli("drill", "run", "--scenario", "media", "--level", "IV", "--simulate",
               as_="sup").exit_code == 0

    def run(lang: str, *args: str) -> str:
        r = cli("--lang", lang, *args, as_="sup", env=wide)
        assert r.exit_code == 0, (lang, args, r.stderr)
        return r.stdout

    plan = run("zh", "plan", "show")
    assert re.search(r"预案\s+默认重大消费投诉应急预案", plan) and re.search(r"机构\s+本行", plan)
    rows = {r[0]: r for r in _rows(plan)}
    assert [rows[lv][1] for lv in ("I", "II", "III", "IV")] == ["特别重大", "重大", "较大", "一般"]
    assert rows["IV"][4] == "指定主管负责 ≤ 2小时；每日研判 ≤ 1天"
    assert rows["III"][4] == "组建网点应急处置小组 ≤ 4小时；每日向总行报告 ≤ 1天"
    for word in ("Default complaint", "The bank", "especially major", "Supervisor assigned",
                 "Daily review", "to the regulator", "head office"):
        assert word not in plan, word
    checklist = _rows(run("zh", "incident", "show", incident))
    assert [r[1] for r in checklist if r[0] in ("1", "2")] == ["指定主管负责", "每日研判"]
    done = cli("--lang", "zh", "incident", "done", incident, "1", as_="sup")
    assert done.exit_code == 0 and "指定主管负责" in done.stdout + done.stderr, done
    report = run("zh", "incident", "report", incident, "--format", "md")
    assert "| 机构 | 本行 |" in report and "| 2 | 每日研判 | 主管 |" in report
    drill = run("zh", "drill", "report", "1", "--format", "md")
    assert "| 1 | 指定主管负责 |" in drill and "| 2 | 每日研判 |" in drill
    assert "Supervisor assigned" not in drill + report
    # English as it was
    en = run("en", "plan", "show")
    assert re.search(r"Plan\s+Default complaint emergency plan", en) and "The bank" in en
    rows = {r[0]: r for r in _rows(en)}
    assert rows["I"][1] == "特别重大 especially major" and rows["IV"][1] == "一般 general"
    assert rows["IV"][4] == "Supervisor assigned ≤ 2h; Daily review ≤ 1d"
    assert "| 2 | Daily review | supervisor |" in run("en", "incident", "report", incident,
                                                   "--format", "md")
    assert "| 1 | Supervisor assigned |" in run("en", "drill", "report", "1", "--format", "md")
    # JSON: the stored English in both languages
    for args in (("plan", "show"), ("incident", "show", incident),
                 ("incident", "checklist", incident), ("drill", "report", "1")):
        zh, en = (run(lang, *args, "--format", "json") for lang in ("zh", "en"))
        assert zh == en, args
    data = json.loads(run("zh", "plan", "show", "--format", "json"))["plan"]
    assert (data["name"], data["organisation"], data["levels"][3]["name"]) == (
        "Default complaint emergency plan", "The bank", "一般 general")
    items = json.loads(run("zh", "incident", "checklist", incident, "--format", "json"))
    assert [i["action"] for i in items] == ["Supervisor assigned", "Daily review"]
    gaps = json.loads(run("zh", "drill", "report", "1", "--format", "json"))["items"]
    assert [i["action"] for i in gaps] == ["Supervisor assigned", "Daily review"]


def test_a_banks_own_plan_text_stays_as_written_under_zh(cli, tmp_path):
    from complaintctl.domain.plan import default_text

    own = tmp_path / "plan.toml"
    own.write_text(default_text().replace('"Default complaint emergency plan"', '"华北分行应急预案"')
                   .replace('"Daily review"', '"Daily review by the branch head"'), "utf-8")
    assert cli("plan", "load", str(own)).exit_code == 0
    plan = cli("--lang", "zh", "plan", "show", env={"COLUMNS": "250"}).stdout
    assert re.search(r"预案\s+华北分行应急预案", plan) and "本行" in plan
    rows = {r[0]: r for r in _rows(plan)}
    assert rows["IV"][4] == "指定主管负责 ≤ 2小时；Daily review by the branch head ≤ 1天"


def test_a_reports_subtitle_gives_the_as_of_time_in_the_banks_time_zone(cli):
    args = ("report", "summary", "--as-of", "2026-12-01T09:30")
    wide = {"COLUMNS": "200"}  # the subtitle on one line
    zh = cli("--lang", "zh", *args, as_="sup", env=wide)
    assert zh.exit_code == 0, zh.stderr
    assert " · 截至 2026年12月1日 09:30（本行时间 Asia/Shanghai）\n" in zh.stdout
    assert "UTC" not in zh.stdout
    md = cli("--lang", "zh", *args, "--format", "md", as_="sup").stdout
    assert "截至 2026年12月1日 09:30（本行时间 Asia/Shanghai）" in md
    en = cli("--lang", "en", *args, as_="sup", env=wide).stdout
    assert " · as of 2026-12-01 09:30 (bank time Asia/Shanghai)\n" in en
    # an offset is read as given and shown in bank time (01:30 UTC is 09:30 in Shanghai)
    utc = cli("--lang", "en", "report", "summary", "--as-of", "2026-12-01T01:30Z", as_="sup",
              env=wide)
    assert " · as of 2026-12-01 09:30 (bank time Asia/Shanghai)\n" in utc.stdout, utc.stdout
    as_json = [cli("--lang", lang, *args, "--format", "json", as_="sup").stdout
               for lang in ("zh", "en")]
    assert as_json[0] == as_json[1] and "as_of" not in json.loads(as_json[0])


# --- the sweep of prompts, export, evidence, intake, import, db, staff and org under zh ---------

def test_register_prompts_with_the_languages_colon_and_brackets(cli, monkeypatch):
    """A missing field asked for on a terminal: 渠道（…）： and 客户姓名： under zh (it was
    '渠道 (…): ' with ASCII marks); English as it was."""
    import types

    import complaintctl.cli.complaints.registration as commands

    monkeypatch.setattr(commands, "sys", types.SimpleNamespace(
        stdin=types.SimpleNamespace(isatty=lambda: True)))
    choices = "counter/phone/email/online/letter/fax/regulator/social_media/self_service/other"
    zh = cli("--lang", "zh", "register", as_="clerk", input="phone\n张伟\n年费重复扣收\n")
    assert zh.exit_code == 0, zh.stderr
    # the choices by their Chinese labels, with the codes (issue 22)
    assert zh.stdout.startswith("渠道（柜面（counter）、电话（phone）、电子邮件（email）、线上平台（online）、信函（letter）、传真（fax）、监管转办（regulator）、社交媒体（social_media）、自助设备（self_service）、其他（other））：phone\n客户姓名：张伟\n摘要：年费重复扣收\n")
    refused = cli("--lang", "zh", "register", as_="clerk", input="pigeon\n" * 3)
    assert refused.exit_code == 2
    assert refused.stderr.endswith("错误：尝试 3 次后仍未给出有效的 --channel；未保存任何内容。\n")
    en = cli("--lang", "en", "register", as_="clerk", input="phone\n张伟\n年费重复扣收\n")
    assert en.exit_code == 0, en.stderr
    assert en.stdout.startswith(
        f"Channel ({choices}): phone\nCustomer name: 张伟\nSummary: 年费重复扣收\n")


def test_export_to_a_missing_directory_names_the_file_and_the_problem_in_the_language(
        cli, tmp_path):
    """It named the temporary file beside the target, and the system's English words."""
    target = tmp_path / "nowhere" / "out.csv"
    zh = cli("--lang", "zh", "export", "-o", str(target), as_="sup")
    assert (zh.exit_code, zh.stderr) == (1, f"错误：无法使用 {target}：没有该文件或目录。\n")
    en = cli("--lang", "en", "export", "-o", str(target), as_="sup")
    assert (en.exit_code, en.stderr) == (
        1, f"Error: Cannot use {target}: No such file or directory.\n")
    assert not (tmp_path / "nowhere").exists()


def test_os_problems_are_worded_in_the_language():
    import errno

    missing = FileNotFoundError(errno.ENOENT, "No such file or directory", "x")
    odd = OSError(errno.EIO, "Input/output error", "x")
    set_language("zh")
    assert (i18n.os_problem(missing), i18n.os_problem(odd)) == ("没有该文件或目录",
                                                                "Input/output error")
    assert i18n.sentences("第一句。", None, "第二句。") == "第一句。第二句。"
    set_language("en")
    assert i18n.os_problem(missing) == "No such file or directory"
    assert i18n.sentences("One.", None, "Two.") == "One. Two."


def test_intake_summaries_join_sentences_without_a_space_and_name_the_sender(cli, tmp_path):
    """intake json and mail: '…失败 0 条。试运行：…' (an ASCII space sat between the two
    sentences); the mail table's column is 发件人 (it said 起, as in from–to)."""
    import mailkit

    records = tmp_path / "platform.jsonl"
    records.write_text('{"channel": "online", "customer": {"name": "张伟"}, "summary": "年费"}\n',
                       encoding="utf-8")
    zh = cli("--lang", "zh", "intake", "json", str(records), "--dry-run", as_="clerk")
    assert (zh.exit_code, zh.stderr) == (
        0, "读取 1 条：登记 0 件，跳过重复 0 条，失败 0 条。试运行：1 条有效，未作任何更改。\n")
    en = cli("--lang", "en", "intake", "json", str(records), "--dry-run", as_="clerk")
    assert en.stderr == ("Read 1: 0 registered, 0 duplicates skipped, 0 failed. Dry run: 1 "
                         "valid, nothing was changed.\n")
    box = mailkit.maildir(tmp_path / "Maildir", [mailkit.plain()])
    mail = cli("--lang", "zh", "intake", "mail", "--maildir", str(box), "--dry-run",
               as_="clerk")
    assert mail.exit_code == 0, mail.stderr
    assert _rows(mail.stdout)[0] == ["结果", "投诉", "发件人", "主题", "文件", "原因"]
    assert mail.stderr == ("读取 1 封：登记 1 件，附加到已有投诉 0 封，跳过重复 0 封，"
                           "忽略自动回复 0 封，已读未收取 0 封，待审核 0 封，失败 0 封。"
                           "试运行：未作任何更改。\n")
    mail_en = cli("--lang", "en", "intake", "mail", "--maildir", str(box), "--dry-run",
                  as_="clerk")
    assert _rows(mail_en.stdout)[0] == ["Result", "Complaint", "From", "Subject", "Files", "Why"]
    assert mail_en.stderr.endswith(" 0 failed. Dry run: nothing was changed.\n")


def test_import_messages_in_chinese_with_english_as_it_was(cli, tmp_path):
    """The layouts a header may have are joined by 或 (' or ' stood in the Chinese sentence),
    the emergency note says what detection did (it said 'opened'), an undone batch's time is
    the language's, and Typer's number checks speak Chinese (pydantic's English before)."""
    header = tmp_path / "header.csv"
    header.write_text("a,b\n1,2\n", encoding="utf-8")
    zh = cli("--lang", "zh", "import", str(header), as_="sup")
    assert (zh.exit_code, zh.stderr) == (5, (
        "错误：前 50 行中未找到表头；应为 cfpb 列（datereceived, product）或 native 列（summary, "
        "channel）。其他布局请传入 --format 或 --mapping。\n"))
    en = cli("--lang", "en", "import", str(header), as_="sup")
    assert en.stderr == (
        "Error: No header found in the first 50 lines; expected the cfpb columns (datereceived, "
        "product) or the native columns (summary, channel). Pass --format or --mapping for "
        "another layout.\n")
    rows = tmp_path / "rows.csv"

    def write(prefix: str, n: int) -> str:
        rows.write_text("external_ref,channel,customer_name,summary,branch\n" + "".join(
            f"{prefix}{i},phone,张伟{i},年费重复扣收,BJ01\n" for i in range(n)), encoding="utf-8")
        return str(rows)

    assert cli("--lang", "zh", "import", write("U", 2), as_="sup").exit_code == 0
    assert cli("--lang", "zh", "import", "undo", "1", as_="sup").stderr == (
        "批次 1 已撤销：删除了 2 件投诉。\n")
    again = cli("--lang", "zh", "import", "undo", "1", as_="sup")
    assert again.exit_code == 2
    assert re.fullmatch(r"错误：批次 1 已于 \d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d 撤销。\n",
                        again.stderr), again.stderr
    again_en = cli("--lang", "en", "import", "undo", "1", as_="sup")
    assert re.fullmatch(r"Error: Batch 1 was already undone on \d{4}-\d\d-\d\dT[\d:.]+\+08:00\.\n",
                        again_en.stderr), again_en.stderr
    done = cli("--lang", "zh", "import", write("R", 6), as_="sup")
    assert done.exit_code == 0, done.stderr
    note = done.stderr.splitlines()[0]
    assert re.fullmatch(r"应急预案：突发事件 1（IV 级）已开启：.+。", note), note
    assert "opened" not in done.stderr
    en_note = cli("--lang", "en", "import", write("S", 2), as_="sup").stderr.splitlines()[0]
    assert re.fullmatch(r"Emergency plan: incident 1 linked at level IV: .+\.", en_note), en_note
    for args, zh_problem, en_problem in (
            (("import", "list", "--limit", "0"), "'--limit' 的值无效：请给出不小于 1 的数。",
             "Invalid value for '--limit': Give a number of at least 1."),
            (("import", "undo", "x"), "'batch' 的值无效：请给出整数。",
             "Invalid value for 'batch': Give a whole number.")):
        zh = cli("--lang", "zh", *args, as_="sup")
        assert zh.exit_code == 2 and zh.stderr.endswith(f"\n错误：{zh_problem}\n"), zh.stderr
        en = cli("--lang", "en", *args, as_="sup")
        assert en.exit_code == 2 and en.stderr.endswith(f"\nError: {en_problem}\n"), en.stderr


def test_the_import_progress_bar_counts_rows_in_the_language(monkeypatch):
    import types

    import complaintctl.cli.imports as commands

    monkeypatch.setattr(commands, "sys", types.SimpleNamespace(
        stderr=types.SimpleNamespace(isatty=lambda: True)))
    texts = {}
    for lang in ("zh", "en"):
        set_language(lang)
        bar = commands._Progress(100).bar
        texts[lang] = [getattr(c, "text_format", None) for c in bar.columns]
    assert "{task.fields[rows]} 行" in texts["zh"] and "{task.fields[rows]} rows" in texts["en"]


def test_staff_org_and_conflicts_speak_chinese_and_english_is_as_it_was(cli):
    """The role and a conflict's kind in words (they were codes: 角色为 handler, 对 account),
    the senior flag named in Chinese, and 名称 for an organisation's or a code's name (姓名 is
    for people only)."""
    wide = {"COLUMNS": "200"}

    def both(*args: str) -> tuple[str, str]:
        zh, en = (cli("--lang", lang, *args, env=wide) for lang in ("zh", "en"))
        assert zh.exit_code == en.exit_code == 0, (args, zh.stderr, en.stderr)
        return zh.stdout + zh.stderr, en.stdout + en.stderr

    zh = cli("--lang", "zh", "staff", "add", "zhangsan", "--name", "张三", "--role", "handler")
    assert zh.stderr == "已添加 zhangsan，角色为承办人。\n"
    en = cli("--lang", "en", "staff", "add", "lisi", "--name", "李四", "--role", "handler")
    assert en.stderr == "Added lisi as handler.\n"
    assert both("staff", "senior", "h1") == ("h1 的高级标记：是。\n", "h1 senior: yes.\n")
    assert both("staff", "senior", "h1", "--off")[0] == "h1 的高级标记：否。\n"
    for lang, user, said in (("zh", "h1", "已记录利益冲突 1：h1 对账户相关投诉回避。\n"),
                             ("en", "h2", "Conflict 2 recorded: h2 is recused from account "
                                          "matches.\n")):
        added = cli("--lang", lang, "staff", "conflict", "add", user, "--kind", "account",
                    "--value", "6222020200001234")
        assert (added.exit_code, added.stderr) == (0, said)
    zh, en = both("staff", "conflict", "list")
    assert [r[2] for r in _rows(zh)] == ["类型", "账户", "账户"]
    assert [r[2] for r in _rows(en)] == ["Kind", "account", "account"]
    zh, en = both("staff", "list")
    assert _rows(zh)[0][:3] == ["用户", "姓名", "角色"] and _rows(en)[0][:3] == [
        "User", "Name", "Role"]
    assert cli("org", "add", "BJ", "--name", "北京分行").exit_code == 0
    zh, en = both("org", "list")
    assert _rows(zh)[0][:2] == ["机构", "名称"] and _rows(en)[0][:2] == ["Organisation", "Name"]
    assert _rows(cli("--lang", "zh", "rootcause", "codes", env=wide).stdout)[0][:3] == [
        "维度", "代码", "名称"]
    # machine output does not move
    for args in (("staff", "list", "--format", "json"), ("staff", "conflict", "list", "--format",
                                                         "json"), ("org", "list", "--format",
                                                                   "json")):
        assert cli("--lang", "zh", *args).stdout == cli("--lang", "en", *args).stdout, args


def test_incident_triggers_and_detection_results_have_their_chinese():
    set_language("zh")
    assert [i18n.term(t) for t in ("same_cluster", "spike", "group_visit", "amount",
                                   "tag_combination", "tag:media", "opened", "linked",
                                   "escalated")] == [
        "同类聚集", "激增", "群体到访", "大额", "标签组合", "标签 media", "已开启", "已关联投诉", "已升级"]
    set_language("en")
    assert [i18n.term(t) for t in ("same_cluster", "tag:media", "opened")] == [
        "same_cluster", "tag:media", "opened"]


@pytest.mark.sqlite_only("db migrate-to from a SQLite branch file")
def test_migrate_to_joins_its_sentences_without_a_space_under_zh(tmp_path):
    from complaintctl.store.db import Database, resolve_url
    from complaintctl.services.admin.demo import build
    from conftest import Cli

    source = Database(resolve_url(str(tmp_path / "branch.db")))
    source.create()
    build(source)
    target = resolve_url(str(tmp_path / "central.db"))
    zh = Cli(source)("--lang", "zh", "db", "migrate-to", target, "--dry-run")
    assert zh.exit_code == 0, zh.stderr
    assert "试运行：已全部复制并校验，随后回滚；未写入任何内容。审计链原样复制：" in zh.stderr
    en = Cli(source)("--lang", "en", "db", "migrate-to", target, "--dry-run")
    assert "then rolled back; nothing was written. Audit chain copied as it was: " in en.stderr


def _columns(line: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


@pytest.mark.slow
def test_chinese_help_fits_the_terminal_and_names_every_option_in_chinese():
    """Help under zh at 80 columns: lines measured in terminal columns (a Chinese line ran to
    twice the width), a command's summary cut to its room with … (report's said only '...'),
    Typer's completion options in Chinese. English help is laid out as Click does it."""
    narrow = {"COLUMNS": "80"}
    for args in ((), ("report",), ("import", "file"), ("register",), ("staff", "senior")):
        zh = run("--lang", "zh", *args, "--help", env=narrow)
        assert zh.returncode == 0, zh.stderr
        too_wide = [line for line in zh.stdout.splitlines() if _columns(line) > 80
                    and not line.strip().startswith(("complaintctl ", "echo ", "--status <",
                                                     "--channel <", "name <"))]
        assert not too_wide, (args, too_wide)
    root = run("--lang", "zh", "--help", env=narrow).stdout
    assert "  --install-completion  为当前 shell 安装命令补全。\n" in root
    assert "  report     主管报表：汇总、时限、账龄、趋势等。\n" in root  # its short help
    assert "  register         登记一件投诉并输出其新编号。\n" in root
    assert "English" not in root and "Install completion" not in root
    report = run("--lang", "zh", "report", "--help", env=narrow).stdout
    assert ("  --period TEXT             2026-11、2026-Q3、2026-H1、2026、2026-W45、\n"
            "                            2026-11-05 或 all［默认：本月；监管报表：本季\n"
            "                            度］。\n") in report  # 2026-1|1-05 was cut
    assert "高级标记（senior）" in run("--lang", "zh", "staff", "senior", "--help").stdout
    en = run("--lang", "en", "--help", env=narrow).stdout
    assert "  --install-completion  Install completion for the current shell.\n" in en
    assert "  report     Supervisor reports: summary, SLA, aging, trend and more.\n" in en


def test_a_required_field_left_blank_is_named_without_a_stray_space(cli):
    run = cli("--lang", "zh", "register", "--channel", "phone", "--customer", "  ",
              "--summary", "无法转账", as_="clerk")
    assert (run.exit_code, run.stdout) == (5, "")
    assert run.stderr == "错误：客户姓名（--customer）为必填项，不能为空。\n"
    english = cli("--lang", "en", "register", "--channel", "phone", "--customer", "  ",
                  "--summary", "x", as_="clerk")
    assert english.stderr == ("Error: The customer's name (--customer) is required and cannot "
                              "be blank.\n")


def test_import_json_keeps_its_keys_and_counts_and_words_its_reasons_in_the_language(cli, tmp_path):
    """The reasons an import gives for a row (in --json's errors and the rejects file) are
    written for the clerk who fixes the file, as intake's are: they follow the language, while
    the keys, counts, lines and everything else stay the same."""
    from importing import CFPB, csv_text

    import csv as csv_module

    from complaintctl.domain.records import CFPB_HEADER

    rows = [list(r) for r in csv_module.reader(open(CFPB, newline=""))][1:3]
    rows[1][0] = "not a date"
    path = tmp_path / "one_bad.csv"
    path.write_text(csv_text(CFPB_HEADER, rows))
    runs = {}
    for lang in ("en", "zh"):
        rejects = tmp_path / f"rejects_{lang}.csv"
        run = cli("--lang", lang, "import", str(path), "--dry-run", "--max-errors", "1",
                  "--rejects", str(rejects), "--json")
        assert run.exit_code == 0, run.stderr
        runs[lang] = (json.loads(run.stdout), list(csv_module.reader(open(
            rejects, encoding="utf-8-sig"))))
    (en, en_rejects), (zh, zh_rejects) = runs["en"], runs["zh"]
    assert [e["line"] for e in zh["errors"]] == [e["line"] for e in en["errors"]]
    assert len(en["errors"]) == en["rejected"] == 1 and en["read"] == 2
    assert {k: v for k, v in zh.items() if k not in ("errors", "rejects_file")} == \
        {k: v for k, v in en.items() if k not in ("errors", "rejects_file")}
    assert not re.search(r"[\u4e00-\u9fff]", en["errors"][0]["reason"])
    assert re.search(r"[\u4e00-\u9fff]", zh["errors"][0]["reason"])
    assert zh_rejects[0] == en_rejects[0] and zh_rejects[1][:-1] == en_rejects[1][:-1]
