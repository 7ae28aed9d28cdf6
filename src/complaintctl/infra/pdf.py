"""HTML to PDF through headless Chromium (the Debian ``chromium``), for the printable decision
notice. Chromium runs in a private temporary folder with ``--no-sandbox`` (CI runs as root)
and no network; nothing is installed or downloaded."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from complaintctl.errors import ComplaintError
from complaintctl.i18n import _

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")


class PdfUnavailable(ComplaintError):
    """No headless Chromium to print a PDF with, or it failed (exit 1)."""


def chromium() -> str | None:
    """The Chromium executable on PATH (or /usr/bin/chromium), or None."""
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None


def html_to_pdf(html: str, *, timeout: float = 60) -> bytes:
    """The PDF headless Chromium prints of ``html``."""
    exe = chromium()
    if exe is None:
        raise PdfUnavailable(_("No Chromium to print a PDF with: install the chromium package, "
                               "or use --format html and print that."))
    with tempfile.TemporaryDirectory(prefix="complaintctl-pdf-") as folder:
        source, target = Path(folder) / "notice.html", Path(folder) / "notice.pdf"
        source.write_text(html, encoding="utf-8")
        command = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                   f"--user-data-dir={folder}/profile", f"--print-to-pdf={target}",
                   source.as_uri()]
        try:
            subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired):
            raise PdfUnavailable(_("Chromium did not print the PDF; use --format html and "
                                   "print that.")) from None
        if not target.is_file() or target.stat().st_size == 0:
            raise PdfUnavailable(_("Chromium did not print the PDF; use --format html and "
                                   "print that."))
        return target.read_bytes()
