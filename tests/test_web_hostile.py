"""Hostile input on the public pages (issue 19): 50 XSS payloads in every text field come back
escaped (the form shown again, the status page), an attachment's name with a path or control
characters is neutralised, and a locked database or a full disk is a page without internals."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape

from webkit import client

PAYLOADS = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>",
    "\"><script>alert(1)</script>", "'><script>alert(1)</script>", "<body onload=alert(1)>",
    "<iframe src=javascript:alert(1)>", "<a href=javascript:alert(1)>x</a>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<details open ontoggle=alert(1)>", "<input autofocus onfocus=alert(1)>",
    "<video><source onerror=alert(1)>", "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>", "<object data=javascript:alert(1)>",
    "<embed src=javascript:alert(1)>", "<form action=javascript:alert(1)><button>x",
    "<isindex action=javascript:alert(1) type=image>", "<base href=javascript:alert(1)//>",
    "<link rel=import href=data:text/html,<script>alert(1)</script>>",
    "<meta http-equiv=refresh content=0;url=javascript:alert(1)>",
    "<style>@import 'javascript:alert(1)';</style>", "<div style=x:expression(alert(1))>",
    "</textarea><script>alert(1)</script>", "</title><script>alert(1)</script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>", "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<<script>alert(1)//<</script>", "<script>alert(String.fromCharCode(88,83,83))</script>",
    "javascript:alert(1)", "\" onmouseover=\"alert(1)", "' onmouseover='alert(1)",
    "` onmouseover=alert(1)", "{{7*7}}", "{% raw %}{{ config }}{% endraw %}", "${7*7}",
    "<img src=\"x\" onerror=\"&#97;&#108;&#101;&#114;&#116;(1)\">", "&lt;script&gt;",
    "<svg><script>alert&#40;1&#41;</script>", "<x onclick=alert(1)>click",
    "<select onfocus=alert(1) autofocus>", "<keygen autofocus onfocus=alert(1)>",
    "<textarea autofocus onfocus=alert(1)>", "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    "<!--<img src=\"--><img src=x onerror=alert(1)//\">",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>", "<a id=x tabindex=1 onfocus=alert(1)>",
    "\u202e<script>alert(1)</script>", "投诉<script>alert('中文')</script>内容",
]
assert len(PAYLOADS) == 50
RAW = re.compile(r"<(script|img|svg|iframe|body|details|input autofocus|video|audio|marquee|"
                 r"object|embed|isindex|base|link|meta|style|x |keygen|noscript|math)", re.IGNORECASE)
FIELDS = ["name", "phone", "email", "description", "amount"]


@pytest.fixture(scope="module")
def web(database_factory):
    from conftest import seed

    database = seed(database_factory("hostile"))
    with client(database, rate_limits=False) as c:
        yield c


def _no_markup_from(payload: str, page: str, baseline: str) -> None:
    """``payload`` is in ``page`` escaped, and the page has no tag the same page with a
    harmless value has not (the template's own <meta>, <link>, <body>)."""
    assert str(escape(payload)) in page  # as Jinja2's autoescape writes it
    assert sorted(RAW.findall(page)) == sorted(RAW.findall(baseline))


@pytest.mark.parametrize("field", FIELDS)
def test_every_payload_in_every_field_comes_back_escaped(web, field):
    data = {"name": "张伟", "phone": "13812345678", "description": "d", "consent": ""}
    baseline = web.post("/", data={**data, field: "harmless"}).text
    for payload in PAYLOADS:
        page = web.post("/", data={**data, field: payload})  # no consent: the form again
        assert page.status_code == 422
        _no_markup_from(payload, page.text, baseline)


def test_payloads_registered_are_escaped_on_the_status_page(web):
    baseline = None
    for payload in ["harmless", *PAYLOADS]:
        created = web.post("/api/v1/complaints", json={
            "name": payload, "phone": "13812345678", "description": payload, "consent": True})
        assert created.status_code == 201, created.text
        data = created.json()
        page = web.post("/status", data={"number": data["number"],
                                         "code": data["access_code"]})
        assert page.status_code == 200
        baseline = baseline or page.text
        _no_markup_from(payload.strip(), page.text, baseline)
        added = web.post("/status/information", data={
            "number": data["number"], "code": data["access_code"], "text": payload})
        assert added.status_code == 200
        assert sorted(RAW.findall(added.text)) == sorted(RAW.findall(baseline))
        read = web.get(f"/api/v1/complaints/{data['number']}",
                       headers={"X-Access-Code": data["access_code"]})
        assert read.json()["summary"] == payload.strip()  # JSON is exact


@pytest.mark.parametrize("name, kept", [
    ("../../etc/passwd.pdf", "passwd.pdf"), ("C:\\Users\\x\\bill.pdf", "bill.pdf"),
    ("a\x1b[2Jb\x07.pdf", "a[2Jb.pdf"), ("evil\u202efdp.exe", "evilfdp.exe.pdf"),
    ("", "attachment.pdf"), ("<script>.pdf", "script.pdf"),
])
def test_attachment_names_are_neutralised(name, kept):
    from complaintctl.services.intake.online.form import safe_filename

    assert safe_filename(name, ".pdf") == kept


def test_a_locked_database_is_503_and_says_nothing_inside(seeded, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from complaintctl.services.intake.online import submission

    def locked(**_kw):
        raise OperationalError("INSERT INTO complaint ... 张伟", {}, Exception(
            "database is locked"))

    monkeypatch.setattr(submission, "submit", locked)
    with client(seeded) as web:
        page = web.post("/", data={"name": "x", "phone": "13812345678", "description": "d",
                                   "consent": "yes"}, headers={"Accept-Language": "en"})
    assert page.status_code == 503 and page.headers["retry-after"]
    assert "The service is busy" in page.text
    assert "INSERT" not in page.text and "张伟" not in page.text and "Traceback" not in page.text


def test_a_full_disk_is_503_and_says_nothing_inside(seeded, monkeypatch):
    import errno

    from complaintctl.infra import evidence

    def full(self, data, filename):
        raise OSError(errno.ENOSPC, "No space left on device", "/secret/evidence/path")

    monkeypatch.setattr(evidence.EvidenceStore, "put_bytes", full)
    with client(seeded) as web:
        page = web.post("/", data={"name": "x", "phone": "13812345678", "description": "d",
                                   "consent": "yes"},
                        files=[("attachments", ("a.pdf", b"%PDF-1.4 x", "application/pdf"))],
                        headers={"Accept-Language": "en"})
    assert page.status_code == 503
    assert "cannot store anything" in page.text and "/secret" not in page.text
    from sqlalchemy import text

    with seeded.engine.connect() as conn:  # all or nothing: no complaint without its file
        assert conn.execute(text("SELECT count(*) FROM complaint")).scalar() == 0
