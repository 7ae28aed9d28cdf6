"""Notifications: the outbox that queues them with the change that caused them, and its
delivery (``outbox``: queue, send, list). ``handlers`` is internal: who hears of a new or an
assigned complaint (subscribed by bootstrap)."""

__all__ = ["outbox"]
