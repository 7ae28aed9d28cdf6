"""Notifications: the outbox that queues them with the change that caused them (``outbox``:
queue, queue_to_customer, who is told), their delivery (``delivery``: send), the senders and
their settings (``senders``: SMTP or a log file) and the listing (``listing``: notify list).
``handlers`` is internal: who hears of a new or an assigned complaint (subscribed by
bootstrap)."""

__all__ = ["delivery", "listing", "outbox", "senders"]
