"""The workspace's complaint screen and register form (issue 21), driven by Textual's pilot: each
action key opens its form, calls the CLI's service, and the stored state is read back through
the CLI; a refusal is shown in the CLI's own words and changes nothing.

Staff: sup (supervisor BJ01), h1 h2 (handlers BJ01), clerk (BJ01), aud (auditor), sup2 h3 (SH01).
"""

from __future__ import annotations

import json

import pytest
from textual.widgets import Input, Select

from complaintctl.tui.complaint import KEYS as COMPLAINT_KEYS
from complaintctl.tui.complaint import ComplaintScreen
from complaintctl.tui.forms import ActionForm
from complaintctl.tui.help import HelpScreen
from complaintctl.tui.queue import QueueScreen
from complaintctl.tui.register import RegisterScreen
from test_tui import app_for, drive, register, shown, stored


def error_of(run) -> str:
    """The sentence of the CLI's ``Error: ...`` on stderr, on one line."""
    line = " ".join(run.stderr.split())
    return line.split("Error: ", 1)[1]


async def open_complaint(pilot, app, number: str) -> None:
    app.open_complaint(number)
    await pilot.pause()
    assert isinstance(app.screen, ComplaintScreen)


async def act(pilot, app, key: str, **values) -> str:
    """Press an action's key, fill its form, save; returns what the form or screen says."""
    await pilot.press(key)
    await pilot.pause()
    form = app.screen
    if isinstance(form, ActionForm):
        for name, value in values.items():
            form.query_one(f"#field-{name}").value = value
        await pilot.press("ctrl+s")
        await pilot.pause()
        if app.screen is form:  # refused: the form stays, saying why
            return shown(form.query_one("#form-error"))
    return shown(app.screen.query_one("#c-status"))


@pytest.fixture
def number(cli):
    return register(cli)


def test_every_action_key_calls_the_clis_service_and_the_state_is_stored(cli, number):
    said = {}
    sup = app_for(cli, "sup")

    async def as_supervisor(pilot):
        await open_complaint(pilot, sup, number)
        said["assign"] = await act(pilot, sup, "a", to="h1")
        said["extend"] = await act(pilot, sup, "e", level="1", reason="需调取多方交易记录",
                                   via="sms")

    drive(sup, as_supervisor)
    h1 = app_for(cli, "h1")

    async def as_handler(pilot):
        await open_complaint(pilot, h1, number)
        said["contact"] = await act(pilot, h1, "c", via="phone", summary="已致电说明流程")
        said["investigate"] = await act(pilot, h1, "i")
        said["consult"] = await act(pilot, h1, "k", department="card_ops",
                                    question="年费是否重复扣收？")
        said["pause"] = await act(pilot, h1, "p", reason="appraisal", via="sms")
        said["timeline"] = shown(h1.screen.query_one("#c-timeline"))
        said["consultations"] = shown(h1.screen.query_one("#c-consultations"))

    drive(h1, as_handler)
    assert said["assign"] == f"{number} assigned to h1."
    assert said["extend"] == (f"{number} extended to level 1; see `complaintctl due {number}`.")
    assert said["contact"] == f"Contact logged on {number}."
    assert said["investigate"] == f"{number} is now investigating."
    assert said["consult"].startswith("Consultation ") and "card_ops" in said["consult"]
    assert said["pause"] == f"{number} paused for appraisal: its clock is stopped."
    data = stored(cli, number)
    assert (data["assignee"], data["status"], data["paused"]) == ("h1", "investigating", True)
    assert [(c["via"], c["by"]) for c in data["contacts"]] == [
        ("sms", "sup"), ("phone", "h1"), ("sms", "h1")]  # extend and pause told the customer
    assert data["consultations"][0]["question"] == "年费是否重复扣收？"
    assert data["extension_level"] == 1
    assert [e["action"] for e in data["events"]] == [
        "register", "assign", "extend", "contact", "investigate", "consult", "pause"]
    assert "年费是否重复扣收？" in said["consultations"]
    assert "investigate" in said["timeline"]


def test_resolve_and_close_from_their_forms(cli, number):
    cli("assign", number, "--to", "h1", as_="sup")
    cli("investigate", number, as_="h1")
    cli("resume", number, as_="h1")
    said = {}
    h1 = app_for(cli, "h1")

    async def steps(pilot):
        await open_complaint(pilot, h1, number)
        said["resolve"] = await act(pilot, h1, "r", outcome="upheld", findings="年费重复扣收属实",
                                    reasons="系统重复扣费", basis="信用卡章程第12条",
                                    remedies="apology fee_refund:300", notified_via="phone",
                                    proof="CALL-7781")
        said["bad"] = await act(pilot, h1, "x", satisfaction="five")
        await pilot.press("escape")
        said["close"] = await act(pilot, h1, "x", satisfaction="4", feedback="退款很快")

    drive(h1, steps)
    assert said["resolve"] == f"{number} resolved; the customer's notice is on record."
    assert said["bad"] == "The satisfaction is a whole number from 1 to 5."
    assert said["close"] == f"{number} closed."
    data = stored(cli, number)
    assert (data["status"], data["outcome"], data["satisfaction"]) == ("closed", "upheld", 4)
    assert [(r["kind"], r["amount"]) for r in data["remedies"]] == [
        ("apology", None), ("fee_refund", "300.00")]
    assert data["notice_proof"] == "CALL-7781" and data["feedback"] == "退款很快"


def test_a_refusal_is_shown_in_the_clis_words_and_changes_nothing(cli, number):
    before = stored(cli, number)
    clerk = app_for(cli, "clerk")
    said = {}

    async def steps(pilot):
        await open_complaint(pilot, clerk, number)
        said["assign"] = await act(pilot, clerk, "a", to="h1")
        said["form"] = clerk.screen
        await pilot.press("escape")
        said["investigate"] = await act(pilot, clerk, "i")

    drive(clerk, steps)
    assert isinstance(said["form"], ActionForm)  # still open: nothing was done
    cli_assign = cli("assign", number, "--to", "h1", as_="clerk")
    cli_investigate = cli("investigate", number, as_="clerk")
    assert (cli_assign.exit_code, cli_investigate.exit_code) == (4, 4)
    assert said["assign"] == error_of(cli_assign)
    assert said["investigate"] == error_of(cli_investigate)
    after = stored(cli, number)
    assert (after["status"], after["assignee"], after["events"]) == (
        before["status"], before["assignee"], before["events"])


def test_details_are_masked_and_unmasking_asks_why_and_is_audited(cli, number):
    said = {}
    clerk, sup = app_for(cli, "clerk"), app_for(cli, "sup")

    async def as_clerk(pilot):
        await open_complaint(pilot, clerk, number)
        said["masked"] = shown(clerk.screen.query_one("#c-details"))
        said["refused"] = await act(pilot, clerk, "v", reason="客户来电核对")

    async def as_supervisor(pilot):
        await open_complaint(pilot, sup, number)
        said["unmasked"] = await act(pilot, sup, "v", reason="客户来电核对")
        said["details"] = shown(sup.screen.query_one("#c-details"))

    drive(clerk, as_clerk)
    drive(sup, as_supervisor)
    assert "138****5678" in said["masked"] and "13812345678" not in said["masked"]
    refusal = cli("show", number, "--unmask", as_="clerk")
    assert said["refused"] == error_of(refusal)
    assert said["unmasked"] == ("Personal data shown in full; the unmasking is on the audit "
                                "trail.")
    assert "13812345678" in said["details"] and "客户来电核对" in said["details"]
    log = json.loads(cli("audit", "log", "--format", "json", as_="aud").stdout)
    unmaskings = [e for e in log if e["action"] == "unmask" and e["actor"] == "sup"]
    assert [e["details"].get("reason") for e in unmaskings] == ["客户来电核对"]


def test_the_complaint_screens_help_lists_every_action_key(cli, number):
    app = app_for(cli, "h1")
    got = {}

    async def steps(pilot):
        await open_complaint(pilot, app, number)
        await pilot.press("question_mark")
        await pilot.pause()
        got["help"] = app.screen
        got["keys"] = shown(app.screen.query_one("#help-keys"))
        await pilot.press("escape", "escape")
        await pilot.pause()
        got["back"] = app.screen

    drive(app, steps)
    assert isinstance(got["help"], HelpScreen)
    for key, _action, description in COMPLAINT_KEYS:
        assert description in got["keys"], description
    assert isinstance(got["back"], QueueScreen)


# --- the register form ----------------------------------------------------------------------

async def type_into(pilot, app, **values) -> None:
    for name, value in values.items():
        app.screen.query_one(f"#f-{name}", Input).value = value
    await pilot.pause()


def test_register_checks_as_you_type_shows_the_due_date_and_saves(cli):
    app = app_for(cli, "clerk")
    said = {}

    async def steps(pilot):
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, RegisterScreen)
        problem = app.screen.query_one("#r-problem")
        said["empty"] = shown(problem)
        said["due"] = shown(app.screen.query_one("#r-due"))
        await type_into(pilot, app, customer="张伟", summary="信用卡年费重复扣收",
                        amount="lots")
        said["amount"] = shown(problem)
        await type_into(pilot, app, amount="300", email="not-an-address")
        said["email"] = shown(problem)
        await type_into(pilot, app, email="zw@example.com", phone="12ab")
        said["phone"] = shown(problem)
        await type_into(pilot, app, phone="13812345678", received_at="2026-12-01T09:00")
        said["ok"] = shown(problem)
        said["due_received"] = shown(app.screen.query_one("#r-due"))
        app.screen.query_one("#f-channel", Select).value = "counter"
        await pilot.press("ctrl+s")
        await pilot.pause()
        said["back"] = app.screen
        said["status"] = shown(app.screen.query_one("#status"))

    drive(app, steps)
    assert said["empty"] == "Customer name is required."
    assert said["due"].startswith("Decision due by ")
    assert said["amount"] == "'lots' is not an amount; write it like 1200.50."
    assert said["email"] == "'not-an-address' is not an email address."
    assert said["phone"].startswith("'12ab' is not a phone number")
    assert said["ok"] == ""
    assert isinstance(said["back"], QueueScreen)
    number = said["status"].split()[1].rstrip(";")
    data = stored(cli, number)
    assert (data["customer"]["name"], data["channel"], data["amount"]) == (
        "张伟", "counter", "300.00")
    assert data["received_at"].startswith("2026-12-01T09:00")
    assert data["registered_by"] == "clerk" and data["branch"] == "BJ01"
    due_shown = said["due_received"].removeprefix("Decision due by ")[:16]
    assert due_shown == data["due_at"][:16].replace("T", " ")
    assert said["status"] == f"Registered {number}; decision due {due_shown}."


def test_register_refused_by_the_service_is_said_on_the_form(cli):
    app = app_for(cli, "aud")  # an auditor registers nothing
    said = {}

    async def steps(pilot):
        await pilot.press("n")
        await pilot.pause()
        await type_into(pilot, app, customer="张伟", summary="年费")
        await pilot.press("ctrl+s")
        await pilot.pause()
        said["screen"] = app.screen
        said["problem"] = shown(app.screen.query_one("#r-problem"))

    drive(app, steps)
    refusal = cli("register", "--channel", "counter", "--customer", "张伟", "--summary", "年费",
                  as_="aud")
    assert isinstance(said["screen"], RegisterScreen)
    assert said["problem"] == error_of(refusal)
    assert json.loads(cli("list", "--format", "json", as_="admin").stdout) == []


def test_a_database_failure_is_one_sentence_not_a_traceback(cli, number):
    import sqlite3

    if not cli.database.is_sqlite:
        pytest.skip("breaks the SQLite file's schema on purpose")
    app = app_for(cli, "sup")
    said = {}

    async def steps(pilot):
        await open_complaint(pilot, app, number)
        conn = sqlite3.connect(str(cli.database.path))  # another program breaks the database
        conn.execute("DROP TABLE contact")
        conn.commit()
        conn.close()
        said["contact"] = await act(pilot, app, "c", via="phone", summary="回访")

    drive(app, steps)
    assert said["contact"] == ("The database failed: no such table: contact. Check --db and "
                               "run `complaintctl db check`.")


def test_register_lists_the_possible_repeats_and_ctrl_r_merges_into_the_first(cli):
    first = cli("register", "--channel", "phone", "--customer", "张伟", "--phone", "13812345678",
                "--product", "credit_card", "--summary", "信用卡年费被重复扣收两次",
                as_="sup").stdout.strip()
    app = app_for(cli, "sup")
    said = {}

    async def steps(pilot):
        await pilot.press("n")
        await pilot.pause()
        said["none"] = shown(app.screen.query_one("#r-repeats"))
        await type_into(pilot, app, customer="张伟", phone="138 1234 5678",
                        product="credit_card", summary="信用卡年費被重複扣收了兩次")
        said["listed"] = shown(app.screen.query_one("#r-repeats"))
        await pilot.press("ctrl+r")
        await pilot.pause()
        said["status"] = shown(app.screen.query_one("#status"))

    drive(app, steps)
    assert said["none"] == "Possible repeats: none listed."
    assert said["listed"] == (f"Possible repeats (ctrl+r merges into the first): {first} (100: "
                              "same phone; same product; summary 93 % similar)")
    number = said["status"].split()[1]
    assert said["status"] == (f"Registered {number} and merged it into {first} (CBIRC Art 18: "
                              f"the clock of {first} stands; the customer is told).")
    data = stored(cli, number)
    assert (data["status"], data["merged_into"]) == ("merged", first)
