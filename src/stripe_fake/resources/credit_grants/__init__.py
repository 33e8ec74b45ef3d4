"""Credit grants: state and rules (models.py, ledger.py), HTTP (responses.py), routes (urls.py), and
their application to invoices (invoicing.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ...bus import Bus
    from ...scheduler import Scheduler


def install(bus: Bus, scheduler: Scheduler) -> None:
    """Register the expiry job, the invoices' credit allocator and the restore on void."""
    from ..invoices.models import CREDIT_ALLOCATORS, InvoiceVoided
    from .invoicing import allocate_invoice, restore_on_void
    from .models import EXPIRE_JOB, run_expiry

    scheduler.register(EXPIRE_JOB, run_expiry)
    if allocate_invoice not in CREDIT_ALLOCATORS:
        CREDIT_ALLOCATORS.append(allocate_invoice)
    bus.subscribe(InvoiceVoided, restore_on_void)
