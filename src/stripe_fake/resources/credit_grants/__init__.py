"""Credit grants: state and rules (models.py, ledger.py), HTTP (responses.py), routes (urls.py).

Invoices draw on the ledger directly (``invoices/ports.py``: ``CreditGrantStore.allocate`` while
building and at finalization, ``restore`` on void, ``release`` when a draft is deleted).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ...bus import Bus
    from ...scheduler import Scheduler


def install(bus: Bus, scheduler: Scheduler) -> None:
    """Register the expiry job (a grant's credit expires at its ``expires_at``)."""
    from .models import EXPIRE_JOB, run_expiry

    scheduler.register(EXPIRE_JOB, run_expiry)
