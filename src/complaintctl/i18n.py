"""The one translation function every user-facing string goes through.

The language comes from ``--lang`` on the command line, else ``COMPLAINTCTL_LANG``, else the
locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``; ``C``/``POSIX`` name no language), else the
database's ``language`` setting (read when a command opens the database), else English.
Catalogs are GNU gettext ``.mo`` files under ``complaintctl/locale``; a missing catalog falls
back to the English source text. The ``messages`` domain there holds Typer's own strings.

Also here: the pure formatting helpers for dates, amounts and enum labels in tables, reports
and letters (Babel is a build and test tool only; nothing here imports it).
"""

from __future__ import annotations

import gettext
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from complaintctl.settings import from_environ

# N_ (mark now, translate later) is imported from here by every module that marks a message
from complaintctl.vocabulary import LABELS, N_, OS_PROBLEMS, SCENARIOS, TERMS  # noqa: F401

DOMAIN = "complaintctl"
LOCALE_DIR = Path(__file__).parent / "locale"
SUPPORTED = ("en", "zh")

_translation: gettext.NullTranslations | None = None
_language: str | None = None
#: a web request's own language (``request_language``): (language, catalog), else None
_request: ContextVar[tuple[str, gettext.NullTranslations] | None] = ContextVar(
    "complaintctl_request_language", default=None)


def explicit_language(
    argv: list[str] | None = None, environ: dict[str, str] | None = None
) -> str | None:
    """The language --lang, COMPLAINTCTL_LANG or the locale asks for, or None if none does."""
    argv = sys.argv if argv is None else argv
    settings = from_environ(environ)
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(argv):
            return _normalise(argv[i + 1])
        if arg.startswith("--lang="):
            return _normalise(arg.split("=", 1)[1])
    if settings.lang:
        return _normalise(settings.lang)
    locale = settings.locale
    if locale is None or locale.split(".")[0].upper() in ("C", "POSIX"):
        return None  # the C locale names no language: the database default may
    return _normalise(locale)


def detect_language(argv: list[str] | None = None, environ: dict[str, str] | None = None) -> str:
    """Pick the interface language: --lang, then COMPLAINTCTL_LANG, then the locale."""
    return explicit_language(argv, environ) or "en"


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
    # Typer's own strings ("Options", "Commands", "No such command", ...) go through the
    # stdlib's gettext() in the default 'messages' domain, which picks its language from
    # LANGUAGE: bind that domain to our catalogs and point LANGUAGE at the chosen language.
    gettext.bindtextdomain("messages", str(LOCALE_DIR))
    gettext.textdomain("messages")
    os.environ["LANGUAGE"] = _language


def apply_database_default(value: str | None) -> None:
    """Use the database's ``language`` setting when nothing on the command line or in the
    environment chose a language (messages resolved from then on follow it)."""
    if value and explicit_language() is None and _normalise(value) != language():
        set_language(value)


@contextmanager
def machine_text(active: bool = True) -> Iterator[None]:
    """Text built inside is English when ``active``: what JSON and CSV carry is then the same
    bytes in every interface language, so scripts never depend on it. Wrap only the building
    of output, after the checks: refusals are raised outside, in the interface language."""
    previous = language()
    if not active or previous == "en":
        yield
        return
    if _request.get() is not None:
        with request_language("en"):
            yield
        return
    set_language("en")
    try:
        yield
    finally:
        set_language(previous)


@contextmanager
def request_language(lang: str) -> Iterator[str]:
    """Text built inside (in this thread or task and what it starts) is in ``lang``, whatever
    the process's language: the web server serves each request in its own language."""
    chosen = _normalise(lang)
    token = _request.set((chosen, gettext.translation(
        DOMAIN, localedir=str(LOCALE_DIR), languages=[chosen], fallback=True)))
    try:
        yield chosen
    finally:
        _request.reset(token)


@contextmanager
def speaking(lang: str) -> Iterator[None]:
    """Text built inside is in ``lang`` (en or zh), whatever the interface language: a letter
    to a customer (the decision notice) is written in the customer's language. It is the
    request's language of ``request_language``, so a web request speaking another language
    meanwhile is not affected."""
    with request_language(lang):
        yield


def language() -> str:
    if (request := _request.get()) is not None:
        return request[0]
    if _language is None:
        set_language(detect_language())
    return _language  # type: ignore[return-value]


def _(message: str) -> str:
    """Translate a user-facing message into the interface language."""
    if (request := _request.get()) is not None:
        return request[1].gettext(message)
    if _translation is None:
        set_language(detect_language())
    return _translation.gettext(message)  # type: ignore[union-attr]


def ngettext(singular: str, plural: str, n: int) -> str:
    if (request := _request.get()) is not None:
        return request[1].ngettext(singular, plural, n)
    if _translation is None:
        set_language(detect_language())
    return _translation.ngettext(singular, plural, n)  # type: ignore[union-attr]


# --- formatting for the interface language (tables, reports, letters; never JSON or CSV) -------

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKDAYS_ZH = "一二三四五六日"
_CURRENCY_SIGNS = {"CNY": "¥", "RMB": "¥", "USD": "US$", "GBP": "£", "EUR": "€", "HKD": "HK$"}


def _as_datetime(value: Any) -> datetime | date | None:
    if isinstance(value, (datetime, date)):
        return value
    text = str(value)
    try:
        if len(text) >= 16 and text[10] in "T ":
            return datetime.fromisoformat(text.replace(" ", "T", 1))
        if len(text) == 10:
            return date.fromisoformat(text)
    except ValueError:
        return None
    return None


def format_date(value: Any, lang: str | None = None, *, weekday: bool | None = None) -> str:
    """A calendar date: ``2026年11月28日 星期六`` in Chinese, ``28 Nov 2026`` in English."""
    lang = lang or language()
    d = _as_datetime(value)
    if d is None:
        return str(value)
    if lang == "zh":
        text = f"{d.year}年{d.month}月{d.day}日"
        if weekday is None or weekday:
            text += f" 星期{_WEEKDAYS_ZH[d.weekday()]}"
        return text
    text = f"{d.day} {_MONTHS_EN[d.month - 1]} {d.year}"
    return f"{d.strftime('%a')} {text}" if weekday else text


def format_datetime(value: Any, lang: str | None = None) -> str:
    """A moment to the minute, as stored (bank time): ``2026年11月28日 09:30`` in Chinese;
    English tables keep ``2026-11-28 09:30``."""
    lang = lang or language()
    d = _as_datetime(value)
    if d is None:
        return str(value)
    if not isinstance(d, datetime):
        return format_date(d, lang, weekday=False)
    if lang == "zh":
        return f"{d.year}年{d.month}月{d.day}日 {d:%H:%M}"
    return f"{d:%Y-%m-%d %H:%M}"


def format_amount(amount: Any, currency: str | None = "CNY", lang: str | None = None) -> str:
    """An amount with thousands separators and two decimals: ``¥1,200.00`` in Chinese (other
    currencies keep their code unless they have a well-known sign); ``1,200.00 CNY`` in
    English."""
    lang = lang or language()
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return str(amount)
    text = f"{value:,.2f}"
    code = (currency or "CNY").upper()
    sign = _CURRENCY_SIGNS.get(code)
    if lang != "zh":
        return f"{text} {code}"
    if sign:
        return f"-{sign}{text[1:]}" if text.startswith("-") else f"{sign}{text}"
    return f"{text} {code}"


def label(value: Any) -> str:
    """The translated label of an enum value (status, channel, outcome, priority, role, ...)
    for tables; JSON and CSV keep the ASCII value."""
    if value is None:
        return ""
    text = str(value)
    return _(LABELS[text]) if text in LABELS else text


def term(value: Any) -> str:
    """A value of a table column that holds codes (a timeline's action, an incident's status
    or kind, a checklist item's state or result, an intake result, a remedy kind, ...): the
    ``TERMS`` in Chinese under zh, else its ``label``. English shows what it always showed."""
    if value is None:
        return ""
    text = str(value)
    if language() == "zh":
        if text in TERMS:
            return _(TERMS[text])
        if text.startswith("tag:"):  # an incident's trigger: the rule on one tag
            return _("tag {tag}").format(tag=text[4:])
    return label(text)


def code(value: Any) -> str:
    """A code named in a sentence: its Chinese under zh (``term``); English keeps the value a
    user types (``under_review``, ``supervisor``)."""
    if value is None:
        return ""
    return term(value) if language() == "zh" else str(value)


def moment(text: str | None) -> str | None:
    """A moment inside a sentence, given as ISO 8601 text: kept as it is in English (as the
    JSON fields carry it), the language's date and time in Chinese (``2026年11月24日 23:59``)."""
    return format_datetime(text) if text is not None and language() == "zh" else text


def day(value: date) -> str:
    """A calendar day inside a sentence: ``2026-11-10``; in Chinese ``2026年11月10日 星期二``."""
    return format_date(value) if language() == "zh" else value.isoformat()


def scenario(value: Any) -> str:
    """A drill scenario (surge, group-visit, outage, media, regulator) in the language."""
    text = "" if value is None else str(value)
    return _(SCENARIOS[text]) if text in SCENARIOS and language() == "zh" else text


def labels(values: Any) -> str:
    """Enum values joined for a sentence: ``handler or supervisor or admin`` /
    ``承办人、主管或管理员`` (Chinese lists the first ones with the enumeration comma)."""
    words = [code(v) for v in values]
    if language() == "zh" and len(words) > 2:
        words = ["、".join(words[:-1]), words[-1]]
    return _(" or ").join(words)


def duration(text: str | None) -> str | None:
    """A span written as ``3d 4h``, ``-2h 5m`` or ``25m`` (deadlines.humanize, kept in JSON)
    in the interface language: ``3天4小时`` in Chinese; English keeps it as it is."""
    import re

    if not text or language() != "zh":
        return text
    units = {"d": _("{n}d"), "h": _("{n}h"), "m": _("{n}m")}
    localised = re.sub(r"(\d+)([dhm])\b", lambda m: units[m.group(2)].format(n=m.group(1)), text)
    return re.sub(r"(?<=[天时钟]) (?=\d)", "", localised)


def sentences(*texts: str | None) -> str:
    """Sentences one after another: a space between them in English, none in Chinese (each
    Chinese sentence ends with its full-width stop, 。)."""
    return ("" if language() == "zh" else " ").join(t for t in texts if t)


def os_problem(error: OSError) -> str:
    """What an operating-system error says (``No such file or directory``) in the interface
    language: the common ones in Chinese under zh; English keeps the system's own words."""
    text = error.strerror or type(error).__name__
    if language() != "zh" or error.errno not in OS_PROBLEMS:
        return text
    return _(OS_PROBLEMS[error.errno])
