"""Meter events of customers on a test clock live on the clock's time.

A meter event without ``timestamp`` for such a customer takes the clock's ``frozen_time``, and the
35-day / 5-minute timestamp window, the 24-hour identifier and cancellation windows, and the
``created`` of alerts it triggers are measured on the clock. With no test clock in the account this
costs one dict lookup per request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..customers.models import CustomerStore
from ..meters.models import MeterStore
from ..test_clocks.models import TestClockStore, clock_now

if TYPE_CHECKING:
    from ...state import AccountState


def customer_now(account: AccountState, customer_id: Any, now: int) -> int:
    """The time for a meter event of ``customer_id``: its test clock's time, else ``now``."""
    if not isinstance(customer_id, str) or account.find(TestClockStore) is None:
        return now
    customer = account.store(CustomerStore).get(customer_id)
    return clock_now(account, customer.test_clock if customer is not None else None, now)


def event_now(account: AccountState, event_name: str, payload: Any, now: int) -> int:
    """The time for a new meter event ``event_name`` with ``payload`` (see :func:`customer_now`)."""
    if account.find(TestClockStore) is None or not isinstance(payload, dict):
        return now
    meter = account.store(MeterStore).by_event_name.get(event_name)
    key = meter.customer_key if meter is not None else "stripe_customer_id"
    return customer_now(account, payload.get(key), now)


def recorded_now(account: AccountState, identifier: str, now: int) -> int:
    """The time for an adjustment of the stored event ``identifier`` (its customer's clock)."""
    if account.find(TestClockStore) is None:
        return now
    from .models import MeterEventStore

    store = account.store(MeterEventStore)
    index = store.by_identifier.get(identifier)
    return now if index is None else customer_now(account, store.records.customer[index], now)
