"""Options that change how the fake behaves (set on ``StripeFake(...)`` or the pytest marker)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class FakeConfig:
    """Behaviour switches. Every default imitates Stripe as closely as the docs allow."""

    #: Keep a log of every request in ``StripeFake.requests``.
    record_requests: bool = True
    #: Seconds a meter event waits before it counts in summaries and alerts (Stripe is eventually
    #: consistent; 0 = immediately).
    processing_delay: int = 0
