"""Conformance of the catalog objects: ``product``, ``price`` (plain and with its includable fields).

Examples: ``tests/data/fixtures_catalog.json`` (Stripe's fixtures3 objects; ``tax_details`` added to
the product and ``tiers`` / ``currency_options`` to ``price+includable`` from the SDK 16.1.0 classes).
"""

from __future__ import annotations

from typing import Any

import stripe
from test_conformance import FIXTURES, _raw, differences

from stripe_fake import StripeFake


def _nullable(cls: type, prefix: str = "") -> set[str]:
    """The dotted paths the SDK class declares ``Optional`` (nested classes included)."""
    found: set[str] = set()
    for name, annotation in cls.__annotations__.items():
        path = f"{prefix}{name}"
        if "Optional" in str(annotation):
            found.add(path)
        nested = getattr(cls, "".join(part.title() for part in name.split("_")), None)
        if isinstance(nested, type) and hasattr(nested, "__annotations__"):
            found |= _nullable(nested, path + ".")
    return found


NULLABLE = {
    "product": _nullable(stripe.Product),
    "deleted_product": set(),
    "price": _nullable(stripe.Price),
    "price+includable": _nullable(stripe.Price),
}


def _check(body: dict[str, Any], example: str) -> None:
    if "currency_options" in body:  # a map keyed by currency: check each option against the example's
        body = dict(body)
        options = body.pop("currency_options")
        (sample,) = FIXTURES[example]["currency_options"].values()
        nullable = _nullable(stripe.Price.CurrencyOptions)
        for option in options.values():
            problems = differences(option, sample, "", nullable)
            assert not problems, "currency option differs:\n" + "\n".join(problems)
        example_body = {k: v for k, v in FIXTURES[example].items() if k != "currency_options"}
    else:
        example_body = FIXTURES[example]
    problems = differences(body, example_body, "", NULLABLE[example])
    assert not problems, f"{example} differs from Stripe's example:\n" + "\n".join(problems)


def test_product_matches_stripe(stripe_fake: StripeFake) -> None:
    product = stripe.Product.create(
        name="T-shirt",
        type="good",
        package_dimensions={"height": 1, "length": 2, "weight": 3, "width": 4},
        tax_details={"tax_code": "txcd_99999999"},
        default_price_data={"currency": "usd", "unit_amount": 2000},
    )
    _check(_raw(product), "product")
    _check(_raw(stripe.Product.list()).get("data")[0], "product")


def test_deleted_product_matches_stripe(stripe_fake: StripeFake) -> None:
    product = stripe.Product.create(name="Gone")
    _check(_raw(stripe.Product.delete(product.id)), "deleted_product")


def test_price_matches_stripe(stripe_fake: StripeFake) -> None:
    product = stripe.Product.create(name="T-shirt")
    price = stripe.Price.create(
        product=product.id,
        currency="usd",
        unit_amount=2000,
        recurring={"interval": "month"},
        transform_quantity={"divide_by": 10, "round": "down"},
    )
    _check(_raw(price), "price")
    custom = _raw(
        stripe.Price.create(product=product.id, currency="usd", custom_unit_amount={"enabled": True})
    )
    assert set(custom["custom_unit_amount"]) == set(FIXTURES["price"]["custom_unit_amount"])


def test_price_with_includable_fields_matches_the_sdk(stripe_fake: StripeFake) -> None:
    product = stripe.Product.create(name="API")
    price = stripe.Price.create(
        product=product.id,
        currency="usd",
        billing_scheme="tiered",
        tiers_mode="volume",
        tiers=[{"up_to": 5, "unit_amount": 700}, {"up_to": "inf", "unit_amount": 600}],
        currency_options={
            "eur": {"tiers": [{"up_to": 5, "unit_amount": 650}, {"up_to": "inf", "unit_amount": 550}]}
        },
        recurring={"interval": "month"},
        expand=["tiers", "currency_options"],
    )
    body = _raw(price)
    _check(body, "price+includable")
    sdk_fields = set(stripe.Price.__annotations__) - {"deleted", "OBJECT_NAME"}
    assert set(body) == sdk_fields
    tier_fields = set(stripe.Price.Tier.__annotations__)
    assert set(body["tiers"][0]) == tier_fields
    option_fields = set(stripe.Price.CurrencyOptions.__annotations__)
    assert set(body["currency_options"]["eur"]) == option_fields


def test_product_has_exactly_the_sdk_fields(stripe_fake: StripeFake) -> None:
    body = _raw(stripe.Product.create(name="API"))
    assert set(body) == set(stripe.Product.__annotations__) - {"deleted", "OBJECT_NAME"}
