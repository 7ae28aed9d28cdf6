"""SVG snapshots of the workspace's main screens at 80x24, in English and Chinese (issue 21).
Deterministic: the complaint was received, handled and resolved at fixed past times, so no
clock runs (the countdown shows "-") and every time shown is a stored one; the register form's
received time is typed, so its due date is fixed too. ``pytest --snapshot-update`` rewrites
them after a deliberate change of layout or wording.

Staff: sup (supervisor BJ01), h1 h2 (handlers BJ01), clerk (BJ01), aud (auditor), sup2 h3 (SH01).
"""

from __future__ import annotations

import pytest

from complaintctl.i18n import set_language
from test_tui import app_for

SIZE = (80, 24)


@pytest.fixture
def resolved(cli):
    at = "2026-11-02T09:00"
    run = cli("register", "--channel", "phone", "--customer", "张伟", "--summary",
              "信用卡年费重复扣收", "--phone", "13812345678", "--amount", "300",
              "--received-at", at, "--at", at, as_="clerk")
    number = run.stdout.split()[-1]
    for args, who in ((["assign", number, "--to", "h1"], "sup"), (["investigate", number], "h1"),
                      (["resolve", number, "--outcome", "upheld", "--findings", "年费重复扣收属实",
                        "--reasons", "系统重复扣费", "--basis", "信用卡章程第12条",
                        "--remedy", "fee_refund:300", "--notified-via", "phone",
                        "--proof", "CALL-7781"], "h1")):
        assert cli(*args, "--at", "2026-11-03T10:00", as_=who).exit_code == 0
    return number


@pytest.fixture(params=["en", "zh"])
def lang(request):
    set_language(request.param)
    yield request.param
    set_language("en")


def test_the_queue(snap_compare, cli, resolved, lang):
    assert snap_compare(app_for(cli, "h1"), terminal_size=SIZE)


def test_a_complaint(snap_compare, cli, resolved, lang):
    async def open_it(pilot):
        pilot.app.open_complaint(resolved)
        await pilot.pause()

    assert snap_compare(app_for(cli, "h1"), terminal_size=SIZE, run_before=open_it)


def test_the_register_form(snap_compare, cli, resolved, lang):
    async def fill(pilot):
        await pilot.press("n")
        await pilot.pause()
        pilot.app.screen.query_one("#f-received_at").value = "2026-12-01T09:00"
        pilot.app.screen.query_one("#f-customer").value = "李雷"
        for box in pilot.app.screen.query("Input"):
            box.cursor_blink = False  # the focused field's cursor: drawn the same every time
        await pilot.pause()
        pilot.app.screen.check()  # settled, however slowly the Changed events arrived

    assert snap_compare(app_for(cli, "clerk"), terminal_size=SIZE, run_before=fill)


def test_the_help_screen(snap_compare, cli, resolved, lang):
    assert snap_compare(app_for(cli, "h1"), terminal_size=SIZE, press=["question_mark"])
