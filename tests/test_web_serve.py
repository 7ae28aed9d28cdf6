"""`complaintctl serve` as a real subprocess on a free port (issue 19): a complaint in Chinese
submitted over HTTP is there for `complaintctl show N --format json`."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

BIN = Path(sys.executable).parent / "complaintctl"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serving(url: str, *args: str, user: str = "clerk", env: dict | None = None):
    """A started `serve` (the process and its address), once /healthz answers."""
    port = free_port()
    process = subprocess.Popen(
        [str(BIN), "--db", url, "--as", user, "serve", "--port", str(port), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **(env or {})},
        start_new_session=True)
    address = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(process.stderr.read().decode())
        try:
            if httpx.get(address + "/healthz", timeout=1).status_code == 200:
                return process, address
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("serve did not answer /healthz within 30 s")


def stop(process) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.mark.slow
def test_a_chinese_complaint_over_http_is_shown_by_the_cli(seeded):
    process, address = serving(seeded.url)
    try:
        created = httpx.post(address + "/api/v1/complaints", json={
            "name": "李娜", "phone": "13900001111", "product": "debit_card",
            "description": "借记卡被盗刷三笔，共计4,500元，请尽快处理。", "amount": "4500",
            "consent": True}, timeout=10)
        assert created.status_code == 201, created.text
        number = created.json()["number"]
        page = httpx.post(address + "/", data={
            "name": "王芳", "email": "wf@example.com", "description": "网银转账失败但已扣款",
            "consent": "yes"}, timeout=10)
        assert page.status_code == 201 and "我们已收到您的投诉" in page.text
        assert page.headers["content-security-policy"].startswith("default-src 'self'")
    finally:
        stop(process)
    shown = subprocess.run([str(BIN), "--db", seeded.url, "--as", "admin", "show", number,
                            "--format", "json"], capture_output=True, text=True, timeout=60,
                           check=False)
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert data["number"] == number and data["channel"] == "online"
    assert data["summary"] == "借记卡被盗刷三笔，共计4,500元，请尽快处理。"
    assert data["due_at"][:10] == created.json()["expected_decision_by"]
