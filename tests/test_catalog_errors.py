"""Every error row of docs/fidelity.md's catalog table, through the SDK, with the state unchanged after it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import stripe
from fidelity_rows import Row, error_table
from test_fuzz import snapshot

from stripe_fake import StripeFake
from stripe_fake.resources.prices.models import PriceStore

DOC = Path(__file__).resolve().parent.parent / "docs" / "fidelity.md"


def _rows() -> dict[str, Row]:
    return error_table("Errors", within="Catalog: products and prices")


ROWS = _rows()


@dataclass
class Catalog:
    meter: Any
    dead_meter: Any
    base: Any  # product prod_base with prices
    base_price: Any  # lookup_key "taken", tax_behavior "exclusive"
    archived_price: Any
    defaulted: Any  # a product with a default price
    other_price: Any  # a price of another product
    empty: Any  # a product without prices
    inline_price: str


@pytest.fixture
def catalog(stripe_fake: StripeFake) -> Catalog:
    meter = stripe.billing.Meter.create(
        display_name="Calls", event_name="calls", default_aggregation={"formula": "sum"}
    )
    dead = stripe.billing.Meter.create(
        display_name="Old", event_name="old", default_aggregation={"formula": "sum"}
    )
    stripe.billing.Meter.deactivate(dead.id)
    base = stripe.Product.create(id="prod_base", name="Base")
    base_price = stripe.Price.create(
        product=base.id, currency="usd", unit_amount=100, lookup_key="taken", tax_behavior="exclusive"
    )
    archived = stripe.Price.create(product=base.id, currency="usd", unit_amount=50, active=False)
    defaulted = stripe.Product.create(
        name="Defaulted", default_price_data={"currency": "usd", "unit_amount": 9}
    )
    other = stripe.Price.create(product_data={"name": "Other"}, currency="usd", unit_amount=1)
    empty = stripe.Product.create(name="Empty")
    inline = (
        stripe_fake.account()
        .store(PriceStore)
        .create_from_data({"currency": "usd", "product": base.id, "unit_amount": "5"}, now=0)
    )
    return Catalog(meter, dead, base, base_price, archived, defaulted, other, empty, inline.id)


TIER_OK = [{"up_to": 5, "unit_amount": 1}, {"up_to": "inf", "unit_amount": 0}]


def _price(**params: Any) -> Callable[[Catalog], Any]:
    def call(c: Catalog) -> Any:
        return stripe.Price.create(**{"product": c.base.id, "currency": "usd", **params})

    return call


CASES: dict[str, Callable[[Catalog], Any]] = {
    "price_missing_product": lambda c: stripe.Price.create(currency="usd", unit_amount=1),
    "price_product_and_product_data": _price(product_data={"name": "x"}, unit_amount=1),
    "price_unknown_product": _price(product="prod_missing", unit_amount=1),
    "price_no_amount": _price(),
    "price_both_amounts": _price(unit_amount=1, unit_amount_decimal="1.5"),
    "price_custom_and_amount": _price(unit_amount=1, custom_unit_amount={"enabled": True}),
    "price_custom_recurring": _price(custom_unit_amount={"enabled": True}, recurring={"interval": "month"}),
    "price_custom_disabled": _price(custom_unit_amount={"enabled": False}),
    "price_custom_minimum_above_maximum": _price(
        custom_unit_amount={"enabled": True, "minimum": 500, "maximum": 100}
    ),
    "price_bad_decimal": _price(unit_amount_decimal="abc"),
    "price_decimal_places": _price(unit_amount_decimal="0.0000000000001"),
    "price_negative_amount": _price(unit_amount=-1),
    "price_bad_currency": _price(currency="xyz", unit_amount=1),
    "price_tiers_on_per_unit": _price(unit_amount=1, tiers=TIER_OK),
    "price_tiered_without_tiers_mode": _price(billing_scheme="tiered", tiers=TIER_OK),
    "price_tiered_without_tiers": _price(billing_scheme="tiered", tiers_mode="volume"),
    "price_tier_without_up_to": _price(
        billing_scheme="tiered", tiers_mode="volume", tiers=[{"unit_amount": 1}, {"up_to": "inf"}]
    ),
    "price_tier_without_amount": _price(
        billing_scheme="tiered", tiers_mode="volume", tiers=[{"up_to": 5}, {"up_to": "inf", "unit_amount": 1}]
    ),
    "price_last_tier_bounded": _price(
        billing_scheme="tiered",
        tiers_mode="volume",
        tiers=[{"up_to": 5, "unit_amount": 1}, {"up_to": 10, "unit_amount": 1}],
    ),
    "price_inf_tier_not_last": _price(
        billing_scheme="tiered",
        tiers_mode="volume",
        tiers=[{"up_to": "inf", "unit_amount": 1}, {"up_to": "inf", "unit_amount": 1}],
    ),
    "price_tiers_not_ascending": _price(
        billing_scheme="tiered",
        tiers_mode="graduated",
        tiers=[
            {"up_to": 10, "unit_amount": 1},
            {"up_to": 5, "unit_amount": 1},
            {"up_to": "inf", "unit_amount": 1},
        ],
    ),
    "price_tier_fractional_flat": _price(
        billing_scheme="tiered",
        tiers_mode="volume",
        tiers=[{"up_to": 5, "flat_amount_decimal": "1.5"}, {"up_to": "inf", "unit_amount": 1}],
    ),
    "price_tiers_and_transform_quantity": _price(
        billing_scheme="tiered",
        tiers_mode="volume",
        tiers=TIER_OK,
        transform_quantity={"divide_by": 10, "round": "up"},
    ),
    "price_tiered_with_unit_amount": _price(
        billing_scheme="tiered", tiers_mode="volume", tiers=TIER_OK, unit_amount=1
    ),
    "price_divide_by_zero": _price(unit_amount=1, transform_quantity={"divide_by": 0, "round": "up"}),
    "price_bad_interval": _price(unit_amount=1, recurring={"interval": "fortnight"}),
    "price_interval_over_three_years": _price(
        unit_amount=1, recurring={"interval": "month", "interval_count": 37}
    ),
    "price_metered_without_meter": _price(
        unit_amount=1, recurring={"interval": "month", "usage_type": "metered"}
    ),
    "price_unknown_meter": _price(
        unit_amount=1, recurring={"interval": "month", "usage_type": "metered", "meter": "mtr_missing"}
    ),
    "price_deactivated_meter": lambda c: _price(
        unit_amount=1, recurring={"interval": "month", "usage_type": "metered", "meter": c.dead_meter.id}
    )(c),
    "price_meter_on_licensed": lambda c: _price(
        unit_amount=1, recurring={"interval": "month", "meter": c.meter.id}
    )(c),
    "price_aggregate_usage": lambda c: _price(
        unit_amount=1,
        recurring={
            "interval": "month",
            "usage_type": "metered",
            "meter": c.meter.id,
            "aggregate_usage": "sum",
        },
    )(c),
    "price_lookup_key_taken": _price(unit_amount=1, lookup_key="taken"),
    "price_product_data_id_taken": lambda c: stripe.Price.create(
        currency="usd", unit_amount=1, product_data={"name": "x", "id": "prod_base"}
    ),
    "price_product_data_statement_descriptor": lambda c: stripe.Price.create(
        currency="usd", unit_amount=1, product_data={"name": "x", "statement_descriptor": "12<>"}
    ),
    "price_currency_option_own_currency": _price(unit_amount=1, currency_options={"usd": {"unit_amount": 2}}),
    "price_currency_option_without_amount": _price(
        unit_amount=1, currency_options={"eur": {"tax_behavior": "exclusive"}}
    ),
    "price_currency_option_other_bounds": _price(
        billing_scheme="tiered",
        tiers_mode="volume",
        tiers=TIER_OK,
        currency_options={
            "eur": {"tiers": [{"up_to": 6, "unit_amount": 1}, {"up_to": "inf", "unit_amount": 0}]}
        },
    ),
    "price_retrieve_unknown": lambda c: stripe.Price.retrieve("price_missing"),
    "price_update_immutable_field": lambda c: stripe.Price.modify(c.base_price.id, unit_amount=5),
    "price_update_tax_behavior_locked": lambda c: stripe.Price.modify(
        c.base_price.id, tax_behavior="inclusive"
    ),
    "price_archive_default_price": lambda c: stripe.Price.modify(c.defaulted.default_price, active=False),
    "price_update_lookup_key_taken": lambda c: stripe.Price.modify(c.archived_price.id, lookup_key="taken"),
    "price_update_inline": lambda c: stripe.Price.modify(c.inline_price, nickname="x"),
    "price_list_too_many_lookup_keys": lambda c: stripe.Price.list(lookup_keys=[f"k{i}" for i in range(11)]),
    "product_missing_name": lambda c: stripe.Product.create(description="no name"),
    "product_id_taken": lambda c: stripe.Product.create(id="prod_base", name="again"),
    "product_retrieve_unknown": lambda c: stripe.Product.retrieve("prod_missing"),
    "product_delete_unknown": lambda c: stripe.Product.delete("prod_missing"),
    "product_delete_with_prices": lambda c: stripe.Product.delete(c.base.id),
    "product_default_price_unknown": lambda c: stripe.Product.modify(
        c.empty.id, default_price="price_missing"
    ),
    "product_default_price_of_another_product": lambda c: stripe.Product.modify(
        c.base.id, default_price=c.other_price.id
    ),
    "product_default_price_archived": lambda c: stripe.Product.modify(
        c.base.id, default_price=c.archived_price.id
    ),
    "product_good_with_unit_label": lambda c: stripe.Product.create(
        name="Box", type="good", unit_label="box"
    ),
    "product_bad_statement_descriptor": lambda c: stripe.Product.create(
        name="x", statement_descriptor="1234"
    ),
    "product_too_many_images": lambda c: stripe.Product.create(
        name="x", images=[f"https://example.com/{i}.png" for i in range(9)]
    ),
    "product_too_many_marketing_features": lambda c: stripe.Product.create(
        name="x", marketing_features=[{"name": f"f{i}"} for i in range(16)]
    ),
    "product_package_dimensions_incomplete": lambda c: stripe.Product.create(
        name="x", package_dimensions={"height": 1, "length": 2, "weight": 3}
    ),
    "product_default_price_data_without_amount": lambda c: stripe.Product.create(
        name="x", default_price_data={"currency": "usd"}
    ),
    "product_default_price_data_metered": lambda c: stripe.Product.create(
        name="x",
        default_price_data={
            "currency": "usd",
            "unit_amount": 1,
            "recurring": {"interval": "month", "usage_type": "metered"},
        },
    ),
    "product_list_ids_with_cursor": lambda c: stripe.Product.list(ids=[c.base.id], starting_after=c.empty.id),
    "product_update_type": lambda c: stripe.Product.modify(c.base.id, type="good"),
}


def test_every_documented_row_has_a_case() -> None:
    assert set(ROWS) == set(CASES)


def _matches(pattern: str, message: str) -> bool:
    regex = "".join(
        ".+?" if part.startswith("<") else re.escape(part) for part in re.split(r"(<[a-z]+>)", pattern)
    )
    return re.fullmatch(regex, message, re.S) is not None


@pytest.mark.parametrize("case", sorted(ROWS))
def test_documented_error(stripe_fake: StripeFake, catalog: Catalog, case: str) -> None:
    row = ROWS[case]
    before = snapshot(stripe_fake.backend)
    with pytest.raises(stripe.StripeError) as caught:
        CASES[case](catalog)
    error = caught.value
    body = error.json_body["error"]
    assert error.http_status == row.status
    assert body["type"] == row.type
    assert body.get("code") == row.code
    assert body.get("param") == row.param
    assert _matches(row.message, body["message"]), body["message"]
    assert snapshot(stripe_fake.backend) == before, "a rejected request changed the state"


def test_statement_descriptor_message_names_the_characters() -> None:
    assert "<, >, \\, '" in ROWS["product_bad_statement_descriptor"].message
