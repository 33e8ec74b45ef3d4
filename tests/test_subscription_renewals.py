"""The renewal engine end to end through the SDK: metered usage becomes invoices at period ends.

Usage recorded, the clock moved past period ends (freezegun, time-machine, test clocks,
``advance_to_period_end``), then the invoices, their lines and amounts, the statuses and events.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
import stripe
import time_machine
from freezegun import freeze_time
from subscription_support import make_meter, make_price

from stripe_fake import StripeFake


def ts(*args: int) -> int:
    return int(datetime(*args, tzinfo=timezone.utc).timestamp())  # type: ignore[misc]


@pytest.fixture(autouse=True)
def calendar(request: pytest.FixtureRequest) -> Any:
    """A 2025 calendar (time never goes back to today, so no renewal runs behind the test's back)."""
    if "travel" in request.fixturenames or "own_clock" in request.fixturenames:
        yield None
        return
    with freeze_time("2025-01-01") as frozen:
        yield frozen


def paying_customer() -> stripe.Customer:
    return stripe.Customer.create(
        payment_method="pm_card_visa", invoice_settings={"default_payment_method": "pm_card_visa"}
    )


def usage(customer: Any, value: int | str, *, at: int | None = None, event: str = "api_call") -> None:
    params: dict[str, Any] = {
        "event_name": event,
        "payload": {"stripe_customer_id": customer.id, "value": str(value)},
    }
    if at is not None:
        params["timestamp"] = at
    stripe.billing.MeterEvent.create(**params)


def invoices(customer: Any) -> list[stripe.Invoice]:
    return list(reversed(stripe.Invoice.list(customer=customer.id, limit=100).data))


@pytest.mark.parametrize(("formula", "expected_quantity"), [("sum", 60), ("count", 3), ("last", 30)])
def test_metered_renewal_bills_the_closed_window(
    stripe_fake: StripeFake, formula: str, expected_quantity: int
) -> None:
    with freeze_time("2025-01-31 10:00:00") as frozen:
        customer = paying_customer()
        price = make_price(stripe_fake, meter=make_meter(formula=formula), unit_amount=500)
        sub = stripe.Subscription.create(customer=customer.id, items=[{"price": price}])
        for value in (10, 20, 30):
            frozen.tick(60)
            usage(customer, value)
        frozen.move_to("2025-02-28 10:00:00")
        stripe_fake.run_due()
        [draft] = invoices(customer)
        assert draft.status == "draft" and draft.billing_reason == "subscription_cycle"
        assert draft.created == ts(2025, 2, 28, 10)
        [line] = draft.lines.data
        assert line.quantity == expected_quantity and line.amount == 500 * expected_quantity
        assert (line.period.start, line.period.end) == (ts(2025, 1, 31, 10), ts(2025, 2, 28, 10))
        item = stripe.Subscription.retrieve(sub.id)["items"].data[0]
        assert (item.current_period_start, item.current_period_end) == (
            ts(2025, 2, 28, 10),
            ts(2025, 3, 31, 10),
        )
        updated = stripe_fake.events.of_type("customer.subscription.updated")[-1]
        old_item = updated["data"]["previous_attributes"]["items"]["data"][0]
        assert old_item["current_period_end"] == ts(2025, 2, 28, 10)
        frozen.move_to("2025-02-28 11:00:00")
        paid = stripe.Invoice.retrieve(draft.id)
    assert paid.status == "paid" and paid.amount_paid == 500 * expected_quantity
    assert stripe.Subscription.retrieve(sub.id).latest_invoice == paid.id
    stripe_fake.assert_event("invoice.paid", id=paid.id, count=1)


def test_several_periods_in_one_jump_give_one_invoice_each_in_order(stripe_fake: StripeFake) -> None:
    with freeze_time("2024-01-31") as frozen:
        customer = paying_customer()
        price = make_price(stripe_fake, meter=make_meter(), unit_amount=200)
        stripe.Subscription.create(customer=customer.id, items=[{"price": price}])
        frozen.move_to("2024-02-10")
        usage(customer, 3)
        frozen.move_to("2024-05-01")  # three period ends in one jump
        found = invoices(customer)
    assert [i.created for i in found] == [ts(2024, 2, 29), ts(2024, 3, 31), ts(2024, 4, 30)]
    assert [i.lines.data[0].quantity for i in found] == [3, 0, 0]
    assert [i.status for i in found] == ["paid", "paid", "paid"]
    assert [i.amount_paid for i in found] == [600, 0, 0]


def test_licensed_first_invoice_paid_at_once_then_billed_in_advance(stripe_fake: StripeFake) -> None:
    with freeze_time("2025-03-15") as frozen:
        customer = paying_customer()
        seat = make_price(stripe_fake, unit_amount=1500)
        sub = stripe.Subscription.create(customer=customer.id, items=[{"price": seat, "quantity": 2}])
        assert sub.status == "active"
        first = stripe.Invoice.retrieve(sub.latest_invoice)
        assert first.billing_reason == "subscription_create" and first.status == "paid"
        assert first.amount_paid == 3000
        [line] = first.lines.data
        assert (line.period.start, line.period.end) == (ts(2025, 3, 15), ts(2025, 4, 15))
        created = stripe_fake.events.of_type("customer.subscription.created")[0]
        assert created["data"]["object"]["status"] == "incomplete"
        frozen.move_to("2025-04-15 01:00:00")
        renewal = invoices(customer)[-1]
    assert renewal.billing_reason == "subscription_cycle" and renewal.status == "paid"
    [line] = renewal.lines.data
    assert line.quantity == 2 and line.amount == 3000
    assert (line.period.start, line.period.end) == (ts(2025, 4, 15), ts(2025, 5, 15))


def test_mixed_subscription_with_interval_count(stripe_fake: StripeFake) -> None:
    with freeze_time("2025-11-30") as frozen:
        customer = paying_customer()
        base = make_price(stripe_fake, unit_amount=900, interval_count=3)
        calls = make_price(stripe_fake, meter=make_meter(), unit_amount=1, interval_count=3)
        sub = stripe.Subscription.create(customer=customer.id, items=[{"price": base}, {"price": calls}])
        frozen.move_to("2026-01-05")
        usage(customer, 40)
        frozen.move_to("2026-02-28 02:00:00")
        renewal = invoices(customer)[-1]
        item_periods = {
            i.price.id: i.current_period_end for i in stripe.Subscription.retrieve(sub.id)["items"].data
        }
    assert renewal.created == ts(2026, 2, 28)
    amounts = sorted(line.amount for line in renewal.lines.data)
    assert amounts == [40, 900]
    assert renewal.total == 940
    assert item_periods == {base: ts(2026, 5, 30), calls: ts(2026, 5, 30)}


def test_usage_cancelled_and_negative_corrections(stripe_fake: StripeFake) -> None:
    with freeze_time("2025-06-01") as frozen:
        customer = paying_customer()
        price = make_price(stripe_fake, meter=make_meter(), unit_amount=10)
        stripe.Subscription.create(customer=customer.id, items=[{"price": price}])
        stripe.billing.MeterEvent.create(
            event_name="api_call",
            identifier="oops",
            payload={"stripe_customer_id": customer.id, "value": "50"},
        )
        usage(customer, 8)
        frozen.tick(3600)
        stripe.billing.MeterEventAdjustment.create(
            event_name="api_call", type="cancel", cancel={"identifier": "oops"}
        )
        usage(customer, -3)
        frozen.move_to("2025-07-01 01:00:00")
        [renewal] = invoices(customer)
    assert renewal.lines.data[0].quantity == 5 and renewal.total == 50


def test_negative_total_bills_zero(stripe_fake: StripeFake) -> None:
    with freeze_time("2025-06-01") as frozen:
        customer = paying_customer()
        price = make_price(stripe_fake, meter=make_meter(), unit_amount=10)
        stripe.Subscription.create(customer=customer.id, items=[{"price": price}])
        usage(customer, 10)
        usage(customer, -15)
        frozen.move_to("2025-07-01 01:00:00")
        [renewal] = invoices(customer)
    assert renewal.lines.data[0].quantity == 0 and renewal.total == 0 and renewal.status == "paid"


def test_cancel_at_period_end_bills_the_last_period_once(stripe_fake: StripeFake) -> None:
    with freeze_time("2025-01-10") as frozen:
        customer = paying_customer()
        price = make_price(stripe_fake, meter=make_meter(), unit_amount=3)
        sub = stripe.Subscription.create(customer=customer.id, items=[{"price": price}])
        stripe.Subscription.modify(sub.id, cancel_at_period_end=True)
        usage(customer, 7)
        frozen.move_to("2025-02-10")
        ended = stripe.Subscription.retrieve(sub.id)
        assert ended.status == "canceled" and ended.ended_at == ts(2025, 2, 10)
        frozen.move_to("2025-04-10")
        found = invoices(customer)
    assert len(found) == 1
    assert found[0].lines.data[0].quantity == 7 and found[0].total == 21
    stripe_fake.assert_event("customer.subscription.deleted", id=sub.id, count=1)


def test_cancel_now_with_invoice_now_bills_usage_so_far(stripe_fake: StripeFake) -> None:
    with freeze_time("2025-01-10") as frozen:
        customer = paying_customer()
        price = make_price(stripe_fake, meter=make_meter(), unit_amount=4)
        sub = stripe.Subscription.create(customer=customer.id, items=[{"price": price}])
        usage(customer, 5)
        frozen.move_to("2025-01-20")
        canceled = stripe.Subscription.cancel(sub.id, invoice_now=True)
        [final] = invoices(customer)
        assert canceled.latest_invoice == final.id
        line = final.lines.data[0]
        assert line.quantity == 5 and (line.period.start, line.period.end) == (
            ts(2025, 1, 10),
            ts(2025, 1, 20),
        )
        frozen.move_to("2025-03-01")
        assert len(invoices(customer)) == 1


def test_cancel_at_mid_period(stripe_fake: StripeFake) -> None:
    with freeze_time("2025-01-10") as frozen:
        customer = paying_customer()
        price = make_price(stripe_fake, meter=make_meter(), unit_amount=4)
        sub = stripe.Subscription.create(
            customer=customer.id, items=[{"price": price}], cancel_at=ts(2025, 1, 25)
        )
        usage(customer, 2)
        frozen.move_to("2025-01-26")
        assert stripe.Subscription.retrieve(sub.id).status == "canceled"
        [final] = invoices(customer)
    assert final.lines.data[0].period.end == ts(2025, 1, 25) and final.total == 8


def test_failed_first_payment_is_incomplete_then_expires(stripe_fake: StripeFake) -> None:
    with freeze_time("2025-01-10") as frozen:
        customer = stripe.Customer.create()  # no payment method
        seat = make_price(stripe_fake, unit_amount=1000)
        sub = stripe.Subscription.create(customer=customer.id, items=[{"price": seat}])
        assert sub.status == "incomplete"
        assert stripe.Invoice.retrieve(sub.latest_invoice).status == "open"
        frozen.move_to("2025-01-10 22:59:59")
        assert stripe.Subscription.retrieve(sub.id).status == "incomplete"
        frozen.move_to("2025-01-10 23:00:00")
        expired = stripe.Subscription.retrieve(sub.id)
    assert expired.status == "incomplete_expired"
    assert [s.id for s in stripe.Subscription.list(status="ended")] == [sub.id]


def test_error_if_incomplete_answers_402_and_keeps_no_subscription(stripe_fake: StripeFake) -> None:
    customer = stripe.Customer.create()
    seat = make_price(stripe_fake, unit_amount=1000)
    with pytest.raises(stripe.CardError) as caught:
        stripe.Subscription.create(
            customer=customer.id, items=[{"price": seat}], payment_behavior="error_if_incomplete"
        )
    assert caught.value.http_status == 402 and caught.value.code == "card_declined"
    assert stripe.Subscription.list(customer=customer.id, status="all").data == []


@pytest.mark.stripe_fake(invoice_payment_retries=[])
def test_dunning_past_due_then_canceled(stripe_fake: StripeFake) -> None:
    with freeze_time("2025-01-10") as frozen:
        customer = paying_customer()
        price = make_price(stripe_fake, meter=make_meter(), unit_amount=400)
        sub = stripe.Subscription.create(customer=customer.id, items=[{"price": price}])
        usage(customer, 5)
        stripe_fake.set_payment_outcome(customer.id, "decline")
        frozen.move_to("2025-02-10 01:00:00")
        ended = stripe.Subscription.retrieve(sub.id)
    statuses = [
        e["data"]["object"]["status"] for e in stripe_fake.events.of_type("customer.subscription.updated")
    ]
    assert "past_due" in statuses
    assert ended.status == "canceled" and ended.cancellation_details.reason == "payment_failed"


def test_trial_with_licensed_item_bills_at_trial_end(stripe_fake: StripeFake) -> None:
    with freeze_time("2025-01-01") as frozen:
        customer = paying_customer()
        seat = make_price(stripe_fake, unit_amount=700)
        sub = stripe.Subscription.create(customer=customer.id, items=[{"price": seat}], trial_period_days=7)
        assert sub.status == "trialing" and sub.latest_invoice is None
        frozen.move_to("2025-01-08 00:00:01")
        started = stripe.Subscription.retrieve(sub.id)
        assert started.status == "active"
        first = stripe.Invoice.retrieve(started.latest_invoice)
    line = first.lines.data[0]
    assert (line.period.start, line.period.end) == (ts(2025, 1, 8), ts(2025, 2, 8))
    assert line.amount == 700


def test_time_machine_renewal(travel: Any, stripe_fake: StripeFake) -> None:
    customer = paying_customer()
    price = make_price(stripe_fake, meter=make_meter(), unit_amount=5)
    stripe.Subscription.create(customer=customer.id, items=[{"price": price}])
    usage(customer, 4)
    travel.move_to(datetime(2025, 6, 1, 1, tzinfo=timezone.utc))
    [renewal] = invoices(customer)
    assert renewal.status == "paid" and renewal.total == 20


@pytest.fixture
def travel() -> Any:
    with time_machine.travel(ts(2025, 5, 1), tick=False) as traveller:
        yield traveller


@pytest.fixture
def own_clock() -> None:
    """No frozen time: the test relies on the fake's own clock."""


def test_advance_to_period_end_moves_the_fakes_clock(own_clock: None, stripe_fake: StripeFake) -> None:
    customer = paying_customer()
    price = make_price(stripe_fake, meter=make_meter(), unit_amount=5)
    sub = stripe.Subscription.create(customer=customer.id, items=[{"price": price}])
    usage(customer, 3)
    end = sub["items"].data[0].current_period_end
    invoice = stripe_fake.advance_to_period_end(sub)
    assert invoice is not None and invoice["status"] == "paid" and invoice["total"] == 15
    assert invoice["created"] == end
    assert stripe.Subscription.retrieve(sub.id)["items"].data[0].current_period_start == end


def test_test_clock_drives_the_renewal(stripe_fake: StripeFake) -> None:
    clock = stripe.test_helpers.TestClock.create(frozen_time=ts(2025, 1, 1))
    customer = stripe.Customer.create(
        test_clock=clock.id,
        payment_method="pm_card_visa",
        invoice_settings={"default_payment_method": "pm_card_visa"},
    )
    price = make_price(stripe_fake, meter=make_meter(), unit_amount=5)
    sub = stripe.Subscription.create(customer=customer.id, items=[{"price": price}])
    assert sub.test_clock == clock.id and sub.start_date == ts(2025, 1, 1)
    usage(customer, 6, at=ts(2025, 1, 1))
    stripe.test_helpers.TestClock.advance(clock.id, frozen_time=ts(2025, 2, 1, 2))
    [renewal] = invoices(customer)
    assert renewal.created == ts(2025, 2, 1) and renewal.total == 30 and renewal.status == "paid"
    assert stripe.Subscription.list().data == []  # clock subscriptions need customer or test_clock
    assert [s.id for s in stripe.Subscription.list(test_clock=clock.id)] == [sub.id]


def test_clock_advance_limit_and_clock_deletion(stripe_fake: StripeFake) -> None:
    clock = stripe.test_helpers.TestClock.create(frozen_time=ts(2025, 1, 1))
    customer = stripe.Customer.create(test_clock=clock.id)
    price = make_price(stripe_fake, meter=make_meter(), unit_amount=5)
    sub = stripe.Subscription.create(customer=customer.id, items=[{"price": price}])
    from stripe_fake.resources.subscriptions.models import SubscriptionStore, two_intervals_after

    store = stripe_fake.account().store(SubscriptionStore)
    assert two_intervals_after(store, (customer.id,), ts(2025, 1, 1)) == ts(2025, 3, 1)
    # The clock's deletion message (published by test clocks) cancels the subscriptions it names.
    from stripe_fake.resources.test_clocks.models import TestClockDeleted

    account = stripe_fake.account()
    with stripe_fake.backend.lock:
        account.bus.publish(account, TestClockDeleted(clock.id, (customer.id,), ts(2025, 1, 2)))
    stripe_fake.assert_event("customer.subscription.deleted", id=sub.id, count=1)


def test_late_usage_inside_the_draft_hour_counts_after_finalization_not(stripe_fake: StripeFake) -> None:
    with freeze_time("2025-01-10") as frozen:
        customer = paying_customer()
        price = make_price(stripe_fake, meter=make_meter(), unit_amount=100)
        stripe.Subscription.create(customer=customer.id, items=[{"price": price}])
        usage(customer, 2)
        frozen.move_to("2025-02-10 00:30:00")
        usage(customer, 3, at=ts(2025, 2, 9, 23))  # reported late, inside the draft hour
        frozen.move_to("2025-02-10 01:00:01")
        usage(customer, 4, at=ts(2025, 2, 9, 23, 30))  # after finalization: not on that invoice
        [renewal] = invoices(customer)
    assert renewal.status == "paid" and renewal.lines.data[0].quantity == 5 and renewal.total == 500


def test_pause_and_resume(stripe_fake: StripeFake) -> None:
    with freeze_time("2025-01-10") as frozen:
        customer = paying_customer()
        price = make_price(stripe_fake, meter=make_meter(), unit_amount=100)
        sub = stripe.Subscription.create(customer=customer.id, items=[{"price": price}])
        usage(customer, 2)
        frozen.move_to("2025-01-20")
        paused = stripe.Subscription.pause(sub.id)
        assert paused.status == "paused"
        [final] = invoices(customer)
        assert final.lines.data[0].quantity == 2 and final.billing_reason == "subscription_update"
        frozen.move_to("2025-04-01")
        assert len(invoices(customer)) == 1  # nothing renews while paused
        resumed = stripe.Subscription.resume(sub.id)
        assert resumed.status == "active"
        item = resumed["items"].data[0]
        assert (item.current_period_start, item.current_period_end) == (ts(2025, 4, 1), ts(2025, 5, 1))
    stripe_fake.assert_event("customer.subscription.paused", id=sub.id, count=1)
    stripe_fake.assert_event("customer.subscription.resumed", id=sub.id, count=1)


def test_billing_cycle_anchor_now_bills_at_once_and_restarts_periods(stripe_fake: StripeFake) -> None:
    with freeze_time("2025-01-10") as frozen:
        customer = paying_customer()
        calls = make_price(stripe_fake, meter=make_meter(), unit_amount=100)
        seat = make_price(stripe_fake, unit_amount=1000)
        sub = stripe.Subscription.create(customer=customer.id, items=[{"price": calls}, {"price": seat}])
        usage(customer, 3)
        frozen.move_to("2025-01-25")
        updated = stripe.Subscription.modify(
            sub.id, billing_cycle_anchor={"type": "now"}, proration_behavior="none"
        )
        assert updated.billing_cycle_anchor == ts(2025, 1, 25)
        assert {i.current_period_end for i in updated["items"].data} == {ts(2025, 2, 25)}
        latest = stripe.Invoice.retrieve(updated.latest_invoice)
    assert latest.billing_reason == "subscription_update"
    assert sorted(line.amount for line in latest.lines.data) == [300, 1000]


def test_quantity_change_bills_from_the_next_renewal(stripe_fake: StripeFake) -> None:
    with freeze_time("2025-01-10") as frozen:
        customer = paying_customer()
        seat = make_price(stripe_fake, unit_amount=1000)
        sub = stripe.Subscription.create(customer=customer.id, items=[{"price": seat, "quantity": 1}])
        item = sub["items"].data[0].id
        changed = stripe.SubscriptionItem.modify(item, quantity=3, proration_behavior="none")
        assert changed.quantity == 3
        frozen.move_to("2025-02-10 01:00:00")
        renewal = invoices(customer)[-1]
    assert renewal.lines.data[0].quantity == 3 and renewal.total == 3000


@pytest.mark.stripe_fake(invoice_payment_retries=[3])
def test_past_due_back_to_active_when_the_retry_pays(stripe_fake: StripeFake) -> None:
    with freeze_time("2025-01-10") as frozen:
        customer = paying_customer()
        price = make_price(stripe_fake, meter=make_meter(), unit_amount=100)
        sub = stripe.Subscription.create(customer=customer.id, items=[{"price": price}])
        usage(customer, 2)
        stripe_fake.set_payment_outcome(customer.id, "decline")
        frozen.move_to("2025-02-10 01:00:00")
        assert stripe.Subscription.retrieve(sub.id).status == "past_due"
        stripe_fake.set_payment_outcome(customer.id, None)
        frozen.move_to("2025-02-13 02:00:00")
        assert stripe.Subscription.retrieve(sub.id).status == "active"
