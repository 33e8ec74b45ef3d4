"""``/v2/core/event_destinations`` and signed delivery of thin event notifications."""

from __future__ import annotations

import json
import threading
from typing import Any

import anyio.from_thread
import httpx
import pytest
import stripe
from compat import HAS_EVENT_NOTIFICATIONS, as_dict, fetch_related_object, parse_notification
from freezegun import freeze_time
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from stripe_fake import StripeFake
from stripe_fake.resources.v2_events.models import ThinEventEmitted

ERROR_REPORT = "v1.billing.meter.error_report_triggered"
NO_METER = "v1.billing.meter.no_meter_found"
URL = "http://app.test/stripe/thin"


def _create(client: stripe.StripeClient, **overrides: Any) -> Any:
    params: dict[str, Any] = {
        "name": "Usage errors",
        "type": "webhook_endpoint",
        "event_payload": "thin",
        "enabled_events": [ERROR_REPORT],
        "webhook_endpoint": {"url": URL},
        "include": ["webhook_endpoint.signing_secret", "webhook_endpoint.url"],
    }
    params.update(overrides)
    return client.v2.core.event_destinations.create(params)


def _thin_event(stripe_fake: StripeFake, event_type: str, account: str | None = None) -> dict[str, Any]:
    """A synthetic thin event, announced the way the v2 producers do (on the bus)."""
    backend = stripe_fake.backend
    state = backend.account(account)
    event: dict[str, Any] = {
        "id": f"evt_test_{len(backend.thin_events)}",
        "object": "v2.core.event",
        "type": event_type,
        "created": "2024-06-01T12:00:00.000Z",
        "livemode": False,
        "related_object": {"id": "mtr_123", "type": "billing.meter", "url": "/v1/billing/meters/mtr_123"},
        "data": {"developer_message_summary": "There is 1 invalid event"},
    }
    if account is not None:
        event["context"] = account
    backend.bus.publish(state, ThinEventEmitted(event))
    return event


class ThinReceiver:
    def __init__(self, client: stripe.StripeClient) -> None:
        self.client = client
        self.secret = ""
        self.bodies: list[dict[str, Any]] = []
        self.notifications: list[Any] = []

    def __call__(self, request: httpx.Request) -> int:
        notification = parse_notification(
            self.client, request.content, request.headers.get("stripe-signature"), self.secret
        )
        self.notifications.append(notification)
        self.bodies.append(json.loads(request.content))
        return 200


@pytest.fixture
def thin(stripe_fake: StripeFake, client: stripe.StripeClient) -> ThinReceiver:
    receiver = ThinReceiver(client)
    stripe_fake.mount("http://app.test", receiver)
    return receiver


def test_create_shape_and_secret(stripe_fake: StripeFake, client: stripe.StripeClient) -> None:
    with freeze_time("2024-06-01 12:00:00"):
        destination = _create(client, description="meter errors", metadata={"team": "billing"})
    assert destination.id.startswith("ed_test_")
    assert destination.object == "v2.core.event_destination"
    assert destination.created == "2024-06-01T12:00:00.000Z"
    assert destination.updated == "2024-06-01T12:00:00.000Z"
    assert destination.status == "enabled"
    assert "status_details" not in destination
    assert destination.events_from == ["self"]
    assert destination.event_payload == "thin"
    assert "snapshot_api_version" not in destination
    assert destination.enabled_events == [ERROR_REPORT]
    assert as_dict(destination.metadata) == {"team": "billing"}
    secret = destination.webhook_endpoint.signing_secret
    assert secret.startswith("whsec_")
    assert destination.webhook_endpoint.url == URL
    assert stripe_fake.event_destination_secret(destination.id) == secret

    fetched = client.v2.core.event_destinations.retrieve(destination.id)
    assert as_dict(fetched.webhook_endpoint) == {}  # the secret is never shown again; the url on request
    with_url = client.v2.core.event_destinations.retrieve(
        destination.id, {"include": ["webhook_endpoint.url"]}
    )
    assert with_url.webhook_endpoint.url == URL


def test_update_enable_disable_delete(client: stripe.StripeClient) -> None:
    destination = _create(client)
    updated = client.v2.core.event_destinations.update(
        destination.id,
        {
            "name": "Renamed",
            "enabled_events": [ERROR_REPORT, NO_METER],
            "webhook_endpoint": {"url": URL + "2"},
        },
    )
    assert updated.name == "Renamed"
    assert updated.enabled_events == [ERROR_REPORT, NO_METER]
    disabled = client.v2.core.event_destinations.disable(destination.id)
    assert disabled.status == "disabled"
    assert disabled.status_details.disabled.reason == "user"
    enabled = client.v2.core.event_destinations.enable(destination.id)
    assert enabled.status == "enabled"
    assert "status_details" not in enabled
    deleted = client.v2.core.event_destinations.delete(destination.id)
    assert deleted.id == destination.id
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v2.core.event_destinations.retrieve(destination.id)
    assert info.value.http_status == 404
    assert info.value.code == "not_found"


def test_list_pages(client: stripe.StripeClient) -> None:
    ids = [_create(client, name=f"d{i}").id for i in range(3)]
    page = client.v2.core.event_destinations.list({"limit": 2})
    assert [d.id for d in page.data] == ids[::-1][:2]
    assert page.next_page_url is not None
    assert [d.id for d in client.v2.core.event_destinations.list({"limit": 2}).auto_paging_iter()] == ids[
        ::-1
    ]


@pytest.mark.parametrize(
    "overrides",
    [
        {"name": None},
        {"event_payload": "fat"},
        {"enabled_events": []},
        {"enabled_events": ["not a type"]},
        {"webhook_endpoint": None},
        {"webhook_endpoint": {"url": "nope"}},
        {"snapshot_api_version": "2024-06-20"},
        {"event_payload": "snapshot", "enabled_events": [ERROR_REPORT]},
        {"include": ["webhook_endpoint.secret"]},
    ],
)
def test_create_errors(
    stripe_fake: StripeFake, client: stripe.StripeClient, overrides: dict[str, Any]
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as info:
        _create(client, **overrides)
    assert info.value.http_status == 400
    assert client.v2.core.event_destinations.list().data == []


def test_thin_event_delivery_verified_by_sdk(
    stripe_fake: StripeFake, client: stripe.StripeClient, thin: ThinReceiver
) -> None:
    destination = _create(client)
    thin.secret = destination.webhook_endpoint.signing_secret
    with freeze_time("2024-06-01 12:00:00"):
        event = _thin_event(stripe_fake, ERROR_REPORT)
    (notification,) = thin.notifications
    # stripe 11 parses notifications with parse_thin_event into a ThinEvent
    typed = "V1BillingMeterErrorReportTriggeredEventNotification"
    expected = typed if HAS_EVENT_NOTIFICATIONS else "ThinEvent"
    assert type(notification).__name__ == expected
    assert notification.id == event["id"]
    assert notification.related_object.id == "mtr_123"
    assert "data" not in thin.bodies[0]
    assert set(thin.bodies[0]) == {"id", "object", "type", "created", "livemode", "related_object"}
    (delivery,) = stripe_fake.assert_delivered(ERROR_REPORT, endpoint=destination.id, status=200)
    assert delivery.thin is True
    assert delivery.timestamp == 1717243200


def test_thin_filtering_disabled_and_payload_style(
    stripe_fake: StripeFake, client: stripe.StripeClient, thin: ThinReceiver
) -> None:
    destination = _create(client)
    thin.secret = destination.webhook_endpoint.signing_secret
    _create(client, event_payload="snapshot", enabled_events=["*"], include=[])  # snapshot: v1 events only
    _thin_event(stripe_fake, NO_METER)  # not enabled
    assert stripe_fake.deliveries == []
    client.v2.core.event_destinations.disable(destination.id)
    _thin_event(stripe_fake, ERROR_REPORT)
    assert stripe_fake.deliveries == []
    client.v2.core.event_destinations.enable(destination.id)
    _thin_event(stripe_fake, ERROR_REPORT)
    stripe_fake.assert_delivered(ERROR_REPORT, endpoint=destination.id, count=1)


def test_connected_account_thin_events_need_other_accounts(
    stripe_fake: StripeFake, client: stripe.StripeClient, thin: ThinReceiver
) -> None:
    own = _create(client)
    platform = _create(client, events_from=["other_accounts"])
    thin.secret = own.webhook_endpoint.signing_secret
    _thin_event(stripe_fake, ERROR_REPORT)
    thin.secret = platform.webhook_endpoint.signing_secret
    _thin_event(stripe_fake, ERROR_REPORT, account="acct_1")
    assert [(d.endpoint_id, d.succeeded) for d in stripe_fake.deliveries] == [
        (own.id, True),
        (platform.id, True),
    ]
    assert str(thin.notifications[1].context) == "acct_1"


@pytest.mark.skipif(
    not HAS_EVENT_NOTIFICATIONS,
    reason="stripe 11's parse_thin_event reads reason.id, not the documented reason.request.id of a ping",
)
def test_ping(stripe_fake: StripeFake, client: stripe.StripeClient, thin: ThinReceiver) -> None:
    destination = _create(client)
    thin.secret = destination.webhook_endpoint.signing_secret
    event = client.v2.core.event_destinations.ping(destination.id)
    assert event.object == "v2.core.event"
    assert event.type == "v2.core.event_destination.ping"
    assert event.related_object.id == destination.id
    (notification,) = thin.notifications
    assert notification.id == event.id
    fetched = fetch_related_object(client, notification)
    assert fetched.id == destination.id
    with pytest.raises(stripe.InvalidRequestError):
        client.v2.core.event_destinations.ping("ed_test_missing")


def test_snapshot_destination_receives_v1_events(
    stripe_fake: StripeFake, client: stripe.StripeClient
) -> None:
    received: list[stripe.Event] = []
    destination = _create(client, event_payload="snapshot", enabled_events=["customer.created"])
    secret = destination.webhook_endpoint.signing_secret

    def hook(request: httpx.Request) -> int:
        received.append(
            stripe.Webhook.construct_event(
                request.content.decode(), request.headers["stripe-signature"], secret
            )
        )
        return 200

    stripe_fake.mount("http://app.test", hook)
    customer = stripe.Customer.create()
    assert [e.data.object.id for e in received] == [customer.id]
    assert destination.snapshot_api_version  # defaults to the account's version
    assert stripe_fake.events.last()["pending_webhooks"] == 0


def test_failed_thin_delivery_retries(stripe_fake: StripeFake, client: stripe.StripeClient) -> None:
    answers = [503, 200]
    stripe_fake.mount("http://app.test", lambda request: answers.pop(0))
    destination = _create(client)
    _thin_event(stripe_fake, ERROR_REPORT)
    assert [d.status for d in stripe_fake.deliveries] == [503]
    (retried,) = stripe_fake.retry_failed_deliveries()
    assert (retried.status, retried.attempt, retried.endpoint_id) == (200, 2, destination.id)


@pytest.mark.stripe_fake(error_report_window=60)
def test_flushed_reports_reach_a_receiver_that_calls_back_from_another_thread(
    stripe_fake: StripeFake, client: stripe.StripeClient
) -> None:
    destination = _create(client)
    secret = destination.webhook_endpoint.signing_secret
    threads: list[str] = []

    def endpoint(request: Request) -> PlainTextResponse:  # sync: Starlette runs it in a worker thread
        raw = anyio.from_thread.run(request.body)
        notification = parse_notification(client, raw, request.headers["stripe-signature"], secret)
        threads.append(threading.current_thread().name)
        event = client.v2.core.events.retrieve(notification.id)  # calls the API back from that thread
        return PlainTextResponse(event.data.developer_message_summary)

    stripe_fake.mount(
        "http://app.test", Starlette(routes=[Route("/stripe/thin", endpoint, methods=["POST"])])
    )
    meter = stripe.billing.Meter.create(
        display_name="C", event_name="c", default_aggregation={"formula": "sum"}
    )
    stripe.billing.MeterEvent.create(event_name=meter.event_name, payload={"stripe_customer_id": "cus_nope"})
    assert stripe_fake.deliveries == []  # still inside the 60 s window
    stripe_fake.flush_error_reports()
    (delivery,) = stripe_fake.assert_delivered(ERROR_REPORT, status=200)
    assert delivery.response_body == "There is 1 invalid event"
    assert threads and threads[0] != threading.current_thread().name
