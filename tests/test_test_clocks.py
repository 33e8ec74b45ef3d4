"""Test clocks through the real SDK: create, retrieve, list, delete, advance, limits and errors."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
import stripe
from compat import as_dict, v1
from fidelity_rows import error_rows
from freezegun import freeze_time

from stripe_fake import StripeFake
from stripe_fake.http import errors as stripe_fake_errors

T0 = "2026-03-01T00:00:00Z"
T0_TS = 1772323200
DAY = 86400


def _clock(**kwargs: Any) -> stripe.test_helpers.TestClock:
    kwargs.setdefault("frozen_time", T0_TS)
    return stripe.test_helpers.TestClock.create(**kwargs)


def test_create_renders_stripes_shape(stripe_fake: StripeFake) -> None:
    with freeze_time("2026-06-01T00:00:00Z"):
        clock = _clock(name="Annual renewal")
    assert clock.id.startswith("clock_")
    assert clock.frozen_time == T0_TS  # in the past: allowed
    assert clock.status == "ready"
    assert as_dict(clock.status_details) == {}
    assert clock.name == "Annual renewal"
    assert clock.created == 1780272000
    assert clock.deletes_after == clock.created + 30 * DAY
    assert clock.livemode is False
    stripe_fake.assert_event("test_helpers.test_clock.created", id=clock.id)


def test_retrieve_list_and_delete(stripe_fake: StripeFake, client: stripe.StripeClient) -> None:
    first, second = _clock(name="a"), _clock(name="b")
    assert stripe.test_helpers.TestClock.retrieve(first.id).name == "a"
    listed = v1(client).test_helpers.test_clocks.list({"limit": 1})
    assert [c.id for c in listed.data] == [second.id]
    assert listed.has_more is True
    deleted = stripe.test_helpers.TestClock.delete(first.id)
    assert deleted.deleted is True
    assert [c.id for c in stripe.test_helpers.TestClock.list().data] == [second.id]
    stripe_fake.assert_event("test_helpers.test_clock.deleted", id=first.id)
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe.test_helpers.TestClock.retrieve(first.id)
    assert raised.value.http_status == 404


def test_advance_answers_advancing_then_is_ready(stripe_fake: StripeFake) -> None:
    clock = _clock()
    answered = stripe.test_helpers.TestClock.advance(clock.id, frozen_time=T0_TS + 40 * DAY)
    assert answered.status == "advancing"
    assert answered.status_details.advancing.target_frozen_time == T0_TS + 40 * DAY  # type: ignore[union-attr]
    assert answered.frozen_time == T0_TS
    now = stripe.test_helpers.TestClock.retrieve(clock.id)
    assert (now.status, now.frozen_time, as_dict(now.status_details)) == ("ready", T0_TS + 40 * DAY, {})
    types = [e["type"] for e in stripe_fake.events if e["type"].startswith("test_helpers")]
    assert types == [
        "test_helpers.test_clock.created",
        "test_helpers.test_clock.advancing",
        "test_helpers.test_clock.ready",
    ]
    ready = stripe_fake.events.last("test_helpers.test_clock.ready")
    assert ready is not None
    assert ready["data"]["object"]["frozen_time"] == T0_TS + 40 * DAY
    assert ready["request"]["id"] is None


def test_advance_runs_the_clocks_jobs_in_order_at_clock_time(stripe_fake: StripeFake) -> None:
    """The clock's own jobs run at advance, each seeing the clock at its due time; other clocks' and
    the account clock's jobs do not run."""
    clock, other = _clock(), _clock()
    account = stripe_fake.backend.account()
    seen: list[tuple[str, int, int]] = []

    def record(acct: Any, job: Any) -> None:
        from stripe_fake.resources.test_clocks.models import clock_now

        seen.append((job.ref, job.due, clock_now(acct, job.clock, -1)))
        if job.ref == "first":  # a job may schedule a later one on the same clock
            acct.scheduler.at(job.due + DAY, "tests.record", acct, "chained", clock=job.clock)

    account.scheduler.register("tests.record", record)
    account.scheduler.at(T0_TS + 5 * DAY, "tests.record", account, "second", clock=clock.id)
    account.scheduler.at(T0_TS + 2 * DAY, "tests.record", account, "first", clock=clock.id)
    account.scheduler.at(T0_TS + 9 * DAY, "tests.record", account, "later", clock=clock.id)
    account.scheduler.at(T0_TS + DAY, "tests.record", account, "elsewhere", clock=other.id)
    stripe.test_helpers.TestClock.advance(clock.id, frozen_time=T0_TS + 6 * DAY)
    assert seen == [
        ("first", T0_TS + 2 * DAY, T0_TS + 2 * DAY),
        ("chained", T0_TS + 3 * DAY, T0_TS + 3 * DAY),
        ("second", T0_TS + 5 * DAY, T0_TS + 5 * DAY),
    ]
    stripe.test_helpers.TestClock.advance(clock.id, frozen_time=T0_TS + 9 * DAY)
    assert seen[-1] == ("later", T0_TS + 9 * DAY, T0_TS + 9 * DAY)


def test_advance_by_exactly_two_years_is_allowed(stripe_fake: StripeFake) -> None:
    clock = _clock()
    stripe.test_helpers.TestClock.advance(clock.id, frozen_time=T0_TS + 730 * DAY)
    assert stripe.test_helpers.TestClock.retrieve(clock.id).frozen_time == T0_TS + 730 * DAY


def test_customers_on_a_clock_live_on_its_time(stripe_fake: StripeFake) -> None:
    with freeze_time("2026-06-01T00:00:00Z"):
        clock = _clock()
        customer = stripe.Customer.create(test_clock=clock.id)
    assert customer.test_clock == clock.id
    assert customer.created == T0_TS


def test_clock_create_attaches_an_existing_customer(stripe_fake: StripeFake) -> None:
    customer = stripe.Customer.create(email="a@example.com")
    clock = _clock(customer=customer.id)
    assert stripe.Customer.retrieve(customer.id).test_clock == clock.id
    updated = stripe_fake.events.last("customer.updated")
    assert updated is not None
    assert updated["data"]["previous_attributes"] == {"test_clock": None}


def test_deleting_a_clock_deletes_its_customers_and_cancels_their_subscriptions(
    stripe_fake: StripeFake,
) -> None:
    clock = _clock()
    customer = stripe.Customer.create(test_clock=clock.id, payment_method="pm_card_visa")
    price = stripe.Price.create(
        currency="usd", unit_amount=1000, recurring={"interval": "month"}, product_data={"name": "Seat"}
    )
    sub = stripe.Subscription.create(
        customer=customer.id,
        items=[{"price": price.id}],
        default_payment_method=stripe.Customer.list_payment_methods(customer.id).data[0].id,
    )
    stripe.test_helpers.TestClock.delete(clock.id)
    assert stripe.Customer.retrieve(customer.id).deleted is True
    assert stripe.Subscription.retrieve(sub.id).status == "canceled"
    types = [e["type"] for e in stripe_fake.events]
    order = [types.index(t) for t in ("customer.subscription.deleted", "customer.deleted")]
    assert order == sorted(order)
    assert types[-1] == "test_helpers.test_clock.deleted"


def _metered_clock_customer() -> tuple[str, str, stripe.billing.Meter]:
    clock = _clock()
    customer = stripe.Customer.create(test_clock=clock.id)
    meter = stripe.billing.Meter.create(
        display_name="Calls", event_name="call", default_aggregation={"formula": "sum"}
    )
    return clock.id, customer.id, meter


def test_meter_events_of_a_clock_customer_are_on_clock_time(stripe_fake: StripeFake) -> None:
    with freeze_time("2026-06-01T00:00:00Z"):
        _, customer, meter = _metered_clock_customer()
        event = stripe.billing.MeterEvent.create(
            event_name="call", payload={"stripe_customer_id": customer, "value": "3"}
        )
        assert event.timestamp == T0_TS  # no timestamp: the clock's time, not the real one
        # the 35-day window is measured on the clock: real "now" would refuse this one
        stripe.billing.MeterEvent.create(
            event_name="call", payload={"stripe_customer_id": customer, "value": "4"}, timestamp=T0_TS - DAY
        )
        v2 = stripe.StripeClient("sk_test_fake_123").v2.billing.meter_events.create(
            {"event_name": "call", "payload": {"stripe_customer_id": customer, "value": "5"}}
        )
        assert v2.timestamp.startswith("2026-03-01T00:00:00")
        summaries = stripe.billing.Meter.list_event_summaries(
            meter.id, customer=customer, start_time=T0_TS - DAY, end_time=T0_TS + DAY
        )
        assert [s.aggregated_value for s in summaries.data] == [12]


def test_alerts_fire_under_a_clock_stamped_with_clock_time(stripe_fake: StripeFake) -> None:
    with freeze_time("2026-06-01T00:00:00Z"):
        clock, customer, meter = _metered_clock_customer()
        stripe.billing.Alert.create(
            alert_type="usage_threshold",
            title="Over 10",
            usage_threshold={
                "gte": 10,
                "meter": meter.id,
                "recurrence": "one_time",
                "filters": [{"type": "customer", "customer": customer}],
            },
        )
        stripe.test_helpers.TestClock.advance(clock, frozen_time=T0_TS + 3 * DAY)
        stripe.billing.MeterEvent.create(
            event_name="call", payload={"stripe_customer_id": customer, "value": "11"}
        )
    triggered = stripe_fake.events.last("billing.alert.triggered")
    assert triggered is not None
    assert triggered["data"]["object"]["customer"] == customer
    assert triggered["data"]["object"]["created"] == T0_TS + 3 * DAY


def test_adjustment_window_of_a_clock_customer_is_on_clock_time(stripe_fake: StripeFake) -> None:
    with freeze_time("2026-06-01T00:00:00Z"):
        clock, customer, _ = _metered_clock_customer()
        for identifier in ("early", "late"):
            stripe.billing.MeterEvent.create(
                event_name="call",
                identifier=identifier,
                payload={"stripe_customer_id": customer, "value": "1"},
            )
        stripe.test_helpers.TestClock.advance(clock, frozen_time=T0_TS + 23 * 3600)
        stripe.billing.MeterEventAdjustment.create(
            event_name="call", type="cancel", cancel={"identifier": "early"}
        )
        stripe.test_helpers.TestClock.advance(clock, frozen_time=T0_TS + 25 * 3600)
        with pytest.raises(stripe.InvalidRequestError) as raised:
            stripe.billing.MeterEventAdjustment.create(
                event_name="call", type="cancel", cancel={"identifier": "late"}
            )
    assert "within 24 hours" in raised.value.user_message  # type: ignore[operator]


def test_unimplemented_parameter_is_refused_loudly(stripe_fake: StripeFake) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe.test_helpers.TestClock.create(frozen_time=T0_TS, bogus="x")
    assert raised.value.param == "bogus"


# -- every error row of docs/fidelity.md, and nothing changes -----------------------------------------

ROWS = error_rows("Errors (test clocks)")
Ctx = dict[str, str]


def _new(ctx: Ctx) -> None:
    ctx["clock"] = _clock().id


def _full(ctx: Ctx) -> None:
    _new(ctx)
    for _ in range(3):
        stripe.Customer.create(test_clock=ctx["clock"])


def _monthly(ctx: Ctx) -> None:
    _new(ctx)
    customer = stripe.Customer.create(test_clock=ctx["clock"], payment_method="pm_card_visa")
    price = stripe.Price.create(
        currency="usd", unit_amount=1000, recurring={"interval": "month"}, product_data={"name": "Seat"}
    )
    pm = stripe.Customer.list_payment_methods(customer.id).data[0].id
    stripe.Subscription.create(customer=customer.id, items=[{"price": price.id}], default_payment_method=pm)


def _three_subscriptions(ctx: Ctx) -> None:
    _on_clock(ctx)
    price = stripe.Price.create(
        currency="usd",
        unit_amount=1,
        recurring={"interval": "month", "usage_type": "metered", "meter": _meter_id()},
        product_data={"name": "Calls"},
    )
    ctx["price"] = price.id
    for _ in range(3):  # metered only: no first invoice, no payment method needed
        stripe.Subscription.create(customer=ctx["customer"], items=[{"price": price.id}])


def _meter_id() -> str:
    return stripe.billing.Meter.create(
        display_name="Calls", event_name="call", default_aggregation={"formula": "sum"}
    ).id


def _on_clock(ctx: Ctx) -> None:
    _new(ctx)
    ctx["customer"] = stripe.Customer.create(test_clock=ctx["clock"]).id


def _deleted(ctx: Ctx) -> None:
    _new(ctx)
    stripe.test_helpers.TestClock.delete(ctx["clock"])


CASES: dict[str, tuple[Callable[[Ctx], None] | None, Callable[[Ctx], Any]]] = {
    "create: `frozen_time` missing": (None, lambda c: stripe.test_helpers.TestClock.create()),
    "create: `name` over 300 characters": (None, lambda c: _clock(name="x" * 301)),
    "unknown clock": (None, lambda c: stripe.test_helpers.TestClock.retrieve("clock_missing")),
    "deleted clock": (_deleted, lambda c: stripe.test_helpers.TestClock.advance(c["clock"], frozen_time=1)),
    "advance: `frozen_time` missing": (
        _new,
        lambda c: stripe.test_helpers.TestClock._static_request(
            "post", f"/v1/test_helpers/test_clocks/{c['clock']}/advance"
        ),
    ),
    "advance: to the clock's time or before": (
        _new,
        lambda c: stripe.test_helpers.TestClock.advance(c["clock"], frozen_time=T0_TS),
    ),
    "advance: more than two years without subscriptions": (
        _new,
        lambda c: stripe.test_helpers.TestClock.advance(c["clock"], frozen_time=T0_TS + 730 * DAY + 1),
    ),
    "advance: more than two intervals of a monthly subscription": (
        _monthly,
        # two months from 2026-03-01 is 2026-05-01T00:00:00Z
        lambda c: stripe.test_helpers.TestClock.advance(c["clock"], frozen_time=1777593601),
    ),
    "customer create: a fourth customer on the clock": (
        _full,
        lambda c: stripe.Customer.create(test_clock=c["clock"]),
    ),
    "customer create: deleted clock": (_deleted, lambda c: stripe.Customer.create(test_clock=c["clock"])),
    "create: `customer` unknown": (None, lambda c: _clock(customer="cus_missing")),
    "create: `customer` already on a clock": (_on_clock, lambda c: _clock(customer=c["customer"])),
    "subscription create: a fourth subscription of a clock customer": (
        _three_subscriptions,
        lambda c: stripe.Subscription.create(customer=c["customer"], items=[{"price": c["price"]}]),
    ),
}


def test_every_error_row_has_a_case() -> None:
    assert set(ROWS) == set(CASES)


def _state() -> Any:
    clocks = [as_dict(c) for c in stripe.test_helpers.TestClock.list(limit=100).data]
    customers = [as_dict(c) for c in stripe.Customer.list(limit=100).data]
    subscriptions = [s.id for s in stripe.Subscription.list(limit=100, status="all").data]
    return clocks, customers, subscriptions, [e.id for e in stripe.Event.list(limit=100).data]


@pytest.mark.parametrize("situation", sorted(CASES))
def test_error_rows(stripe_fake: StripeFake, situation: str) -> None:
    setup, call = CASES[situation]
    ctx: Ctx = {}
    if setup is not None:
        setup(ctx)
    before = copy.deepcopy(_state())
    with pytest.raises(stripe.InvalidRequestError) as raised:
        call(ctx)
    assert _state() == before
    status, type_, code, param, message = ROWS[situation]
    for name, value in ctx.items():
        message = message.replace(f"<{name}>", value)
    error = raised.value.error
    assert error is not None
    assert (raised.value.http_status, error.type, error.code, error.param, error.message) == (
        status,
        type_,
        code,
        param,
        message,
    )


# -- a year of renewals on a clock ------------------------------------------------------------------------


def test_a_year_of_monthly_renewals_for_three_customers_in_steps(stripe_fake: StripeFake) -> None:
    """Three customers on one clock with a licensed seat and metered calls each, advanced two months at
    a time for a year: every renewal invoice, in order, stamped with clock time, usage billed."""
    with freeze_time("2026-06-15T12:00:00Z"):  # real time: far from the clock's
        clock = _clock(name="year")
        meter = stripe.billing.Meter.create(
            display_name="Calls", event_name="call", default_aggregation={"formula": "sum"}
        )
        seat = stripe.Price.create(
            currency="usd", unit_amount=1000, recurring={"interval": "month"}, product_data={"name": "Seat"}
        )
        calls = stripe.Price.create(
            currency="usd",
            unit_amount=2,
            recurring={"interval": "month", "usage_type": "metered", "meter": meter.id},
            product_data={"name": "Calls"},
        )
        customers = []
        for n in range(3):
            customer = stripe.Customer.create(test_clock=clock.id, payment_method="pm_card_visa")
            pm = stripe.Customer.list_payment_methods(customer.id).data[0].id
            stripe.Customer.modify(customer.id, invoice_settings={"default_payment_method": pm})
            stripe.Subscription.create(customer=customer.id, items=[{"price": seat.id}, {"price": calls.id}])
            customers.append((customer.id, n + 1))
        frozen = T0_TS
        for step in range(6):
            for customer_id, per_month in customers:  # usage this month and next, on clock time
                stripe.billing.MeterEvent.create(
                    event_name="call",
                    payload={"stripe_customer_id": customer_id, "value": str(100 * per_month)},
                )
            target = _months_after(T0_TS, 2 * (step + 1))  # two months: the interval limit
            stripe.test_helpers.TestClock.advance(clock.id, frozen_time=target)
            frozen = target
        last = stripe.Invoice.list(customer=customers[0][0], limit=1).data[0]
        assert (last.created, last.status) == (frozen, "draft")  # exactly at a renewal: still a draft
        stripe.test_helpers.TestClock.advance(clock.id, frozen_time=frozen + 3600)  # the finalization hour
        assert stripe.test_helpers.TestClock.retrieve(clock.id).frozen_time == frozen + 3600
    for customer_id, per_month in customers:
        invoices = list(stripe.Invoice.list(customer=customer_id, limit=100).auto_paging_iter())[::-1]
        assert [i.billing_reason for i in invoices] == ["subscription_create"] + ["subscription_cycle"] * 12
        assert [i.created for i in invoices] == [_months_after(T0_TS, k) for k in range(13)]
        assert all(i.status == "paid" for i in invoices)
        # usage recorded at the start of every second month is billed in arrears the month after
        metered = [sum(line.amount for line in i.lines.data if line.amount != 1000) for i in invoices[1:]]
        expected = [2 * 100 * per_month if k % 2 == 0 else 0 for k in range(12)]
        assert metered == expected
    cycle = [e for e in stripe_fake.events if e["type"] == "invoice.created"]
    stamps = [e["data"]["object"]["created"] for e in cycle]
    assert stamps == sorted(stamps)


def _months_after(start: int, months: int) -> int:
    from datetime import datetime, timezone

    moment = datetime.fromtimestamp(start, timezone.utc)
    year, month = divmod(moment.month - 1 + months, 12)
    return int(moment.replace(year=moment.year + year, month=month + 1).timestamp())


def test_advance_helper_moves_a_clock_like_the_api(stripe_fake: StripeFake) -> None:
    from datetime import datetime, timezone

    clock = _clock()
    moved = stripe_fake.advance(clock.id, datetime(2026, 3, 2, tzinfo=timezone.utc))
    assert (moved["status"], moved["frozen_time"]) == ("ready", T0_TS + DAY)
    assert stripe.test_helpers.TestClock.retrieve(clock.id).frozen_time == T0_TS + DAY
    with pytest.raises(stripe_fake_errors.StripeError) as raised:
        stripe_fake.advance(clock.id, T0_TS)  # backwards: Stripe's 400, param frozen_time
    assert (raised.value.status, raised.value.param) == (400, "frozen_time")
