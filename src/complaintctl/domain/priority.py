"""The documented rule that derives a complaint's priority when none is set.

- urgent: 20 or more joint complainants (CBIRC Art 29), the ``media`` tag, or an amount of
  100,000 or more;
- high: a regulator referral, an ``elderly``, ``vulnerable`` or ``repeat`` tag, 5 or more joint
  complainants, or an amount of 10,000 or more;
- normal otherwise. ``low`` is only ever set by hand.
"""

from __future__ import annotations

from decimal import Decimal

from complaintctl.domain.enums import Channel, Priority

URGENT_GROUP_SIZE = 20
URGENT_AMOUNT = Decimal("100000")
HIGH_GROUP_SIZE = 5
HIGH_AMOUNT = Decimal("10000")
URGENT_TAGS = frozenset({"media"})
HIGH_TAGS = frozenset({"elderly", "vulnerable", "repeat"})

ORDER = {Priority.urgent: 0, Priority.high: 1, Priority.normal: 2, Priority.low: 3}


def derive_priority(
    *, amount: Decimal | None, tags: set[str] | frozenset[str], channel: Channel, group_size: int
) -> Priority:
    amount = amount or Decimal(0)
    if group_size >= URGENT_GROUP_SIZE or tags & URGENT_TAGS or amount >= URGENT_AMOUNT:
        return Priority.urgent
    if (
        channel is Channel.regulator
        or tags & HIGH_TAGS
        or group_size >= HIGH_GROUP_SIZE
        or amount >= HIGH_AMOUNT
    ):
        return Priority.high
    return Priority.normal
