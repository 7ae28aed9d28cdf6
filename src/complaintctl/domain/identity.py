"""The customer's identity and contact data checked (CBIRC 2020 Art 22; Art 12 for a joint
complaint's representatives). Pure: values in, normalised values out or ``InvalidData``.

- A resident ID number (GB 11643-1999): 18 characters, six digits of the address code, the
  date of birth as YYYYMMDD (a real date, not in the future), three digits of the order code
  and the check digit of ISO 7064 MOD 11-2 (``X`` for 10; a lower-case ``x`` is accepted and
  stored as ``X``).
- A phone number: a mainland mobile (``1[3-9]`` and 9 more digits) or a landline (``0``, an
  area code and the number: 10 to 12 digits), with spaces, dashes, brackets and a ``+86`` or
  ``0086`` prefix removed. Stored as the digits.
- An account or card number: 8 to 32 digits, spaces and dashes removed.

The same formats hold on every channel a complaint arrives by: a phone complaint's number, an
email complaint's account and a counter complaint's ID number are one customer's data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from complaintctl.errors import InvalidData
from complaintctl.i18n import _

#: ISO 7064 MOD 11-2 weights of the first 17 digits (2^(17-i) mod 11)
WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
CHECK_DIGITS = "10X98765432"
_ID = re.compile(r"^\d{17}[\dX]$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{9,11}$")
_ACCOUNT = re.compile(r"^\d{8,32}$")
_SEPARATORS = re.compile(r"[\s\-()（）]")


class IdentityMethod(StrEnum):
    """How a customer's identity was verified (Art 22)."""

    counter_id_check = "counter_id_check"
    phone_callback = "phone_callback"
    online_real_name = "online_real_name"


METHODS = tuple(m.value for m in IdentityMethod)


def check_digit(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of an ID number's first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_DIGITS[total % 11]


def birth_date(value: str) -> date | None:
    """The date of birth an 18-character ID number carries, or None if it is no date."""
    try:
        return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


def id_number_problem(value: str, today: date) -> str | None:
    """Why ``value`` (upper-cased, stripped) is not a resident ID number; None if it is."""
    if not _ID.match(value):
        return _("a resident ID number has 18 characters: 17 digits and a check digit or X")
    born = birth_date(value)
    if born is None:
        return _("its date of birth {text} is not a date").format(text=value[6:14])
    if born > today:
        return _("its date of birth {born} is in the future").format(born=born.isoformat())
    if check_digit(value[:17]) != value[17]:
        return _("its check digit is wrong (GB 11643)")
    return None


def normal_id_number(value: str, today: date) -> str:
    """``value`` as stored (stripped, ``X`` upper-case), or InvalidData naming Art 22."""
    text = value.strip().upper()
    why = id_number_problem(text, today)
    if why:
        raise InvalidData(_("ID number {value} is not valid: {problem}; check it (CBIRC Art "
                            "22).").format(value=value, problem=why))
    return text


def phone_digits(value: str) -> str:
    """``value`` without separators and the +86 / 0086 country prefix."""
    text = _SEPARATORS.sub("", value.strip())
    for prefix in ("+86", "0086"):
        if text.startswith(prefix):
            return text[len(prefix):]
    if len(text) == 13 and text.startswith("86") and _MOBILE.match(text[2:]):
        return text[2:]
    return text


def is_phone(digits: str) -> bool:
    return bool(_MOBILE.match(digits) or _LANDLINE.match(digits))


def normal_phone(value: str) -> str:
    """A mainland mobile or landline number as stored (its digits), or InvalidData."""
    digits = phone_digits(value)
    if not is_phone(digits):
        raise InvalidData(_("Phone {value} is not a mainland mobile (1 and 10 digits) or a "
                            "landline (0, area code and number); check it (CBIRC Art 22).")
                          .format(value=value))
    return digits


def normal_account(value: str) -> str:
    """An account or card number as stored (its digits), or InvalidData."""
    digits = re.sub(r"[\s-]", "", value.strip())
    if not _ACCOUNT.match(digits):
        raise InvalidData(_("Account {value} is not an account or card number (8 to 32 "
                            "digits); check it (CBIRC Art 22).").format(value=value))
    return digits


# --- representatives (Art 12) ----------------------------------------------------------------

#: a joint in-person complaint elects at most this many representatives (Art 12)
MAX_REPRESENTATIVES = 5
#: the channels where a group files in person (Art 12 applies there)
IN_PERSON_CHANNELS = frozenset({"counter"})


@dataclass(frozen=True)
class Representative:
    name: str
    phone: str

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "phone": self.phone}


def parse_representative(text: str) -> Representative:
    """``NAME,PHONE`` (the phone checked as a customer's)."""
    name, sep, phone = text.rpartition(",")
    name, phone = name.strip(), phone.strip()
    if not sep or not name or not phone:
        raise InvalidData(_("Representative '{text}' must be NAME,PHONE: a name and a contact "
                            "phone (CBIRC Art 12).").format(text=text))
    return Representative(name, normal_phone(phone))


def representatives_problem(channel: str, group_size: int, count: int) -> str | None:
    """Why a complaint's representatives break Art 12, or None: more than five, or a joint
    in-person complaint (group size over 1 at the counter) with none."""
    if count > MAX_REPRESENTATIVES:
        return _("{count} representatives named; a joint complaint elects at most {n} "
                 "(CBIRC Art 12).").format(count=count, n=MAX_REPRESENTATIVES)
    if count == 0 and group_size > 1 and channel in IN_PERSON_CHANNELS:
        return _("A joint in-person complaint of {size} complainants names its representatives "
                 "(1 to {n}, --representative NAME,PHONE) (CBIRC Art 12).").format(
                     size=group_size, n=MAX_REPRESENTATIVES)
    return None
