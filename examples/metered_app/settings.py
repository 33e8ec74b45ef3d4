"""Names the app and Stripe agree on."""

from __future__ import annotations

#: The meter's ``event_name``: every billable search call is reported under it.
EVENT_NAME = "api_call"
METER_DISPLAY_NAME = "Search API calls"
#: Payload keys (Stripe's defaults: ``stripe_customer_id`` and ``value``).
CUSTOMER_KEY = "stripe_customer_id"
VALUE_KEY = "value"
