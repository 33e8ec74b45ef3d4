"""Reporting usage to Stripe: one meter event per billable call."""

from __future__ import annotations

import stripe

from . import settings


class UsageReporter:
    """Sends meter events for one Stripe account.

    ``request_id`` becomes the meter event ``identifier``: when a client retries a call (or the app
    retries the report), Stripe rejects the duplicate instead of billing twice.
    """

    def __init__(self, client: stripe.StripeClient) -> None:
        self.client = client

    def report(self, customer: str, units: int = 1, *, request_id: str | None = None) -> bool:
        """Report ``units`` for ``customer``. ``False`` if this ``request_id`` was already reported."""
        params: dict[str, object] = {
            "event_name": settings.EVENT_NAME,
            "payload": {settings.CUSTOMER_KEY: customer, settings.VALUE_KEY: str(units)},
        }
        if request_id is not None:
            params["identifier"] = request_id
        try:
            self.client.v1.billing.meter_events.create(params)
        except stripe.InvalidRequestError as err:
            if err.param == "identifier":  # "An event already exists with identifier ..."
                return False
            raise
        return True
