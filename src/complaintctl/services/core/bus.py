"""The message bus: domain events (``complaintctl.domain.events``) handed to the handlers
subscribed to them, in the publisher's transaction and in the order they subscribed.

Handlers are subscribed once at start-up by ``complaintctl.services.bootstrap.start`` (every
front-end calls it before its first use case). A handler is ``handler(session, event)`` and
may return a dict: what it adds to the details of the change's audit event.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from complaintctl.domain.events import Event

Handler = Callable[[Any, Event], "dict[str, Any] | None"]

_handlers: dict[type[Event], list[Handler]] = {}
_started = False


class NotStarted(RuntimeError):
    """An event was published before ``services.bootstrap.start()`` subscribed the handlers."""


def subscribe(event_type: type[Event], handler: Handler) -> None:
    """Run ``handler`` for every ``event_type`` published from now on (once per handler)."""
    handlers = _handlers.setdefault(event_type, [])
    if handler not in handlers:
        handlers.append(handler)


def unsubscribe(event_type: type[Event], handler: Handler) -> None:
    """Stop running ``handler`` for ``event_type`` (a test's own handler, afterwards)."""
    handlers = _handlers.get(event_type, [])
    if handler in handlers:
        handlers.remove(handler)


def mark_started() -> None:
    global _started
    _started = True


def started() -> bool:
    return _started


def publish(session: Any, event: Event) -> dict[str, Any]:
    """Run the handlers of ``event`` in turn; returns what they add to the audit details.
    A handler's error propagates: the use case's transaction rolls back, nothing is half-done."""
    if not _started:
        raise NotStarted("complaintctl.services.bootstrap.start() was not called before a use "
                         "case published " + type(event).__name__)
    extra: dict[str, Any] = {}
    for handler in _handlers.get(type(event), ()):
        added = handler(session, event)
        if added:
            extra.update(added)
    return extra


def handlers_of(event_type: type[Event]) -> list[Handler]:
    """The handlers subscribed to ``event_type``, in order (for tests and ARCHITECTURE.md)."""
    return list(_handlers.get(event_type, ()))
