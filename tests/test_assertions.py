"""``stripe_fake.events`` and ``stripe_fake.assert_event(...)``: what passes, and what a failure says."""

from __future__ import annotations

import pytest
import stripe

from stripe_fake import StripeFake

TRIGGERED = "billing.alert.triggered"


@pytest.fixture
def fired(
    stripe_fake: StripeFake, meter: stripe.billing.Meter, customer: stripe.Customer
) -> stripe.billing.Alert:
    """An alert (gte 10, no filter) that has triggered once, for ``customer``, at value 12."""
    alert = stripe.billing.Alert.create(
        title="Ten calls",
        alert_type="usage_threshold",
        usage_threshold={"gte": 10, "meter": meter.id, "recurrence": "one_time"},
    )
    stripe.billing.MeterEvent.create(
        event_name="api_call", payload={"stripe_customer_id": customer.id, "value": "12"}
    )
    return alert


def test_events_are_recorded_in_order(stripe_fake: StripeFake, fired: stripe.billing.Alert) -> None:
    assert stripe_fake.events.types() == ["billing.meter.created", "customer.created", TRIGGERED]
    assert [e["type"] for e in stripe_fake.events.of_type("billing.*")] == [
        "billing.meter.created",
        TRIGGERED,
    ]
    assert stripe_fake.events.last()["type"] == TRIGGERED


def test_assert_event_matches_fields_of_the_object(
    stripe_fake: StripeFake, fired: stripe.billing.Alert, customer: stripe.Customer
) -> None:
    [event] = stripe_fake.assert_event(TRIGGERED, customer=customer.id, count=1)
    assert event["data"]["object"]["value"] == 12
    # SDK objects match by id; nested fields by `__` or a dotted key.
    stripe_fake.assert_event(TRIGGERED, customer=customer, alert__id=fired.id, value=12)
    stripe_fake.assert_event(TRIGGERED, **{"alert.id": fired.id, "alert.usage_threshold.gte": 10})  # type: ignore[arg-type]
    stripe_fake.assert_event("billing.meter.created", event_name="api_call", count=1)
    stripe_fake.assert_event("billing.*", count=2)
    stripe_fake.assert_event("invoice.paid", count=0)


def test_mismatched_field_is_reported(
    stripe_fake: StripeFake, fired: stripe.billing.Alert, customer: stripe.Customer
) -> None:
    with pytest.raises(AssertionError) as info:
        stripe_fake.assert_event(TRIGGERED, customer="cus_other", alert__id=fired.id)
    message = str(info.value)
    assert "Expected at least 1 event(s) matching 'billing.alert.triggered', customer='cus_other'" in message
    assert "but 0 matched (1 event(s) of type 'billing.alert.triggered' were emitted)" in message
    assert "Recorded events (3):" in message
    assert f"customer='{customer.id}' (expected 'cus_other')" in message
    assert f"alert.id='{fired.id}'" in message
    assert "billing.meter.created" in message and "customer.created" in message


def test_wrong_count_is_reported(stripe_fake: StripeFake, fired: stripe.billing.Alert) -> None:
    with pytest.raises(AssertionError, match=r"Expected exactly 2 event\(s\).*but 1 matched"):
        stripe_fake.assert_event(TRIGGERED, count=2)
    with pytest.raises(AssertionError, match=r"Expected exactly 0 event\(s\)"):
        stripe_fake.assert_event(TRIGGERED, count=0)


def test_missing_type_lists_what_happened(stripe_fake: StripeFake, customer: stripe.Customer) -> None:
    with pytest.raises(AssertionError) as info:
        stripe_fake.assert_event(TRIGGERED)
    message = str(info.value)
    assert "0 event(s) of type 'billing.alert.triggered' were emitted" in message
    assert "customer.created evt_" in message and f"object='{customer.id}'" in message


def test_no_events_at_all(stripe_fake: StripeFake) -> None:
    with pytest.raises(AssertionError, match=r"no events were emitted"):
        stripe_fake.assert_event("customer.created")


def test_missing_path_does_not_match(stripe_fake: StripeFake, fired: stripe.billing.Alert) -> None:
    with pytest.raises(AssertionError, match=r"alert\.nope=<missing>"):
        stripe_fake.assert_event(TRIGGERED, alert__nope="x")
