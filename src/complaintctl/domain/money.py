"""Amounts are exact: stored as integer hundredths, shown and exchanged as decimal strings."""

from __future__ import annotations

import re
from decimal import Decimal

from complaintctl.errors import InvalidData
from complaintctl.i18n import _

MAX_CENTS = 10**17
#: digits, optionally grouped by commas in threes, and an optional fraction; nothing else
#: (no exponents, NaN, underscores or stray commas, which Decimal() would take)
_AMOUNT = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")


def parse_amount(text: str | None) -> int | None:
    """``"1,200.5"`` -> 120050. Refuses negatives, more than two decimals and non-numbers."""
    if text is None or str(text).strip() == "":
        return None
    raw = str(text).strip().lstrip("¥$").strip()
    if not _AMOUNT.fullmatch(raw):
        raise InvalidData(
            _("'{text}' is not an amount; write it like 1200.50.").format(text=text)
        )
    value = Decimal(raw.replace(",", ""))
    if value < 0:
        raise InvalidData(_("'{text}' is not a positive amount.").format(text=text))
    cents = value * 100
    if cents != cents.to_integral_value():
        raise InvalidData(
            _("'{text}' has more than two decimal places.").format(text=text)
        )
    if cents >= MAX_CENTS:
        raise InvalidData(_("'{text}' is too large an amount.").format(text=text))
    return int(cents)


def format_amount(cents: int | None) -> str | None:
    if cents is None:
        return None
    return f"{Decimal(cents) / 100:.2f}"


def to_decimal(cents: int | None) -> Decimal | None:
    return None if cents is None else Decimal(cents) / 100
