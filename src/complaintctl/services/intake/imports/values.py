"""One field's text read as what it means (yes/no, a whole number, an enum's word, a list, the
remedies), and the secrets no import may store (card PINs, passwords: JR/T 0171 class C3)."""

from __future__ import annotations

import re

from complaintctl.domain import money
from complaintctl.domain.enums import MONETARY_REMEDIES, RemedyKind
from complaintctl.errors import InvalidData
from complaintctl.i18n import _

_TRUE = frozenset({"yes", "y", "true", "t", "1", "是"})
_FALSE = frozenset({"no", "n", "false", "f", "0", "否"})

#: columns that must never hold card or login secrets (JR/T 0171 class C3)
SENSITIVE_COLUMN = re.compile(
    r"password|passwd|passcode|pwd|^pin$|^pins$|pincode|pinnumber|cvv|cvc|cvn|securitycode|"
    r"密码|口令|安全码"
)
#: the same secrets written into free text ("PIN: 1234", "password = hunter2", "密码：123456")
SENSITIVE_TEXT = re.compile(
    r"(?i)\b(?:pin(?:\s*(?:code|number|no\.?))?|cvv2?|cvc2?|cvn|(?:card\s+)?security\s+code)"
    r"\s*(?:is|was|:|=|：)?\s*\d{3,6}\b"
    r"|\bpass(?:word|code)\s*(?:is\s*)?[:=：]\s*\S+"
    r"|(?:密码|安全码|口令)\s*(?:是|为|[:=：])\s*\S+"
)
#: the free-text fields searched for secrets
TEXT_FIELDS = ("summary", "description", "findings", "feedback", "notice_proof")
_SECRET_WORDS = ("pin", "cv", "security", "pass", "密码", "安全码", "口令")


def may_hold_secret(text: str) -> bool:
    """A cheap first look (substring tests) before SENSITIVE_TEXT's full search."""
    folded = text.lower()
    return any(word in folded for word in _SECRET_WORDS)


def parse_bool(text: str, name: str) -> bool:
    folded = text.strip().casefold()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise InvalidData(_("{field} '{value}' is not yes/no or true/false").format(
        field=name, value=text))


def parse_int(text: str | None, name: str) -> int | None:
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        raise InvalidData(_("{field} '{value}' is not a whole number").format(
            field=name, value=text)) from None


def parse_enum(kind, text: str | None, name: str):
    """``text`` as a member of the enum ``kind`` (None for None), or InvalidData naming it."""
    if text is None:
        return None
    try:
        return kind(text.strip().lower())
    except ValueError:
        raise InvalidData(_("{field} '{value}' is not one of {known}").format(
            field=name, value=text, known=", ".join(k.value for k in kind))) from None


def split_list(text: str | None) -> list[str]:
    """A list written in one cell: split at ``;`` ``,`` ``，`` or ``、``, blanks dropped."""
    if not text:
        return []
    return [t.strip() for t in re.split(r"[;,，、]", text) if t.strip()]


def representatives(text: str | None) -> list[dict[str, str]]:
    """``NAME,PHONE;NAME,PHONE`` (CBIRC Art 12) as {"name", "phone"} objects, checked by
    registration; a part without a comma has no phone (refused there)."""
    found = []
    for part in (text or "").split(";"):
        if part.strip():
            name, _sep, phone = part.rpartition(",")
            found.append({"name": name.strip() or phone.strip(),
                          "phone": phone.strip() if name.strip() else ""})
    return found


def parse_remedies(text: str | None) -> list[tuple[str, int | None, str | None]]:
    """``compensation:200;apology`` as (kind, amount in cents, note) triples."""
    rows = []
    for part in split_list(text):
        kind_text, _sep, amount = part.partition(":")
        kind = parse_enum(RemedyKind, kind_text, "remedy")
        cents = money.parse_amount(amount or None)
        if cents is not None and kind not in MONETARY_REMEDIES:
            raise InvalidData(_("remedy {kind} takes no amount").format(kind=kind.value))
        rows.append((kind.value, cents, None))
    return rows
