"""Stripe-side setup (customers, the meter) and reading usage back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import stripe

from . import settings


def create_customer(
    client: stripe.StripeClient, email: str, name: str | None = None, *, payment_method: str | None = None
) -> str:
    """Create the Stripe customer for a new account (its card as the invoice default); returns its id."""
    params: dict[str, Any] = {"email": email}
    if name:
        params["name"] = name
    if payment_method:
        params["payment_method"] = payment_method
        params["invoice_settings"] = {"default_payment_method": payment_method}
    customer = client.v1.customers.create(params)
    return customer.id


def find_customer(client: stripe.StripeClient, email: str) -> str | None:
    """The id of the newest customer with this email, if any."""
    found = client.v1.customers.list({"email": email, "limit": 1}).data
    return found[0].id if found else None


def ensure_meter(client: stripe.StripeClient) -> str:
    """The id of the app's meter, created on first use (event names are unique per account)."""
    for meter in client.v1.billing.meters.list({"status": "active", "limit": 100}).auto_paging_iter():
        if meter.event_name == settings.EVENT_NAME:
            return meter.id
    meter = client.v1.billing.meters.create(
        {
            "display_name": settings.METER_DISPLAY_NAME,
            "event_name": settings.EVENT_NAME,
            "default_aggregation": {"formula": "sum"},
            "customer_mapping": {"type": "by_id", "event_payload_key": settings.CUSTOMER_KEY},
            "value_settings": {"event_payload_key": settings.VALUE_KEY},
        }
    )
    return meter.id


def ensure_price(client: stripe.StripeClient, meter_id: str) -> str:
    """The monthly metered price of the search API (found by lookup key, created on first use)."""
    found = client.v1.prices.list({"lookup_keys": [settings.PRICE_LOOKUP_KEY], "limit": 1}).data
    if found:
        return found[0].id
    price = client.v1.prices.create(
        {
            "currency": "usd",
            "unit_amount": settings.CENTS_PER_CALL,
            "lookup_key": settings.PRICE_LOOKUP_KEY,
            "product_data": {"name": settings.PRODUCT_NAME},
            "recurring": {"interval": "month", "usage_type": "metered", "meter": meter_id},
        }
    )
    return price.id


def subscribe(client: stripe.StripeClient, customer: str, price: str) -> str:
    """Start the customer's monthly subscription to the metered price; returns its id."""
    subscription = client.v1.subscriptions.create({"customer": customer, "items": [{"price": price}]})
    return subscription.id


def grant_welcome_credit(client: stripe.StripeClient, customer: str) -> str:
    """Give a new customer the promotional credit of the welcome promo code; returns the grant id."""
    grant = client.v1.billing.credit_grants.create(
        {
            "customer": customer,
            "name": "Welcome credit",
            "category": "promotional",
            "amount": {
                "type": "monetary",
                "monetary": {"currency": "usd", "value": settings.WELCOME_CREDIT_CENTS},
            },
            "applicability_config": {"scope": {"price_type": "metered"}},
        }
    )
    return grant.id


def credit_left(client: stripe.StripeClient, customer: str) -> int:
    """The customer's unused billing credit (cents) that metered usage can still draw on."""
    summary = client.v1.billing.credit_balance_summary.retrieve(
        {
            "customer": customer,
            "filter": {"type": "applicability_scope", "applicability_scope": {"price_type": "metered"}},
        }
    )
    return sum(b.available_balance.monetary.value for b in summary.balances if b.available_balance.monetary)


@dataclass(frozen=True)
class UsageWindow:
    start: int
    end: int
    calls: float


def usage(
    client: stripe.StripeClient, meter_id: str, customer: str, start: int, end: int, window: str | None = None
) -> list[UsageWindow]:
    """Usage in ``[start, end)``: one total, or one entry per non-empty ``hour``/``day``, newest first."""
    params: dict[str, object] = {"customer": customer, "start_time": start, "end_time": end}
    if window is not None:
        params["value_grouping_window"] = window
    page = client.v1.billing.meters.event_summaries.list(meter_id, params)
    return [UsageWindow(s.start_time, s.end_time, s.aggregated_value) for s in page.auto_paging_iter()]
