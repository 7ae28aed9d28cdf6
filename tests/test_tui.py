"""The clerk's workspace (``complaintctl tui``, issue 21), driven by Textual's pilot on a real
database: every screen and key, the stored state checked afterwards through the CLI.

Staff: sup (supervisor BJ01), h1 h2 (handlers BJ01), clerk (BJ01), aud (auditor), sup2 h3 (SH01).
"""

from __future__ import annotations

import asyncio
import json

import pytest
from textual.widgets import DataTable, Input, Tabs

from complaintctl.cli.common import State
from complaintctl.i18n import set_language
from complaintctl.tui.app import WorkspaceApp
from complaintctl.tui.help import HelpScreen
from complaintctl.tui.queue import KEYS as QUEUE_KEYS
from complaintctl.tui.queue import QueueScreen
from complaintctl.tui.workspace import Workspace

SIZE = (100, 30)


def register(cli, as_: str = "clerk", **options) -> str:
    args = ["register", "--channel", "phone", "--customer", options.pop("customer", "张伟"),
            "--summary", options.pop("summary", "信用卡年费重复扣收"),
            "--phone", options.pop("phone", "13812345678")]
    for name, value in options.items():
        args += [f"--{name.replace('_', '-')}", value]
    run = cli(*args, as_=as_)
    assert run.exit_code == 0, run.stderr
    return run.stdout.strip().splitlines()[-1]


def stored(cli, number: str) -> dict:
    run = cli("show", number, "--format", "json", as_="admin")
    assert run.exit_code == 0, run.stderr
    return json.loads(run.stdout)


def app_for(cli, user: str, **options) -> WorkspaceApp:
    return WorkspaceApp(Workspace(State(db_option=cli.database.url, user_option=user)),
                        poll=0, **options)


def drive(app: WorkspaceApp, steps) -> None:
    """Run the app headless at 100x30 and await ``steps(pilot)``."""
    async def go():
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await steps(pilot)
    asyncio.run(go())


def numbers(app) -> list[str]:
    return [row["number"] for row in app.screen.rows]


def shown(widget, width: int = 200) -> str:
    """What a Static shows, as plain text (a Rich table drawn at ``width``)."""
    from rich.console import Console

    console = Console(width=width, color_system=None, legacy_windows=False)
    with console.capture() as capture:
        # Static.content since Textual 2, Static.renderable before
        console.print(widget.content if hasattr(widget, "content") else widget.renderable)
    return capture.get().strip()


async def fill(pilot, form, **values) -> None:
    for name, value in values.items():
        widget = form.query_one(f"#field-{name}")
        widget.value = value
    await pilot.pause()


@pytest.fixture
def three(cli):
    """h1's complaint (assigned), an unassigned one, and one of Shanghai."""
    mine = register(cli)
    assert cli("assign", mine, "--to", "h1", as_="sup").exit_code == 0
    free = register(cli, customer="李雷", summary="转账未到账")
    shanghai = register(cli, customer="韩梅梅", summary="理财赎回延迟", branch="SH01",
                        as_="admin")
    return mine, free, shanghai


# --- the queue ------------------------------------------------------------------------------

def test_the_queue_opens_on_my_complaints_and_the_tabs_follow_the_keys(cli, three):
    mine, free, _shanghai = three
    app = app_for(cli, "h1")
    seen = {}

    async def steps(pilot):
        assert isinstance(app.screen, QueueScreen)
        seen["mine"] = numbers(app)
        for key, tab in (("b", "branch"), ("u", "unassigned"), ("o", "overdue"), ("d", "soon")):
            await pilot.press(key)
            await pilot.pause()
            assert app.screen.query_one(Tabs).active == f"tab-{tab}"
            seen[tab] = numbers(app)
        seen["status"] = shown(app.screen.query_one("#status"))

    drive(app, steps)
    assert seen["mine"] == [mine]
    assert sorted(seen["branch"]) == sorted([mine, free])  # not Shanghai's
    assert seen["unassigned"] == [free]
    assert seen["overdue"] == []  # both were received just now
    assert seen["soon"] == []  # due in 15 days
    assert seen["status"] == "Due soon: 0 complaints, most urgent first."


def test_the_queue_is_in_the_order_of_list_sort_urgency_and_masked_as_list_masks(cli, three):
    cli("register", "--channel", "regulator", "--customer", "王五", "--summary", "监管转办",
        "--phone", "13900001111", "--tag", "elderly", as_="clerk")
    app = app_for(cli, "sup")
    got = {}

    async def steps(pilot):
        await pilot.press("b")
        await pilot.pause()
        got["rows"] = app.screen.rows
        table = app.screen.query_one(DataTable)
        got["cells"] = [str(c) for c in table.get_row_at(0)]

    drive(app, steps)
    listed = json.loads(cli("list", "--branch", "BJ01", "--sort", "urgency", "--format", "json",
                            as_="sup").stdout)
    assert [r["number"] for r in got["rows"]] == [r["number"] for r in listed]
    assert got["rows"][0]["customer"] == listed[0]["customer"]  # masked the same way
    assert "13900001111" not in json.dumps(got["rows"]) + " ".join(got["cells"])
    assert got["cells"][0] == listed[0]["number"]


def test_the_filter_line_takes_lists_options_and_says_a_mistake_in_lists_words(cli, three):
    _mine, free, _shanghai = three
    app = app_for(cli, "sup")
    got = {}

    async def steps(pilot):
        await pilot.press("b", "slash")
        box = app.screen.query_one("#filter", Input)
        assert box.has_focus
        box.value = "--status registered --text 转账"
        await pilot.press("enter")
        await pilot.pause()
        got["filtered"] = numbers(app)
        box.value = "--status open"
        await pilot.press("slash", "enter")
        await pilot.pause()
        got["error"] = shown(app.screen.query_one("#status"))
        got["kept"] = numbers(app)
        assert box.has_focus  # a mistake leaves the line to be corrected
        box.value = "--colour red"
        await pilot.press("enter")
        await pilot.pause()
        got["unknown"] = shown(app.screen.query_one("#status"))

    drive(app, steps)
    assert got["filtered"] == [free]
    assert got["error"].startswith("'open' is not a valid --status; use one of: registered,")
    assert got["kept"] == [free]  # a mistake changes nothing
    assert got["unknown"].startswith("No such filter option: --colour.")


def test_other_peoples_changes_appear_without_a_restart(cli, three):
    app = app_for(cli, "sup")
    got = {}

    async def steps(pilot):
        await pilot.press("u")
        await pilot.pause()
        app.look_for_changes()  # the first look only takes the reading
        got["before"] = numbers(app)
        got["new"] = register(cli, customer="新客户", summary="柜台排队过久")  # another process's work
        app.look_for_changes()
        await pilot.pause()
        got["after"] = numbers(app)
        app.look_for_changes()  # nothing moved since
        got["reloads"] = app.reloads

    drive(app, steps)
    assert got["new"] not in got["before"]
    assert got["new"] in got["after"]
    assert got["reloads"] == 1


def test_the_help_screen_lists_every_key_of_the_queue(cli, three):
    app = app_for(cli, "h1")
    got = {}

    async def steps(pilot):
        await pilot.press("question_mark")
        await pilot.pause()
        got["screen"] = app.screen
        got["keys"] = shown(app.screen.query_one("#help-keys"))
        await pilot.press("escape")
        await pilot.pause()
        got["back"] = app.screen

    drive(app, steps)
    assert isinstance(got["screen"], HelpScreen)
    for key, action, description in QUEUE_KEYS:
        assert description in got["keys"], description
    assert isinstance(got["back"], QueueScreen)
    assert {b.key for b in QueueScreen.BINDINGS} == {k for k, _a, _d in QUEUE_KEYS}


def test_the_workspace_speaks_chinese_from_the_same_catalog(cli, three):
    set_language("zh")
    app = app_for(cli, "h1")
    got = {}

    async def steps(pilot):
        got["who"] = shown(app.screen.query_one("#who"))
        got["tabs"] = [str(t.label) for t in app.screen.query_one(Tabs).query("Tab")]
        got["status"] = shown(app.screen.query_one("#status"))

    try:
        drive(app, steps)
    finally:
        set_language("en")
    assert got["tabs"] == ["我的", "本网点", "未分派", "逾期", "即将到期"]
    assert "承办人" in got["who"]
    assert got["status"] == "我的：1 件投诉，最紧急的在前。"
