"""The app's price list: created once in Stripe, attached to the meter, priced as Stripe would bill it."""

from __future__ import annotations

import pytest
import stripe
from metered_app import catalog
from metered_app.app import create_app

from stripe_fake import StripeFake
from stripe_fake.resources.prices.models import PriceStore
from stripe_fake.resources.prices.pricing import line_amount


def test_the_catalog_is_created_once(stripe_fake: StripeFake, stripe_client: stripe.StripeClient) -> None:
    first = create_app(stripe_client).config["CATALOG"]
    second = create_app(stripe_client).config["CATALOG"]  # another worker starting up
    assert first == second
    assert len(stripe_fake.events.of_type("product.created")) == 1
    assert len(stripe_fake.events.of_type("price.created")) == 4


def test_metered_prices_read_the_apps_meter(stripe_client: stripe.StripeClient) -> None:
    app = create_app(stripe_client)
    meter = app.config["METER_ID"]
    prices = {
        p.lookup_key: p for p in stripe_client.v1.prices.list({"product": app.config["CATALOG"].product}).data
    }
    assert prices[catalog.BASE_FEE].recurring.usage_type == "licensed"
    assert prices[catalog.BASE_FEE].unit_amount == 1000
    for key in (catalog.PER_UNIT, catalog.PACKAGE, catalog.GRADUATED):
        assert prices[key].recurring.usage_type == "metered"
        assert prices[key].recurring.meter == meter
    assert prices[catalog.PACKAGE].transform_quantity.divide_by == 100
    metered = stripe_client.v1.prices.list({"recurring": {"meter": meter}}).data
    assert len(metered) == 3


@pytest.mark.parametrize(
    ("calls", "per_unit", "package", "graduated"),
    [
        (0, 0, 0, 0),
        (25, 13, 4, 0),  # 12.5 cents rounds half up; one started package
        (3000, 1500, 120, 800),  # 2,000 calls at 0.4 cent
        (20000, 10000, 800, 5600),  # 9,000 at 0.4 + 10,000 at 0.2
    ],
)
def test_pricing_page_estimates(
    stripe_fake: StripeFake,
    stripe_client: stripe.StripeClient,
    calls: int,
    per_unit: int,
    package: int,
    graduated: int,
) -> None:
    app = create_app(stripe_client)
    http = app.test_client()
    body = http.get(f"/pricing?calls={calls}").json
    assert body["estimates"] == {  # type: ignore[index]
        catalog.PER_UNIT: per_unit,
        catalog.PACKAGE: package,
        catalog.GRADUATED: graduated,
    }
    assert http.get("/pricing?calls=many").status_code == 400
    # The app's estimates agree with what the fake's invoices will bill.
    store = stripe_fake.account().store(PriceStore)
    for key, expected in body["estimates"].items():  # type: ignore[index]
        assert line_amount(store.require(app.config["CATALOG"].prices[key]), calls) == expected
