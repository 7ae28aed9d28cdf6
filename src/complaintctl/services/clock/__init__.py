"""The regulatory clock: one complaint's clock and due time (``state``), pausing and resuming
it (``pauses``), and the periodic deadline check with its warnings and escalations (``sla``).
``handlers`` is internal: the clock's part of every lifecycle change (subscribed by bootstrap).
"""

__all__ = ["pauses", "sla", "state"]
