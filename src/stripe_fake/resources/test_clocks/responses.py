"""Test clocks over HTTP: ``/v1/test_helpers/test_clocks``."""

from __future__ import annotations

from typing import Any

from ...context import RequestContext
from ...http.errors import StripeError
from ...http.pagination import LIST_PARAMS, paginate
from ...http.schema import Field, Int, Str, validate
from ..customers.models import CustomerStore
from ..events.models import emit_event
from ..prices.models import PriceStore
from ..subscriptions.models import SubscriptionStore
from ..subscriptions.periods import boundary
from .models import TestClock, TestClockStore, check_advance

_BASE = "/v1/test_helpers/test_clocks"
CREATE: dict[str, Field] = {
    "frozen_time": Int(required=True, minimum=0),
    "name": Str(max_length=300),
    "customer": Str(),
}
ADVANCE: dict[str, Field] = {"frozen_time": Int(required=True, minimum=0)}


def create_clock(ctx: RequestContext) -> dict[str, Any]:
    params = validate(CREATE, ctx.params)
    customer = None
    if "customer" in params:  # an existing customer moves onto the new clock (since 2026-05-27.dahlia)
        customer = ctx.store(CustomerStore).require_active(params["customer"])
        if customer.test_clock is not None:
            raise StripeError(
                f"The customer {customer.id} is already attached to the test clock {customer.test_clock}; "
                "a customer cannot move to another test clock.",
                param="customer",
            )
    store = ctx.store(TestClockStore)
    clock = store.create(
        frozen_time=params["frozen_time"], name=params.get("name"), now=ctx.now, cause=ctx.cause
    )
    if customer is not None:
        before = customer.render()
        customer.fields["test_clock"] = clock.id
        store.attach(clock, customer.id)
        after = customer.render()
        previous = {"test_clock": before["test_clock"]}
        emit_event(
            ctx.account, "customer.updated", after, now=ctx.now, cause=ctx.cause, previous_attributes=previous
        )
    return clock.render()


def _clock(ctx: RequestContext) -> TestClock:
    return ctx.store(TestClockStore).live(ctx.path["id"])


def retrieve_clock(ctx: RequestContext) -> dict[str, Any]:
    validate({}, ctx.params)
    return _clock(ctx).render()


def list_clocks(ctx: RequestContext) -> dict[str, Any]:
    params = validate(LIST_PARAMS, ctx.params)
    items = ctx.store(TestClockStore).table.newest_first(lambda clock: not clock.deleted)
    return paginate(items, params, _BASE, key=lambda c: c.id, render=TestClock.render, kind="test_clock")


def delete_clock(ctx: RequestContext) -> dict[str, Any]:
    validate({}, ctx.params, expand=False)
    clock = _clock(ctx)
    # The clock's customers go with it, and their subscriptions are canceled first.
    customers = ctx.store(CustomerStore)
    subscriptions = ctx.account.find(SubscriptionStore)
    for customer_id in clock.customers:
        customer = customers.get(customer_id)
        if customer is None or customer.deleted:
            continue
        if subscriptions is not None:
            subscriptions.cancel_for_customer(customer_id, now=clock.frozen_time, cause=ctx.cause)
        last = customer.render()
        customer.deleted = True
        customers.reindex(customer)
        emit_event(ctx.account, "customer.deleted", last, now=ctx.now, cause=ctx.cause)
    return ctx.store(TestClockStore).delete(clock, now=ctx.now, cause=ctx.cause)


def advance_clock(ctx: RequestContext) -> dict[str, Any]:
    params = validate(ADVANCE, ctx.params)
    clock = _clock(ctx)
    target = params["frozen_time"]
    check_advance(clock, target, latest_advance(ctx, clock))
    return ctx.store(TestClockStore).advance(clock, target, now=ctx.now, cause=ctx.cause)


def latest_advance(ctx: RequestContext, clock: TestClock) -> int | None:
    """Two intervals of the shortest subscription interval on the clock after its time, or ``None``."""
    subscriptions = ctx.account.find(SubscriptionStore)
    if subscriptions is None:
        return None
    prices = ctx.store(PriceStore)
    latest: int | None = None
    for customer_id in clock.customers:
        for sub in subscriptions.of_customer(customer_id):
            if sub.ended:
                continue
            for item in sub.items:
                price = prices.get(item.price)
                recurring = price.recurring if price is not None else None
                if recurring is None:
                    continue
                end = boundary(clock.frozen_time, recurring.interval, recurring.interval_count, 2)
                latest = end if latest is None else min(latest, end)
    return latest
