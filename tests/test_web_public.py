"""The customer side of the online platform (issue 19): the form, the answer page, the status
page, the JSON API, the same 404 for a wrong number and a wrong code, rate limits, a lost
code, hostile input shown escaped."""

from __future__ import annotations

import json
import re

import pytest

from webkit import client

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
FORM = {"name": "张伟", "phone": "13812345678", "email": "zhang@example.com",
        "product": "credit_card", "description": "年费重复扣收\n两次扣了年费。", "amount": "1200",
        "consent": "yes"}


@pytest.fixture
def web(seeded):
    with client(seeded, public_url="https://complaints.bank.example") as c:
        yield c


def submit(web, **changes):
    data = {**FORM, **changes}
    files = data.pop("files", None)
    return web.post("/", data={k: v for k, v in data.items() if v is not None}, files=files)


def answer_page(response) -> tuple[str, str]:
    number = re.search(r'id="number">([^<]+)<', response.text).group(1)
    code = re.search(r'id="access-code">([^<]+)<', response.text).group(1)
    return number, code


def test_the_form_registers_an_online_complaint_through_register(web, cli):
    response = submit(web, files=[("attachments", ("../../etc/账单.pdf", PDF, "application/pdf"))])
    assert response.status_code == 201, response.text
    number, code = answer_page(response)
    assert re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){4}", code)  # 20 x 5 bits = 100 bits
    shown = json.loads(cli("show", number, "--format", "json", "--unmask", as_="admin").stdout)
    assert shown["channel"] == "online" and shown["customer"]["name"] == "张伟"
    assert shown["summary"] == "年费重复扣收" and shown["registered_by"] == "clerk"
    evidence = json.loads(cli("evidence", "list", number, "--format", "json", "--unmask",
                              as_="admin").stdout)
    assert [e["filename"] for e in evidence] == ["账单.pdf"]
    import hashlib

    assert evidence[0]["sha256"] == hashlib.sha256(PDF).hexdigest()


def test_only_the_codes_digest_is_stored(web, seeded):
    import hashlib

    from sqlalchemy import text

    number, code = answer_page(submit(web))
    with seeded.engine.connect() as conn:
        rows = conn.execute(text("SELECT number, code_hash FROM access_code")).all()
    assert [(r.number) for r in rows] == [number]
    assert rows[0].code_hash == hashlib.sha256(code.encode()).hexdigest()
    with seeded.engine.connect() as conn:
        for table in ("event", "notification", "complaint"):
            dump = " ".join(str(r) for r in conn.execute(text(f"SELECT * FROM {table}")))
            assert code not in dump, table


def test_the_acknowledgement_carries_the_number_and_the_status_address(web, seeded):
    from sqlalchemy import text

    number, code = answer_page(submit(web))
    with seeded.engine.connect() as conn:
        note = conn.execute(text("SELECT address, subject, body FROM notification "
                                 "WHERE recipient = 'customer'")).one()
    assert note.address == "zhang@example.com" and number in note.subject
    assert "https://complaints.bank.example/status" in note.body and code not in note.body


def test_the_status_page_shows_the_status_and_the_expected_date(web):
    number, code = answer_page(submit(web))
    page = web.post("/status", data={"number": number, "code": code})
    assert page.status_code == 200
    assert "我们已收到您的投诉" in page.text or "received your complaint" in page.text
    assert number in page.text and "年费重复扣收" in page.text


def test_a_wrong_number_and_a_wrong_code_are_the_same_404(web):
    number, code = answer_page(submit(web))
    wrong_code = web.post("/status", data={"number": number, "code": "AAAA-BBBB-CCCC-DDDD-EEEE"})
    wrong_number = web.post("/status", data={"number": "CMP-2026-999999", "code": code})
    assert wrong_code.status_code == wrong_number.status_code == 404
    assert wrong_code.text == wrong_number.text
    api_a = web.get(f"/api/v1/complaints/{number}", headers={"X-Access-Code": "nope"})
    api_b = web.get("/api/v1/complaints/CMP-2026-999999", headers={"X-Access-Code": code})
    assert api_a.status_code == api_b.status_code == 404 and api_a.json() == api_b.json()


@pytest.mark.parametrize("change, field", [
    ({"name": " "}, "name"), ({"phone": "", "email": ""}, "phone"),
    ({"phone": "call me"}, "phone"), ({"email": "not-an-address"}, "email"),
    ({"description": ""}, "description"), ({"amount": "12abc"}, "amount"),
    ({"consent": None}, "consent"), ({"product": "rocket"}, "product"),
])
def test_form_errors_are_422_tied_to_their_field(web, change, field):
    response = submit(web, **change)
    assert response.status_code == 422
    assert f'id="e-{field}"' in response.text and 'aria-invalid="true"' in response.text
    tied = re.search(rf'id="f-{field}"[^>]*aria-describedby="[^"]*e-{field}', response.text) \
        or re.search(rf'aria-describedby="e-{field}"', response.text)
    assert tied, "the error is not tied to its field"


def test_attachments_are_checked_by_content(web):
    fake = submit(web, files=[("attachments", ("x.pdf", b"MZ\x90\x00 not a pdf", "application/pdf"))])
    assert fake.status_code == 422 and 'id="e-attachments"' in fake.text
    many = submit(web, files=[("attachments", (f"{i}.png", PNG, "image/png")) for i in range(4)])
    assert many.status_code == 422
    big = submit(web, files=[("attachments", ("big.png", PNG + b"\x00" * (5 * 1024 * 1024),
                                              "image/png"))])
    assert big.status_code == 422


def test_the_honeypot_refuses_a_robot(web, seeded):
    from sqlalchemy import text

    response = submit(web, website="http://spam.example")
    assert response.status_code == 422
    with seeded.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM complaint")).scalar() == 0


def test_the_api_registers_and_reads(web, cli):
    body = {k: v for k, v in FORM.items() if k != "consent"} | {"consent": True}
    created = web.post("/api/v1/complaints", json=body)
    assert created.status_code == 201, created.text
    data = created.json()
    assert set(data) == {"number", "access_code", "expected_decision_by"}
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", data["expected_decision_by"])
    read = web.get(f"/api/v1/complaints/{data['number']}",
                   headers={"X-Access-Code": data["access_code"]})
    assert read.status_code == 200 and read.json()["status"] == "registered"
    assert read.json()["expected_decision_by"] == data["expected_decision_by"]
    shown = json.loads(cli("show", data["number"], "--format", "json").stdout)
    assert shown["due_at"][:10] == data["expected_decision_by"]


@pytest.mark.parametrize("body, field", [
    ('{"name": "x"', None), ('{"name": 5, "description": "d", "consent": true}', "name"),
    ('{"name": "x", "description": "d"}', "consent"),
    ('{"name": "x", "description": "d", "consent": true}', "phone"),
    ('{"name": "x", "phone": "13812345678", "description": "d", "consent": "yes"}', "consent"),
])
def test_api_validation_errors_are_422_in_the_cli_shape(web, body, field):
    response = web.post("/api/v1/complaints", content=body,
                        headers={"content-type": "application/json"})
    assert response.status_code == 422
    data = response.json()
    assert set(data) == {"number", "field", "reason"} and data["number"] is None
    assert data["field"] == field and data["reason"]


def test_rate_limits_answer_429_with_retry_after(seeded):
    with client(seeded, limits={"submit": (2, 600), "lookup": (3, 60)}) as web:
        assert submit(web).status_code == 201
        assert submit(web).status_code == 201
        third = submit(web)
        assert third.status_code == 429 and int(third.headers["retry-after"]) > 0
        for _i in range(3):
            web.get("/api/v1/complaints/CMP-2026-000001", headers={"X-Access-Code": "x"})
        limited = web.get("/api/v1/complaints/CMP-2026-000001", headers={"X-Access-Code": "x"})
        assert limited.status_code == 429 and "retry-after" in limited.headers


def test_adding_information_is_an_inbound_contact(web, cli):
    number, code = answer_page(submit(web))
    page = web.post("/status/information", data={"number": number, "code": code,
                                                 "text": "补充：扣款日期为11月3日"})
    assert page.status_code == 200
    shown = json.loads(cli("show", number, "--format", "json", "--unmask").stdout)
    contacts = shown["contacts"]
    assert [(c["via"], c["direction"]) for c in contacts] == [("online", "in")]
    assert "扣款日期为11月3日" in contacts[0]["summary"]


def test_a_lost_code_goes_only_to_the_email_on_record(web, seeded):
    from sqlalchemy import text

    number, code = answer_page(submit(web))
    stranger = web.post("/status/lost-code", data={"number": number,
                                                   "contact": "evil@example.com"})
    owner = web.post("/status/lost-code", data={"number": number,
                                                "contact": "ZHANG@example.com"})
    assert stranger.status_code == owner.status_code == 200 and stranger.text == owner.text
    with seeded.engine.connect() as conn:
        sent = conn.execute(text("SELECT address, body FROM notification "
                                 "WHERE event = 'access_code'")).all()
    # the first code was issued at registration: a re-issue waits ten minutes
    assert sent == []
    assert web.post("/status", data={"number": number, "code": code}).status_code == 200


def _decided(cli, number: str) -> None:
    for args, who in [(("assign", number, "--to", "h1"), "sup"), (("investigate", number), "h1"),
                      (("resolve", number, "--outcome", "upheld", "--findings", "年费已退还",
                        "--reasons", "年费重复扣收", "--basis", "信用卡章程第12条",
                        "--remedy", "fee_refund:600", "--notified-via", "phone",
                        "--proof", "CALL-1"), "h1")]:
        result = cli(*args, as_=who)
        assert result.exit_code == 0, result.stderr


def test_the_decision_shows_once_notified_and_the_customer_answers(web, cli):
    number, code = answer_page(submit(web))
    before = web.post("/status", data={"number": number, "code": code})
    assert "年费已退还" not in before.text and "/status/answer" not in before.text
    early = web.post("/status/answer", data={"number": number, "code": code,
                                             "satisfaction": "4"})
    assert early.status_code == 409
    _decided(cli, number)
    after = web.post("/status", data={"number": number, "code": code})
    assert "年费已退还" in after.text and "/status/answer" in after.text
    answered = web.post("/status/answer", data={"number": number, "code": code,
                                                "satisfaction": "4"})
    assert answered.status_code == 200
    shown = json.loads(cli("show", number, "--format", "json", "--unmask").stdout)
    inbound = [c for c in shown["contacts"] if c["direction"] == "in"]
    assert [c["via"] for c in inbound] == ["online"] and "4/5" in inbound[0]["summary"]


def test_a_dispute_after_the_decision_is_a_review_request(web, cli):
    number, code = answer_page(submit(web))
    _decided(cli, number)
    disputed = web.post("/status/answer", data={"number": number, "code": code,
                                                "disputing": "yes", "dispute": "退款金额不对"})
    assert disputed.status_code == 200, disputed.text
    shown = json.loads(cli("show", number, "--format", "json").stdout)
    assert shown["status"] == "under_review" and shown["review_requested_at"]
    view = web.get(f"/api/v1/complaints/{number}", headers={"X-Access-Code": code}).json()
    assert view["status"] == "under_review" and view["review_requested"]
    verified = cli("audit", "verify", as_="aud")  # every change the web made is on the trail
    assert verified.exit_code == 0, verified.stdout + verified.stderr


def test_a_lost_code_after_ten_minutes_goes_to_the_email_on_record(web, seeded):
    from sqlalchemy import text

    number, code = answer_page(submit(web))
    with seeded.engine.begin() as conn:  # the code was issued eleven minutes ago
        conn.execute(text("UPDATE access_code SET issued_at = issued_at - INTERVAL '11 minutes'"
                          if seeded.is_postgresql else
                          "UPDATE access_code SET issued_at = datetime(issued_at, '-11 minutes')"))
    assert web.post("/status/lost-code", data={"number": number, "contact": "13812345678"}
                    ).status_code == 200
    with seeded.engine.connect() as conn:
        sent = conn.execute(text("SELECT address, body FROM notification "
                                 "WHERE event = 'access_code'")).one()
    assert sent.address == "zhang@example.com"
    new = re.search(r"[A-Z2-9]{4}(?:-[A-Z2-9]{4}){4}", sent.body).group(0)
    assert new != code
    assert web.post("/status", data={"number": number, "code": code}).status_code == 404
    assert web.post("/status", data={"number": number, "code": new}).status_code == 200
    again = web.post("/status/lost-code", data={"number": number, "contact": "13812345678"})
    assert again.status_code == 200  # within ten minutes: nothing more is sent
    with seeded.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM notification "
                                 "WHERE event = 'access_code'")).scalar() == 1


def test_pages_in_english_and_the_openapi_document(web):
    page = web.get("/?lang=en")
    assert "Make a complaint" in page.text and '<html lang="en">' in page.text
    assert "我要投诉" in web.get("/?lang=zh").text
    spec = web.get("/api/v1/openapi.json")
    assert spec.status_code == 200 and "/api/v1/complaints" in spec.json()["paths"]
