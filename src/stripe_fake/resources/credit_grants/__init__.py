"""Credit grants: state and rules (models.py, ledger.py), HTTP (responses.py), routes (urls.py).

Invoices apply credits by calling :meth:`CreditGrantStore.allocate` / ``restore`` / ``release``
directly (``invoices/ports.py``): a downward call, no registry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ...bus import Bus
    from ...scheduler import Scheduler


def install(bus: Bus, scheduler: Scheduler) -> None:
    """Register the expiry job."""
    from .models import EXPIRE_JOB, run_expiry

    scheduler.register(EXPIRE_JOB, run_expiry)
