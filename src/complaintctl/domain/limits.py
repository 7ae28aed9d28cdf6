"""The longest text each field may hold, in characters (issue 23, point 4): one table for
``register``, the importer, the mailbox and the online records, and the commands that take a
note, findings, a reason or an answer. Over a limit is invalid data (exit 5) naming the field
and its limit; an imported row over one goes to the rejects file with that reason.

The fields kept in a column of limited length have that length (a test checks the table
against the columns); the free-text fields are long enough for any real complaint and short
enough that ``show`` of the longest allowed complaint stays quick. README ("Limits") lists them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from complaintctl.errors import InvalidData
from complaintctl.i18n import _

#: characters, by field, as ``register``'s options and the import's fields name them
FIELDS: dict[str, int] = {
    # who complained (the customer's columns)
    "customer": 200, "phone": 40, "email": 254, "id_number": 40, "account": 64,
    "customer_id": 64,
    # about what
    "branch": 64, "product": 200, "sub_product": 200, "issue": 300, "sub_issue": 300,
    "summary": 2_000, "description": 100_000, "source_ref": 200, "external_ref": 200,
    "original_number": 200, "tags": 1_000, "remedies": 2_000,
    # the CFPB's columns
    "company": 200, "state": 64, "zip_code": 16, "consumer_consent": 64,
    "company_response": 64, "company_public_response": 20_000,
    # what the handlers write
    "note": 20_000, "findings": 20_000, "feedback": 5_000, "question": 5_000,
    "answer": 5_000, "department": 200, "reason": 2_000, "contact": 2_000,
    "notice_proof": 500, "late_reason": 2_000, "reasons": 20_000, "basis": 20_000,
}
#: any other field of an imported row (a date, an amount, a status, a name of staff)
OTHER_FIELD = 1_000
#: all the fields of one imported row together
ROW = 250_000


def limit(field: str) -> int:
    """The most characters ``field`` may hold."""
    return FIELDS.get(field, OTHER_FIELD)


def check(field: str, value: Any) -> None:
    """Refuse ``value`` (InvalidData, exit 5) when it is text longer than ``field``'s limit."""
    if isinstance(value, str) and len(value) > limit(field) and len(value.strip()) > limit(field):
        raise InvalidData(_(
            "{field} is longer than {n} characters (it has {length}); shorten it").format(
            field=field, n=f"{limit(field):,}", length=f"{len(value.strip()):,}"))


def check_row(fields: Mapping[str, Any]) -> None:
    """An imported row: every field within its limit, and all of them within ``ROW``."""
    total = 0
    for field, value in fields.items():
        check(field, value)
        if isinstance(value, str):
            total += len(value)
    if total > ROW:
        raise InvalidData(_(
            "the row is longer than {n} characters in all (it has {length}); shorten its "
            "fields").format(n=f"{ROW:,}", length=f"{total:,}"))
