"""Audited delegation (issue 18): a signed-in admin acting as another member of staff. While
``delegating(by, as_user)`` holds, every audit event written for ``as_user`` also records the
admin ("wangfang acting as lihua"). A context variable: one per command, per web request."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_DELEGATION: ContextVar[tuple[str, str] | None] = ContextVar("complaintctl_delegation",
                                                             default=None)


def start(by: str, as_user: str) -> None:
    """From now on (in this context), events of ``as_user`` record that ``by`` acted."""
    _DELEGATION.set((by, as_user))


def stop() -> None:
    _DELEGATION.set(None)


@contextmanager
def delegating(by: str, as_user: str):
    token = _DELEGATION.set((by, as_user))
    try:
        yield
    finally:
        _DELEGATION.reset(token)


def current() -> tuple[str, str] | None:
    """(admin, the user they act as), or None."""
    return _DELEGATION.get()


def with_delegation(actor: str, details: dict[str, Any] | None) -> dict[str, Any] | None:
    """An event's details, with the delegating admin added when ``actor`` is acted for."""
    held = _DELEGATION.get()
    if held is None or held[1] != actor:
        return details
    by, as_user = held
    return {**(details or {}), "delegated_by": by, "delegation": f"{by} acting as {as_user}"}
