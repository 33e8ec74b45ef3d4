"""The API's price list in Stripe: one product, a licensed base fee and three ways to bill calls.

Prices are found by lookup key, so every app worker can call :func:`ensure_catalog` at start-up and
only the first creates anything. The metered prices all read the app's meter:

* ``search_base_monthly`` — 10.00 USD a month, licensed (billed in advance);
* ``search_calls_per_unit`` — 0.5 cent per call;
* ``search_calls_package`` — 4 cents per started package of 100 calls (``transform_quantity``);
* ``search_calls_graduated`` — first 1,000 calls free, then 0.4 cent up to 10,000, then 0.2 cent.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import stripe

PRODUCT_NAME = "Search API"
BASE_FEE = "search_base_monthly"
PER_UNIT = "search_calls_per_unit"
PACKAGE = "search_calls_package"
GRADUATED = "search_calls_graduated"


def _plans(meter_id: str) -> dict[str, dict[str, Any]]:
    metered = {"interval": "month", "usage_type": "metered", "meter": meter_id}
    return {
        BASE_FEE: {"unit_amount": 1000, "recurring": {"interval": "month"}, "nickname": "Base fee"},
        PER_UNIT: {"unit_amount_decimal": "0.5", "recurring": metered, "nickname": "Per call"},
        PACKAGE: {
            "unit_amount": 4,
            "transform_quantity": {"divide_by": 100, "round": "up"},
            "recurring": metered,
            "nickname": "Per 100 calls",
        },
        GRADUATED: {
            "billing_scheme": "tiered",
            "tiers_mode": "graduated",
            "tiers": [
                {"up_to": 1000, "unit_amount": 0},
                {"up_to": 10000, "unit_amount_decimal": "0.4"},
                {"up_to": "inf", "unit_amount_decimal": "0.2"},
            ],
            "recurring": metered,
            "nickname": "Volume discount",
        },
    }


@dataclass(frozen=True)
class Catalog:
    product: str
    prices: dict[str, str]  # lookup key -> price id


def ensure_catalog(client: stripe.StripeClient, meter_id: str) -> Catalog:
    """The app's product and prices, creating whatever is missing (found by lookup key)."""
    plans = _plans(meter_id)
    found = {
        price.lookup_key: price
        for price in client.v1.prices.list({"lookup_keys": list(plans), "limit": 100}).data
    }
    product = next((price.product for price in found.values()), None)
    if product is None:
        product = client.v1.products.create({"name": PRODUCT_NAME, "unit_label": "call"}).id
    prices: dict[str, str] = {}
    for lookup_key, params in plans.items():
        if lookup_key in found:
            prices[lookup_key] = found[lookup_key].id
            continue
        created = client.v1.prices.create(
            {"product": product, "currency": "usd", "lookup_key": lookup_key, **params}  # type: ignore[typeddict-item]
        )
        prices[lookup_key] = created.id
    return Catalog(str(product), prices)


def estimate(client: stripe.StripeClient, price_id: str, calls: int) -> int:
    """What ``calls`` calls cost under a metered price, in cents (for the pricing page)."""
    price = client.v1.prices.retrieve(price_id, {"expand": ["tiers"]})
    if price.billing_scheme == "tiered":
        total, lower = Decimal(0), 0
        for tier in price.tiers or []:
            upper = calls if tier.up_to is None else min(calls, tier.up_to)
            if upper > lower:
                total += (upper - lower) * Decimal(tier.unit_amount_decimal or 0) + (tier.flat_amount or 0)
            if tier.up_to is None or calls <= tier.up_to:
                break
            lower = tier.up_to
        return int(total.to_integral_value(ROUND_HALF_UP))
    quantity = Decimal(calls)
    if price.transform_quantity is not None:
        packages, rest = divmod(calls, price.transform_quantity.divide_by)
        quantity = Decimal(packages + (1 if rest and price.transform_quantity.round == "up" else 0))
    return int((quantity * Decimal(price.unit_amount_decimal or 0)).to_integral_value(ROUND_HALF_UP))
