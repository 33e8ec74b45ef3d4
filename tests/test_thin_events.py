"""Asynchronous meter-event errors as v2 thin events: /v2/core/events, notifications, batching."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import stripe
import time_machine
from compat import (
    as_dict,
    fetch_event,
    fetch_related_object,
    parse_notification,
    requires_event_notifications,
    requires_request_trigger,
    sign,
    v1,
)
from stripe.events import V1BillingMeterErrorReportTriggeredEvent

from stripe_fake import StripeFake
from stripe_fake.resources.v2_events.models import ThinEventEmitted, notification_payload

NOW = 1717243200  # 2024-06-01T12:00:00Z
SECRET = "whsec_test_secret"
TRIGGERED = "v1.billing.meter.error_report_triggered"
NO_METER = "v1.billing.meter.no_meter_found"


@pytest.fixture(autouse=True)
def frozen() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def bad_event(
    identifier: str, *, event_name: str = "api_call", customer: str = "cus_ghost", value: str = "1"
) -> None:
    """A v1 meter event Stripe accepts but cannot count."""
    stripe.billing.MeterEvent.create(
        event_name=event_name, payload={"stripe_customer_id": customer, "value": value}, identifier=identifier
    )


def signed(event: dict[str, Any]) -> tuple[str, str]:
    body = json.dumps(notification_payload(event))
    return body, sign(body, SECRET)


def test_error_report_is_a_thin_event_not_a_v1_event(
    stripe_fake: StripeFake, client: stripe.StripeClient, meter: stripe.billing.Meter
) -> None:
    bad_event("e1")
    assert [e["type"] for e in stripe_fake.backend.thin_events] == [TRIGGERED]
    assert stripe_fake.events.of_type("v1.billing.meter.*") == []
    v1_types = [e.type for e in stripe.Event.list(limit=100).auto_paging_iter()]
    assert v1_types == ["billing.meter.created"]
    listed = client.v2.core.events.list({})
    assert [e.type for e in listed.data] == [TRIGGERED]
    assert listed.next_page_url is None

    event = client.v2.core.events.retrieve(listed.data[0].id)
    assert isinstance(event, V1BillingMeterErrorReportTriggeredEvent)
    assert event.object == "v2.core.event"
    assert event.created == "2024-06-01T12:00:00.000Z"
    assert event.livemode is False
    assert as_dict(event.related_object) == {
        "id": meter.id,
        "type": "billing.meter",
        "url": f"/v1/billing/meters/{meter.id}",
    }
    assert event.data.developer_message_summary == "There is 1 invalid event"
    assert event.data.validation_start == "2024-06-01T12:00:00.000Z"
    assert event.data.validation_end == "2024-06-01T12:00:01.000Z"
    reason = event.data.reason
    assert reason.error_count == 1
    assert reason.error_types[0].code == "meter_event_customer_not_found"
    assert reason.error_types[0].error_count == 1
    sample = reason.error_types[0].sample_errors[0]
    assert sample.error_message == "Customer cus_ghost not found."
    assert sample["request"]["identifier"] == "e1"


@requires_event_notifications
def test_notification_parses_and_fetches_event_and_meter(
    stripe_fake: StripeFake, client: stripe.StripeClient, meter: stripe.billing.Meter
) -> None:
    bad_event("e1")
    body, header = signed(stripe_fake.backend.thin_events[-1])
    assert "data" not in json.loads(body)

    notification = client.parse_event_notification(body, header, SECRET)

    assert isinstance(notification, stripe.events.V1BillingMeterErrorReportTriggeredEventNotification)
    assert notification.related_object.id == meter.id
    event = notification.fetch_event()
    assert event.data.reason.error_types[0].code == "meter_event_customer_not_found"
    fetched = notification.fetch_related_object()
    assert isinstance(fetched, stripe.billing.Meter)
    assert fetched.id == meter.id


@requires_request_trigger
def test_fetches_from_a_notification_are_recorded_with_their_trigger(
    stripe_fake: StripeFake, client: stripe.StripeClient, meter: stripe.billing.Meter
) -> None:
    bad_event("e1")
    body, header = signed(stripe_fake.backend.thin_events[-1])
    notification = client.parse_event_notification(body, header, SECRET)
    notification.fetch_event()
    notification.fetch_related_object()
    trigger = [r.headers.get("stripe-request-trigger") for r in stripe_fake.requests[-2:]]
    assert trigger == [f"event={notification.id}"] * 2


@requires_event_notifications
def test_no_meter_found(
    stripe_fake: StripeFake, client: stripe.StripeClient, customer: stripe.Customer
) -> None:
    bad_event("n1", event_name="not_a_meter", customer=customer.id)
    event = stripe_fake.backend.thin_events[-1]
    assert event["type"] == NO_METER
    assert "related_object" not in event
    body, header = signed(event)
    notification = client.parse_event_notification(body, header, SECRET)
    assert isinstance(notification, stripe.events.V1BillingMeterNoMeterFoundEventNotification)
    fetched = notification.fetch_event()
    error_type = fetched.data.reason.error_types[0]
    assert error_type.code == "no_meter"
    assert error_type.sample_errors[0].error_message == "No meter was found matching event_name not_a_meter."


def test_inactive_meter_is_archived_meter_report(
    stripe_fake: StripeFake,
    client: stripe.StripeClient,
    customer: stripe.Customer,
    meter: stripe.billing.Meter,
) -> None:
    stripe.billing.Meter.deactivate(meter.id)
    bad_event("a1", customer=customer.id)
    event = client.v2.core.events.list({"object_id": meter.id}).data[0]
    assert client.v2.core.events.retrieve(event.id).data.reason.error_types[0].code == "archived_meter"


def test_payload_problems_are_reported_per_code(
    stripe_fake: StripeFake,
    client: stripe.StripeClient,
    customer: stripe.Customer,
    meter: stripe.billing.Meter,
) -> None:
    session = client.v2.billing.meter_event_session.create()
    events = [
        {"event_name": "api_call", "payload": {"value": "1"}, "identifier": f"nc{i}"} for i in range(7)
    ] + [
        {"event_name": "api_call", "payload": {"stripe_customer_id": customer.id}, "identifier": "nv"},
        {
            "event_name": "api_call",
            "payload": {"stripe_customer_id": customer.id, "value": "1e3"},
            "identifier": "iv",
        },
    ]
    client.v2.billing.meter_event_stream.create({"events": events}, {"api_key": session.authentication_token})
    (report,) = stripe_fake.backend.thin_events
    data = report["data"]
    assert data["developer_message_summary"] == "There are 9 invalid events"
    assert data["reason"]["error_count"] == 9
    types = {t["code"]: t for t in data["reason"]["error_types"]}
    assert set(types) == {
        "meter_event_no_customer_defined",
        "meter_event_value_not_found",
        "meter_event_invalid_value",
    }
    assert types["meter_event_no_customer_defined"]["error_count"] == 7
    assert len(types["meter_event_no_customer_defined"]["sample_errors"]) == 5  # samples are capped


def test_each_request_gets_its_own_report_by_default(
    stripe_fake: StripeFake, meter: stripe.billing.Meter, frozen: time_machine.Coordinates
) -> None:
    bad_event("e1")
    bad_event("e2")
    frozen.shift(30)
    bad_event("e3")
    assert len(stripe_fake.backend.thin_events) == 3


@pytest.mark.stripe_fake(error_report_window=10)
def test_reports_batch_per_meter_and_window(
    stripe_fake: StripeFake,
    client: stripe.StripeClient,
    customer: stripe.Customer,
    frozen: time_machine.Coordinates,
) -> None:
    first = stripe.billing.Meter.create(
        display_name="A", event_name="a", default_aggregation={"formula": "sum"}
    )
    second = stripe.billing.Meter.create(
        display_name="B", event_name="b", default_aggregation={"formula": "sum"}
    )
    frozen.shift(3)  # 12:00:03
    bad_event("a1", event_name="a")
    bad_event("b1", event_name="b")
    frozen.shift(4)  # 12:00:07, same window
    bad_event("a2", event_name="a")
    bad_event("x1", event_name="nothing")
    assert stripe_fake.backend.thin_events == []  # the window 12:00:00-12:00:10 is still open

    frozen.shift(5)  # 12:00:12: any request sends the due reports
    listed = client.v2.core.events.list({}).data
    assert sorted(e.type for e in listed) == [TRIGGERED, TRIGGERED, NO_METER]
    by_meter = {e.related_object.id: e for e in listed if e.type == TRIGGERED}
    assert set(by_meter) == {first.id, second.id}
    a_report = client.v2.core.events.retrieve(by_meter[first.id].id)
    assert a_report.data.reason.error_count == 2
    assert a_report.data.validation_start == "2024-06-01T12:00:00.000Z"
    assert a_report.data.validation_end == "2024-06-01T12:00:10.000Z"
    assert a_report.created == "2024-06-01T12:00:10.000Z"


@pytest.mark.stripe_fake(error_report_window=3600)
def test_flush_error_reports_sends_pending_reports_now(
    stripe_fake: StripeFake, meter: stripe.billing.Meter
) -> None:
    bad_event("e1")
    bad_event("e2")
    assert stripe_fake.backend.thin_events == []
    sent = stripe_fake.flush_error_reports()
    assert [e["type"] for e in sent] == [TRIGGERED]
    assert sent[0]["data"]["reason"]["error_count"] == 2
    assert stripe_fake.flush_error_reports() == []


def test_listeners_hear_each_thin_event(stripe_fake: StripeFake, meter: stripe.billing.Meter) -> None:
    heard: list[tuple[str | None, str]] = []
    stripe_fake.backend.bus.subscribe(
        ThinEventEmitted, lambda account, message: heard.append((account.id, message.event["type"]))
    )
    bad_event("e1")
    assert heard == [(None, TRIGGERED)]


def test_list_filters_and_pages(
    stripe_fake: StripeFake,
    client: stripe.StripeClient,
    meter: stripe.billing.Meter,
    frozen: time_machine.Coordinates,
) -> None:
    for i in range(5):
        bad_event(f"e{i}")
        frozen.shift(60)
    bad_event("n1", event_name="nothing")
    all_ids = [e["id"] for e in reversed(stripe_fake.backend.thin_events)]  # newest first

    page = client.v2.core.events.list({"limit": 2, "types": [TRIGGERED]})
    assert [e.id for e in page.data] == all_ids[1:3]
    assert page.next_page_url is not None and page.previous_page_url is None
    assert [e.id for e in page.auto_paging_iter()] == all_ids[1:]

    assert [e.id for e in client.v2.core.events.list({"types": [NO_METER]}).data] == all_ids[:1]
    assert len(client.v2.core.events.list({"object_id": meter.id}).data) == 5
    recent = client.v2.core.events.list({"created": {"gte": "2024-06-01T12:03:00.000Z"}}).data
    assert [e.id for e in recent] == all_ids[:3]
    window = client.v2.core.events.list(
        {"created": {"gt": "2024-06-01T12:00:00.000Z", "lt": "2024-06-01T12:02:00.000Z"}}
    ).data
    assert [e.id for e in window] == all_ids[4:5]


def test_list_and_retrieve_errors(stripe_fake: StripeFake, client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v2.core.events.retrieve("evt_test_missing")
    assert info.value.http_status == 404
    assert info.value.code == "not_found"
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v2.core.events.list({"created": {"gte": "last week"}})
    assert info.value.code == "invalid_fields"
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v2.core.events.list({"types": [f"t{i}" for i in range(21)]})
    assert info.value.code == "invalid_fields"


def test_events_expire_after_30_days(
    stripe_fake: StripeFake,
    client: stripe.StripeClient,
    meter: stripe.billing.Meter,
    frozen: time_machine.Coordinates,
) -> None:
    bad_event("e1")
    event_id = stripe_fake.backend.thin_events[0]["id"]
    frozen.shift(30 * 86400 + 1)
    assert client.v2.core.events.list({}).data == []
    with pytest.raises(stripe.InvalidRequestError):
        client.v2.core.events.retrieve(event_id)


def test_connected_account_events_carry_context(stripe_fake: StripeFake, client: stripe.StripeClient) -> None:
    connected = stripe.StripeClient("sk_test_fake_123", stripe_account="acct_1Connected")
    meter = v1(connected).billing.meters.create(
        {"display_name": "API calls", "event_name": "api_call", "default_aggregation": {"formula": "sum"}}
    )
    v1(connected).billing.meter_events.create(
        {"event_name": "api_call", "payload": {"stripe_customer_id": "cus_ghost", "value": "1"}}
    )
    event = stripe_fake.backend.thin_events[-1]
    assert event["context"] == "acct_1Connected"
    assert client.v2.core.events.list({}).data == []  # not on the platform

    body, header = signed(event)
    notification = parse_notification(client, body, header, SECRET)
    assert str(notification.context) == "acct_1Connected"  # a StripeContext on stripe 13
    assert fetch_event(client, notification).id == event["id"]
    assert fetch_related_object(client, notification).id == meter.id


@pytest.mark.stripe_fake(processing_delay=120)
def test_reports_wait_for_the_processing_delay(
    stripe_fake: StripeFake,
    client: stripe.StripeClient,
    meter: stripe.billing.Meter,
    frozen: time_machine.Coordinates,
) -> None:
    bad_event("e1")
    assert client.v2.core.events.list({}).data == []
    frozen.shift(120)
    (event,) = client.v2.core.events.list({}).data
    assert event.created == "2024-06-01T12:02:00.000Z"


@pytest.mark.skipif(
    not hasattr(V1BillingMeterErrorReportTriggeredEvent, "fetch_related_object"),
    reason="this stripe SDK's typed thin events have no fetch_related_object",
)
def test_fetched_platform_event_has_null_context_and_fetches_its_meter(
    stripe_fake: StripeFake, client: stripe.StripeClient, meter: stripe.billing.Meter
) -> None:
    bad_event("e1")
    event_id = stripe_fake.backend.thin_events[-1]["id"]
    raw = client.raw_request("get", f"/v2/core/events/{event_id}")
    assert json.loads(raw.body)["context"] is None  # nullable in Stripe's API reference: sent as null

    event = client.v2.core.events.retrieve(event_id)
    related = event.fetch_related_object()  # the SDK reads event.context (AttributeError if absent)
    assert isinstance(related, stripe.billing.Meter)
    assert related.id == meter.id
