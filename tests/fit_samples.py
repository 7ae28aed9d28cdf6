"""Pinned rows for the layout tests of ``test_cli_fit``: complaints, a timeline and evidence
as the services hand them out, with the clock fields fixed so a rendering is exact."""

from __future__ import annotations

import io
from datetime import datetime

YEAR = datetime.now().year
DAY, HOUR = 86400, 3600


def complaint(number, status, channel, customer, summary, branch, assignee, priority, due,
              left, *, overdue=False, paused=False):
    return {"number": number, "status": status, "channel": channel,
            "customer": {"name": customer}, "summary": summary, "branch": branch,
            "assignee": assignee, "priority": priority,
            "due_at": f"{due}T17:00:00+08:00" if due else None, "seconds_left": left,
            "overdue": overdue, "paused": paused, "tags": [], "remedies": []}


LIST = [
    complaint(f"CMP-{YEAR}-000005", "assigned", "regulator", "陈明",
              "监管转办：贷款提前还款违约金争议，客户要求退还违约金并书面道歉", "BJ01", "lihua",
              "high", f"{YEAR}-12-06", -11 * DAY, overdue=True),
    complaint(f"CMP-{YEAR}-000002", "investigating", "phone", "Emily Johnson-Whitaker",
              "Transfer delayed three days; the customer missed a mortgage payment", "SH01",
              "chenjing", "urgent", f"{YEAR}-12-09", 2 * DAY + 5 * HOUR),
    complaint(f"CMP-{YEAR}-000012", "under_review", "counter", "黄丽", "柜台服务态度差",
              "BJ01", None, "normal", f"{YEAR}-12-10", 5 * HOUR, paused=True),
    complaint(f"CMP-{YEAR - 1}-000017", "resolved", "email", "Acme Trading Co., Ltd.",
              "Letter of credit fee charged twice", "BJ01", "lihua", "low",
              f"{YEAR - 1}-12-30", None),
]

TIMELINE = [
    {"at": "2026-12-01T09:05:00+08:00", "actor": "zhaolei", "action": "register",
     "to_status": "registered", "what": "summary: 监管转办：贷款提前还款违约金争议，客户要求退还违约金并书面道歉"},
    {"at": "2026-12-01T10:00:00+08:00", "actor": "wangfang", "action": "assign",
     "to_status": "assigned", "what": "assignee: - → lihua"},
    {"at": "2026-12-02T14:30:00+08:00", "actor": "lihua", "action": "contact",
     "to_status": "assigned",
     "what": "summary: Called the customer and explained the process; decision expected by 12 "
             "December; via: phone"},
]

SHA = "64f742f8ca5893cee4134f28a6b2c66af6bba042bd9de906ace0308375747572"
EVIDENCE = [
    {"id": 1, "filename": "银行流水对账单2026年11月.pdf", "size": 48213, "sha256": SHA,
     "description": "客户提供的11月份信用卡对账单，显示重复扣费两次", "added_by": "lihua",
     "added_at": "2026-12-02T15:00:00+08:00"},
    {"id": 2, "filename": "call-recording-2026-12-02.mp3", "size": 1048576,
     "sha256": "0" * 64, "description": "Call with the customer", "added_by": "chenjing",
     "added_at": "2026-12-03T09:30:00+08:00"},
]


def _captured(width: int, lang: str, draw) -> str:
    """What ``draw()`` prints on a console ``width`` columns wide, in ``lang``."""
    from contextlib import redirect_stdout

    from rich.console import Console

    from complaintctl.i18n import set_language
    from complaintctl.present import render

    buffer = io.StringIO()
    set_language(lang)
    try:
        with redirect_stdout(buffer):
            render.reset()
            render._out = Console(file=buffer, width=width, soft_wrap=False, highlight=False,
                                  color_system=None)
            draw()
    finally:
        render.reset()
        set_language("en")
    return buffer.getvalue()


def render_list(width: int, lang: str) -> str:
    from complaintctl.present import tables

    return _captured(width, lang, lambda: tables.complaint_list(LIST, "table"))


def render_timeline(width: int, lang: str) -> str:
    from complaintctl.i18n import _
    from complaintctl.present import fit, tables

    return _captured(width, lang, lambda: fit.table(TIMELINE, tables.timeline_layout(),
                                                    title=_("Timeline")))


def render_evidence(width: int, lang: str) -> str:
    from complaintctl.present import tables

    return _captured(width, lang, lambda: tables.evidence_table(EVIDENCE, "CMP-2026-000005"))
