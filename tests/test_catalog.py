"""Products and prices through the SDK: every endpoint, filter, pricing model, expansion and event."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
import stripe
import time_machine
from compat import v1
from freezegun import freeze_time

from stripe_fake import StripeFake
from stripe_fake.http.errors import StripeError
from stripe_fake.resources.prices.models import PriceStore
from stripe_fake.resources.prices.pricing import line_amount


def raw(obj: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(obj.last_response.body)
    return body


def events(fake: StripeFake, kind: str) -> list[dict[str, Any]]:
    return [e for e in fake.backend.events if e["type"] == kind]


# -- products ------------------------------------------------------------------------------------


def test_product_lifecycle_with_events(stripe_fake: StripeFake) -> None:
    with freeze_time("2026-01-01 00:00:00") as frozen:
        product = stripe.Product.create(
            name="API access",
            description="Calls",
            metadata={"tier": "pro"},
            marketing_features=[{"name": "Fast"}],
            unit_label="call",
            url="https://example.com/api",
        )
        created = product.created
        frozen.tick(60)
        updated = stripe.Product.modify(product.id, name="API", description="", metadata={"tier": ""})
    assert updated.name == "API" and updated.description is None and raw(updated)["metadata"] == {}
    assert updated.updated == created + 60 and updated.created == created
    assert stripe.Product.retrieve(product.id).name == "API"
    (event,) = events(stripe_fake, "product.updated")
    assert event["data"]["previous_attributes"] == {
        "name": "API access",
        "description": "Calls",
        "metadata": {"tier": "pro"},
        "updated": created,
    }
    assert events(stripe_fake, "product.created")[0]["data"]["object"]["marketing_features"] == [
        {"name": "Fast"}
    ]
    deleted = stripe.Product.delete(product.id)
    assert raw(deleted) == {"id": product.id, "object": "product", "deleted": True}
    assert events(stripe_fake, "product.deleted")[0]["data"]["object"]["name"] == "API"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe.Product.retrieve(product.id)
    assert caught.value.http_status == 404


def test_an_update_that_changes_nothing_emits_nothing(stripe_fake: StripeFake) -> None:
    product = stripe.Product.create(name="Same")
    stripe.Product.modify(product.id, name="Same")
    assert events(stripe_fake, "product.updated") == []


def test_caller_chosen_product_id_and_client_style(client: stripe.StripeClient) -> None:
    product = v1(client).products.create({"id": "api_access", "name": "API", "shippable": False})
    assert product.id == "api_access" and product.shippable is False
    assert v1(client).products.retrieve("api_access").name == "API"
    assert v1(client).products.update("api_access", {"active": False}).active is False
    assert [p.id for p in v1(client).products.list({"active": False}).data] == ["api_access"]


def test_default_price_data_creates_the_default_price(stripe_fake: StripeFake) -> None:
    product = stripe.Product.create(
        name="Base fee",
        default_price_data={"currency": "usd", "unit_amount": 2000, "recurring": {"interval": "month"}},
        expand=["default_price"],
    )
    price = product.default_price
    assert price.unit_amount == 2000 and price.product == product.id and price.type == "recurring"
    assert [e["type"] for e in stripe_fake.backend.events] == ["product.created", "price.created"]
    assert stripe.Product.retrieve(product.id).default_price == price.id


def test_default_price_can_be_switched_to_another_price_of_the_product(stripe_fake: StripeFake) -> None:
    product = stripe.Product.create(name="P", default_price_data={"currency": "usd", "unit_amount": 1})
    second = stripe.Price.create(product=product.id, currency="usd", unit_amount=2)
    updated = stripe.Product.modify(product.id, default_price=second.id)
    assert updated.default_price == second.id
    # The former default can now be archived.
    assert stripe.Price.modify(product.default_price, active=False).active is False


def test_product_deletable_once_it_has_no_user_prices(stripe_fake: StripeFake) -> None:
    product = stripe.Product.create(name="Only inline prices")
    stripe_fake.account().store(PriceStore).create_from_data(
        {"currency": "usd", "product": product.id, "unit_amount": 5}, now=0
    )
    assert stripe.Product.delete(product.id).deleted is True


def test_product_list_filters_and_pagination(stripe_fake: StripeFake) -> None:
    with time_machine.travel(1_800_000_000, tick=False) as traveller:
        a = stripe.Product.create(name="A", type="good", shippable=True)
        traveller.shift(10)
        b = stripe.Product.create(name="B", url="https://example.com/b")
        traveller.shift(10)
        c = stripe.Product.create(name="C", active=False)
    assert [p.id for p in stripe.Product.list().data] == [c.id, b.id, a.id]
    assert [p.id for p in stripe.Product.list(active=True).data] == [b.id, a.id]
    assert [p.id for p in stripe.Product.list(type="good").data] == [a.id]
    assert [p.id for p in stripe.Product.list(shippable=True).data] == [a.id]
    assert [p.id for p in stripe.Product.list(url="https://example.com/b").data] == [b.id]
    assert [p.id for p in stripe.Product.list(ids=[a.id, c.id, "prod_missing"]).data] == [c.id, a.id]
    assert [p.id for p in stripe.Product.list(created={"gt": a.created}).data] == [c.id, b.id]
    page = stripe.Product.list(limit=2)
    assert page.has_more and [p.id for p in page.data] == [c.id, b.id]
    assert [p.id for p in stripe.Product.list(starting_after=b.id).data] == [a.id]
    assert [p.id for p in stripe.Product.list().auto_paging_iter()] == [c.id, b.id, a.id]


def test_product_package_dimensions_and_tax_details(stripe_fake: StripeFake) -> None:
    product = stripe.Product.create(
        name="Box",
        type="good",
        package_dimensions={"height": "1.5", "length": 2, "weight": 3, "width": 4},
        tax_details={"tax_code": "txcd_99999999"},
    )
    assert raw(product)["package_dimensions"] == {"height": 1.5, "length": 2.0, "weight": 3.0, "width": 4.0}
    assert product.tax_details.tax_code == "txcd_99999999"
    cleared = stripe.Product.modify(product.id, package_dimensions="", images="")
    assert cleared.package_dimensions is None and cleared.images == []


# -- prices --------------------------------------------------------------------------------------


@pytest.fixture
def product(stripe_fake: StripeFake) -> stripe.Product:
    return stripe.Product.create(name="API")


def test_per_unit_price_renders_integer_and_decimal_amounts(product: stripe.Product) -> None:
    whole = stripe.Price.create(product=product.id, currency="USD", unit_amount=2000)
    body = raw(whole)
    assert body["currency"] == "usd" and body["unit_amount"] == 2000 and body["unit_amount_decimal"] == "2000"
    assert body["type"] == "one_time" and body["recurring"] is None and body["billing_scheme"] == "per_unit"
    assert "tiers" not in body and "currency_options" not in body
    fraction = raw(stripe.Price.create(product=product.id, currency="usd", unit_amount_decimal="0.050"))
    assert fraction["unit_amount"] is None and fraction["unit_amount_decimal"] == "0.05"
    integral = raw(stripe.Price.create(product=product.id, currency="usd", unit_amount_decimal="5"))
    assert integral["unit_amount"] == 5 and integral["unit_amount_decimal"] == "5"
    assert stripe.Price.retrieve(fraction["id"]).unit_amount_decimal == Decimal("0.05")


def test_metered_price_on_an_active_meter(
    stripe_fake: StripeFake, product: stripe.Product, meter: Any
) -> None:
    price = stripe.Price.create(
        product=product.id,
        currency="usd",
        unit_amount_decimal="0.5",
        recurring={"interval": "month", "usage_type": "metered", "meter": meter.id},
    )
    assert raw(price)["recurring"] == {
        "interval": "month",
        "interval_count": 1,
        "meter": meter.id,
        "trial_period_days": None,
        "usage_type": "metered",
    }
    assert events(stripe_fake, "price.created")[0]["data"]["object"]["id"] == price.id


def test_tiers_only_when_expanded(product: stripe.Product) -> None:
    tiers = [
        {"up_to": 5, "unit_amount": 700},
        {"up_to": 10, "unit_amount_decimal": "650.5", "flat_amount": 100},
        {"up_to": "inf", "unit_amount": 600, "flat_amount_decimal": "200"},
    ]
    price = stripe.Price.create(
        product=product.id, currency="usd", billing_scheme="tiered", tiers_mode="graduated", tiers=tiers
    )
    body = raw(price)
    assert "tiers" not in body and body["unit_amount"] is None and body["unit_amount_decimal"] is None
    assert body["tiers_mode"] == "graduated"
    expanded = raw(stripe.Price.retrieve(price.id, expand=["tiers"]))["tiers"]
    assert expanded == [
        {
            "flat_amount": None,
            "flat_amount_decimal": None,
            "unit_amount": 700,
            "unit_amount_decimal": "700",
            "up_to": 5,
        },
        {
            "flat_amount": 100,
            "flat_amount_decimal": "100",
            "unit_amount": None,
            "unit_amount_decimal": "650.5",
            "up_to": 10,
        },
        {
            "flat_amount": 200,
            "flat_amount_decimal": "200",
            "unit_amount": 600,
            "unit_amount_decimal": "600",
            "up_to": None,
        },
    ]
    listed = raw(stripe.Price.list(expand=["data.tiers"]))["data"][0]
    assert listed["tiers"] == expanded
    created = raw(
        stripe.Price.create(
            product=product.id,
            currency="usd",
            billing_scheme="tiered",
            tiers_mode="volume",
            tiers=tiers,
            expand=["tiers"],
        )
    )
    assert len(created["tiers"]) == 3


def test_currency_options_only_when_expanded(product: stripe.Product) -> None:
    price = stripe.Price.create(
        product=product.id,
        currency="usd",
        unit_amount=1000,
        currency_options={"eur": {"unit_amount": 900, "tax_behavior": "inclusive"}},
    )
    assert "currency_options" not in raw(price)
    options = raw(stripe.Price.retrieve(price.id, expand=["currency_options"]))["currency_options"]
    assert options["usd"]["unit_amount"] == 1000
    assert options["eur"] == {
        "custom_unit_amount": None,
        "tax_behavior": "inclusive",
        "unit_amount": 900,
        "unit_amount_decimal": "900",
    }
    updated = stripe.Price.modify(
        price.id, currency_options={"gbp": {"unit_amount": 800}}, expand=["currency_options"]
    )
    assert set(raw(updated)["currency_options"]) == {"usd", "eur", "gbp"}


def test_transform_quantity_and_custom_unit_amount(product: stripe.Product) -> None:
    package = stripe.Price.create(
        product=product.id,
        currency="usd",
        unit_amount=4,
        transform_quantity={"divide_by": 100, "round": "up"},
    )
    assert raw(package)["transform_quantity"] == {"divide_by": 100, "round": "up"}
    donation = stripe.Price.create(
        product=product.id,
        currency="usd",
        custom_unit_amount={"enabled": True, "minimum": 100, "preset": 500},
    )
    body = raw(donation)
    assert body["custom_unit_amount"] == {"maximum": None, "minimum": 100, "preset": 500}
    assert body["unit_amount"] is None and body["unit_amount_decimal"] is None


def test_product_data_creates_the_product(stripe_fake: StripeFake) -> None:
    price = stripe.Price.create(
        currency="usd",
        unit_amount=5,
        product_data={"name": "Inline", "id": "inline_prod", "unit_label": "u"},
        expand=["product"],
    )
    assert price.product.id == "inline_prod" and price.product.unit_label == "u"
    assert [e["type"] for e in stripe_fake.backend.events] == ["product.created", "price.created"]


def test_price_update_and_previous_attributes(stripe_fake: StripeFake, product: stripe.Product) -> None:
    price = stripe.Price.create(product=product.id, currency="usd", unit_amount=1, metadata={"a": "1"})
    updated = stripe.Price.modify(
        price.id, nickname="Monthly", metadata={"b": "2"}, tax_behavior="exclusive", active=False
    )
    assert updated.nickname == "Monthly" and raw(updated)["metadata"] == {"a": "1", "b": "2"}
    assert updated.tax_behavior == "exclusive" and updated.active is False
    (event,) = events(stripe_fake, "price.updated")
    assert event["data"]["previous_attributes"] == {
        "active": True,
        "metadata": {"a": "1"},
        "nickname": None,
        "tax_behavior": "unspecified",
    }


def test_lookup_key_transfer(stripe_fake: StripeFake, product: stripe.Product) -> None:
    first = stripe.Price.create(product=product.id, currency="usd", unit_amount=1, lookup_key="pro")
    second = stripe.Price.create(
        product=product.id, currency="usd", unit_amount=2, lookup_key="pro", transfer_lookup_key=True
    )
    assert stripe.Price.retrieve(first.id).lookup_key is None
    assert [p.id for p in stripe.Price.list(lookup_keys=["pro", "other"]).data] == [second.id]
    (moved,) = events(stripe_fake, "price.updated")
    assert moved["data"]["object"]["id"] == first.id and moved["data"]["previous_attributes"] == {
        "lookup_key": "pro"
    }
    back = stripe.Price.modify(first.id, lookup_key="pro", transfer_lookup_key=True)
    assert back.lookup_key == "pro" and stripe.Price.retrieve(second.id).lookup_key is None


def test_price_list_filters(stripe_fake: StripeFake, product: stripe.Product, meter: Any) -> None:
    other = stripe.Product.create(name="Other")
    one_time = stripe.Price.create(product=product.id, currency="usd", unit_amount=1)
    monthly = stripe.Price.create(
        product=product.id, currency="eur", unit_amount=1, recurring={"interval": "month"}
    )
    metered = stripe.Price.create(
        product=other.id,
        currency="usd",
        unit_amount=1,
        recurring={"interval": "year", "usage_type": "metered", "meter": meter.id},
    )
    archived = stripe.Price.create(product=product.id, currency="usd", unit_amount=1, active=False)
    stripe_fake.account().store(PriceStore).create_from_data(
        {"currency": "usd", "product": product.id, "unit_amount": 3}, now=0
    )

    def ids(**params: Any) -> list[str]:
        return [p.id for p in stripe.Price.list(**params).data]

    assert ids() == [metered.id, monthly.id, one_time.id]
    assert ids(active=False) == [archived.id]
    assert ids(currency="eur") == [monthly.id]
    assert ids(product=product.id) == [monthly.id, one_time.id]
    assert ids(type="one_time") == [one_time.id]
    assert ids(type="recurring") == [metered.id, monthly.id]
    assert ids(recurring={"interval": "month"}) == [monthly.id]
    assert ids(recurring={"usage_type": "metered"}) == [metered.id]
    assert ids(recurring={"meter": meter.id}) == [metered.id]
    assert ids(created={"gte": one_time.created}) == [metered.id, monthly.id, one_time.id]
    assert ids(product=product.id, limit=1, starting_after=monthly.id) == [one_time.id]


def test_prices_from_price_data_are_inline(stripe_fake: StripeFake, product: stripe.Product) -> None:
    store = stripe_fake.account().store(PriceStore)
    price = store.create_from_data(
        {
            "currency": "usd",
            "product": product.id,
            "unit_amount_decimal": "12.5",
            "recurring": {"interval": "week"},
        },
        now=1_800_000_000,
    )
    assert price.active is False and price.type == "recurring" and price.recurring is not None
    assert price.recurring.interval == "week"
    assert stripe.Price.retrieve(price.id).active is False
    assert stripe.Price.list(active=False).data == []
    assert store.require(price.id) is price
    assert line_amount(price, 3) == 38  # 37.5 cents, half up
    with pytest.raises(StripeError) as caught:
        store.create_from_data(
            {"currency": "usd", "product": "prod_nope", "unit_amount": 1}, now=0, param="items[0][price_data]"
        )
    assert caught.value.status == 400 and caught.value.param == "items[0][price_data][product]"
    assert caught.value.message == "No such product: 'prod_nope'"
    with pytest.raises(StripeError) as caught:
        store.create_from_data(
            {"currency": "usd", "product": product.id}, now=0, param="items[0][price_data]"
        )
    assert caught.value.param == "items[0][price_data][unit_amount]"
    assert caught.value.code == "parameter_missing"


def test_require_answers_stripes_error(stripe_fake: StripeFake) -> None:
    with pytest.raises(StripeError) as caught:
        stripe_fake.account().store(PriceStore).require("price_missing", param="items[0][price]")
    assert caught.value.status == 400 and caught.value.param == "items[0][price]"
    assert caught.value.message == "No such price: 'price_missing'"


def test_stored_prices_price_quantities(stripe_fake: StripeFake, product: stripe.Product) -> None:
    price = stripe.Price.create(
        product=product.id,
        currency="usd",
        billing_scheme="tiered",
        tiers_mode="graduated",
        tiers=[
            {"up_to": 5, "unit_amount": 500, "flat_amount": 1000},
            {"up_to": 10, "unit_amount": 400, "flat_amount": 2000},
            {"up_to": "inf", "unit_amount": 300, "flat_amount": 3000},
        ],
    )
    stored = stripe_fake.account().store(PriceStore).require(price.id)
    assert line_amount(stored, 12) == 11100
    assert line_amount(stored, 0) == 1000


def test_terms_in_another_currency(stripe_fake: StripeFake, product: stripe.Product) -> None:
    price = stripe.Price.create(
        product=product.id,
        currency="usd",
        billing_scheme="tiered",
        tiers_mode="volume",
        tiers=[{"up_to": 10, "unit_amount": 100}, {"up_to": "inf", "unit_amount": 80}],
        currency_options={
            "eur": {"tiers": [{"up_to": 10, "unit_amount": 90}, {"up_to": "inf", "unit_amount": 70}]}
        },
    )
    stored = stripe_fake.account().store(PriceStore).require(price.id)
    assert line_amount(stored.terms(), 20) == 1600
    assert line_amount(stored.terms("usd"), 20) == 1600
    assert line_amount(stored.terms("eur"), 20) == 1400
    with pytest.raises(KeyError):
        stored.terms("gbp")


def test_tax_details_tax_code_can_be_cleared(stripe_fake: StripeFake) -> None:
    product = stripe.Product.create(name="Taxed", tax_details={"tax_code": ""})
    assert raw(product)["tax_details"] == {"performance_location": None, "tax_code": None}
    updated = stripe.Product.modify(product.id, tax_details={"tax_code": "txcd_10000000"})
    assert updated.tax_details.tax_code == "txcd_10000000"
    cleared = stripe.Product.modify(product.id, tax_details={"tax_code": ""})
    assert cleared.tax_details.tax_code is None
    inline = stripe.Price.create(
        currency="usd",
        unit_amount=1,
        product_data={"name": "x", "tax_details": {"tax_code": ""}},
        expand=["product"],
    )
    assert inline.product.tax_details.tax_code is None
