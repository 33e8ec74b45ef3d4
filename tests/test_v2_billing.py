"""The v2 billing meter APIs through ``StripeClient.v2``: sync meter events, adjustments, sessions, stream."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import stripe
import time_machine
from compat import as_dict, v1

from stripe_fake import StripeFake

NOW = 1717243200  # 2024-06-01T12:00:00Z
HOUR_START = 1717243200


@pytest.fixture(autouse=True)
def frozen() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def total(client: stripe.StripeClient, meter: stripe.billing.Meter, customer: stripe.Customer) -> Any:
    page = v1(client).billing.meters.event_summaries.list(
        meter.id, {"customer": customer.id, "start_time": HOUR_START - 3600, "end_time": HOUR_START + 3600}
    )
    return page.data[0].aggregated_value


def send(client: stripe.StripeClient, **body: Any) -> Any:
    return client.v2.billing.meter_events.create(body)  # type: ignore[arg-type]


# -- POST /v2/billing/meter_events ---------------------------------------------------------------------


def test_sync_meter_event_is_counted_and_rendered(
    client: stripe.StripeClient, customer: stripe.Customer, meter: stripe.billing.Meter
) -> None:
    event = send(
        client,
        event_name="api_call",
        payload={"stripe_customer_id": customer.id, "value": "25"},
        identifier="idmp_1",
        timestamp="2024-06-01T11:59:00.000Z",
    )
    assert event.object == "v2.billing.meter_event"
    assert event.created == "2024-06-01T12:00:00.000Z"
    assert event.timestamp == "2024-06-01T11:59:00.000Z"
    assert event.identifier == "idmp_1"
    assert event.livemode is False
    assert as_dict(event.payload) == {"stripe_customer_id": customer.id, "value": "25"}
    assert total(client, meter, customer) == 25


def test_identifier_is_generated(
    client: stripe.StripeClient, customer: stripe.Customer, meter: stripe.billing.Meter
) -> None:
    event = send(client, event_name="api_call", payload={"stripe_customer_id": customer.id, "value": "1"})
    assert len(event.identifier) == 36
    assert event.timestamp == "2024-06-01T12:00:00.000Z"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"event_name": "nope", "payload": {"stripe_customer_id": "cus_1", "value": "1"}}, "no_meter"),
        ({"event_name": "api_call", "payload": {"value": "1"}}, "payload_no_customer_defined"),
        ({"event_name": "api_call", "payload": {"stripe_customer_id": "CUS"}}, "payload_no_value_defined"),
        (
            {"event_name": "api_call", "payload": {"stripe_customer_id": "CUS", "value": "ten"}},
            "payload_invalid_value",
        ),
        ({"payload": {"stripe_customer_id": "CUS", "value": "1"}}, "invalid_fields"),
        ({"event_name": "api_call"}, "invalid_fields"),
        ({"event_name": "api_call", "payload": {"stripe_customer_id": "CUS"}, "extra": 1}, "invalid_fields"),
        (
            {
                "event_name": "api_call",
                "payload": {"stripe_customer_id": "CUS", "value": "1"},
                "timestamp": "yesterday",
            },
            "invalid_fields",
        ),
        (
            {
                "event_name": "api_call",
                "payload": {"stripe_customer_id": "CUS", "value": "1"},
                "timestamp": "2024-04-26T11:59:59.000Z",
            },
            "timestamp_too_far_in_past",
        ),
        (
            {
                "event_name": "api_call",
                "payload": {"stripe_customer_id": "CUS", "value": "1"},
                "timestamp": "2024-06-01T12:05:01.000Z",
            },
            "timestamp_in_future",
        ),
    ],
)
def test_sync_validation_errors(
    client: stripe.StripeClient,
    stripe_fake: StripeFake,
    customer: stripe.Customer,
    meter: stripe.billing.Meter,
    body: dict[str, Any],
    code: str,
) -> None:
    payload = body.get("payload")
    if payload and payload.get("stripe_customer_id") == "CUS":
        payload["stripe_customer_id"] = customer.id
    with pytest.raises(stripe.InvalidRequestError) as info:
        send(client, **body)
    err = info.value
    assert err.http_status == 400
    assert err.code == code
    assert err.error.type == "invalid_request_error"
    assert err.user_message
    assert total(client, meter, customer) == 0
    assert stripe_fake.flush_error_reports() == []


def test_inactive_meter_is_archived_meter(
    client: stripe.StripeClient, customer: stripe.Customer, meter: stripe.billing.Meter
) -> None:
    v1(client).billing.meters.deactivate(meter.id)
    with pytest.raises(stripe.InvalidRequestError) as info:
        send(client, event_name="api_call", payload={"stripe_customer_id": customer.id, "value": "1"})
    assert info.value.code == "archived_meter"
    assert info.value.user_message == "The meter must be Active to submit events."


def test_duplicate_identifier(
    client: stripe.StripeClient, customer: stripe.Customer, meter: stripe.billing.Meter
) -> None:
    body = {
        "event_name": "api_call",
        "payload": {"stripe_customer_id": customer.id, "value": "2"},
        "identifier": "x",
    }
    send(client, **body)
    with pytest.raises(stripe.InvalidRequestError) as info:
        send(client, **body)
    assert info.value.code == "duplicate_meter_event"
    assert total(client, meter, customer) == 2
    # v1 and v2 share the identifier space
    with pytest.raises(stripe.InvalidRequestError, match="already exists with identifier x"):
        stripe.billing.MeterEvent.create(
            event_name="api_call", payload={"stripe_customer_id": customer.id, "value": "1"}, identifier="x"
        )


def test_unknown_customer_is_accepted_and_reported_later(
    client: stripe.StripeClient, stripe_fake: StripeFake, meter: stripe.billing.Meter
) -> None:
    send(
        client,
        event_name="api_call",
        payload={"stripe_customer_id": "cus_ghost", "value": "1"},
        identifier="g1",
    )
    events = client.v2.core.events.list({"types": ["v1.billing.meter.error_report_triggered"]})
    assert len(events.data) == 1
    event = client.v2.core.events.retrieve(events.data[0].id)
    assert event.data.reason.error_types[0].code == "meter_event_customer_not_found"


# -- POST /v2/billing/meter_event_adjustments ------------------------------------------------------------


def test_v2_adjustment_cancels(
    client: stripe.StripeClient, customer: stripe.Customer, meter: stripe.billing.Meter
) -> None:
    send(
        client,
        event_name="api_call",
        payload={"stripe_customer_id": customer.id, "value": "4"},
        identifier="a1",
    )
    send(
        client,
        event_name="api_call",
        payload={"stripe_customer_id": customer.id, "value": "6"},
        identifier="a2",
    )
    adjustment = client.v2.billing.meter_event_adjustments.create(
        {"event_name": "api_call", "type": "cancel", "cancel": {"identifier": "a1"}}
    )
    assert adjustment.object == "v2.billing.meter_event_adjustment"
    assert adjustment.id.startswith("mtr_event_adj_")
    assert adjustment.created == "2024-06-01T12:00:00.000Z"
    assert adjustment.status == "pending"
    assert adjustment.type == "cancel"
    assert adjustment.cancel.identifier == "a1"
    assert adjustment.event_name == "api_call"
    assert total(client, meter, customer) == 6

    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v2.billing.meter_event_adjustments.create(
            {"event_name": "api_call", "type": "cancel", "cancel": {"identifier": "a1"}}
        )
    assert info.value.code == "invalid_cancel_configuration"
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v2.billing.meter_event_adjustments.create({"event_name": "api_call", "type": "cancel"})
    assert info.value.code == "invalid_fields"


def test_v2_adjustment_cancels_a_v1_event(
    client: stripe.StripeClient, customer: stripe.Customer, meter: stripe.billing.Meter
) -> None:
    stripe.billing.MeterEvent.create(
        event_name="api_call",
        payload={"stripe_customer_id": customer.id, "value": "9"},
        identifier="v1-event",
    )
    client.v2.billing.meter_event_adjustments.create(
        {"event_name": "api_call", "type": "cancel", "cancel": {"identifier": "v1-event"}}
    )
    assert total(client, meter, customer) == 0


# -- sessions and the stream ---------------------------------------------------------------------------


def test_session_lasts_15_minutes(client: stripe.StripeClient, stripe_fake: StripeFake) -> None:
    session = client.v2.billing.meter_event_session.create()
    assert session.object == "v2.billing.meter_event_session"
    assert session.created == "2024-06-01T12:00:00.000Z"
    assert session.expires_at == "2024-06-01T12:15:00.000Z"
    assert session.authentication_token
    assert session.livemode is False
    stream = [r for r in stripe_fake.requests if r.path == "/v2/billing/meter_event_session"]
    assert stream[0].host == "api.stripe.com"


def test_stream_counts_events(
    client: stripe.StripeClient,
    stripe_fake: StripeFake,
    customer: stripe.Customer,
    meter: stripe.billing.Meter,
) -> None:
    session = client.v2.billing.meter_event_session.create()
    events = [
        {
            "event_name": "api_call",
            "payload": {"stripe_customer_id": customer.id, "value": "1"},
            "identifier": f"s{i}",
        }
        for i in range(100)
    ]
    result = client.v2.billing.meter_event_stream.create(
        {"events": events}, {"api_key": session.authentication_token}
    )
    assert result is None  # the SDK returns nothing for the `{}` body
    last = stripe_fake.requests[-1]
    assert (last.host, last.path, last.status, last.response) == (
        "meter-events.stripe.com",
        "/v2/billing/meter_event_stream",
        200,
        {},
    )
    # a resent batch is deduplicated by identifier
    client.v2.billing.meter_event_stream.create(
        {"events": events[:10]}, {"api_key": session.authentication_token}
    )
    assert total(client, meter, customer) == 100


def test_stream_rejects_more_than_100_events(
    client: stripe.StripeClient, customer: stripe.Customer, meter: stripe.billing.Meter
) -> None:
    session = client.v2.billing.meter_event_session.create()
    events = [{"event_name": "api_call", "payload": {"stripe_customer_id": customer.id, "value": "1"}}] * 101
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v2.billing.meter_event_stream.create(
            {"events": events}, {"api_key": session.authentication_token}
        )
    assert info.value.code == "invalid_fields"
    assert total(client, meter, customer) == 0


def test_stream_with_wrong_token_or_secret_key_is_401(
    client: stripe.StripeClient, meter: stripe.billing.Meter
) -> None:
    client.v2.billing.meter_event_session.create()
    for token in ("mes_tok_not_a_real_token", "sk_test_fake_123"):
        with pytest.raises(stripe.AuthenticationError) as info:
            client.v2.billing.meter_event_stream.create(
                {"events": [{"event_name": "api_call", "payload": {"value": "1"}}]}, {"api_key": token}
            )
        assert info.value.http_status == 401


@pytest.mark.stripe_fake(unimplemented="error")  # the 404 is what the test checks
def test_stream_is_only_on_the_meter_events_host(
    client: stripe.StripeClient, stripe_fake: StripeFake
) -> None:
    session = client.v2.billing.meter_event_session.create()
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.raw_request(
            "post",
            "/v2/billing/meter_event_stream",
            events=[],
            options={"api_key": session.authentication_token},
        )
    assert info.value.http_status == 404


def test_stream_errors_are_async(
    client: stripe.StripeClient,
    stripe_fake: StripeFake,
    customer: stripe.Customer,
    meter: stripe.billing.Meter,
) -> None:
    session = client.v2.billing.meter_event_session.create()
    events = [
        {
            "event_name": "api_call",
            "payload": {"stripe_customer_id": customer.id, "value": "5"},
            "identifier": "ok",
        },
        {"event_name": "api_call", "payload": {"value": "5"}, "identifier": "no-customer"},
        {
            "event_name": "api_call",
            "payload": {"stripe_customer_id": customer.id, "value": "x"},
            "identifier": "bad",
        },
        {
            "event_name": "api_call",
            "payload": {"stripe_customer_id": customer.id, "value": "1"},
            "identifier": "old",
            "timestamp": "2024-04-01T00:00:00.000Z",
        },
        {
            "event_name": "api_call",
            "payload": {"stripe_customer_id": customer.id, "value": "1"},
            "identifier": "soon",
            "timestamp": "2024-06-01T12:10:00.000Z",
        },
        {
            "event_name": "unknown_name",
            "payload": {"stripe_customer_id": customer.id, "value": "1"},
            "identifier": "u",
        },
    ]
    client.v2.billing.meter_event_stream.create({"events": events}, {"api_key": session.authentication_token})
    assert total(client, meter, customer) == 5
    reports = client.v2.core.events.list({}).data
    by_type = {event.type: client.v2.core.events.retrieve(event.id) for event in reports}
    assert set(by_type) == {"v1.billing.meter.error_report_triggered", "v1.billing.meter.no_meter_found"}
    triggered = by_type["v1.billing.meter.error_report_triggered"]
    assert triggered.related_object.id == meter.id
    codes = {t.code: t.error_count for t in triggered.data.reason.error_types}
    assert codes == {
        "meter_event_no_customer_defined": 1,
        "meter_event_invalid_value": 1,
        "timestamp_too_far_in_past": 1,
        "timestamp_in_future": 1,
    }
    assert triggered.data.reason.error_count == 4
    missing = by_type["v1.billing.meter.no_meter_found"]
    assert missing.data.reason.error_types[0].code == "no_meter"
    assert missing.data.reason.error_types[0].sample_errors[0]["request"]["identifier"] == "u"


def test_sessions_are_per_account(
    client: stripe.StripeClient,
    stripe_fake: StripeFake,
    customer: stripe.Customer,
    meter: stripe.billing.Meter,
) -> None:
    connected = stripe.StripeClient("sk_test_fake_123", stripe_account="acct_1Connected")
    v1(connected).billing.meters.create(
        {"display_name": "API calls", "event_name": "api_call", "default_aggregation": {"formula": "sum"}}
    )
    other = v1(connected).customers.create()
    session = connected.v2.billing.meter_event_session.create()
    # the token decides the account, whatever client sends it
    client.v2.billing.meter_event_stream.create(
        {"events": [{"event_name": "api_call", "payload": {"stripe_customer_id": other.id, "value": "3"}}]},
        {"api_key": session.authentication_token},
    )
    assert total(client, meter, customer) == 0
    assert client.v2.core.events.list({}).data == []  # the customer exists on the connected account
