"""The online platform's complaint records: JSON with the field names of ``show --format json``.

A record is checked field by field with the interactive path's own rules (``validate_new`` is
called with one field at a time set, so a broken record names the field at fault) and becomes a
``NewComplaint``. Fields complaintctl sets itself (``number``, ``status``, ``due_at``, ...) and
unknown fields are refused rather than silently dropped.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from complaintctl.domain.clock import parse_timestamp
from complaintctl.domain.enums import Channel, Priority
from complaintctl.errors import InvalidData, InvalidRecord
from complaintctl.i18n import _
from complaintctl.services.complaints import register_rules
from complaintctl.services.complaints.registration import NewComplaint, validate_new

TEXT_FIELDS = ("branch", "product", "issue", "summary", "description", "currency",
               "source_ref", "external_ref", "regulator_due", "media", "cause")
CUSTOMER_FIELDS = ("name", "phone", "email", "id_number", "account", "customer_id")
ACCEPTED = frozenset(TEXT_FIELDS + ("channel", "customer", "group_size", "amount", "tags",
                                    "priority", "received_at", "representatives",
                                    "regulator_designated"))
#: keys of ``show --format json`` that complaintctl sets and a record may not
SET_BY_COMPLAINTCTL = frozenset({
    "number", "status", "registered_at", "registered_by", "assignee", "due_at", "overdue",
    "acknowledged_at", "outcome", "findings", "remedies", "notified_at", "notified_via",
    "notice_proof", "satisfaction", "feedback", "disputed", "reopen_count", "closed_at",
    "archived_at", "merged_into", "repeat_of", "events", "consultations", "evidence", "identity",
    "referral_reported_at",
})


def loads(text: str, *, line: int | None = None) -> dict[str, Any]:
    """One JSON object; numbers with a fraction stay exact (amounts)."""
    try:
        value = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise InvalidRecord(
            "-", _("not valid JSON ({problem} at line {row}, column {col})").format(
                problem=error.msg, row=error.lineno, col=error.colno),
            line=line,
        ) from None
    except (RecursionError, ValueError) as error:  # nested too deeply; a 5,000-digit number
        raise InvalidRecord("-", _("not valid JSON ({problem})").format(
            problem=_("nested too deeply") if isinstance(error, RecursionError)
            else _("a number with too many digits")), line=line) from None
    if not isinstance(value, dict):
        raise InvalidRecord("-", _("a complaint record is a JSON object {...}"), line=line)
    return value


def _string(record: dict, key: str, where: str, *, line) -> str | None:
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidRecord(where, _("must be a string"), line=line)
    return value


def to_new_complaint(record: dict[str, Any], *, tz: ZoneInfo,
                     line: int | None = None) -> NewComplaint:
    """A checked ``NewComplaint`` from ``record``; InvalidRecord names the field at fault."""
    _check_keys(record, line)
    channel = _channel(record, line)
    person = _customer(record, line)
    text = {k: _string(record, k, k, line=line) for k in TEXT_FIELDS}
    group_size = _group_size(record, line)
    amount = record.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, (str, int, Decimal, type(None))):
        raise InvalidRecord("amount", _("must be a decimal string like \"1200.50\""), line=line)
    tags = record.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise InvalidRecord("tags", _("must be a list of strings"), line=line)
    priority = _priority(record, line)
    received_at = _received_at(record, tz, line)
    new = NewComplaint(
        channel=channel, customer=person["name"] or "", summary=text["summary"] or "",
        phone=person["phone"], email=person["email"], id_number=person["id_number"],
        account=person["account"], customer_id=person["customer_id"], group_size=group_size,
        branch=text["branch"], product=text["product"], issue=text["issue"],
        description=text["description"],
        amount=None if amount is None else str(amount), currency=text["currency"] or "CNY",
        tags=list(tags), priority=priority, received_at=received_at,
        source_ref=text["source_ref"], external_ref=text["external_ref"],
        receipt_on_record=True,  # the platform's record, not a clerk's word (domain.late)
        representatives=_representatives(record, line), regulator_due=text["regulator_due"],
        media=text["media"], cause=text["cause"],
        regulator_designated=_flag(record, "regulator_designated", line),
    )
    _validate_field_by_field(new, line)
    validate_new(new)
    try:
        register_rules.require(new)
    except InvalidData as error:
        where = ("representatives" if new.channel is not Channel.regulator
                 else "regulator_due" if (new.source_ref or "").strip() else "source_ref")
        raise InvalidRecord(where, str(error), line=line) from None
    return new


def _check_keys(record: dict[str, Any], line: int | None) -> None:
    """Refuse the keys complaintctl sets itself and the keys that are no complaint field."""
    for key in record:
        if key in SET_BY_COMPLAINTCTL:
            raise InvalidRecord(key, _("is set by complaintctl; leave it out"), line=line)
        if key not in ACCEPTED:
            raise InvalidRecord(
                key, _("is not a complaint field (see the keys of `complaintctl show --format "
                       "json`)"), line=line)


def _channel(record: dict[str, Any], line: int | None) -> Channel:
    channel_text = _string(record, "channel", "channel", line=line)
    if not channel_text:
        raise InvalidRecord("channel", _("is required: one of {values}").format(
            values=", ".join(c.value for c in Channel)), line=line)
    try:
        return Channel(channel_text)
    except ValueError:
        raise InvalidRecord("channel", _("'{value}' is not one of {values}").format(
            value=channel_text, values=", ".join(c.value for c in Channel)), line=line) from None


def _customer(record: dict[str, Any], line: int | None) -> dict[str, str | None]:
    """The ``customer`` object's fields (each a string or absent)."""
    customer = record.get("customer")
    if not isinstance(customer, dict):
        raise InvalidRecord("customer", _("is required: an object with at least a name"),
                            line=line)
    for key in customer:
        if key not in CUSTOMER_FIELDS:
            raise InvalidRecord(f"customer.{key}", _("is not a customer field ({fields})").format(
                fields=", ".join(CUSTOMER_FIELDS)), line=line)
    return {k: _string(customer, k, f"customer.{k}", line=line) for k in CUSTOMER_FIELDS}


def _representatives(record: dict[str, Any], line: int | None) -> list[dict[str, str]]:
    """``representatives``: a list of {"name", "phone"} objects (CBIRC Art 12)."""
    given = record.get("representatives") or []
    if not isinstance(given, list) or not all(
            isinstance(r, dict) and set(r) <= {"name", "phone"}
            and all(isinstance(v, str) for v in r.values()) for r in given):
        raise InvalidRecord("representatives", _("must be a list of {\"name\": ..., "
                                                 "\"phone\": ...} objects"), line=line)
    return given


def _flag(record: dict[str, Any], key: str, line: int | None) -> bool:
    value = record.get(key, False)
    if not isinstance(value, bool):
        raise InvalidRecord(key, _("must be true or false"), line=line)
    return value


def _group_size(record: dict[str, Any], line: int | None) -> int:
    group_size = record.get("group_size", 1)
    if group_size is None:
        group_size = 1
    if isinstance(group_size, bool) or not isinstance(group_size, int):
        raise InvalidRecord("group_size", _("must be a whole number"), line=line)
    return group_size


def _priority(record: dict[str, Any], line: int | None) -> Priority | None:
    if record.get("priority") is None:
        return None
    try:
        return Priority(record["priority"])
    except ValueError:
        raise InvalidRecord("priority", _("'{value}' is not one of {values}").format(
            value=record["priority"], values=", ".join(p.value for p in Priority)),
            line=line) from None


def _received_at(record: dict[str, Any], tz: ZoneInfo, line: int | None) -> datetime | None:
    received_text = _string(record, "received_at", "received_at", line=line)
    if not received_text:
        return None
    try:
        return parse_timestamp(received_text, tz=tz)
    except InvalidData as error:
        raise InvalidRecord("received_at", str(error), line=line) from None


def _validate_field_by_field(new: NewComplaint, line: int | None) -> None:
    """The interactive path's rules, one field at a time, so the error names its field."""
    base = replace(new, channel=Channel.other, customer="-", summary="-", group_size=1, tags=[],
                   currency="CNY", email=None, amount=None, phone=None, id_number=None,
                   account=None, representatives=[], regulator_due=None, source_ref=None,
                   media=None, cause=None, regulator_designated=False)
    for where, probe in (
        ("customer.phone", replace(base, phone=new.phone)),
        ("customer.id_number", replace(base, id_number=new.id_number)),
        ("customer.account", replace(base, account=new.account)),

        ("customer.name", replace(base, customer=new.customer)),
        ("summary", replace(base, summary=new.summary)),
        ("group_size", replace(base, group_size=new.group_size)),
        ("tags", replace(base, tags=new.tags)),
        ("currency", replace(base, currency=new.currency)),
        ("customer.email", replace(base, email=new.email)),
        ("amount", replace(base, amount=new.amount)),
        ("representatives", replace(base, channel=new.channel, group_size=new.group_size,
                                    representatives=new.representatives,
                                    source_ref=new.source_ref,
                                    regulator_due=new.regulator_due)),
        ("regulator_due", replace(base, channel=new.channel, source_ref=new.source_ref,
                                  regulator_due=new.regulator_due)),
        ("media", replace(base, media=new.media)),
        ("cause", replace(base, cause=new.cause)),
    ):
        try:
            validate_new(probe)
        except InvalidData as error:
            raise InvalidRecord(where, str(error), line=line) from None
