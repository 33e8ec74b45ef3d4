"""Invoices: state and rules (models.py), pure arithmetic (builder.py), HTTP (responses.py), routes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...http.expand import register_expandable

if TYPE_CHECKING:
    from ...bus import Bus
    from ...scheduler import Scheduler


def install(bus: Bus, scheduler: Scheduler) -> None:
    """Register the invoice jobs (finalization, payment retries, due-date events)."""
    from .models import JOB_KINDS, run_invoice_job

    for kind in JOB_KINDS:
        scheduler.register(kind, run_invoice_job)


register_expandable(
    "invoice", "customer", "payments", "confirmation_secret", "default_payment_method", "test_clock"
)
register_expandable("invoice", "lines.data.invoice", "parent.subscription_details.subscription")
register_expandable("line_item", "invoice")
register_expandable("invoiceitem", "customer", "invoice")
register_expandable("invoice_payment", "invoice")
