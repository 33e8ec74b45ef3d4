"""Fidelity review of the v1 resources against the reference (one test per discrepancy found).

Each test drives the fake through the real ``stripe`` SDK and asserts what Stripe does (or what
the reference recommends where Stripe's docs are silent), including that bad input changes nothing.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
import stripe

from stripe_fake import StripeFake

HOOK = "http://hooks.test/stripe"


# -- expand on writes: a path the returned object cannot expand must not leave a half-done write --------


def test_create_meter_with_expand_for_another_object_changes_nothing(stripe_fake: StripeFake) -> None:
    # ``usage_threshold.meter`` is expandable on billing.alert, not on billing.meter
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe.billing.Meter.create(
            display_name="API calls",
            event_name="api_call",
            default_aggregation={"formula": "sum"},
            expand=["usage_threshold.meter"],
        )
    assert raised.value.http_status == 400
    assert raised.value.param == "expand"
    assert str(raised.value.user_message) == "This property cannot be expanded (usage_threshold.meter)."
    assert stripe.billing.Meter.list().data == []
    assert stripe.Event.list().data == []


def test_deactivate_meter_with_bad_expand_leaves_it_active(
    stripe_fake: StripeFake, meter: stripe.billing.Meter
) -> None:
    with pytest.raises(stripe.InvalidRequestError):
        stripe.billing.Meter.deactivate(meter.id, expand=["usage_threshold.filters.customer"])
    assert stripe.billing.Meter.retrieve(meter.id).status == "active"
    assert [e.type for e in stripe.Event.list().data] == ["billing.meter.created"]


def test_create_alert_with_its_own_expandable_field_still_works(
    stripe_fake: StripeFake, meter: stripe.billing.Meter
) -> None:
    alert = stripe.billing.Alert.create(
        alert_type="usage_threshold",
        title="Heavy use",
        usage_threshold={"gte": 10, "meter": meter.id, "recurrence": "one_time"},
        expand=["usage_threshold.meter"],
    )
    assert alert.usage_threshold is not None
    assert alert.usage_threshold.meter.id == meter.id  # type: ignore[union-attr]


# -- webhook retries (reference §11.4) --------------------------------------------------------------------


class Flaky:
    """A receiver answering ``status`` (500 until told otherwise)."""

    def __init__(self) -> None:
        self.status = 500
        self.calls = 0

    def __call__(self, request: httpx.Request) -> int:
        self.calls += 1
        return self.status


def test_retry_skips_an_endpoint_deleted_since_the_failure(stripe_fake: StripeFake) -> None:
    app = Flaky()
    stripe_fake.mount("http://hooks.test", app)
    endpoint = stripe.WebhookEndpoint.create(url=HOOK, enabled_events=["customer.created"])
    stripe.Customer.create()
    assert app.calls == 1
    stripe.WebhookEndpoint.delete(endpoint.id)
    app.status = 200
    assert stripe_fake.retry_failed_deliveries() == []
    assert app.calls == 1
    assert len(stripe_fake.deliveries) == 1


def test_retry_skips_a_disabled_endpoint_until_it_is_enabled_again(stripe_fake: StripeFake) -> None:
    app = Flaky()
    stripe_fake.mount("http://hooks.test", app)
    endpoint = stripe.WebhookEndpoint.create(url=HOOK, enabled_events=["customer.created"])
    customer = stripe.Customer.create()
    stripe.WebhookEndpoint.modify(endpoint.id, disabled=True)
    app.status = 200
    assert stripe_fake.retry_failed_deliveries() == []
    assert app.calls == 1
    stripe.WebhookEndpoint.modify(endpoint.id, disabled=False)
    (retried,) = stripe_fake.retry_failed_deliveries()
    assert (retried.attempt, retried.status, retried.json["data"]["object"]["id"]) == (2, 200, customer.id)
    (event,) = stripe.Event.list(type="customer.created").data
    assert event.pending_webhooks == 0


@pytest.mark.stripe_fake(webhook_timeout=0.3)
def test_a_hanging_asgi_receiver_times_out(stripe_fake: StripeFake) -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await asyncio.sleep(30)

    stripe_fake.mount("http://hooks.test", app, kind="asgi")
    stripe.WebhookEndpoint.create(url=HOOK, enabled_events=["customer.created"])
    started = time.monotonic()
    stripe.Customer.create()
    assert time.monotonic() - started < 5
    (delivery,) = stripe_fake.deliveries
    assert delivery.status is None and not delivery.succeeded
    assert delivery.error is not None and "Timeout" in delivery.error
    (event,) = stripe.Event.list(type="customer.created").data
    assert event.pending_webhooks == 1


@pytest.mark.stripe_fake(webhook_timeout=0.3)
def test_a_hanging_async_callable_receiver_times_out(stripe_fake: StripeFake) -> None:
    async def hook(request: httpx.Request) -> int:
        await asyncio.sleep(30)
        return 200

    stripe_fake.mount("http://hooks.test", hook, kind="callable")
    stripe.WebhookEndpoint.create(url=HOOK, enabled_events=["customer.created"])
    started = time.monotonic()
    stripe.Customer.create()
    assert time.monotonic() - started < 5
    (delivery,) = stripe_fake.deliveries
    assert delivery.error is not None and "Timeout" in delivery.error


async def test_a_hanging_asgi_receiver_times_out_under_a_running_loop(stripe_fake: StripeFake) -> None:
    stripe_fake.backend.config.webhook_timeout = 0.3

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await asyncio.sleep(30)

    stripe_fake.mount("http://hooks.test", app, kind="asgi")
    await stripe.WebhookEndpoint.create_async(url=HOOK, enabled_events=["customer.created"])
    started = time.monotonic()
    await stripe.Customer.create_async()
    assert time.monotonic() - started < 5
    (delivery,) = stripe_fake.deliveries
    assert delivery.error is not None and "Timeout" in delivery.error


def test_meter_event_with_bad_expand_is_not_recorded(
    stripe_fake: StripeFake, meter: stripe.billing.Meter, customer: stripe.Customer
) -> None:
    payload = {"stripe_customer_id": customer.id, "value": "5"}
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe.billing.MeterEvent.create(
            event_name="api_call", payload=payload, identifier="evt-1", expand=["usage_threshold.meter"]
        )
    assert raised.value.param == "expand"
    # the identifier was not used up, and nothing counted
    created = stripe.billing.MeterEvent.create(event_name="api_call", payload=payload, identifier="evt-1")
    assert created.identifier == "evt-1"
    (summary,) = stripe.billing.Meter.list_event_summaries(
        meter.id, customer=customer.id, start_time=0, end_time=created.timestamp - created.timestamp % 60 + 60
    ).data
    assert summary.aggregated_value == 5
