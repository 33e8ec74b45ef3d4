"""v1 meter events: payload mapping, values, identifiers, timestamp window, formulas, pre-aggregation."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import stripe
import time_machine
from freezegun import freeze_time

from stripe_fake import StripeFake

NOW = 1773145800  # 2026-03-10 12:30:00 UTC
DAY_START = 1773100800  # 2026-03-10 00:00:00 UTC
HOUR = 3600


def _invalid(call: object, *args: object, **kwargs: object) -> stripe.InvalidRequestError:
    with pytest.raises(stripe.InvalidRequestError) as info:
        call(*args, **kwargs)  # type: ignore[operator]
    return info.value


def _meter(event_name: str, formula: str = "sum", **extra: Any) -> stripe.billing.Meter:
    return stripe.billing.Meter.create(
        display_name=event_name, event_name=event_name, default_aggregation={"formula": formula}, **extra
    )


def _total(
    meter_id: str, customer_id: str, start: int = DAY_START - 40 * 86400, end: int | None = None
) -> Any:
    """The single summary of a (wide, minute-aligned) range, by default up to an hour from now."""
    if end is None:
        end = int(time.time()) + HOUR
    end -= end % 60
    summaries = stripe.billing.Meter.list_event_summaries(
        meter_id, customer=customer_id, start_time=start, end_time=end
    )
    assert len(summaries.data) == 1
    return summaries.data[0].aggregated_value


def _send(event_name: str, customer_id: str, value: Any = "1", **extra: Any) -> stripe.billing.MeterEvent:
    return stripe.billing.MeterEvent.create(
        event_name=event_name, payload={"stripe_customer_id": customer_id, "value": value}, **extra
    )


@pytest.fixture(autouse=True)
def frozen(request: pytest.FixtureRequest) -> Any:
    """Every test runs at NOW under freezegun, except the time-machine ones (the two cannot nest)."""
    if "time_machine" in request.node.name:
        with time_machine.travel(NOW, tick=False) as traveller:
            yield traveller
        return
    with freeze_time("2026-03-10 12:30:00") as frozen_time:
        yield frozen_time


def test_response_shape_and_generated_identifier(
    stripe_fake: StripeFake, customer: stripe.Customer, meter: Any
) -> None:
    event = _send("api_call", customer.id, "5")
    assert json.loads(str(event)) == {
        "object": "billing.meter_event",
        "created": NOW,
        "event_name": "api_call",
        "identifier": event.identifier,
        "livemode": False,
        "payload": {"stripe_customer_id": customer.id, "value": "5"},
        "timestamp": NOW,
    }
    assert len(event.identifier) >= 20
    assert _send("api_call", customer.id).identifier != event.identifier
    given = _send("api_call", customer.id, identifier="req-1", timestamp=NOW - 60)
    assert (given.identifier, given.timestamp, given.created) == ("req-1", NOW - 60, NOW)
    assert _total(meter.id, customer.id) == 7


def test_custom_payload_keys(stripe_fake: StripeFake, customer: stripe.Customer) -> None:
    meter = _meter(
        "tokens",
        customer_mapping={"type": "by_id", "event_payload_key": "account"},
        value_settings={"event_payload_key": "tokens"},
    )
    event = stripe.billing.MeterEvent.create(
        event_name="tokens", payload={"account": customer.id, "tokens": "120", "model": "large"}
    )
    assert json.loads(str(event.payload)) == {"account": customer.id, "tokens": "120", "model": "large"}
    # The default keys mean nothing for this meter: accepted, not counted.
    _send("tokens", customer.id, "999")
    assert _total(meter.id, customer.id) == 120


def test_values_are_strings_and_may_be_decimal_or_negative(
    stripe_fake: StripeFake, customer: stripe.Customer, meter: Any
) -> None:
    assert _send("api_call", customer.id, 3).payload.value == "3"  # the SDK sends numbers as strings
    _send("api_call", customer.id, "2.25")
    _send("api_call", customer.id, "-1")
    assert stripe_fake.requests[-3].params["payload"]["value"] == "3"
    assert _total(meter.id, customer.id) == 4.25


def test_invalid_values_are_accepted_but_not_counted(
    stripe_fake: StripeFake, customer: stripe.Customer, meter: Any
) -> None:
    for value in ("ten", "1e3", "NaN", ""):
        _send("api_call", customer.id, value)
    _send("api_call", customer.id, "2")
    assert _total(meter.id, customer.id) == 2


def test_events_for_no_meter_or_unknown_customer_are_accepted_not_counted(
    stripe_fake: StripeFake, customer: stripe.Customer, meter: Any
) -> None:
    assert _send("no_such_meter", customer.id, "5").event_name == "no_such_meter"
    assert _send("api_call", "cus_unknown", "5").payload.stripe_customer_id == "cus_unknown"
    stripe.billing.MeterEvent.create(event_name="api_call", payload={"value": "5"})  # no customer key
    assert [r.status for r in stripe_fake.requests[-3:]] == [200, 200, 200]
    assert _total(meter.id, customer.id) == 0


def test_deleted_customer_and_inactive_meter_do_not_count(
    stripe_fake: StripeFake, customer: stripe.Customer, meter: Any
) -> None:
    stripe.billing.Meter.deactivate(meter.id)
    _send("api_call", customer.id, "5")
    stripe.billing.Meter.reactivate(meter.id)
    _send("api_call", customer.id, "2")
    assert _total(meter.id, customer.id) == 2


def test_required_params(stripe_fake: StripeFake, customer: stripe.Customer) -> None:
    err = _invalid(stripe.billing.MeterEvent.create, event_name="api_call")
    assert (err.code, err.param, err.user_message) == (
        "parameter_missing",
        "payload",
        "Missing required param: payload.",
    )
    err = _invalid(stripe.billing.MeterEvent.create, payload={"value": "1"})
    assert (err.code, err.param) == ("parameter_missing", "event_name")
    err = _invalid(_send, "api_call", customer.id, timestamp="yesterday")
    assert (err.code, err.param) == ("parameter_invalid_integer", "timestamp")


def test_duplicate_identifier_within_24h(
    stripe_fake: StripeFake, customer: stripe.Customer, meter: Any, frozen: Any
) -> None:
    _send("api_call", customer.id, "5", identifier="evt-1")
    with pytest.raises(stripe.InvalidRequestError) as info:
        _send("other_event", customer.id, "7", identifier="evt-1")  # any event name
    err = info.value
    assert (err.http_status, err.param) == (400, "identifier")
    assert err.user_message == "An event already exists with identifier evt-1."
    assert err.headers is not None and err.headers["Stripe-Should-Retry"] == "false"
    frozen.tick(24 * HOUR - 1)
    assert _invalid(_send, "api_call", customer.id, "7", identifier="evt-1").param == "identifier"
    assert _total(meter.id, customer.id) == 5
    frozen.tick(1)
    _send("api_call", customer.id, "7", identifier="evt-1")
    assert _total(meter.id, customer.id) == 12


def test_sdk_does_not_retry_a_duplicate(
    stripe_fake: StripeFake, customer: stripe.Customer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stripe, "max_network_retries", 3)
    _send("api_call", customer.id, identifier="once")
    _invalid(_send, "api_call", customer.id, identifier="once")
    assert len(stripe_fake.requests) == 3  # customer, first event, one duplicate (no retries)


def test_timestamp_window_edges(stripe_fake: StripeFake, customer: stripe.Customer, meter: Any) -> None:
    oldest, newest = NOW - 35 * 86400, NOW + 300
    _send("api_call", customer.id, "1", timestamp=oldest)
    _send("api_call", customer.id, "2", timestamp=newest)
    past = _invalid(_send, "api_call", customer.id, "4", timestamp=oldest - 1)
    assert (past.http_status, past.param) == (400, "timestamp")
    assert past.user_message == (
        "The event timestamp cannot be more than 35 days in past. "
        f"Expected a timestamp greater than or equal to {oldest}."
    )
    future = _invalid(_send, "api_call", customer.id, "8", timestamp=newest + 1)
    assert future.param == "timestamp"
    assert future.user_message is not None and str(newest) in future.user_message
    assert _total(meter.id, customer.id, start=oldest - oldest % 60, end=newest + 60) == 3


def test_timestamp_window_follows_time_machine(
    stripe_fake: StripeFake, customer: stripe.Customer, meter: Any, frozen: Any
) -> None:
    frozen.shift(40 * 86400)
    event = _send("api_call", customer.id, "1")
    assert (event.timestamp, event.created) == (NOW + 40 * 86400, NOW + 40 * 86400)
    assert _invalid(_send, "api_call", customer.id, "1", timestamp=NOW).param == "timestamp"
    _send("api_call", customer.id, "2", timestamp=NOW + 5 * 86400)
    assert _total(meter.id, customer.id, start=NOW) == 3


def test_count_formula(stripe_fake: StripeFake, customer: stripe.Customer) -> None:
    meter = _meter("logins", "count")
    for value in ("5", "7"):
        _send("logins", customer.id, value)
    stripe.billing.MeterEvent.create(event_name="logins", payload={"stripe_customer_id": customer.id})
    assert _total(meter.id, customer.id) == 3


def test_last_formula_uses_latest_timestamp(stripe_fake: StripeFake, customer: stripe.Customer) -> None:
    meter = _meter("seats", "last")
    _send("seats", customer.id, "10", timestamp=NOW - 600)
    _send("seats", customer.id, "4", timestamp=NOW - 60)
    _send("seats", customer.id, "7", timestamp=NOW - 300)  # received last, but older
    assert _total(meter.id, customer.id) == 4
    _send("seats", customer.id, "9", timestamp=NOW - 60)  # same timestamp: latest received wins
    assert _total(meter.id, customer.id) == 9


@pytest.mark.parametrize(("window", "size"), [("hour", HOUR), ("day", 86400)])
def test_pre_aggregated_meters_keep_the_latest_received_per_window(
    stripe_fake: StripeFake, customer: stripe.Customer, window: str, size: int
) -> None:
    meter = _meter("gpu", "sum", event_time_window=window)
    start = NOW - NOW % size
    _send("gpu", customer.id, "5", timestamp=start + 10)
    _send("gpu", customer.id, "9", timestamp=start)  # received later, earlier timestamp: it wins
    _send("gpu", customer.id, "3", timestamp=start - 1)  # previous window: counted separately
    other = stripe.Customer.create()
    _send("gpu", other.id, "100", timestamp=start)  # other customers have their own windows
    assert _total(meter.id, customer.id) == 12
    summaries = stripe.billing.Meter.list_event_summaries(
        meter.id,
        customer=customer.id,
        start_time=start - size,
        end_time=start + size,
        value_grouping_window=window,
    )
    assert [(s.start_time, s.aggregated_value) for s in summaries.data] == [(start, 9), (start - size, 3)]


def test_events_are_per_account(stripe_fake: StripeFake, customer: stripe.Customer, meter: Any) -> None:
    _send("api_call", customer.id, "5", identifier="shared", stripe_account="acct_1")
    _send("api_call", customer.id, "2", identifier="shared")  # same identifier, other account: fine
    assert _total(meter.id, customer.id) == 2
