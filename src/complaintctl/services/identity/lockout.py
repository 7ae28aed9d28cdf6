"""Lockout: 5 failed sign-ins within 15 minutes lock the user name for 15 minutes. Attempts
are kept by the name as typed, whether or not such a member of staff exists, so a lockout (or
its absence) does not tell who exists. Times are the caller's (``at``): the clock the command
or the test runs on."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlmodel import Session, col, func, select

from complaintctl.store.models_identity import SignInAttempt

ATTEMPTS = 5
WINDOW = timedelta(minutes=15)
LOCK = timedelta(minutes=15)


def locked_until(session: Session, username: str, at: datetime) -> datetime | None:
    """When the lock on ``username`` ends, or None when it is not locked at ``at``."""
    until = session.exec(select(func.max(SignInAttempt.locked_until))
                         .where(SignInAttempt.username == username)).one()
    until = _aware(until)
    return until if until is not None and until > at else None


def _aware(moment: datetime | None) -> datetime | None:
    """A stored time as UTC (an aggregate may come back naive from SQLite)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)


def _counting_since(session: Session, username: str, at: datetime) -> datetime:
    """Failures count from the latest of: the window's start, the last success, the end of
    the last lock."""
    since = at - WINDOW
    last_ok = session.exec(select(func.max(SignInAttempt.at)).where(
        SignInAttempt.username == username, SignInAttempt.ok)).one()
    last_lock = session.exec(select(func.max(SignInAttempt.locked_until)).where(
        SignInAttempt.username == username)).one()
    for moment in (_aware(last_ok), _aware(last_lock)):
        if moment is not None:
            since = max(since, moment)
    return since


def record(session: Session, username: str, *, ok: bool, client: str,
           at: datetime) -> datetime | None:
    """Record one attempt; returns when the lock ends if this failure locked the name."""
    attempt = SignInAttempt(username=username[:64], at=at, ok=ok, client=client[:200])
    if not ok:
        since = _counting_since(session, username, at)
        failures = session.exec(select(func.count()).select_from(SignInAttempt).where(
            SignInAttempt.username == username, col(SignInAttempt.ok).is_(False),
            SignInAttempt.at > since, SignInAttempt.at <= at)).one()
        if failures + 1 >= ATTEMPTS:
            attempt.locked_until = at + LOCK
    session.add(attempt)
    return attempt.locked_until
