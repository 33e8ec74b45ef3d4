"""Helpers for the subscription tests: prices through the SDK (or the catalog store until its routes land)."""

from __future__ import annotations

from typing import Any

import stripe

from stripe_fake import StripeFake
from stripe_fake.resources.prices.models import PriceStore, build_price
from stripe_fake.resources.products.models import ProductStore

DAY = 86_400


def make_price(
    fake: StripeFake,
    *,
    unit_amount: int = 100,
    interval: str = "month",
    interval_count: int = 1,
    meter: str | None = None,
    currency: str = "usd",
    **extra: Any,
) -> str:
    """A recurring price id: metered on ``meter`` when given, else licensed."""
    recurring: dict[str, Any] = {"interval": interval, "interval_count": interval_count}
    if meter is not None:
        recurring.update(usage_type="metered", meter=meter)
    if fake.backend.router.match("POST", "/v1/prices") is not None:
        return str(
            stripe.Price.create(
                currency=currency,
                unit_amount=unit_amount,
                product_data={"name": "Plan"},
                recurring=recurring,  # type: ignore[arg-type]
                **extra,
            ).id
        )
    account = fake.account()
    now = fake.backend.now()
    product = account.store(ProductStore).create(name="Plan", now=now)
    params = {"currency": currency, "unit_amount": unit_amount, "recurring": recurring, **extra}
    price = build_price(params, account, product=product.id, now=now)
    account.store(PriceStore).add(price)
    return price.id


def make_product(fake: StripeFake) -> str:
    if fake.backend.router.match("POST", "/v1/products") is not None:
        return str(stripe.Product.create(name="Inline").id)
    return fake.account().store(ProductStore).create(name="Inline", now=fake.backend.now()).id


def make_meter(event_name: str = "api_call", formula: str = "sum") -> str:
    return str(
        stripe.billing.Meter.create(
            display_name=event_name, event_name=event_name, default_aggregation={"formula": formula}
        ).id
    )
