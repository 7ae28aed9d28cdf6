"""What happens to a complaint, as the services announce it: domain events in the manner of
*Architecture Patterns with Python* (chapters 8-13). A use case publishes an event on the bus
(``services.core.bus``) inside its transaction; the handlers registered once at start-up
(``services.bootstrap``) do what follows from it (the clock, notifications, auto-assignment,
approvals, the emergency plan), so no module imports the use cases that call it.

The events carry the rows they are about (``complaint``) and who acted (``actor``) as opaque
objects: the domain stays free of the storage and service types."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from complaintctl.domain.enums import Action, Status


@dataclass(frozen=True)
class Event:
    """Base of every domain event."""


@dataclass(frozen=True)
class ComplaintRegistered(Event):
    """A complaint was registered and its ``register`` event recorded."""

    complaint: Any
    actor: Any
    at: datetime


@dataclass(frozen=True)
class ComplaintChanged(Event):
    """A lifecycle action moved a complaint from ``previous`` to its current status. Published
    before the change's audit event is written: what the handlers return goes into its details
    (the due time it moved, a pause it ended, the approval it asked for)."""

    complaint: Any
    actor: Any
    action: Action
    at: datetime
    previous: Status


@dataclass(frozen=True)
class CustomerNotified(Event):
    """A notification to the customer went out (``notify send``): the acknowledgement of a
    complaint counts as its first outbound contact."""

    complaint: Any
    notification: Any
    actor_name: str
    at: datetime


@dataclass(frozen=True)
class DeadlinesChecked(Event):
    """``sla check`` marked warnings and escalations at ``as_of``; periodic checks that ride on
    it (the emergency plan's detection) put what they did in ``report.hooks``."""

    actor: Any
    as_of: datetime
    report: Any
    details: dict[str, Any] = field(default_factory=dict)
