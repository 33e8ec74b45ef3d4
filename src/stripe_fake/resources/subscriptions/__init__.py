"""Subscriptions: state and rules (models.py), HTTP (responses.py), routes (urls.py), period math
(periods.py); the renewal engine is scheduler jobs registered by :func:`install`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..invoices.models import InvoicePaid, InvoicePaymentFailed
from ..test_clocks.models import TestClockDeleted
from . import links
from .models import (
    CANCEL_AT_JOB,
    INCOMPLETE_EXPIRY_JOB,
    PERIOD_END_JOB,
    TRIAL_WILL_END_JOB,
    Subscription,
    SubscriptionStore,
)

if TYPE_CHECKING:
    from ...bus import Bus
    from ...scheduler import Job, Scheduler
    from ...state import AccountState


def _job(run: Callable[[SubscriptionStore, Subscription, int], None]) -> Callable[[AccountState, Job], None]:
    def handler(account: AccountState, job: Job) -> None:
        store = account.find(SubscriptionStore)
        sub = store.table.get(job.ref) if store is not None else None
        if store is not None and sub is not None:
            run(store, sub, job.due)

    return handler


def _on_paid(account: AccountState, message: InvoicePaid) -> None:
    store = account.find(SubscriptionStore)
    if store is not None and message.subscription is not None:
        store.invoice_paid(message.subscription, message.invoice, now=links.clock_now(account))


def _on_failed(account: AccountState, message: InvoicePaymentFailed) -> None:
    store = account.find(SubscriptionStore)
    if store is not None and message.subscription is not None:
        store.invoice_payment_failed(
            message.subscription, message.invoice, final=message.final, now=links.clock_now(account)
        )


def _on_clock_deleted(account: AccountState, message: TestClockDeleted) -> None:
    """A deleted test clock takes its customers' subscriptions with it (canceled)."""
    store = account.find(SubscriptionStore)
    if store is not None:
        for customer in message.customers:
            store.cancel_for_customer(customer, now=message.now)


def install(bus: Bus, scheduler: Scheduler) -> None:
    """Register the renewal jobs and follow invoice payments to move statuses."""
    scheduler.register(PERIOD_END_JOB, _job(SubscriptionStore.run_period_end))
    scheduler.register(TRIAL_WILL_END_JOB, _job(SubscriptionStore.run_trial_will_end))
    scheduler.register(CANCEL_AT_JOB, _job(SubscriptionStore.run_cancel_at))
    scheduler.register(INCOMPLETE_EXPIRY_JOB, _job(SubscriptionStore.run_incomplete_expiry))
    bus.subscribe(InvoicePaid, _on_paid)
    bus.subscribe(InvoicePaymentFailed, _on_failed)
    bus.subscribe(TestClockDeleted, _on_clock_deleted)
