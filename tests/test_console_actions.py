"""The staff console's complaint page and its actions (each the CLI's use case, refused as the
CLI refuses), the dashboard against `monitor --format json`, the reports' downloads against
`report NAME --format json|csv`, and the incidents, read-only."""

from __future__ import annotations

import io
import re

import pytest
from sqlmodel import select

from complaintctl.store.models import Complaint, Event
from consolekit import PHONE
from webconsole import app_of, as_cli, cli_json, page_csrf, prepared, signed_in


@pytest.fixture
def web(cli):
    return app_of(cli.database), prepared(cli.database), cli


def post(browser, number: str, action: str, **fields):
    csrf = page_csrf(browser, f"/staff/complaints/{number}")
    return browser.post(f"/staff/complaints/{number}/{action}", data={"csrf": csrf, **fields})


def stored(db, number) -> Complaint:
    with db.session() as session:
        return session.exec(select(Complaint).where(Complaint.number == number)).one()


def steady(shown: dict) -> dict:
    """``show``'s object less what moves with the wall clock."""
    return {k: v for k, v in shown.items() if k not in ("seconds_left", "time_left", "urgency")}


def unescape(html: str) -> str:
    import html as markup

    return markup.unescape(html)


# --- the complaint page ----------------------------------------------------------------------


def test_the_complaint_page_shows_details_deadline_timeline_and_evidence_masked(web):
    app, made, cli = web
    html = signed_in(app, "clerk").get(f"/staff/complaints/{made['late']}").text
    shown = cli_json(as_cli(cli, "clerk"), "show", made["late"])
    assert shown["customer"]["phone"] in html and PHONE not in html
    assert "Overdue by" in html and shown["time_left"].lstrip("-") in html
    assert "Timeline" in html and "register" in html
    assert "No evidence files." in html
    assert '<script src="/static/console.js" defer></script>' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # no inline script anywhere


def test_the_page_offers_only_the_actions_the_role_and_status_permit(web):
    app, made, _cli = web
    forms = re.compile(r'<form method="post" action="/staff/complaints/[^/]+/(\w+)"')
    number = made["fresh"]
    assert forms.findall(signed_in(app, "clerk").get(f"/staff/complaints/{number}").text) \
        == ["contact"]
    assert forms.findall(signed_in(app, "sup").get(f"/staff/complaints/{number}").text) \
        == ["assign", "contact"]
    assigned = made["assigned"]  # h1's
    assert forms.findall(signed_in(app, "h1").get(f"/staff/complaints/{assigned}").text) \
        == ["investigate", "contact", "consult"]
    assert forms.findall(signed_in(app, "h2").get(f"/staff/complaints/{assigned}").text) \
        == ["contact"]


# --- each action, and a refusal --------------------------------------------------------------


def test_a_complaint_is_worked_through_every_action_from_the_console(web):
    app, made, cli = web
    number, db = made["fresh"], cli.database
    sup, h1 = signed_in(app, "sup"), signed_in(app, "h1")
    steps = [
        (sup, "assign", {"to": "h1"}, "Assigned."),
        (h1, "investigate", {}, "The investigation has started."),
        (h1, "contact", {"via": "phone", "direction": "out", "summary": "已致电客户说明进度"},
         "The contact is on record."),
        (h1, "consult", {"department": "card_ops", "question": "年费是否重复扣收？"},
         "The consultation has been sent."),
        (h1, "resolve", {"outcome": "upheld", "findings": "年费重复扣收属实",
                         "reasons": "系统重复扣费", "basis": "信用卡章程第12条",
                         "remedy_1": "apology", "remedy_2": "fee_refund", "amount_2": "300",
                         "notified_via": "phone", "proof": "CALL-7781"},
         "Resolved; the customer's notice is on record."),
        (h1, "close", {"satisfaction": "4", "feedback": "退款很快"}, "Closed."),
    ]
    for browser, action, fields, said in steps:
        answer = post(browser, number, action, **fields)
        assert answer.status_code == 303, (action, answer.text)
        assert answer.headers["location"] == f"/staff/complaints/{number}?done={action}"
        assert said in unescape(browser.get(answer.headers["location"]).text)
    shown = cli_json(as_cli(cli, "admin"), "show", number)
    assert (shown["status"], shown["assignee"], shown["outcome"]) == ("closed", "h1", "upheld")
    assert shown["remedies"] == [{"kind": "apology", "amount": None, "note": None},
                                 {"kind": "fee_refund", "amount": "300.00", "note": None}]
    assert (shown["notified_via"], shown["notice_proof"], shown["satisfaction"]) == (
        "phone", "CALL-7781", 4)
    assert [c["summary"] for c in shown["contacts"]] == ["已致电客户说明进度"]
    assert [q["department"] for q in shown["consultations"]] == ["card_ops"]
    actions = [e["action"] for e in shown["events"]]
    assert actions == ["register", "assign", "investigate", "contact", "consult", "resolve",
                       "close"]
    assert [e["actor"] for e in shown["events"][1:]] == ["sup", "h1", "h1", "h1", "h1", "h1"]
    assert stored(db, number).notice_proof == "CALL-7781"


@pytest.mark.parametrize("user, action, fields, status, cli_args", [
    ("clerk", "assign", {"to": "h1"}, 403, ["assign", "{n}", "--to", "h1"]),
    ("h2", "investigate", {}, 403, ["investigate", "{n}"]),
    ("sup", "resolve", {"outcome": "upheld", "findings": "x", "reasons": "r", "basis": "b",
                        "remedy_1": "apology", "notified_via": "phone", "proof": "P-1"}, 409,
     ["resolve", "{n}", "--outcome", "upheld", "--findings", "x", "--reasons", "r",
      "--basis", "b", "--remedy", "apology", "--notified-via", "phone", "--proof", "P-1"]),
    ("sup", "close", {"satisfaction": "9"}, 409, ["close", "{n}", "--satisfaction", "9"]),
])
def test_a_refused_action_says_what_the_cli_says_and_changes_nothing(web, user, action, fields,
                                                                      status, cli_args):
    app, made, cli = web
    number = made["assigned"]  # assigned to h1, not investigated yet
    before = cli_json(as_cli(cli, "admin"), "show", number)
    answer = post(signed_in(app, user), number, action, **fields)
    run = as_cli(cli, user)(*[a.format(n=number) for a in cli_args])
    assert answer.status_code == status and run.exit_code == {403: 4, 409: 3}[status]
    said = run.stderr.strip().removeprefix("Error: ")
    assert f'id="refusal">{said}' in unescape(answer.text)
    after = cli_json(as_cli(cli, "admin"), "show", number)
    assert steady(after) == steady(before)
    with cli.database.session() as session:
        refusals = session.exec(select(Event).where(Event.kind == "refusal",
                                                    Event.actor == user)).all()
    assert len(refusals) == 2  # the console's and the CLI's, both on the trail


def test_invalid_values_are_refused_on_the_page_as_invalid_data(web):
    app, made, cli = web
    browser = signed_in(app, "sup")
    answer = post(browser, made["fresh"], "contact", via="pigeon", summary="x")
    assert answer.status_code == 422
    from complaintctl.domain.enums import ContactVia

    vias = ", ".join(v.value for v in ContactVia)
    assert f'id="refusal">How: choose one of {vias}.' in unescape(answer.text)
    answer = post(browser, made["fresh"], "assign", to="clerk")
    assert answer.status_code == 422 and "clerk is a clerk" in unescape(answer.text)
    assert stored(cli.database, made["fresh"]).assignee is None


# --- the dashboard ---------------------------------------------------------------------------


FIGURE = re.compile(r'<dd data-figure="(\w+)">(\d+)</dd>')
STATUS = re.compile(r'<td class="n" data-status="(\w+)">(\d+)</td>')


@pytest.mark.parametrize("user", ["sup", "admin", "sup2", "clerk"])
def test_the_dashboard_shows_the_figures_of_monitor_format_json(web, user):
    app, _made, cli = web
    html = signed_in(app, user).get("/staff/dashboard").text
    monitor = cli_json(as_cli(cli, user), "monitor")
    figures = {k: int(v) for k, v in FIGURE.findall(html)}
    assert figures == {"open": monitor["open"], "overdue": monitor["overdue"],
                       "due_24h": monitor["due_24h"], "unassigned": monitor["unassigned"],
                       "escalations": monitor["escalations"],
                       "incidents": len(monitor["incidents"])}
    assert {k: int(v) for k, v in STATUS.findall(html)} == monitor["open_by_status"]
    assert '<meta http-equiv="refresh" content="60">' in html
    assert "<svg" in html and "class='chart'" in html
    assert figures["open"] > 0


# --- reports ---------------------------------------------------------------------------------


def test_reports_download_with_the_numbers_of_report_format_json(web):
    import openpyxl

    app, _made, cli = web
    browser, run = signed_in(app, "sup"), as_cli(cli, "sup")
    expected = cli_json(run, "report", "summary", "--by", "product")
    got = browser.get("/staff/reports/summary.json?by=product")
    assert got.status_code == 200 and got.json() == expected
    csv = browser.get("/staff/reports/summary.csv?by=product")
    assert csv.headers["content-disposition"].startswith('attachment; filename="summary-')
    assert csv.text == run("report", "summary", "--by", "product", "--format", "csv").stdout
    html = browser.get("/staff/reports/summary.html?by=product")
    assert html.headers["content-type"].startswith("text/html") and "<svg" in html.text
    xlsx = browser.get("/staff/reports/summary.xlsx?by=product")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    cells = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    for row in expected["rows"]:  # each row's figures, in the JSON's order of columns
        assert [row[k] for k in row if k != "product"] in [line[1:] for line in cells]
    assert expected["rows"]


def test_a_report_the_cli_refuses_is_refused_alike(web):
    app, _made, cli = web
    answer = signed_in(app, "sup2").get("/staff/reports/sla.csv?branch=BJ01")
    run = as_cli(cli, "sup2")("report", "sla", "--branch", "BJ01", "--format", "csv")
    assert answer.status_code == 403 and run.exit_code == 4
    assert run.stderr.strip().removeprefix("Error: ") in unescape(answer.text)
    assert signed_in(app, "sup").get("/staff/reports/nope.csv").status_code == 400
    assert signed_in(app, "sup").get("/staff/reports/summary.pdf").status_code == 400


# --- incidents, read-only --------------------------------------------------------------------


def test_incidents_are_listed_and_shown_read_only(web):
    from complaintctl.services.emergency import incidents
    from conftest import actor

    app, made, cli = web
    with cli.database.session(write=True) as session:
        declared = incidents.declare(session=session, actor=actor("sup"), level=3,
                                     title="网点群体投诉", numbers=[made["late"]])
    browser = signed_in(app, "clerk")
    listing = browser.get("/staff/incidents").text
    assert f'data-incident="{declared.id}"' in listing and "网点群体投诉" in listing
    page = browser.get(f"/staff/incidents/{declared.id}").text
    shown = cli_json(as_cli(cli, "clerk"), "incident", "show", str(declared.id))
    for item in shown["checklist"]:
        assert f'data-item="{item["item"]}"' in page and item["action"] in unescape(page)
    assert made["late"] in page
    assert re.findall(r'<form[^>]* method="post" action="([^"]+)"', page) == ["/staff/sign-out"]
    assert browser.get("/staff/incidents/999").status_code == 404
