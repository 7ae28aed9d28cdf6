"""Helpers of the staff console's in-process tests: the app over a seeded database that
requires sign-in (every member of staff with their password), a TestClient per user, signing
in through the page, the CSRF token a page carries, and the CLI as the same user (an API
token in COMPLAINTCTL_TOKEN) to compare the console with."""

from __future__ import annotations

import json
import re

from authkit import PASSWORDS, api_token, require_sign_in

CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


def app_of(database):
    from complaintctl.web.app import create_app

    return create_app(database)


def client(app, *, https: bool = False, lang: str = "en"):
    from fastapi.testclient import TestClient

    return TestClient(app, base_url="https://testserver" if https else "http://testserver",
                      headers={"Accept-Language": lang}, follow_redirects=False)


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has a form with a CSRF token"
    return found.group(1)


def sign_in(browser, user: str, password: str | None = None):
    """Sign in through the page; returns the POST's response (303 on success)."""
    form = browser.get("/staff/sign-in")
    assert form.status_code == 200
    return browser.post("/staff/sign-in", data={
        "username": user, "password": PASSWORDS[user] if password is None else password,
        "csrf": csrf_of(form.text)})


def signed_in(app, user: str, **kwargs):
    browser = client(app, **kwargs)
    answer = sign_in(browser, user)
    assert answer.status_code == 303, answer.text
    return browser


def page_csrf(browser, path: str) -> str:
    answer = browser.get(path)
    assert answer.status_code == 200, answer.text
    return csrf_of(answer.text)


def as_cli(cli, user: str):
    """``run(*args)``: the CLI as ``user``, proven by an API token, exit code and output."""
    token = api_token(cli.database, user)

    def run(*args):
        return cli(*args, as_=None, env={"COMPLAINTCTL_TOKEN": token})

    return run


def cli_json(run, *args):
    answer = run(*args, "--format", "json")
    assert answer.exit_code == 0, answer.stderr
    return json.loads(answer.stdout)


_TEMPLATE: dict = {}


def prepared(database) -> dict[str, str]:
    """The spread of complaints (``consolekit.spread``) on ``database``, every member of staff
    with a password and sign-in required; returns the spread's numbers. On SQLite it is built
    once per run and the file copied into each test's database (the passwords' Argon2 hashes
    and the registrations take seconds on a busy machine); on PostgreSQL built each time."""
    import atexit
    import os
    import shutil
    import sqlite3
    import tempfile

    from consolekit import spread

    if database.path is None:
        made = spread(database)
        require_sign_in(database)
        return made
    if "path" in _TEMPLATE:
        database.engine.dispose()
        shutil.copyfile(_TEMPLATE["path"], database.path)
        return dict(_TEMPLATE["made"])
    made = spread(database)
    require_sign_in(database)
    database.engine.dispose()
    conn = sqlite3.connect(database.path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    folder = tempfile.mkdtemp(prefix="complaintctl-console-")
    atexit.register(shutil.rmtree, folder, True)
    _TEMPLATE["path"] = os.path.join(folder, "template.db")
    shutil.copyfile(database.path, _TEMPLATE["path"])
    _TEMPLATE["made"] = dict(made)
    return made
