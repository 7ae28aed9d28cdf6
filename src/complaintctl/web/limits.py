"""Per-client rate limits (a sliding window per client and kind, in this process): past the
limit a request is refused with ``RateLimited`` (429 with Retry-After). With the form's hidden
honeypot field they stand in for a CAPTCHA service. Behind a proxy the client is the address
uvicorn took from X-Forwarded-For (``serve --forwarded-allow-ips``)."""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque

from complaintctl.errors import RateLimited
from complaintctl.i18n import _

#: kind -> (requests, per seconds)
DEFAULT = {"submit": (10, 600), "lookup": (30, 60), "reissue": (3, 3600)}


class Limiter:
    def __init__(self, limits: dict[str, tuple[int, int]] | None = None):
        self.limits = dict(DEFAULT if limits is None else limits)
        self._seen: dict[tuple[str, str], deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def hit(self, kind: str, client: str) -> None:
        """Count one request of ``kind`` from ``client``, or refuse it (not counted)."""
        if kind not in self.limits:
            return
        most, window = self.limits[kind]
        current = time.monotonic()
        with self._lock:
            seen = self._seen[(kind, client)]
            while seen and seen[0] <= current - window:
                seen.popleft()
            if len(seen) >= most:
                wait = max(1, math.ceil(seen[0] + window - current))
                raise RateLimited(_("Too many requests from your address; please try again in "
                                    "{n} seconds.").format(n=wait), wait)
            seen.append(current)
