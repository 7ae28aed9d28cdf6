"""Retrying work that lost a race on PostgreSQL: deadlocks and serialization failures.

PostgreSQL aborts one transaction of a deadlock (SQLSTATE 40P01) and, at REPEATABLE READ or
SERIALIZABLE, a transaction whose snapshot went stale (40001). Neither is the user's fault and
both succeed when run again, so the CLI runs the command again, after an exponential backoff
with full jitter, a bounded number of times (``COMPLAINTCTL_DB_ATTEMPTS``, default 8), and only
while nothing of the command was committed yet. Then it gives up with a clear error (exit 1).

This module is light (no SQLAlchemy import): the CLI imports it on every run.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from complaintctl.settings import settings

RETRYABLE = {"40001": "serialization failure", "40P01": "deadlock"}
DEFAULT_ATTEMPTS = 8
BASE_DELAY = 0.02  # seconds; doubled per attempt
MAX_DELAY = 1.0


@dataclass
class Stats:
    """Counts for this process (the benchmark reads them)."""

    retries: int = 0
    gave_up: int = 0


stats = Stats()


def attempts() -> int:
    given = settings.db_attempts
    return DEFAULT_ATTEMPTS if given is None else max(1, given)


def sqlstate(error: BaseException | None) -> str | None:
    """The SQLSTATE of a database error, looking through SQLAlchemy's wrapper and causes."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        for candidate in (getattr(error, "orig", None), error):
            code = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
            if isinstance(code, str):
                return code
        error = error.__cause__ or error.__context__
    return None


def is_retryable(error: BaseException) -> bool:
    return sqlstate(error) in RETRYABLE


def delay(attempt: int, rng: random.Random | None = None) -> float:
    """Seconds to wait before attempt ``attempt + 1``: full jitter over an exponential cap."""
    cap = min(MAX_DELAY, BASE_DELAY * 2 ** (attempt - 1))
    return (rng or random).uniform(0, cap)
