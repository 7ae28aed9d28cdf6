"""The one translation function every user-facing string goes through.

The language comes from ``--lang`` on the command line, else ``COMPLAINTCTL_LANG``, else the
locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``), else English. Catalogs are GNU gettext ``.mo``
files under ``complaintctl/locale``; a missing catalog falls back to the English source text.
"""

from __future__ import annotations

import gettext
import os
import sys
from pathlib import Path

DOMAIN = "complaintctl"
LOCALE_DIR = Path(__file__).parent / "locale"
SUPPORTED = ("en", "zh")

_translation: gettext.NullTranslations | None = None
_language: str | None = None


def detect_language(argv: list[str] | None = None, environ: dict[str, str] | None = None) -> str:
    """Pick the interface language: --lang, then COMPLAINTCTL_LANG, then the locale."""
    argv = sys.argv if argv is None else argv
    environ = os.environ if environ is None else environ
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return _normalise(argv[i + 1])
        if arg.startswith("--lang="):
            return _normalise(arg.split("=", 1)[1])
    if environ.get("COMPLAINTCTL_LANG"):
        return _normalise(environ["COMPLAINTCTL_LANG"])
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if environ.get(var):
            return _normalise(environ[var])
    return "en"


def _normalise(value: str) -> str:
    value = value.strip().lower()
    return "zh" if value.startswith("zh") else "en"


def set_language(lang: str) -> None:
    """Switch the language for the rest of the process (tests, --lang)."""
    global _translation, _language
    _language = _normalise(lang)
    _translation = gettext.translation(
        DOMAIN, localedir=str(LOCALE_DIR), languages=[_language], fallback=True
    )


def language() -> str:
    if _language is None:
        set_language(detect_language())
    return _language  # type: ignore[return-value]


def _(message: str) -> str:
    """Translate a user-facing message into the interface language."""
    if _translation is None:
        set_language(detect_language())
    return _translation.gettext(message)  # type: ignore[union-attr]


def ngettext(singular: str, plural: str, n: int) -> str:
    if _translation is None:
        set_language(detect_language())
    return _translation.ngettext(singular, plural, n)  # type: ignore[union-attr]
