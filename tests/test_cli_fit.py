"""Tables fit the terminal (issue 22): key columns whole, free text cut with … on one line at
its display width, lower-ranked columns dropped in a documented order, ``show``'s timeline
wrapped without breaking before a closing mark, ``evidence list`` with its SHA-256 shortened.
Exact renderings at 80 and 120 columns in English and Chinese (pinned rows, ``fit_samples``;
compared line by line without the padding after a line's end); the CLI at 80, 100, 120 and 200
columns through ``COLUMNS`` and through a real terminal (``script``)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from rich.cells import cell_len

from fit_samples import SHA, YEAR, render_evidence, render_list, render_timeline

# --- exact renderings ({Y}: this year, {P}: last year) ---------------------------------------

LIST_EN_80 = """\
                                 Complaints (4)                                 
┏━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┓
┃ Number          ┃ Status        ┃ Summary                  ┃ Due             ┃
┡━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━┩
│ CMP-{Y}-000005 │ assigned      │ 监管转办：贷款提前还款 … │ 12-06 −11d !    │
│ CMP-{Y}-000002 │ investigating │ Transfer delayed three … │ 12-09 2d        │
│ CMP-{Y}-000012 │ under review  │ 柜台服务态度差           │ 12-10 5h paused │
│ CMP-{P}-000017 │ resolved      │ Letter of credit fee ch… │ {P}-12-30      │
└─────────────────┴───────────────┴──────────────────────────┴─────────────────┘
"""

LIST_EN_120 = """\
                                                     Complaints (4)                                                     
┏━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┳━━━━━━━━━━━┳━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┓
┃ Number          ┃ Status        ┃ Channel   ┃ Customer    ┃ Summary          ┃ Assignee ┃ Priority ┃ Due             ┃
┡━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━╇━━━━━━━━━━━╇━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━━━━━━━━━━┩
│ CMP-{Y}-000005 │ assigned      │ regulator │ 陈明        │ 监管转办：贷款 … │ lihua    │ high     │ 12-06 −11d !    │
│ CMP-{Y}-000002 │ investigating │ phone     │ Emily John… │ Transfer delaye… │ chenjing │ urgent   │ 12-09 2d        │
│ CMP-{Y}-000012 │ under review  │ counter   │ 黄丽        │ 柜台服务态度差   │ -        │ normal   │ 12-10 5h paused │
│ CMP-{P}-000017 │ resolved      │ email     │ Acme Tradi… │ Letter of credi… │ lihua    │ low      │ {P}-12-30      │
└─────────────────┴───────────────┴───────────┴─────────────┴──────────────────┴──────────┴──────────┴─────────────────┘
"""

LIST_ZH_80 = """\
                                  投诉（4 件）                                  
┏━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━┓
┃ 编号            ┃ 状态           ┃ 摘要                ┃ 到期                ┃
┡━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━┩
│ CMP-{Y}-000005 │ 已分派         │ 监管转办：贷款提前… │ 12-06 −11d !        │
│ CMP-{Y}-000002 │ 调查核实中     │ Transfer delayed t… │ 12-09 2d            │
│ CMP-{Y}-000012 │ 核查中         │ 柜台服务态度差      │ 12-10 5h 已中止计时 │
│ CMP-{P}-000017 │ 已作出处理决定 │ Letter of credit f… │ {P}-12-30          │
└─────────────────┴────────────────┴─────────────────────┴─────────────────────┘
"""

LIST_ZH_120 = """\
                                                      投诉（4 件）                                                      
┏━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━┓
┃ 编号            ┃ 状态           ┃ 渠道     ┃ 客户       ┃ 摘要            ┃ 承办人   ┃ 优先级 ┃ 到期                ┃
┡━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━┩
│ CMP-{Y}-000005 │ 已分派         │ 监管转办 │ 陈明       │ 监管转办：贷款… │ lihua    │ 高     │ 12-06 −11d !        │
│ CMP-{Y}-000002 │ 调查核实中     │ 电话     │ Emily Joh… │ Transfer delay… │ chenjing │ 紧急   │ 12-09 2d            │
│ CMP-{Y}-000012 │ 核查中         │ 柜面     │ 黄丽       │ 柜台服务态度差  │ -        │ 普通   │ 12-10 5h 已中止计时 │
│ CMP-{P}-000017 │ 已作出处理决定 │ 电子邮件 │ Acme Trad… │ Letter of cred… │ lihua    │ 低     │ {P}-12-30          │
└─────────────────┴────────────────┴──────────┴────────────┴─────────────────┴──────────┴────────┴─────────────────────┘
"""

TIMELINE_EN_80 = """\
                                    Timeline                                    
┏━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓
┃ When             ┃ Who      ┃ Action   ┃ Details                             ┃
┡━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┩
│ 2026-12-01 09:05 │ zhaolei  │ register │ summary: 监管转办：贷款提前还款违约 │
│                  │          │          │ 金争议，客户要求退还违约金并书面道  │
│                  │          │          │ 歉                                  │
│ 2026-12-01 10:00 │ wangfang │ assign   │ assignee: - → lihua                 │
│ 2026-12-02 14:30 │ lihua    │ contact  │ summary: Called the customer and    │
│                  │          │          │ explained the process; decision     │
│                  │          │          │ expected by 12 December; via: phone │
└──────────────────┴──────────┴──────────┴─────────────────────────────────────┘
"""

TIMELINE_EN_120 = """\
                                                        Timeline                                                        
┏━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓
┃ When             ┃ Who      ┃ Action   ┃ Status     ┃ Details                                                        ┃
┡━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┩
│ 2026-12-01 09:05 │ zhaolei  │ register │ registered │ summary: 监管转办：贷款提前还款违约金争议，客户要求退还违约金  │
│                  │          │          │            │ 并书面道歉                                                     │
│ 2026-12-01 10:00 │ wangfang │ assign   │ assigned   │ assignee: - → lihua                                            │
│ 2026-12-02 14:30 │ lihua    │ contact  │ assigned   │ summary: Called the customer and explained the process;        │
│                  │          │          │            │ decision expected by 12 December; via: phone                   │
└──────────────────┴──────────┴──────────┴────────────┴────────────────────────────────────────────────────────────────┘
"""

TIMELINE_ZH_80 = """\
                                     时间线                                     
┏━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓
┃ 时间                ┃ 负责人   ┃ 操作     ┃ 详情                             ┃
┡━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┩
│ 2026年12月1日 09:05 │ zhaolei  │ 登记     │ summary: 监管转办：贷款提前还款  │
│                     │          │          │ 违约金争议，客户要求退还违约金并 │
│                     │          │          │ 书面道歉                         │
│ 2026年12月1日 10:00 │ wangfang │ 分派     │ assignee: - → lihua              │
│ 2026年12月2日 14:30 │ lihua    │ 联系客户 │ summary: Called the customer and │
│                     │          │          │ explained the process; decision  │
│                     │          │          │ expected by 12 December; via:    │
│                     │          │          │ phone                            │
└─────────────────────┴──────────┴──────────┴──────────────────────────────────┘
"""

TIMELINE_ZH_120 = """\
                                                         时间线                                                         
┏━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓
┃ 时间                ┃ 负责人   ┃ 操作     ┃ 状态   ┃ 详情                                                            ┃
┡━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┩
│ 2026年12月1日 09:05 │ zhaolei  │ 登记     │ 已登记 │ summary: 监管转办：贷款提前还款违约金争议，客户要求退还违约金并 │
│                     │          │          │        │ 书面道歉                                                        │
│ 2026年12月1日 10:00 │ wangfang │ 分派     │ 已分派 │ assignee: - → lihua                                             │
│ 2026年12月2日 14:30 │ lihua    │ 联系客户 │ 已分派 │ summary: Called the customer and explained the process;         │
│                     │          │          │        │ decision expected by 12 December; via: phone                    │
└─────────────────────┴──────────┴──────────┴────────┴─────────────────────────────────────────────────────────────────┘
"""

EVIDENCE_EN_80 = """\
┏━━━━┳━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━┓
┃ Id ┃ File                ┃ Bytes   ┃ SHA-256              ┃ Added            ┃
┡━━━━╇━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━┩
│ 1  │ 银行流水对账单2026… │ 48213   │ 64f742f8ca5893cee41… │ 2026-12-02 15:00 │
│ 2  │ call-recording-202… │ 1048576 │ 0000000000000000000… │ 2026-12-03 09:30 │
└────┴─────────────────────┴─────────┴──────────────────────┴──────────────────┘
"""

EVIDENCE_EN_120 = """\
┏━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━┓
┃ Id ┃ File                   ┃ Bytes   ┃ SHA-256                ┃ Description           ┃ By       ┃ Added            ┃
┡━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━┩
│ 1  │ 银行流水对账单2026年1… │ 48213   │ 64f742f8ca5893cee4134… │ 客户提供的11月份信用… │ lihua    │ 2026-12-02 15:00 │
│ 2  │ call-recording-2026-1… │ 1048576 │ 000000000000000000000… │ Call with the custom… │ chenjing │ 2026-12-03 09:30 │
└────┴────────────────────────┴─────────┴────────────────────────┴───────────────────────┴──────────┴──────────────────┘
"""

EVIDENCE_ZH_80 = """\
┏━━━━━━┳━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━┓
┃ 编号 ┃ 文件              ┃ 字节    ┃ SHA-256           ┃ 添加时间            ┃
┡━━━━━━╇━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━┩
│ 1    │ 银行流水对账单20… │ 48213   │ 64f742f8ca5893ce… │ 2026年12月2日 15:00 │
│ 2    │ call-recording-2… │ 1048576 │ 0000000000000000… │ 2026年12月3日 09:30 │
└──────┴───────────────────┴─────────┴───────────────────┴─────────────────────┘
"""

EVIDENCE_ZH_120 = """\
┏━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━┓
┃ 编号 ┃ 文件                 ┃ 字节    ┃ SHA-256               ┃ 描述                ┃ 操作人   ┃ 添加时间            ┃
┡━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━┩
│ 1    │ 银行流水对账单2026 … │ 48213   │ 64f742f8ca5893cee413… │ 客户提供的11月份信… │ lihua    │ 2026年12月2日 15:00 │
│ 2    │ call-recording-2026… │ 1048576 │ 00000000000000000000… │ Call with the cust… │ chenjing │ 2026年12月3日 09:30 │
└──────┴──────────────────────┴─────────┴───────────────────────┴─────────────────────┴──────────┴─────────────────────┘
"""


RENDER = {"LIST": render_list, "TIMELINE": render_timeline, "EVIDENCE": render_evidence}
CASES = [(table, lang, width) for table in RENDER for lang in ("en", "zh") for width in (80, 120)]


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines()]


@pytest.mark.parametrize(("table", "lang", "width"), CASES,
                         ids=[f"{t.lower()}-{lang}-{w}" for t, lang, w in CASES])
def test_the_rendering_is_exact(table, lang, width):
    expected = globals()[f"{table}_{lang.upper()}_{width}"].format(Y=YEAR, P=YEAR - 1)
    shown = RENDER[table](width, lang)
    assert _lines(shown) == _lines(expected)
    assert max(cell_len(line) for line in shown.splitlines()) <= width


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("width", [80, 100, 120, 200])
def test_every_table_fits_and_keeps_its_keys_whole_at_any_width(lang, width):
    listed, evidence = render_list(width, lang), render_evidence(width, lang)
    for shown in (listed, evidence, render_timeline(width, lang)):
        assert max(cell_len(line) for line in shown.splitlines()) <= width
    rows = [line for line in listed.splitlines() if line.startswith("│")]
    assert len(rows) == 4  # one line per complaint
    for number in (f"CMP-{YEAR}-000005", f"CMP-{YEAR}-000002", f"CMP-{YEAR - 1}-000017"):
        assert number in listed
    assert "12-06 −11d !" in listed
    ev_rows = [line for line in evidence.splitlines() if line.startswith("│")]
    assert len(ev_rows) == 2
    assert (SHA in evidence) == (width >= 200)  # whole when it fits, else shortened with …


def test_columns_leave_a_narrow_terminal_in_the_documented_order():
    from complaintctl.present import tables

    def headers(width):
        return next(line for line in render_list(width, "en").splitlines() if line.startswith("┃"))

    order = ["Branch", "Channel", "Priority", "Customer", "Assignee"]
    widths = {w: headers(w) for w in range(70, 201, 2)}
    gone_at = {name: max((w for w, h in widths.items() if name not in h), default=0)
               for name in order}
    # a column leaves at a wider terminal than the one after it in the order
    assert [gone_at[n] for n in order] == sorted((gone_at[n] for n in order), reverse=True)
    assert all(k in widths[70] for k in ("Number", "Status", "Summary", "Due"))
    assert [c.key for c in tables.list_layout() if c.drop] == [
        "channel", "customer_name", "branch", "assignee", "priority"]


def test_a_due_cell_says_the_day_the_time_left_and_the_state_in_one_cell():
    from complaintctl.present.tables import due_cell

    due = f"{YEAR}-12-22T17:00:00+08:00"
    assert due_cell({"due_at": due, "seconds_left": -11 * 86400 - 5, "overdue": True},
                    YEAR) == "12-22 −11d !"
    assert due_cell({"due_at": due, "seconds_left": 3 * 3600}, YEAR) == "12-22 3h"
    assert due_cell({"due_at": due, "seconds_left": 1800}, YEAR) == "12-22 30m"
    assert due_cell({"due_at": due, "seconds_left": None}, YEAR + 1) == f"{YEAR}-12-22"
    assert due_cell({"due_at": None}) is None


def test_json_keeps_the_whole_hash_and_the_full_text(cli, tmp_path):
    n = cli("register", "--channel", "phone", "--customer", "张伟", "--summary", "长" * 300,
            as_="clerk").stdout.strip()
    f = tmp_path / "statement.pdf"
    f.write_bytes(b"statement")
    cli("assign", n, "--to", "h1", as_="sup")
    assert cli("evidence", "add", n, str(f), as_="h1").exit_code == 0
    rows = json.loads(cli("evidence", "list", n, "--format", "json").stdout)
    assert len(rows[0]["sha256"]) == 64
    panel = cli("show", n, env={"COLUMNS": "80"}).stdout.split("Timeline")[0]
    assert panel.count("长") == 300 and "…" not in panel  # show is where the text is read


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("width", ["80", "100", "120", "200"])
def test_the_cli_fits_the_width_columns_gives(cli, lang, width):
    for i in range(3):
        cli("register", "--channel", "phone", "--customer", "欧阳娜娜" * 3,
            "--summary", "信用卡年费重复扣收，客户要求退还并道歉" * 3, as_="clerk")
    run = cli("--lang", lang, "list", env={"COLUMNS": width})
    assert run.exit_code == 0, run.stderr
    lines = run.stdout.splitlines()
    assert max(cell_len(line) for line in lines) <= int(width)
    assert len([line for line in lines if line.startswith("│")]) == 3
    assert all(f"CMP-{YEAR}-00000{i}" in run.stdout for i in (1, 2, 3))


@pytest.mark.skipif(shutil.which("script") is None, reason="needs util-linux script")
def test_a_real_terminal_of_80_columns_gets_a_table_of_80(seeded, tmp_path):
    """As the issue saw it: ``script -qc "stty cols 80; complaintctl list" /dev/null``."""
    from complaintctl.domain.enums import Channel
    from complaintctl.services.complaints import registration
    from conftest import actor

    with seeded.session() as session:
        registration.register(session=session, actor=actor("clerk"), new=registration.NewComplaint(
            channel=Channel.phone, customer="张伟", summary="信用卡年费重复扣收，客户要求退还" * 4))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    exe = os.path.join(os.path.dirname(sys.executable), "complaintctl")
    command = f"stty cols 80 rows 40; {exe} --db '{seeded.url}' --as admin list"
    run = subprocess.run(["script", "-qec", command, "/dev/null"], capture_output=True,
                         text=True, env=env, timeout=60, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    import re

    lines = [re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", line).rstrip("\r")
             for line in run.stdout.splitlines()]
    table = [line for line in lines if line[:1] in "┏┃┡│└"]
    assert table and max(cell_len(line) for line in table) == 80
    assert sum(1 for line in table if line.startswith("│")) == 1
