"""An opt-in rate limiter modelled on Stripe's documented sandbox limit (leaf module).

Token buckets per (account, reads | writes), refilled at ``rate`` operations per second of real
(monotonic) time: frozen or moved test time never refills or drains them. ``stripe-fake serve
--rate-limit`` and the ``rate_limit`` option of the in-process fake both use it; a refused request
gets Stripe's 429 ``rate_limit`` error.
"""

from __future__ import annotations

import time
from collections.abc import Callable

#: Stripe's sandbox basic limit: 25 read and 25 write operations per second.
SANDBOX_RATE_LIMIT = 25
RATE_LIMIT_MESSAGE = (
    "Request rate limit exceeded. You can learn more about rate limits here https://stripe.com/docs/rate-limits."
)
# freezegun replaces module attributes that are real clock functions: keep this one out of its reach.
_REAL_CLOCK: tuple[Callable[[], float]] = (time.monotonic,)

class RateLimiter:
    """Token buckets per (account, reads|writes), refilled at ``rate`` per second of real time."""

    def __init__(self, rate: int = SANDBOX_RATE_LIMIT) -> None:
        self.rate = float(rate)
        self.rate_per_second = rate
        self._buckets: dict[tuple[str, bool], tuple[float, float]] = {}

    def allow(self, account: str, write: bool, now: float | None = None) -> bool:
        """Take one operation from the bucket; ``False`` if it is empty (the request is refused)."""
        now = _REAL_CLOCK[0]() if now is None else now
        key = (account, write)
        tokens, last = self._buckets.get(key, (self.rate, now))
        tokens = min(self.rate, tokens + (now - last) * self.rate)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            return False
        self._buckets[key] = (tokens - 1.0, now)
        return True

