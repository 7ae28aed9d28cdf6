"""What the web tests share: an in-process client of ``create_app`` over a test database."""

from __future__ import annotations

from fastapi.testclient import TestClient


def client(database, **options) -> TestClient:
    from complaintctl.web.app import create_app

    options.setdefault("intake_user", "clerk")
    return TestClient(create_app(database, **options), raise_server_exceptions=False)
