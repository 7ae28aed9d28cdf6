"""The public pages in a real browser (issue 19): Playwright drives the system's Chromium
against a real `complaintctl serve`. A customer fills the Chinese form at 375 px wide and reads
the status page (the screenshot goes to docs/screenshots/ for the README); XSS payloads run no
script and open no dialog; axe-core finds no serious or critical violation on the public pages
in Chinese and English. Skips, saying so, when Playwright or Chromium is absent."""

from __future__ import annotations

import pytest

from browserkit import MARKS, SHOTS, chromium
from test_web_serve import serving, stop

pytestmark = MARKS


@pytest.fixture(scope="module")
def site(database_factory):
    """A real server behind a pretend proxy (it believes 127.0.0.1's X-Forwarded-For): a test
    that submits many forms comes from many clients, as through a real proxy."""
    from conftest import seed

    database = seed(database_factory("browser"))
    process, address = serving(database.url, "--forwarded-allow-ips", "127.0.0.1")
    yield address
    stop(process)


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 375, "height": 812},
                                  locale="zh-CN", device_scale_factor=1)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.dialogs = dialogs
    yield page
    context.close()


def test_a_customer_fills_the_chinese_form_and_reads_the_status_page(site, page):
    page.goto(site + "/")
    assert page.locator("h1").inner_text() == "我要投诉"
    page.get_by_label("您的姓名").fill("陈静")
    page.get_by_label("电话").fill("13700002222")
    page.get_by_label("产品或服务").select_option("credit_card")
    page.get_by_label("投诉内容").fill("信用卡年费未经同意被扣收，要求退还。")
    page.get_by_label("争议金额（元）").fill("600")
    page.get_by_label("我同意银行为处理我的投诉而处理我在此填写的个人信息。").check()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "online-form-375.png"), full_page=True)
    page.get_by_role("button", name="提交投诉").click()
    number = page.locator("#number").inner_text()
    code = page.locator("#access-code").inner_text()
    assert number.startswith("CMP-") and len(code) == 24
    page.get_by_role("link", name="查询投诉进度").first.click()
    page.get_by_label("投诉编号").fill(number)
    page.get_by_label("查询码").fill(code)
    page.get_by_role("button", name="查询进度").click()
    assert page.locator("h1").inner_text() == f"投诉 {number}"
    assert "我们已收到您的投诉" in page.locator("#words").inner_text()
    assert "信用卡年费未经同意被扣收" in page.locator("#summary").inner_text()
    page.screenshot(path=str(SHOTS / "online-status-375.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, "the page scrolls sideways at 375 px"
    assert page.dialogs == []


def test_xss_payloads_run_no_script_in_the_browser(site, page):
    from test_web_hostile import PAYLOADS

    page.goto(site + "/?lang=en")
    for n, payload in enumerate(PAYLOADS):
        page.set_extra_http_headers({"X-Forwarded-For": f"192.0.2.{n + 1}"})
        page.get_by_label("Your name").fill(payload)
        page.get_by_label("What happened").fill(payload)
        page.get_by_label("Phone").fill("13700002222")
        page.get_by_role("button", name="Submit the complaint").click()  # no consent: again
        assert page.get_by_label("Your name").input_value() == payload
        assert page.get_by_label("What happened").input_value() == payload
    assert page.dialogs == []
    assert page.evaluate("window.__xss === undefined")


def test_axe_finds_no_serious_or_critical_violation(site, browser):
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright",
                                     reason="axe-playwright-python is not installed")
    axe = axe_module.Axe()
    context = browser.new_context(viewport={"width": 375, "height": 812})
    page = context.new_page()
    bad = {}
    for lang in ("zh", "en"):
        for path in ("/", "/status", "/status/lost-code", "/nope"):
            page.goto(f"{site}{path}?lang={lang}")
            results = axe.run(page)
            serious = [v["id"] for v in results.response["violations"]
                       if v.get("impact") in ("serious", "critical")]
            if serious:
                bad[f"{lang} {path}"] = serious
        page.goto(f"{site}/?lang={lang}")
        page.get_by_role("button").last.click()  # an empty form: the page with its errors
        results = axe.run(page)
        serious = [v["id"] for v in results.response["violations"]
                   if v.get("impact") in ("serious", "critical")]
        if serious:
            bad[f"{lang} / with errors"] = serious
    context.close()
    assert bad == {}
