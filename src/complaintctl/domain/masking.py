"""Personal data shown with the least needed (PIPL Art 28; DOMAIN.md "Personal data")."""

from __future__ import annotations

import re

PERSONAL_FIELDS = ("name", "phone", "email", "id_number", "account", "customer_id")
MASKED_FIELDS = ("phone", "email", "id_number", "account")


def mask_phone(value: str | None) -> str | None:
    """``13812345678`` -> ``138****5678``: the first 3 and the last 4 digits."""
    if not value:
        return value
    digits = value.strip()
    if len(digits) <= 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_id_number(value: str | None) -> str | None:
    """A national ID shows its first 6 and last 4 characters."""
    if not value:
        return value
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_account(value: str | None) -> str | None:
    """An account or card number shows its last 4 characters."""
    if not value:
        return value
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]


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


#: an email address inside free text (a mail server's error, a log line)
EMAIL_IN_TEXT = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+")


def mask_emails_in(text: str | None) -> str | None:
    """Every email address in ``text`` masked like ``mask_email`` (``z***@example.com``)."""
    if not text:
        return text
    return EMAIL_IN_TEXT.sub(lambda m: mask_email(m.group()), text)
