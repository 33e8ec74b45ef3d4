"""Subscriptions and subscription items through the SDK: creation, periods on items, trials, updates,
cancellation, lists, items, and state left unchanged by rejected requests."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest
import stripe
import time_machine
from compat import as_dict, v1
from freezegun import freeze_time
from subscription_support import make_meter, make_price, make_product

from stripe_fake import StripeFake


def ts(*args: int) -> int:
    return int(datetime(*args, tzinfo=timezone.utc).timestamp())  # type: ignore[misc]


def raw(obj: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(obj.last_response.body)
    return body


@pytest.fixture(autouse=True)
def frozen_calendar(request: pytest.FixtureRequest) -> Any:
    """Tests run on a 2025 calendar: time never returns to today's date, so the renewals due
    between the scenario's dates and now never run behind a test's back (``travel`` tests use
    time-machine instead)."""
    if "travel" in request.fixturenames:
        yield None
        return
    with freeze_time("2025-01-01") as frozen:
        yield frozen


@pytest.fixture
def travel() -> Any:
    with time_machine.travel(ts(2025, 5, 1), tick=False) as traveller:
        yield traveller


@pytest.fixture
def metered(stripe_fake: StripeFake) -> str:
    return make_price(stripe_fake, meter=make_meter(), unit_amount=5)


def test_metered_only_subscription_is_active_at_once_without_an_invoice(
    stripe_fake: StripeFake, customer: stripe.Customer, metered: str
) -> None:
    with freeze_time("2025-01-31 12:00:00"):
        sub = stripe.Subscription.create(
            customer=customer.id, items=[{"price": metered}], metadata={"k": "v"}
        )
    assert sub.status == "active"
    assert sub.latest_invoice is None
    assert sub.billing_mode.type == "flexible"
    assert sub.billing_cycle_anchor == ts(2025, 1, 31, 12)
    body = raw(sub)
    assert "current_period_start" not in body and "current_period_end" not in body
    item = body["items"]["data"][0]
    assert (item["current_period_start"], item["current_period_end"]) == (
        ts(2025, 1, 31, 12),
        ts(2025, 2, 28, 12),
    )
    assert item["quantity"] is None
    assert item["price"]["id"] == metered and item["plan"]["id"] == metered
    assert body["items"]["url"] == f"/v1/subscription_items?subscription={sub.id}"
    stripe_fake.assert_event("customer.subscription.created", id=sub.id, count=1)


def test_leap_year_and_interval_count_on_items(stripe_fake: StripeFake, customer: stripe.Customer) -> None:
    meter = make_meter()
    monthly = make_price(stripe_fake, meter=meter)
    quarterly = make_price(stripe_fake, meter=meter, interval_count=3, unit_amount=7)
    with freeze_time("2024-01-31"):
        sub = stripe.Subscription.create(
            customer=customer.id, items=[{"price": monthly}, {"price": quarterly}]
        )
    periods = {i.price.id: (i.current_period_start, i.current_period_end) for i in sub["items"].data}
    assert periods[monthly] == (ts(2024, 1, 31), ts(2024, 2, 29))
    assert periods[quarterly] == (ts(2024, 1, 31), ts(2024, 4, 30))


def test_client_style_and_future_anchor_partial_period(stripe_fake: StripeFake, metered: str) -> None:
    client = stripe.StripeClient("sk_test_fake_123")
    customer = v1(client).customers.create()
    with freeze_time("2025-03-10"):
        sub = v1(client).subscriptions.create(
            {"customer": customer.id, "items": [{"price": metered}], "billing_cycle_anchor": ts(2025, 3, 15)}
        )
    item = sub["items"].data[0]
    assert (item.current_period_start, item.current_period_end) == (ts(2025, 3, 10), ts(2025, 3, 15))
    assert v1(client).subscriptions.retrieve(sub.id).id == sub.id


def test_anchor_config_picks_the_next_matching_day(
    stripe_fake: StripeFake, customer: Any, metered: str
) -> None:
    with freeze_time("2025-02-10 08:00:00"):
        sub = stripe.Subscription.create(
            customer=customer.id,
            items=[{"price": metered}],
            billing_cycle_anchor_config={"day_of_month": 31, "hour": 0, "minute": 0, "second": 0},
        )
    assert sub.billing_cycle_anchor == ts(2025, 2, 28)
    assert sub.billing_cycle_anchor_config.day_of_month == 31


def test_trial_periods_trial_will_end_and_trial_end(
    stripe_fake: StripeFake, customer: Any, metered: str
) -> None:
    with freeze_time("2025-05-01") as frozen:
        sub = stripe.Subscription.create(
            customer=customer.id, items=[{"price": metered}], trial_period_days=14
        )
        assert sub.status == "trialing"
        assert (sub.trial_start, sub.trial_end) == (ts(2025, 5, 1), ts(2025, 5, 15))
        item = sub["items"].data[0]
        assert (item.current_period_start, item.current_period_end) == (ts(2025, 5, 1), ts(2025, 5, 15))
        frozen.move_to("2025-05-11 23:59:59")
        stripe_fake.run_due()
        assert not stripe_fake.events.of_type("customer.subscription.trial_will_end")
        frozen.move_to("2025-05-12")
        stripe_fake.run_due()
        [warning] = stripe_fake.events.of_type("customer.subscription.trial_will_end")
        assert warning["created"] == ts(2025, 5, 12)
        frozen.move_to("2025-05-15 00:00:01")
        sub = stripe.Subscription.retrieve(sub.id)
    assert sub.status == "active"
    item = sub["items"].data[0]
    assert (item.current_period_start, item.current_period_end) == (ts(2025, 5, 15), ts(2025, 6, 15))
    assert sub.billing_cycle_anchor == ts(2025, 5, 15)
    assert sub.latest_invoice is None  # metered only: usage of the trial is never billed
    updated = stripe_fake.events.of_type("customer.subscription.updated")[-1]
    assert updated["data"]["previous_attributes"]["status"] == "trialing"


def test_short_trial_warns_at_once_and_trial_end_now_ends_it(
    travel: Any, stripe_fake: StripeFake, customer: Any, metered: str
) -> None:
    if True:
        sub = stripe.Subscription.create(
            customer=customer.id, items=[{"price": metered}], trial_end=ts(2025, 5, 2)
        )
        stripe_fake.run_due()
        assert len(stripe_fake.events.of_type("customer.subscription.trial_will_end")) == 1
        ended = stripe.Subscription.modify(sub.id, trial_end="now")
    assert ended.status == "active" and ended.trial_end == ts(2025, 5, 1)
    assert ended["items"].data[0].current_period_end == ts(2025, 6, 1)


def test_trial_without_payment_method_can_cancel_or_pause(
    stripe_fake: StripeFake, customer: Any, metered: str
) -> None:
    with freeze_time("2025-05-01") as frozen:
        kwargs: dict[str, Any] = {
            "customer": customer.id,
            "items": [{"price": metered}],
            "trial_period_days": 1,
        }
        cancel = stripe.Subscription.create(
            **kwargs, trial_settings={"end_behavior": {"missing_payment_method": "cancel"}}
        )
        pause = stripe.Subscription.create(
            **kwargs, trial_settings={"end_behavior": {"missing_payment_method": "pause"}}
        )
        frozen.move_to("2025-05-02")
        assert stripe.Subscription.retrieve(cancel.id).status == "canceled"
        assert stripe.Subscription.retrieve(pause.id).status == "paused"
    stripe_fake.assert_event("customer.subscription.deleted", id=cancel.id, count=1)
    stripe_fake.assert_event("customer.subscription.paused", id=pause.id, count=1)


def test_inline_price_data(stripe_fake: StripeFake, customer: Any) -> None:
    product = make_product(stripe_fake)
    meter = make_meter()
    metered = make_price(stripe_fake, meter=meter)
    sub = stripe.Subscription.create(customer=customer.id, items=[{"price": metered}])
    item = stripe.SubscriptionItem.create(
        subscription=sub.id,
        price_data={
            "currency": "usd",
            "product": product,
            "recurring": {"interval": "month"},
            "unit_amount": 300,
        },
        quantity=2,
        proration_behavior="none",
    )
    assert item.quantity == 2 and item.price.unit_amount == 300 and item.price.active is False


def test_update_cancel_at_period_end_metadata_and_events(
    stripe_fake: StripeFake, customer: Any, metered: str
) -> None:
    with freeze_time("2025-01-15"):
        sub = stripe.Subscription.create(customer=customer.id, items=[{"price": metered}])
        updated = stripe.Subscription.modify(sub.id, cancel_at_period_end=True, metadata={"plan": "pro"})
    assert updated.cancel_at_period_end is True
    assert updated.cancel_at == ts(2025, 2, 15)
    assert as_dict(updated.metadata) == {"plan": "pro"}
    event = stripe_fake.events.of_type("customer.subscription.updated")[-1]
    assert event["data"]["previous_attributes"] == {
        "cancel_at": None,
        "cancel_at_period_end": False,
        "metadata": {},
    }
    undone = stripe.Subscription.modify(sub.id, cancel_at_period_end=False)
    assert undone.cancel_at is None and undone.cancel_at_period_end is False


def test_cancel_now_and_list_statuses(stripe_fake: StripeFake, customer: Any, metered: str) -> None:
    keep = stripe.Subscription.create(customer=customer.id, items=[{"price": metered}])
    gone = stripe.Subscription.create(customer=customer.id, items=[{"price": metered}])
    canceled = stripe.Subscription.cancel(gone.id, cancellation_details={"comment": "too pricey"})
    assert canceled.status == "canceled"
    assert canceled.canceled_at is not None and canceled.ended_at == canceled.canceled_at
    assert canceled.cancellation_details.reason == "cancellation_requested"
    assert canceled.cancellation_details.comment == "too pricey"
    assert [s.id for s in stripe.Subscription.list()] == [keep.id]
    assert [s.id for s in stripe.Subscription.list(status="canceled")] == [gone.id]
    assert [s.id for s in stripe.Subscription.list(status="ended")] == [gone.id]
    assert [s.id for s in stripe.Subscription.list(status="all", customer=customer.id)] == [gone.id, keep.id]
    assert [s.id for s in stripe.Subscription.list(price=metered, status="active")] == [keep.id]
    stripe_fake.assert_event("customer.subscription.deleted", id=gone.id, count=1)


def test_list_filters_on_item_periods(stripe_fake: StripeFake, customer: Any, metered: str) -> None:
    with freeze_time("2025-01-01"):
        january = stripe.Subscription.create(customer=customer.id, items=[{"price": metered}])
    with freeze_time("2025-01-20"):
        later = stripe.Subscription.create(customer=customer.id, items=[{"price": metered}])
        found = stripe.Subscription.list(current_period_end={"lte": ts(2025, 2, 1)})
        assert [s.id for s in found] == [january.id]
        found = stripe.Subscription.list(current_period_start={"gte": ts(2025, 1, 10)})
        assert [s.id for s in found] == [later.id]
        page = stripe.Subscription.list(limit=1)
        assert page.has_more and [s.id for s in page] == [later.id]
        assert [s.id for s in stripe.Subscription.list(starting_after=later.id)] == [january.id]


def test_items_create_update_delete_list(stripe_fake: StripeFake, customer: Any) -> None:
    meter = make_meter()
    first, second = make_price(stripe_fake, meter=meter), make_price(stripe_fake, meter=meter, unit_amount=9)
    with freeze_time("2025-01-01") as frozen:
        sub = stripe.Subscription.create(customer=customer.id, items=[{"price": first}])
        frozen.move_to("2025-01-10")
        added = stripe.SubscriptionItem.create(subscription=sub.id, price=second, metadata={"a": "1"})
    assert (added.current_period_start, added.current_period_end) == (ts(2025, 1, 10), ts(2025, 2, 1))
    assert as_dict(added.metadata) == {"a": "1"}
    changed = stripe.SubscriptionItem.modify(added.id, metadata={"a": "2"})
    assert as_dict(changed.metadata) == {"a": "2"}
    listed = stripe.SubscriptionItem.list(subscription=sub.id)
    assert {i.id for i in listed} == {sub["items"].data[0].id, added.id}
    deleted = stripe.SubscriptionItem.delete(added.id)
    assert raw(deleted) == {"id": added.id, "object": "subscription_item", "deleted": True}
    assert [i.id for i in stripe.Subscription.retrieve(sub.id)["items"].data] == [sub["items"].data[0].id]
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe.SubscriptionItem.retrieve(added.id)
    assert caught.value.http_status == 404


def test_update_items_add_reprice_and_remove(stripe_fake: StripeFake, customer: Any) -> None:
    meter = make_meter()
    a, b, c = (make_price(stripe_fake, meter=meter, unit_amount=n) for n in (1, 2, 3))
    sub = stripe.Subscription.create(customer=customer.id, items=[{"price": a}, {"price": b}])
    first, second = (i.id for i in sub["items"].data)
    updated = stripe.Subscription.modify(
        sub.id,
        items=[{"id": first, "price": c}, {"id": second, "deleted": True}],
        proration_behavior="none",
    )
    assert [(i.id, i.price.id) for i in updated["items"].data] == [(first, c)]


def test_deleting_the_customer_cancels_its_subscriptions(stripe_fake: StripeFake, metered: str) -> None:
    customer = stripe.Customer.create()
    sub = stripe.Subscription.create(customer=customer.id, items=[{"price": metered}])
    stripe.Customer.delete(customer.id)
    assert stripe.Subscription.retrieve(sub.id).status == "canceled"
    stripe_fake.assert_event("customer.subscription.deleted", id=sub.id, count=1)


def test_incomplete_expiry_is_a_job(stripe_fake: StripeFake, metered: str) -> None:
    # Metered-only subscriptions are active at once, so nothing expires for them.
    customer = stripe.Customer.create()
    with freeze_time("2025-01-01") as frozen:
        sub = stripe.Subscription.create(customer=customer.id, items=[{"price": metered}])
        frozen.move_to("2025-01-02")
        assert stripe.Subscription.retrieve(sub.id).status == "active"


# -- errors: every row of the fidelity table, with state unchanged ---------------------------------


def _rejected(call: Any) -> stripe.StripeError:
    with pytest.raises(stripe.StripeError) as caught:
        call()
    return caught.value


def test_rejected_update_changes_nothing(stripe_fake: StripeFake, customer: Any, metered: str) -> None:
    sub = stripe.Subscription.create(customer=customer.id, items=[{"price": metered}])
    before = raw(stripe.Subscription.retrieve(sub.id))
    other = make_price(stripe_fake, meter=make_meter("other"))
    events = len(stripe_fake.events)
    error = _rejected(
        lambda: stripe.Subscription.modify(
            sub.id,
            metadata={"x": "y"},
            cancel_at_period_end=True,
            items=[{"price": other}, {"id": "si_missing", "deleted": True}],
        )
    )
    assert error.http_status == 400 and error.param == "items[1][id]"
    assert raw(stripe.Subscription.retrieve(sub.id)) == before
    assert len(stripe_fake.events) == events


def test_expand_latest_invoice_and_customer(stripe_fake: StripeFake) -> None:
    customer = stripe.Customer.create(
        payment_method="pm_card_visa", invoice_settings={"default_payment_method": "pm_card_visa"}
    )
    seat = make_price(stripe_fake, unit_amount=900)
    sub = stripe.Subscription.create(
        customer=customer.id, items=[{"price": seat}], expand=["latest_invoice", "customer"]
    )
    assert sub.latest_invoice.object == "invoice" and sub.latest_invoice.status == "paid"
    assert sub.customer.id == customer.id
    again = stripe.Subscription.retrieve(sub.id, expand=["latest_invoice"])
    assert again.latest_invoice.id == sub.latest_invoice.id
