"""Personal data shown with the least needed (PIPL Art 28; DOMAIN.md "Personal data")."""

from __future__ import annotations

import re
from typing import Any

PERSONAL_FIELDS = ("name", "phone", "email", "id_number", "account", "customer_id")
MASKED_FIELDS = ("phone", "email", "id_number", "account")
#: keys of a timeline event's details that hold identifiers, not text: never masked
IDENTIFIER_KEYS = frozenset({"sha256", "digest", "hash", "chain", "source_head", "message_id",
                             "source_ref", "external_ref", "source", "file"})


def mask_phone(value: str | None) -> str | None:
    """``13812345678`` -> ``138****5678``: the first 3 and the last 4 digits."""
    return _keep_ends(value.strip(), 3, 4) if value else value


def mask_id_number(value: str | None) -> str | None:
    """A national ID shows its first 6 and last 4 characters."""
    return _keep_ends(value, 6, 4) if value else value


def mask_account(value: str | None) -> str | None:
    """An account or card number shows its last 4 characters."""
    return _keep_ends(value, 0, 4) if value else value


def _keep_ends(value: str, head: int, tail: int) -> str:
    """``value`` with all but its first ``head`` and last ``tail`` characters starred; all of
    it starred when it is no longer than those together."""
    if len(value) <= head + tail:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]


def mask_email(value: str | None) -> str | None:
    """``zhang.wei@example.com`` -> ``z***@example.com``."""
    if not value:
        return value
    local, at, domain = value.partition("@")
    if not at:
        return mask_account(value)
    return (local[:1] or "") + "***@" + domain


MASKERS = {
    "phone": mask_phone,
    "email": mask_email,
    "id_number": mask_id_number,
    "account": mask_account,
}


def mask_customer(customer: dict[str, str | None]) -> dict[str, str | None]:
    """A copy of the customer object with every masked field masked."""
    return {k: (MASKERS[k](v) if k in MASKERS else v) for k, v in customer.items()}


#: an email address inside free text (a mail server's error, a log line, a narrative): ASCII
#: only, so the Chinese before it (``邮箱zhang.wei@example.com``) is not taken for its local part
EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def mask_emails_in(text: str | None) -> str | None:
    """Every email address in ``text`` masked like ``mask_email`` (``z***@example.com``)."""
    if not text:
        return text
    return EMAIL_IN_TEXT.sub(lambda m: mask_email(m.group()), text)


# --- personal data inside free text -------------------------------------------------------------

#: a digit, ASCII or full-width (Chinese input methods type ``１３８…``)
_D = r"[0-9\uff10-\uff19]"
_HALF = str.maketrans("０１２３４５６７８９", "0123456789")
#: an email address in free text, found where its local part starts (not at every letter)
_EMAIL = re.compile(rf"(?<![A-Za-z0-9._%+-]){EMAIL_IN_TEXT.pattern}")
#: Numbers are delimited by look-arounds on digits, never ``\b``: Chinese has no word
#: boundaries (``手机13812345678，`` must match), nor has a letter next to a number.
_NUMBER = re.compile(
    # a mainland mobile: 11 digits 1[3-9]..., maybe +86 or 0086 first, maybe 3-4-4 with spaces
    # or dashes
    rf"(?<!{_D})(?P<prefix>(?:\+|00)86[ -]?)?"
    rf"(?P<phone>[1\uff11][3-9\uff13-\uff19]{_D}(?:{_D}{{8}}|[ -]{_D}{{4}}"
    rf"[ -]{_D}{{4}}))(?!{_D})"
    # a card or account in groups of four: 6222 0212 3456 7890 (12 to 19 digits)
    rf"|(?<!{_D})(?P<grouped>{_D}{{4}}(?P<gsep>[ -]){_D}{{4}}(?:(?P=gsep){_D}{{4}}){{1,2}}"
    rf"(?:(?P=gsep){_D}{{1,3}})?)(?!{_D})"
    # a run: a national ID (17 digits and a check character, or the old 15 digits), a card or
    # an account (12 to 19 digits); a run of 11 that is no mobile number stays
    rf"|(?<!{_D})(?P<run>{_D}{{17}}[Xx\uff38\uff58]|{_D}{{12,19}})(?!{_D})"
)
#: where a number may be: 11 or more digits, spaces, dashes and X from a + or a digit that no
#: digit precedes. Only these stretches are searched for numbers (the search with its
#: look-behinds at every character of a long narrative costs ten times more); the stretch starts
#: with a character class, which the regex engine skips to fast, and looks behind after it.
_STRETCH = re.compile(r"[+0-9\uff10-\uff19](?<![0-9\uff10-\uff19]{2})"
                      r"[0-9\uff10-\uff19 \-Xx\uff38\uff58]{10,}")
#: a text without any of these holds nothing to mask (the cheap test every text gets first)
_TRIGGERS = re.compile(r"[@0-9\uff10-\uff19]")


def _birth_date(digits: str) -> bool:
    """Whether ``YYYYMMDD`` (or ``YYMMDD``) looks like a date of birth, as in a national ID."""
    if len(digits) == 6:
        digits = "19" + digits
    year, month, day = int(digits[:4]), int(digits[4:6]), int(digits[6:8])
    return 1800 <= year <= 2099 and 1 <= month <= 12 and 1 <= day <= 31


def _looks_like_id(value: str) -> bool:
    """18 characters (17 digits and a digit or X) or the old 15 digits, with a date of birth
    where a national ID has one; any other run of 12-19 digits is a card or account."""
    plain = value.translate(_HALF)
    if len(plain) == 18:
        return not plain[-1].isdigit() or _birth_date(plain[6:14])
    return len(plain) == 15 and _birth_date(plain[6:12])


def _in_place(span: str, masker) -> str:
    """``masker`` applied to the digits of ``span``, its spaces and dashes kept where they were."""
    digits = span.replace(" ", "").replace("-", "")
    if len(digits) == len(span):
        return masker(span)
    masked = iter(masker(digits))
    return "".join([ch if ch in " -" else next(masked) for ch in span])


def _mask_number(m: re.Match[str]) -> str:
    if m["phone"]:
        return (m["prefix"] or "") + _in_place(m["phone"], mask_phone)
    if m["grouped"]:
        return _in_place(m["grouped"], mask_account)
    run = m["run"]
    return mask_id_number(run) if _looks_like_id(run) else mask_account(run)


def _mask_stretch(m: re.Match[str]) -> str:
    return _NUMBER.sub(_mask_number, m.group())


def _mask_once(text: str) -> str:
    """Email addresses first (an address may be all digits before its @: ``13812345678@qq.com``
    is an address, not a mobile number), then the numbers."""
    if "@" in text:
        text = _EMAIL.sub(lambda m: mask_email(m.group()), text)
    return _STRETCH.sub(_mask_stretch, text)


def mask_text(text: str | None) -> str | None:
    """Free text (a description, a note, findings) with the personal data in it masked:
    mobile numbers like ``mask_phone`` (``+86 138 **** 5678``), national IDs like
    ``mask_id_number``, card and account numbers like ``mask_account``, email addresses like
    ``mask_email``; everything around them is left exactly as it was. Dates, amounts, times,
    complaint numbers, CFPB ids, ZIP codes and ``XXXX`` are not personal data and stay.

    Idempotent: masking what is shown again changes nothing (masked digits that become
    neighbours of other digits are masked again until nothing is left to mask)."""
    if not text or not _TRIGGERS.search(text):
        return text
    for _round in range(8):
        masked = _mask_once(text)
        if masked == text:
            break
        text = masked
    return text


def mask_texts(value: Any, *, keep: frozenset[str] = frozenset()) -> Any:
    """``mask_text`` over every string in a JSON-like value (a timeline event's details); the
    values of the keys in ``keep`` (hashes, digests) are not text and stay as they are."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: (v if k in keep else mask_texts(v, keep=keep)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_texts(v, keep=keep) for v in value]
    return value


def mask_details(details: Any) -> Any:
    """An event's details (timeline, audit trail) with the personal data in every text masked;
    identifiers (file hashes, message ids, references) are kept as they are."""
    return mask_texts(details, keep=IDENTIFIER_KEYS)
