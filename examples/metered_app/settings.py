"""Names the app and Stripe agree on."""

from __future__ import annotations

#: The meter's ``event_name``: every billable search call is reported under it.
EVENT_NAME = "api_call"
METER_DISPLAY_NAME = "Search API calls"
#: Payload keys (Stripe's defaults: ``stripe_customer_id`` and ``value``).
CUSTOMER_KEY = "stripe_customer_id"
VALUE_KEY = "value"
#: What a search call costs: 2 cents, billed monthly in arrears on a metered price.
CENTS_PER_CALL = 2
PRODUCT_NAME = "Search API"
PRICE_LOOKUP_KEY = "search_api_monthly"
#: Promotional billing credit granted at sign-up with this promo code (pays for metered usage only).
WELCOME_PROMO_CODE = "WELCOME"
WELCOME_CREDIT_CENTS = 50
