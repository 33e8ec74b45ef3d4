"""The webhook receiver, fed by the fake: real signatures, real SDK verification, no network."""

from __future__ import annotations

import stripe
from metered_app import billing
from metered_app.app import create_app
from metered_app.webhooks import create_webhook_app

from stripe_fake import StripeFake

BASE = "http://shop.test"


def _endpoint(client: stripe.StripeClient, events: list[str]) -> stripe.WebhookEndpoint:
    return client.v1.webhook_endpoints.create({"url": f"{BASE}/webhooks/stripe", "enabled_events": events})


def test_alert_marks_the_customer_over_quota(
    stripe_fake: StripeFake, stripe_client: stripe.StripeClient
) -> None:
    api = create_app(stripe_client).test_client()
    endpoint = _endpoint(stripe_client, ["billing.alert.triggered"])
    receiver, state = create_webhook_app(stripe_client, endpoint.secret)
    stripe_fake.mount(BASE, receiver)
    customer = api.post("/signup", json={"email": "dev@example.com"}).get_json()["customer"]
    stripe_client.v1.billing.alerts.create(
        {
            "title": "Free tier used up",
            "alert_type": "usage_threshold",
            "usage_threshold": {
                "gte": 3,
                "meter": billing.ensure_meter(stripe_client),
                "recurrence": "one_time",
            },
        }
    )
    for _ in range(2):
        api.get("/search?q=meter", headers={"X-Customer": customer})
    assert state.over_quota == set()
    api.get("/search?q=meter", headers={"X-Customer": customer})
    assert state.over_quota == {customer}
    (delivery,) = stripe_fake.assert_delivered("billing.alert.triggered", status=200)
    assert stripe_client.v1.events.retrieve(delivery.event_id).pending_webhooks == 0


def test_forged_and_replayed_deliveries(stripe_fake: StripeFake, stripe_client: stripe.StripeClient) -> None:
    endpoint = _endpoint(stripe_client, ["customer.created"])
    receiver, state = create_webhook_app(stripe_client, endpoint.secret)
    stripe_fake.mount(BASE, receiver)
    stripe_client.v1.customers.create({"email": "a@example.com"})
    (delivery,) = stripe_fake.assert_delivered("customer.created", status=200)
    http = receiver.test_client()
    forged = stripe_fake.sign(delivery.payload, "whsec_not_the_secret")
    assert (
        http.post("/webhooks/stripe", data=delivery.payload, headers={"Stripe-Signature": forged}).status_code
        == 400
    )
    replay = stripe_fake.sign(delivery.payload, endpoint.secret)
    answer = http.post("/webhooks/stripe", data=delivery.payload, headers={"Stripe-Signature": replay})
    assert answer.get_json() == {"received": True, "duplicate": True}
    assert state.seen_events == {delivery.event_id}


def test_failed_delivery_is_retried(stripe_fake: StripeFake, stripe_client: stripe.StripeClient) -> None:
    endpoint = _endpoint(stripe_client, ["customer.created"])
    receiver, _ = create_webhook_app(stripe_client, "whsec_misconfigured")
    stripe_fake.mount(BASE, receiver)
    stripe_client.v1.customers.create({"email": "a@example.com"})
    stripe_fake.assert_delivered("customer.created", status=400)
    fixed, state = create_webhook_app(stripe_client, endpoint.secret)
    stripe_fake.mount(BASE, fixed)
    (retry,) = stripe_fake.retry_failed_deliveries()
    assert (retry.status, retry.attempt) == (200, 2)
    assert state.seen_events == {retry.event_id}


def test_meter_error_reports_arrive_as_thin_events(
    stripe_fake: StripeFake, stripe_client: stripe.StripeClient
) -> None:
    billing.ensure_meter(stripe_client)
    destination = stripe_client.v2.core.event_destinations.create(
        {
            "name": "Usage errors",
            "type": "webhook_endpoint",
            "event_payload": "thin",
            "enabled_events": ["v1.billing.meter.error_report_triggered"],
            "webhook_endpoint": {"url": f"{BASE}/webhooks/stripe/thin"},
            "include": ["webhook_endpoint.signing_secret"],
        }
    )
    receiver, state = create_webhook_app(
        stripe_client, "whsec_unused", thin_secret=destination.webhook_endpoint.signing_secret
    )
    stripe_fake.mount(BASE, receiver)
    stripe_client.v1.billing.meter_events.create(
        {"event_name": "api_call", "payload": {"stripe_customer_id": "cus_does_not_exist", "value": "1"}}
    )
    stripe_fake.assert_delivered("v1.billing.meter.error_report_triggered", status=200, count=1)
    assert state.meter_errors == ["There is 1 invalid event"]
