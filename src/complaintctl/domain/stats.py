"""Small statistics the reports and the monitor share. Pure."""

from __future__ import annotations

import math

SPIKE_MIN_COUNT = 5
SPIKE_SIGMAS = 3.0


def is_spike(count: int, baseline: float | None) -> bool:
    """A count well above its baseline mean: at least 5 and more than mean + 3 * sqrt(mean).

    Complaint counts are roughly Poisson, whose standard deviation is the square root of the
    mean; a quiet branch needs a real jump, a busy one is not in permanent alarm.
    """
    if baseline is None:
        return False
    return count >= SPIKE_MIN_COUNT and count > baseline + SPIKE_SIGMAS * math.sqrt(
        max(baseline, 1.0))


def nearest_rank(values: list[float], fraction: float) -> float | None:
    """The nearest-rank percentile: the smallest value with at least ``fraction`` of the values
    at or below it (p90 of 10 values is the 9th; the median of 4 is the 2nd)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]
