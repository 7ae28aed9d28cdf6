"""What the browser tests share: Playwright (skipped, saying so, when it is not installed),
the system's Chromium (the tests skip without one), their marks and where screenshots go."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed "
                               "(pip install playwright)")
CHROMIUM = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser",
                             shutil.which("chromium") or "") if p and Path(p).exists()), None)
#: every browser test: slow, and skipped without Chromium
MARKS = [pytest.mark.slow,
         pytest.mark.skipif(CHROMIUM is None, reason="no Chromium at /usr/bin/chromium "
                            "(apt-get install chromium)")]
SHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


@contextmanager
def chromium() -> Iterator[object]:
    """A headless Chromium for a module's tests, closed afterwards."""
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()
