"""Start-up: subscribe every handler to the domain events it follows, once, in the order they
run (*Architecture Patterns with Python*'s bootstrap). Every front-end calls ``start()`` before
its first use case (the CLI when it opens the database, the tests in conftest); a use case that
publishes an event before it is refused (``bus.NotStarted``) rather than skipping the handlers.

What follows which event, in order:

- ``ComplaintRegistered``: the branch supervisors are told (notify), then the complaint is
  auto-assigned when configured (complaints), then the emergency plan's detection runs for it
  (emergency, CBIRC Art 29: the incident exists when ``register`` returns).
- ``ComplaintChanged`` (before the change's audit event, which carries what they add): the
  clock (due time, pauses, reopening), then the lifecycle's rules (recusal on assignment, the
  compensation approval of a resolution), then the assignee is told (notify).
- ``CustomerNotified``: the acknowledgement counts as the first contact (complaints).
- ``DeadlinesChecked``: the emergency plan's detection and overdue checklist (emergency).
"""

from __future__ import annotations

from complaintctl.domain.events import (
    ComplaintChanged,
    ComplaintRegistered,
    CustomerNotified,
    DeadlinesChecked,
)
from complaintctl.services.clock import handlers as clock
from complaintctl.services.complaints import handlers as complaints
from complaintctl.services.core import bus
from complaintctl.services.emergency import handlers as emergency
from complaintctl.services.notify import handlers as notify


def start() -> None:
    """Subscribe the handlers (idempotent: a second call changes nothing)."""
    if bus.started():
        return
    bus.subscribe(ComplaintRegistered, notify.on_registered)
    bus.subscribe(ComplaintRegistered, complaints.on_registered)
    bus.subscribe(ComplaintRegistered, emergency.on_registered)
    bus.subscribe(ComplaintChanged, clock.on_change)
    bus.subscribe(ComplaintChanged, complaints.on_change)
    bus.subscribe(ComplaintChanged, notify.on_change)
    bus.subscribe(CustomerNotified, complaints.on_customer_notified)
    bus.subscribe(DeadlinesChecked, emergency.on_deadlines_checked)
    bus.mark_started()
