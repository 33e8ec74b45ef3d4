"""Time-bound rules under a frozen clock, each run with freezegun and with time-machine."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import stripe
import time_machine
from freezegun import freeze_time

from stripe_fake import StripeFake

START = 1773185400  # 2026-03-10 23:30:00 UTC
DAY = 86400
HOUR = 3600
MIDNIGHT = 1773187200  # 2026-03-11 00:00:00 UTC

Shift = Callable[[float], None]


@pytest.fixture(params=["freezegun", "time_machine"])
def shift(request: pytest.FixtureRequest) -> Iterator[Shift]:
    """Freeze the clock at START; the fixture value moves it forward by N seconds."""
    if request.param == "freezegun":
        with freeze_time("2026-03-10 23:30:00") as frozen:
            yield lambda seconds: frozen.tick(seconds)
    else:
        with time_machine.travel(START, tick=False) as traveller:
            yield traveller.shift


@pytest.fixture
def setup(shift: Shift, stripe_fake: StripeFake) -> tuple[stripe.Customer, stripe.billing.Meter]:
    customer = stripe.Customer.create()
    meter = stripe.billing.Meter.create(
        display_name="API calls", event_name="api_call", default_aggregation={"formula": "sum"}
    )
    return customer, meter


def report(customer: stripe.Customer, value: str, identifier: str | None = None, **extra: Any) -> Any:
    return stripe.billing.MeterEvent.create(
        event_name="api_call",
        payload={"stripe_customer_id": customer.id, "value": value},
        identifier=identifier,
        **extra,
    )


def summaries(
    meter: stripe.billing.Meter, customer: stripe.Customer, window: str | None = None
) -> list[tuple[int, Any]]:
    params: dict[str, Any] = {
        "customer": customer.id,
        "start_time": MIDNIGHT - 2 * DAY,
        "end_time": MIDNIGHT + 2 * DAY,
    }
    if window:
        params["value_grouping_window"] = window
    page = stripe.billing.Meter.list_event_summaries(meter.id, **params)
    return [(s.start_time, s.aggregated_value) for s in page.data]


def cancel(identifier: str) -> Any:
    return stripe.billing.MeterEventAdjustment.create(
        event_name="api_call", type="cancel", cancel={"identifier": identifier}
    )


def test_cancel_within_24_hours_of_receipt(
    shift: Shift, setup: tuple[stripe.Customer, stripe.billing.Meter]
) -> None:
    customer, meter = setup
    report(customer, "5", "early", timestamp=START - 10 * DAY)  # an old timestamp, received now
    report(customer, "7", "late")
    shift(23 * HOUR + 59 * 60)
    assert cancel("early").status == "pending"
    shift(2 * 60)  # 24h01m after receipt
    with pytest.raises(stripe.InvalidRequestError) as info:
        cancel("late")
    assert info.value.param == "cancel[identifier]"
    assert "within 24 hours" in str(info.value.user_message)
    assert summaries(meter, customer) == [(MIDNIGHT - 2 * DAY, 7)]


def test_identifier_reuse_window(shift: Shift, setup: tuple[stripe.Customer, stripe.billing.Meter]) -> None:
    customer, meter = setup
    report(customer, "1", "job-42")
    shift(23 * HOUR)
    with pytest.raises(stripe.InvalidRequestError, match="An event already exists with identifier job-42"):
        report(customer, "1", "job-42")
    shift(2 * HOUR)
    report(customer, "1", "job-42")
    assert summaries(meter, customer) == [(MIDNIGHT - 2 * DAY, 2)]


def test_v1_timestamp_edges(shift: Shift, setup: tuple[stripe.Customer, stripe.billing.Meter]) -> None:
    customer, _ = setup
    report(customer, "1", timestamp=START - 35 * DAY)
    report(customer, "1", timestamp=START + 300)
    with pytest.raises(stripe.InvalidRequestError, match="35 days in past") as info:
        report(customer, "1", timestamp=START - 35 * DAY - 1)
    assert info.value.param == "timestamp"
    with pytest.raises(stripe.InvalidRequestError, match="5 minutes in the future"):
        report(customer, "1", timestamp=START + 301)


def test_v2_timestamp_edges(shift: Shift, setup: tuple[stripe.Customer, stripe.billing.Meter]) -> None:
    customer, _ = setup
    client = stripe.StripeClient("sk_test_fake_123")

    def send(timestamp: str) -> Any:
        return client.v2.billing.meter_events.create(
            {
                "event_name": "api_call",
                "payload": {"stripe_customer_id": customer.id, "value": "1"},
                "timestamp": timestamp,
            }
        )

    send("2026-02-03T23:30:00.000Z")  # exactly 35 days back
    send("2026-03-10T23:35:00.000Z")  # exactly 5 minutes ahead
    with pytest.raises(stripe.InvalidRequestError) as info:
        send("2026-02-03T23:29:59.000Z")
    assert info.value.code == "timestamp_too_far_in_past"
    with pytest.raises(stripe.InvalidRequestError) as info:
        send("2026-03-10T23:35:01.000Z")
    assert info.value.code == "timestamp_in_future"


def test_stream_session_expires_after_15_minutes(
    shift: Shift, setup: tuple[stripe.Customer, stripe.billing.Meter]
) -> None:
    customer, meter = setup
    client = stripe.StripeClient("sk_test_fake_123")
    session = client.v2.billing.meter_event_session.create()
    assert session.expires_at == "2026-03-10T23:45:00.000Z"
    token = {"api_key": session.authentication_token}
    events = {
        "events": [{"event_name": "api_call", "payload": {"stripe_customer_id": customer.id, "value": "2"}}]
    }
    shift(15 * 60 - 1)
    client.v2.billing.meter_event_stream.create(events, token)
    shift(1)
    with pytest.raises(stripe.TemporarySessionExpiredError) as info:
        client.v2.billing.meter_event_stream.create(events, token)
    assert info.value.code == "billing_meter_event_session_expired"
    assert info.value.http_status == 401
    fresh = client.v2.billing.meter_event_session.create()
    client.v2.billing.meter_event_stream.create(events, {"api_key": fresh.authentication_token})
    assert summaries(meter, customer) == [(MIDNIGHT - 2 * DAY, 4)]


def test_summaries_across_a_utc_day_boundary(
    shift: Shift, setup: tuple[stripe.Customer, stripe.billing.Meter]
) -> None:
    customer, meter = setup
    report(customer, "3")  # 23:30 on the 10th
    shift(20 * 60)
    report(customer, "4")  # 23:50
    shift(40 * 60)
    report(customer, "5")  # 00:30 on the 11th
    shift(HOUR)
    report(customer, "6")  # 01:30
    assert summaries(meter, customer, "hour") == [
        (MIDNIGHT + HOUR, 6),
        (MIDNIGHT, 5),
        (MIDNIGHT - HOUR, 7),
    ]
    assert summaries(meter, customer, "day") == [(MIDNIGHT, 11), (MIDNIGHT - DAY, 7)]
    assert summaries(meter, customer) == [(MIDNIGHT - 2 * DAY, 18)]


@pytest.mark.stripe_fake(processing_delay=60)
def test_processing_delay_holds_usage_back(
    shift: Shift, setup: tuple[stripe.Customer, stripe.billing.Meter]
) -> None:
    customer, meter = setup
    report(customer, "3")
    shift(30)
    report(customer, "4")
    assert summaries(meter, customer) == [(MIDNIGHT - 2 * DAY, 0)]
    shift(30)  # the first event is due
    assert summaries(meter, customer) == [(MIDNIGHT - 2 * DAY, 3)]
    shift(30)
    assert summaries(meter, customer) == [(MIDNIGHT - 2 * DAY, 7)]


@pytest.mark.stripe_fake(processing_delay=60)
def test_processing_delay_holds_alerts_back(
    shift: Shift, stripe_fake: StripeFake, setup: tuple[stripe.Customer, stripe.billing.Meter]
) -> None:
    customer, meter = setup
    stripe.billing.Alert.create(
        alert_type="usage_threshold",
        title="Ten",
        usage_threshold={"gte": 10, "meter": meter.id, "recurrence": "one_time"},
    )
    report(customer, "12")
    assert stripe_fake.events.of_type("billing.alert.triggered") == []
    shift(60)
    stripe.Customer.retrieve(customer.id)  # any request applies what became due
    (event,) = stripe_fake.events.of_type("billing.alert.triggered")
    assert event["created"] == START + 60
    assert event["data"]["object"]["value"] == 12


def test_alert_fires_under_frozen_time(
    shift: Shift, stripe_fake: StripeFake, setup: tuple[stripe.Customer, stripe.billing.Meter]
) -> None:
    customer, meter = setup
    stripe.billing.Alert.create(
        alert_type="usage_threshold",
        title="Ten",
        usage_threshold={"gte": 10, "meter": meter.id, "recurrence": "one_time"},
    )
    report(customer, "6")
    shift(HOUR)
    report(customer, "6")
    (event,) = stripe_fake.events.of_type("billing.alert.triggered")
    assert event["created"] == START + HOUR
