"""Stripe-side setup (customers, the meter) and reading usage back."""

from __future__ import annotations

from dataclasses import dataclass

import stripe

from . import settings


def create_customer(client: stripe.StripeClient, email: str, name: str | None = None) -> str:
    """Create the Stripe customer for a new account; returns its id."""
    params: dict[str, str] = {"email": email}
    if name:
        params["name"] = name
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
