"""The lowest floor of the services: the wall clock and the settings stored in the database
(the bank's time zone, the chain's secret key). Everything else in services builds on these."""

from __future__ import annotations

import secrets
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlmodel import Session

from complaintctl.domain.clock import bank_tz
from complaintctl.store.models import Setting


def now() -> datetime:
    return datetime.now(timezone.utc)


def get_setting(session: Session, key: str, default: str | None = None) -> str | None:
    row = session.get(Setting, key)
    return row.value if row is not None else default


def set_setting(session: Session, key: str, value: str) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value


def timezone_of(session: Session) -> ZoneInfo:
    return bank_tz(get_setting(session, "timezone"))


def chain_key(session: Session) -> bytes:
    """The database's secret for keyed digests of personal data (made on first use)."""
    value = get_setting(session, "chain_key")
    if value is None:
        value = secrets.token_hex(32)
        set_setting(session, "chain_key", value)
    return bytes.fromhex(value)
