"""Every row of the subscriptions error table in docs/fidelity.md, through the SDK, with nothing changed."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import stripe
from fidelity_rows import error_table
from freezegun import freeze_time
from subscription_support import make_meter, make_price, make_product

from stripe_fake import StripeFake
from stripe_fake.resources.prices.models import PriceStore
from stripe_fake.resources.subscriptions import responses

ROOT = Path(__file__).resolve().parent.parent
NOW = 1_735_689_600  # 2025-01-01


def _error_rows() -> dict[str, tuple[int, str, str | None, str | None, str]]:
    rows = error_table("Errors (subscriptions)")
    return {case: (r.status, r.type, r.code, r.param, r.message) for case, r in rows.items()}


ROWS = _error_rows()


class World:
    """Objects the cases refer to, made once per test."""

    def __init__(self, fake: StripeFake) -> None:
        self.fake = fake
        self.customer = stripe.Customer.create().id
        self.product = make_product(fake)
        meter = make_meter()
        self.metered = make_price(fake, meter=meter)
        self.other_metered = make_price(fake, meter=meter, unit_amount=7)
        self.weekly = make_price(fake, meter=meter, interval="week")
        self.euro = make_price(fake, meter=meter, currency="eur")
        self.licensed = make_price(fake, unit_amount=1000)
        self.inactive = make_price(fake, meter=meter)
        fake.account().store(PriceStore).require(self.inactive).active = False
        self.one_time = self._one_time()
        self.sub = stripe.Subscription.create(customer=self.customer, items=[{"price": self.metered}]).id
        self.item = stripe.Subscription.retrieve(self.sub)["items"].data[0].id

    def _one_time(self) -> str:
        price = make_price(self.fake, meter=None)
        stored = self.fake.account().store(PriceStore).require(price)
        stored.type, stored.recurring = "one_time", None
        return price

    def create(self, **params: Any) -> Any:
        params.setdefault("customer", self.customer)
        params.setdefault("items", [{"price": self.metered}])
        return stripe.Subscription.create(**params)

    def canceled(self) -> str:
        sub = self.create().id
        stripe.Subscription.cancel(sub)
        return sub


Case = Callable[[World], Any]

CASES: dict[str, Case] = {
    "create: unknown customer": lambda w: w.create(customer="cus_missing"),
    "create: no items": lambda w: w.create(items=[]),
    "create: item without price": lambda w: w.create(items=[{"metadata": {"a": "b"}}]),
    "create: price and price_data": lambda w: w.create(
        items=[
            {
                "price": w.metered,
                "price_data": {
                    "currency": "usd",
                    "product": w.product,
                    "recurring": {"interval": "month"},
                    "unit_amount": 1,
                },
            }
        ]
    ),
    "create: unknown price": lambda w: w.create(items=[{"price": "price_missing"}]),
    "create: inactive price": lambda w: w.create(items=[{"price": w.inactive}]),
    "create: one-time price": lambda w: w.create(items=[{"price": w.one_time}]),
    "create: quantity on a metered item": lambda w: w.create(items=[{"price": w.metered, "quantity": 3}]),
    "create: two currencies": lambda w: w.create(items=[{"price": w.metered}, {"price": w.euro}]),
    "create: the same price twice": lambda w: w.create(items=[{"price": w.metered}, {"price": w.metered}]),
    "create: classic with two intervals": lambda w: w.create(
        items=[{"price": w.metered}, {"price": w.weekly}], billing_mode={"type": "classic"}
    ),
    "create: anchor and anchor config": lambda w: w.create(
        billing_cycle_anchor=NOW + 100, billing_cycle_anchor_config={"day_of_month": 1}
    ),
    "create: anchor in the past": lambda w: w.create(billing_cycle_anchor=NOW - 1),
    "create: trial_end in the past": lambda w: w.create(trial_end=NOW - 1),
    "create: trial_end and trial_period_days": lambda w: w.create(trial_end=NOW + 100, trial_period_days=3),
    "create: trial_end and trial_from_plan": lambda w: w.create(trial_end=NOW + 100, trial_from_plan=True),
    "create: days_until_due with charge_automatically": lambda w: w.create(days_until_due=30),
    "create: send_invoice without days_until_due": lambda w: w.create(collection_method="send_invoice"),
    "create: cancel_at and cancel_at_period_end": lambda w: w.create(
        cancel_at=NOW + 100, cancel_at_period_end=True
    ),
    "create: cancel_at in the past": lambda w: w.create(cancel_at=NOW - 5),
    "create: 501st live subscription": lambda w: w.create(),  # limit lowered to 1 (fixture below)
    "create: default_incomplete": lambda w: w.create(payment_behavior="default_incomplete"),
    "create: proration_behavior create_prorations": lambda w: w.create(
        proration_behavior="create_prorations"
    ),
    "update: pending_if_incomplete": lambda w: stripe.Subscription.modify(
        w.sub, payment_behavior="pending_if_incomplete"
    ),
    "update: unknown id": lambda w: stripe.Subscription.modify("sub_missing", metadata={"a": "b"}),
    "update: canceled subscription": lambda w: stripe.Subscription.modify(w.canceled(), description="x"),
    "update: unknown item id": lambda w: stripe.Subscription.modify(
        w.sub, items=[{"id": "si_missing", "deleted": True}]
    ),
    "update: removing every item": lambda w: stripe.Subscription.modify(
        w.sub, items=[{"id": w.item, "deleted": True}]
    ),
    "update: trial_end when not trialing": lambda w: stripe.Subscription.modify(w.sub, trial_end=NOW + 100),
    "update: pause_collection resumes_at in the past": lambda w: stripe.Subscription.modify(
        w.sub, pause_collection={"behavior": "void", "resumes_at": NOW - 1}
    ),
    "cancel: already canceled": lambda w: stripe.Subscription.cancel(w.canceled()),
    "cancel: prorate": lambda w: stripe.Subscription.cancel(w.sub, prorate=True),
    "pause: canceled subscription": lambda w: stripe.Subscription.pause(w.canceled()),
    "resume: not paused": lambda w: stripe.Subscription.resume(w.sub),
    "item: unknown id": lambda w: stripe.SubscriptionItem.retrieve("si_missing"),
    "item create: unknown subscription": lambda w: stripe.SubscriptionItem.create(
        subscription="sub_missing", price=w.other_metered
    ),
    "item create: quantity on a metered price": lambda w: stripe.SubscriptionItem.create(
        subscription=w.sub, price=w.other_metered, quantity=2
    ),
    "item list: no subscription": lambda w: stripe.SubscriptionItem.list(),
    "item delete: the last item": lambda w: stripe.SubscriptionItem.delete(w.item),
}


def test_every_row_has_a_case_and_every_case_a_row() -> None:
    assert set(CASES) == set(ROWS)


@pytest.fixture
def world(stripe_fake: StripeFake) -> Iterator[World]:
    with freeze_time("2025-01-01"):
        made = World(stripe_fake)
        yield made


def _state(world: World) -> list[dict[str, Any]]:
    subs = stripe.Subscription.list(status="all", customer=world.customer, limit=100)
    data: list[dict[str, Any]] = json.loads(subs.last_response.body)["data"]
    return data


@pytest.mark.parametrize("case", sorted(ROWS))
def test_error_row(case: str, world: World, stripe_fake: StripeFake, monkeypatch: pytest.MonkeyPatch) -> None:
    status, error_type, code, param, message = ROWS[case]
    if case == "create: 501st live subscription":
        monkeypatch.setattr(responses, "MAX_SUBSCRIPTIONS_PER_CUSTOMER", 1)
        message = message.replace("<customer>", world.customer).replace("500", "1")
    message = message.replace("<price>", world.metered)
    makes_setup = "canceled" in case  # these cases first make (and cancel) a subscription
    before = _state(world)
    events = len(stripe_fake.events)
    with pytest.raises(stripe.StripeError) as caught:
        CASES[case](world)
    error = caught.value
    body = error.json_body["error"]
    assert error.http_status == status
    assert body["type"] == error_type
    assert body.get("code") == code
    assert body.get("param") == param
    assert body["message"] == message
    if not makes_setup:
        assert _state(world) == before
        assert len(stripe_fake.events) == events
