"""Meter event adjustments (v1): cancelling a meter event, and negative corrections."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import stripe
import time_machine
from compat import as_dict, v1

from stripe_fake import StripeFake

NOW = 1773145800  # 2026-03-10 12:30:00 UTC
DAY_START = 1773100800  # 2026-03-10 00:00 UTC


@pytest.fixture(autouse=True)
def frozen() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def report(customer: stripe.Customer, value: str, identifier: str, event_name: str = "api_call") -> None:
    stripe.billing.MeterEvent.create(
        event_name=event_name,
        payload={"stripe_customer_id": customer.id, "value": value},
        identifier=identifier,
    )


def total(meter: stripe.billing.Meter, customer: stripe.Customer) -> Any:
    summaries = stripe.billing.Meter.list_event_summaries(
        meter.id, customer=customer.id, start_time=DAY_START, end_time=DAY_START + 86400
    )
    return summaries.data[0].aggregated_value


def cancel(identifier: str, event_name: str = "api_call") -> stripe.billing.MeterEventAdjustment:
    return stripe.billing.MeterEventAdjustment.create(
        event_name=event_name, type="cancel", cancel={"identifier": identifier}
    )


def expect_cancel_error(identifier: str, event_name: str = "api_call") -> stripe.InvalidRequestError:
    with pytest.raises(stripe.InvalidRequestError) as info:
        cancel(identifier, event_name)
    err = info.value
    assert err.http_status == 400
    assert err.error.type == "invalid_request_error"
    assert err.param == "cancel[identifier]"
    return err


def test_cancel_removes_the_event_from_summaries(
    stripe_fake: StripeFake, customer: stripe.Customer, meter: stripe.billing.Meter
) -> None:
    report(customer, "10", "call-1")
    report(customer, "5", "call-2")
    assert total(meter, customer) == 15

    adjustment = cancel("call-2")

    assert as_dict(adjustment) == {
        "object": "billing.meter_event_adjustment",
        "cancel": {"identifier": "call-2"},
        "event_name": "api_call",
        "livemode": False,
        "status": "pending",
        "type": "cancel",
    }
    assert total(meter, customer) == 10


def test_cancel_with_stripe_client(
    client: stripe.StripeClient, customer: stripe.Customer, meter: stripe.billing.Meter
) -> None:
    report(customer, "7", "call-1")
    adjustment = v1(client).billing.meter_event_adjustments.create(
        {"event_name": "api_call", "type": "cancel", "cancel": {"identifier": "call-1"}}
    )
    assert adjustment.status == "pending"
    assert total(meter, customer) == 0


def test_second_cancel_of_the_same_event_fails(
    stripe_fake: StripeFake, customer: stripe.Customer, meter: stripe.billing.Meter
) -> None:
    report(customer, "10", "call-1")
    cancel("call-1")
    err = expect_cancel_error("call-1")
    assert "already been cancelled" in str(err.user_message)
    assert total(meter, customer) == 0


def test_unknown_identifier_fails(
    stripe_fake: StripeFake, customer: stripe.Customer, meter: stripe.billing.Meter
) -> None:
    report(customer, "10", "call-1")
    err = expect_cancel_error("nope")
    assert err.code == "resource_missing"
    assert total(meter, customer) == 10


def test_identifier_of_another_event_name_fails(
    stripe_fake: StripeFake, customer: stripe.Customer, meter: stripe.billing.Meter
) -> None:
    stripe.billing.Meter.create(
        display_name="Tokens", event_name="tokens", default_aggregation={"formula": "sum"}
    )
    report(customer, "10", "call-1")
    err = expect_cancel_error("call-1", event_name="tokens")
    assert err.code == "resource_missing"
    assert total(meter, customer) == 10


def test_cancel_requires_the_cancel_object(stripe_fake: StripeFake, meter: stripe.billing.Meter) -> None:
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.billing.MeterEventAdjustment.create(event_name="api_call", type="cancel")
    assert info.value.code == "parameter_missing"
    assert info.value.param == "cancel"
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.billing.MeterEventAdjustment.create(
            event_name="api_call", type="void", cancel={"identifier": "x"}
        )
    assert info.value.param == "type"


def test_cancelled_identifier_stays_reserved(
    stripe_fake: StripeFake, customer: stripe.Customer, meter: stripe.billing.Meter
) -> None:
    report(customer, "10", "call-1")
    cancel("call-1")
    with pytest.raises(stripe.InvalidRequestError, match="already exists with identifier call-1"):
        report(customer, "10", "call-1")


def test_cancel_on_a_pre_aggregated_meter_restores_the_previous_event(
    stripe_fake: StripeFake, customer: stripe.Customer
) -> None:
    hourly = stripe.billing.Meter.create(
        display_name="Seats",
        event_name="seats",
        default_aggregation={"formula": "sum"},
        event_time_window="hour",
    )
    report(customer, "3", "seats-1", event_name="seats")
    report(customer, "8", "seats-2", event_name="seats")
    assert total(hourly, customer) == 8  # the latest event of the hour wins
    cancel("seats-2", event_name="seats")
    assert total(hourly, customer) == 3


def test_cancelling_an_uncounted_event_is_allowed(
    stripe_fake: StripeFake, meter: stripe.billing.Meter
) -> None:
    stripe.billing.MeterEvent.create(
        event_name="api_call", payload={"stripe_customer_id": "cus_unknown", "value": "1"}, identifier="bad-1"
    )
    assert cancel("bad-1").status == "pending"


def test_negative_values_correct_usage_and_summaries_may_go_negative(
    stripe_fake: StripeFake, customer: stripe.Customer, meter: stripe.billing.Meter
) -> None:
    report(customer, "10", "call-1")
    report(customer, "-4", "fix-1")
    assert total(meter, customer) == 6
    report(customer, "-10", "fix-2")
    # Stripe bills a negative period total as quantity 0; the summary itself shows the raw sum.
    assert total(meter, customer) == -4


@pytest.mark.stripe_fake(processing_delay=60)
def test_cancel_before_processing_means_it_never_counts(
    stripe_fake: StripeFake,
    customer: stripe.Customer,
    meter: stripe.billing.Meter,
    frozen: time_machine.Coordinates,
) -> None:
    report(customer, "10", "call-1")
    report(customer, "5", "call-2")
    cancel("call-2")
    assert total(meter, customer) == 0
    frozen.shift(61)
    assert total(meter, customer) == 10


def test_alert_that_fired_stays_fired_after_cancel(
    stripe_fake: StripeFake, customer: stripe.Customer, meter: stripe.billing.Meter
) -> None:
    stripe.billing.Alert.create(
        alert_type="usage_threshold",
        title="Over 10",
        usage_threshold={"gte": 10, "meter": meter.id, "recurrence": "one_time"},
    )
    report(customer, "12", "call-1")
    assert len(stripe_fake.events.of_type("billing.alert.triggered")) == 1
    cancel("call-1")
    report(customer, "11", "call-2")
    assert len(stripe_fake.events.of_type("billing.alert.triggered")) == 1
    assert total(meter, customer) == 11
