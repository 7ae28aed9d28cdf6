"""The complaint form's fields, checked (each problem names its field, ``InvalidRecord``), and
its attachments: at most 3, 5 MB each, PDF, JPEG or PNG told by their content, names without
paths or control characters."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from complaintctl.errors import InvalidRecord
from complaintctl.i18n import _

MAX_FILES = 3
MAX_FILE_BYTES = 5 * 1024 * 1024
#: what a file's first bytes say it is, and the extension it is kept under
KINDS = ((b"%PDF-", "application/pdf", ".pdf"), (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
         (b"\x89PNG\r\n\x1a\n", "image/png", ".png"))
PHONE = re.compile(r"^\+?[0-9][0-9 \-]{5,22}[0-9]$")
EMAIL = re.compile(r"^[^@\s<>\"']{1,64}@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
                   r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)+$")
AMOUNT = re.compile(r"^[0-9]{1,12}(?:\.[0-9]{1,2})?$")
PRODUCTS = ("credit_card", "debit_card", "deposit", "loan", "mortgage", "wealth_management",
            "insurance_agency", "payment", "online_banking", "other")


@dataclass
class Attachment:
    filename: str
    data: bytes


@dataclass
class OnlineForm:
    name: str = ""
    phone: str = ""
    email: str = ""
    product: str = ""
    description: str = ""
    amount: str = ""
    consent: bool = False
    attachments: list[Attachment] = field(default_factory=list)


def checked(form: OnlineForm) -> OnlineForm:
    """``form`` with its text trimmed, or ``InvalidRecord`` naming the first field at fault."""
    name, phone, email = form.name.strip(), form.phone.strip(), form.email.strip()
    description, amount = form.description.strip(), form.amount.strip().replace(",", "")
    if not name:
        raise InvalidRecord("name", _("please give your name"))
    if len(name) > 200:
        raise InvalidRecord("name", _("is longer than 200 characters"))
    if not phone and not email:
        raise InvalidRecord("phone", _("please give a phone number or an email address"))
    if phone and not PHONE.match(phone):
        raise InvalidRecord("phone", _("is not a phone number (digits, spaces, '-', a leading "
                                       "'+')"))
    if email and (len(email) > 254 or not EMAIL.match(email)):
        raise InvalidRecord("email", _("is not an email address"))
    if form.product and form.product not in PRODUCTS:
        raise InvalidRecord("product", _("is not one of the products on the form"))
    if not description:
        raise InvalidRecord("description", _("please say what happened"))
    if amount and not AMOUNT.match(amount):
        raise InvalidRecord("amount", _("is not an amount (like 1200 or 1200.50)"))
    if not form.consent:
        raise InvalidRecord("consent", _("please agree to the handling of your personal data, "
                                         "without which we cannot handle the complaint"))
    return OnlineForm(name, phone, email, form.product, description, amount, True,
                      checked_attachments(form.attachments))


def checked_attachments(files: list[Attachment]) -> list[Attachment]:
    """The non-empty attachments, each told by content; too many or too large refused."""
    files = [f for f in files if f.data]
    if len(files) > MAX_FILES:
        raise InvalidRecord("attachments", _("at most {n} files").format(n=MAX_FILES))
    kept = []
    for one in files:
        if len(one.data) > MAX_FILE_BYTES:
            raise InvalidRecord("attachments", _("{name} is larger than 5 MB").format(
                name=safe_filename(one.filename, "")))
        kind = kind_of(one.data)
        if kind is None:
            raise InvalidRecord("attachments", _("{name} is not a PDF, JPEG or PNG file")
                                .format(name=safe_filename(one.filename, "")))
        kept.append(Attachment(safe_filename(one.filename, kind[2]), one.data))
    return kept


def kind_of(data: bytes):
    """(magic, media type, extension) of ``data``, or None when it is none of the kinds."""
    return next((k for k in KINDS if data.startswith(k[0])), None)


def safe_filename(filename: str, extension: str) -> str:
    """The last part of ``filename`` without control or format characters, at most 100
    characters, ending in ``extension`` (the kind told by content) unless it already does."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable() and c not in "<>:\"|?*\u202e\u202d")
    name = name.strip(" .")[:100] or "attachment"
    if extension and not name.lower().endswith(extension):
        name += extension
    return name
