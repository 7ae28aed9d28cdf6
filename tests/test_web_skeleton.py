"""The web server's frame (issue 19): security headers on every response, the one error
mapping (404 page, 413, 422, never a traceback), the language of a request, /healthz, and
`serve`'s refusals."""

from __future__ import annotations

import pytest

from webkit import client

HEADERS = {"content-security-policy", "x-content-type-options", "referrer-policy",
           "x-frame-options"}


@pytest.fixture
def web(seeded):
    with client(seeded) as c:
        yield c


def test_healthz_says_ok_with_every_security_header(web):
    response = web.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert HEADERS <= set(response.headers)
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.sqlite_only("an unreachable file stands for an unreachable database")
def test_healthz_is_503_when_the_database_is_gone(tmp_path):
    from complaintctl.services.admin.database import open_database

    database = open_database(str(tmp_path / "missing" / "none.db"))
    with client(database) as c:
        response = c.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


def test_unknown_route_is_the_404_page_in_chinese_by_default(web):
    response = web.get("/no/such/page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "此地址没有页面" in response.text and '<html lang="zh-CN">' in response.text
    assert HEADERS <= set(response.headers)
    assert "Traceback" not in response.text


def test_english_by_accept_language_or_the_switch(web):
    by_header = web.get("/nope", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert "There is no page at this address" in by_header.text
    switched = web.get("/nope?lang=en")
    assert "There is no page at this address" in switched.text
    assert "lang=en" in switched.headers["set-cookie"]
    remembered = web.get("/nope")  # the cookie keeps the switch
    assert "There is no page at this address" in remembered.text
    back = web.get("/nope?lang=zh", headers={"Accept-Language": "en"})
    assert "此地址没有页面" in back.text


def test_api_errors_are_json_in_the_cli_shape(web):
    response = web.get("/api/v1/nothing", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert response.json() == {"number": None, "field": None, "reason":
                               "There is no page at this address. Check it, or start from "
                               "the complaint form."}


def test_a_body_over_the_limit_is_413(web):
    from complaintctl.web.middleware import BODY_LIMIT

    response = web.post("/healthz", content=b"x" * (BODY_LIMIT + 1),
                        headers={"Accept-Language": "en"})
    assert response.status_code == 413
    assert "The request is too large" in response.text
    assert HEADERS <= set(response.headers)


def test_an_unexpected_failure_is_a_500_page_without_internals(seeded):
    from fastapi import APIRouter

    boom = APIRouter()

    @boom.get("/boom")
    def _boom():
        raise RuntimeError("secret internals /etc/passwd")

    with client(seeded) as c:
        c.app.include_router(boom)
        response = c.get("/boom", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    assert "secret internals" not in response.text and "Traceback" not in response.text
    assert "Something went wrong on our side" in response.text
    assert HEADERS <= set(response.headers)


def test_serve_refuses_workers_on_sqlite(cli):
    if not cli.database.is_sqlite:
        pytest.skip("the refusal is SQLite's")
    result = cli("serve", "--workers", "2", as_="clerk")
    assert result.exit_code == 2
    assert "an SQLite database takes one worker process" in result.stderr


def test_serve_refuses_an_intake_account_that_cannot_register(cli):
    result = cli("serve", as_="aud")
    assert result.exit_code == 4
    assert "Permission denied" in result.stderr
