"""The staff console in a real browser (issue 19): Playwright drives the system's Chromium
against a real `complaintctl serve` on a database that requires sign-in. A clerk signs in and
finds a complaint in the queue masked as the CLI masks it for a clerk, and is offered no
assignment (the matrix gives it to supervisors); the supervisor signs in, finds it masked
too and assigns it; a supervisor's dashboard shows the counts of `monitor --format json` (its
screenshot goes to docs/screenshots/ for the README). Skips, saying so, without Playwright or
Chromium."""

from __future__ import annotations

import json
import re

import pytest

from authkit import PASSWORDS, api_token
from browserkit import MARKS, SHOTS, chromium
from consolekit import MASKED_PHONE, PHONE
from test_web_serve import serving, stop

pytestmark = MARKS


@pytest.fixture(scope="module")
def site(database_factory):
    """(address, database, the spread's numbers): a real server over a seeded database with
    the spread of complaints, every member of staff with a password, sign-in required."""
    from conftest import seed
    from webconsole import prepared

    database = seed(database_factory("console-browser"))
    made = prepared(database)
    token = api_token(database, "clerk")  # the public side's intake account proves itself
    process, address = serving(database.url, env={"COMPLAINTCTL_TOKEN": token})
    yield address, database, made
    stop(process)


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, address: str, user: str) -> None:
    page.goto(address + "/staff/sign-in?lang=en")
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(PASSWORDS[user])
    page.get_by_role("button", name="Sign in").click()
    assert page.locator("[data-user]").get_attribute("data-user") == user


def find_in_queue(page, address: str, number: str):
    page.goto(address + "/staff/queue?lang=en")
    page.get_by_label("Product").fill("credit_card")
    page.get_by_role("button", name="Filter").click()
    row = page.locator(f'tr[data-number="{number}"]')
    assert row.count() == 1
    return row


def cli(database, user: str, *args: str):
    from typer.testing import CliRunner

    from complaintctl.cli import app

    token = api_token(database, user)
    run = CliRunner().invoke(app, ["--db", database.url, *args, "--format", "json"],
                             env={"COMPLAINTCTL_TOKEN": token})
    assert run.exit_code == 0, run.stderr
    return json.loads(run.stdout)


def test_a_clerk_finds_a_complaint_masked_and_a_supervisor_assigns_it(site, page):
    address, database, made = site
    number = made["late"]
    sign_in(page, address, "clerk")
    row = find_in_queue(page, address, number)
    assert row.locator(".phone").inner_text() == MASKED_PHONE
    assert PHONE not in page.content()
    row.get_by_role("link", name=number).click()
    assert page.locator("dd.phone").inner_text() == MASKED_PHONE
    assert page.locator("form#assign").count() == 0  # assign: supervisors and admins
    assert page.locator("form#contact").count() == 1
    page.get_by_role("button", name="Sign out").click()
    assert "You have signed out." in page.content()

    sign_in(page, address, "sup")
    row = find_in_queue(page, address, number)
    assert row.locator(".phone").inner_text() == MASKED_PHONE  # unmasking is asked, not given
    row.get_by_role("link", name=number).click()
    page.get_by_label("Handler's user name").fill("h1")
    page.locator("form#assign").get_by_role("button", name="Assign").click()
    assert page.get_by_role("status").inner_text() == "Assigned."
    assert page.locator("dd.assignee").inner_text() == "h1"
    shown = cli(database, "admin", "show", number)
    assert (shown["status"], shown["assignee"]) == ("assigned", "h1")
    assert [e["actor"] for e in shown["events"] if e["action"] == "assign"] == ["sup"]


def test_a_supervisors_dashboard_shows_the_counts_of_monitor_format_json(site, page):
    address, database, _made = site
    sign_in(page, address, "sup")
    page.goto(address + "/staff/dashboard?lang=en")
    monitor = cli(database, "sup", "monitor")
    shown = {el.get_attribute("data-figure"): int(el.inner_text())
             for el in page.locator("[data-figure]").all()}
    assert shown == {"open": monitor["open"], "overdue": monitor["overdue"],
                     "due_24h": monitor["due_24h"], "unassigned": monitor["unassigned"],
                     "escalations": monitor["escalations"],
                     "incidents": len(monitor["incidents"])}
    statuses = {el.get_attribute("data-status"): int(el.inner_text())
                for el in page.locator("[data-status]").all()}
    assert statuses == monitor["open_by_status"]
    assert page.locator("svg.chart").count() >= 1
    assert re.search(r'http-equiv="refresh" content="60"', page.content())
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "console-dashboard.png"), full_page=True)
