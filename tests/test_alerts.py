"""Billing alerts through the real SDK: CRUD, lifecycle, limits, errors and triggering."""

from __future__ import annotations

import time
from typing import Any

import pytest
import stripe
from compat import as_dict, v1
from freezegun import freeze_time

from stripe_fake import StripeFake
from stripe_fake.resources.alerts import models as alert_models

TRIGGERED = "billing.alert.triggered"


def report(customer: str, value: str = "1", event_name: str = "api_call") -> None:
    stripe.billing.MeterEvent.create(
        event_name=event_name, payload={"stripe_customer_id": customer, "value": value}
    )


def make_alert(
    meter: str, gte: int, customer: str | None = None, title: str = "Usage alert"
) -> stripe.billing.Alert:
    threshold: Any = {"gte": gte, "meter": meter, "recurrence": "one_time"}
    if customer is not None:
        threshold["filters"] = [{"type": "customer", "customer": customer}]
    return stripe.billing.Alert.create(title=title, alert_type="usage_threshold", usage_threshold=threshold)


def invalid(call: Any, *args: Any, **kwargs: Any) -> stripe.InvalidRequestError:
    with pytest.raises(stripe.InvalidRequestError) as info:
        call(*args, **kwargs)
    return info.value


def triggered(fake: StripeFake) -> list[tuple[str, str, Any]]:
    """(alert id, customer, value) of every triggered event, oldest first."""
    return [
        (e["data"]["object"]["alert"]["id"], e["data"]["object"]["customer"], e["data"]["object"]["value"])
        for e in fake.events.of_type(TRIGGERED)
    ]


@pytest.fixture
def other(stripe_fake: StripeFake) -> stripe.Customer:
    return stripe.Customer.create(email="other@example.com")


# -- CRUD ------------------------------------------------------------------------------------------


def test_create_returns_an_active_alert(stripe_fake: StripeFake, meter: stripe.billing.Meter) -> None:
    alert = make_alert(meter.id, 100, title="API Request usage alert")
    assert isinstance(alert, stripe.billing.Alert)
    assert alert.id.startswith("alrt_")
    assert alert.status == "active"
    assert alert.alert_type == "usage_threshold"
    assert alert.title == "API Request usage alert"
    assert alert.livemode is False
    assert alert.usage_threshold is not None
    assert as_dict(alert.usage_threshold) == {
        "filters": None,
        "gte": 100,
        "meter": meter.id,
        "recurrence": "one_time",
    }
    assert as_dict(stripe.billing.Alert.retrieve(alert.id)) == as_dict(alert)
    assert stripe_fake.events.of_type("billing.alert.*") == []  # no created/updated events exist


def test_customer_filter_and_expand(
    stripe_fake: StripeFake, meter: stripe.billing.Meter, customer: stripe.Customer
) -> None:
    alert = make_alert(meter.id, 5, customer=customer.id)
    assert alert.usage_threshold is not None and alert.usage_threshold.filters is not None
    assert [as_dict(f) for f in alert.usage_threshold.filters] == [
        {"customer": customer.id, "type": "customer"}
    ]
    expanded = stripe.billing.Alert.retrieve(
        alert.id, expand=["usage_threshold.meter", "usage_threshold.filters.customer"]
    )
    assert expanded.usage_threshold is not None and expanded.usage_threshold.filters is not None
    assert isinstance(expanded.usage_threshold.meter, stripe.billing.Meter)
    assert expanded.usage_threshold.meter.id == meter.id
    assert isinstance(expanded.usage_threshold.filters[0].customer, stripe.Customer)
    assert expanded.usage_threshold.filters[0].customer.email == "jenny@example.com"
    listed = stripe.billing.Alert.list(expand=["data.usage_threshold.meter"])
    assert listed.data[0].usage_threshold is not None
    assert isinstance(listed.data[0].usage_threshold.meter, stripe.billing.Meter)


def test_list_is_newest_first_filters_by_meter_and_hides_archived(
    stripe_fake: StripeFake, client: stripe.StripeClient, meter: stripe.billing.Meter
) -> None:
    second = stripe.billing.Meter.create(
        display_name="Tokens", event_name="tokens", default_aggregation={"formula": "sum"}
    )
    a1 = make_alert(meter.id, 1)
    a2 = make_alert(second.id, 2)
    a3 = make_alert(meter.id, 3)
    assert [a.id for a in stripe.billing.Alert.list()] == [a3.id, a2.id, a1.id]
    assert [a.id for a in v1(client).billing.alerts.list({"meter": meter.id})] == [a3.id, a1.id]
    assert [
        a.id for a in stripe.billing.Alert.list(alert_type="usage_threshold", limit=1).auto_paging_iter()
    ] == [
        a3.id,
        a2.id,
        a1.id,
    ]
    stripe.billing.Alert.deactivate(a1.id)
    stripe.billing.Alert.archive(a3.id)
    listed = stripe.billing.Alert.list()
    assert [(a.id, a.status) for a in listed] == [(a2.id, "active"), (a1.id, "inactive")]
    assert listed.url == "/v1/billing/alerts"
    assert stripe.billing.Alert.list(meter="mtr_unknown").data == []


# -- lifecycle -------------------------------------------------------------------------------------


def test_deactivate_activate_archive(stripe_fake: StripeFake, meter: stripe.billing.Meter) -> None:
    alert = make_alert(meter.id, 10)
    assert stripe.billing.Alert.deactivate(alert.id).status == "inactive"
    assert stripe.billing.Alert.deactivate(alert.id).status == "inactive"  # idempotent
    assert stripe.billing.Alert.activate(alert.id).status == "active"
    assert stripe.billing.Alert.activate(alert.id).status == "active"  # idempotent
    assert alert.archive().status == "archived"
    # Archived is final, but the alert can still be retrieved.
    assert stripe.billing.Alert.retrieve(alert.id).status == "archived"
    for action in (
        stripe.billing.Alert.activate,
        stripe.billing.Alert.deactivate,
        stripe.billing.Alert.archive,
    ):
        err = invalid(action, alert.id)
        assert err.http_status == 400
        assert "archived" in err.user_message
    assert stripe.billing.Alert.retrieve(alert.id).status == "archived"


def test_unknown_alert_is_a_404(stripe_fake: StripeFake) -> None:
    for call in (stripe.billing.Alert.retrieve, stripe.billing.Alert.activate, stripe.billing.Alert.archive):
        err = invalid(call, "alrt_missing")
        assert err.http_status == 404
        assert err.code == "resource_missing"
        assert err.param == "id"
        assert err.user_message == "No such billing alert: 'alrt_missing'"


# -- create errors ---------------------------------------------------------------------------------


def test_unknown_meter_and_customer_name_the_param(
    stripe_fake: StripeFake, meter: stripe.billing.Meter
) -> None:
    err = invalid(make_alert, "mtr_missing", 10)
    assert (err.http_status, err.code, err.param) == (400, "resource_missing", "usage_threshold[meter]")
    assert err.user_message == "No such billing meter: 'mtr_missing'"
    err = invalid(make_alert, meter.id, 10, customer="cus_missing")
    assert (err.http_status, err.code, err.param) == (
        400,
        "resource_missing",
        "usage_threshold[filters][0][customer]",
    )
    assert err.user_message == "No such customer: 'cus_missing'"
    assert stripe.billing.Alert.list().data == []


@pytest.mark.parametrize(
    ("params", "param", "code"),
    [
        ({"title": "x" * 257}, "title", "string_too_long"),
        ({"title": None}, "title", "parameter_missing"),
        ({"alert_type": "spend_threshold"}, "alert_type", None),
        ({"usage_threshold": None}, "usage_threshold", "parameter_missing"),
        (
            {"usage_threshold": {"meter": "M", "recurrence": "one_time"}},
            "usage_threshold[gte]",
            "parameter_missing",
        ),
        (
            {"usage_threshold": {"gte": "ten", "meter": "M", "recurrence": "one_time"}},
            "usage_threshold[gte]",
            "parameter_invalid_integer",
        ),
        (
            {"usage_threshold": {"gte": 0, "meter": "M", "recurrence": "one_time"}},
            "usage_threshold[gte]",
            None,
        ),
        (
            {"usage_threshold": {"gte": 5, "meter": "M", "recurrence": "daily"}},
            "usage_threshold[recurrence]",
            None,
        ),
        (
            {
                "usage_threshold": {
                    "gte": 5,
                    "meter": "M",
                    "recurrence": "one_time",
                    "filters": [{"type": "customer"}],
                }
            },
            "usage_threshold[filters][0][customer]",
            "parameter_missing",
        ),
        ({"usage_threshold_config": {"gte": 5}}, "usage_threshold_config", "parameter_unknown"),
        ({"filter": {"customer": "cus_1"}}, "filter", "parameter_unknown"),
    ],
)
def test_create_validation(
    stripe_fake: StripeFake, meter: stripe.billing.Meter, params: dict[str, Any], param: str, code: str | None
) -> None:
    body: dict[str, Any] = {
        "title": "Alert",
        "alert_type": "usage_threshold",
        "usage_threshold": {"gte": 5, "meter": meter.id, "recurrence": "one_time"},
    }
    for key, value in params.items():
        if isinstance(value, dict) and value.get("meter") == "M":
            value = {**value, "meter": meter.id}
        if value is None:
            body.pop(key)
        else:
            body[key] = value
    err = invalid(stripe.billing.Alert.create, **body)
    assert (err.http_status, err.param, err.code) == (400, param, code)
    assert stripe.billing.Alert.list().data == []


def test_at_most_one_filter(
    stripe_fake: StripeFake, meter: stripe.billing.Meter, customer: stripe.Customer, other: stripe.Customer
) -> None:
    err = invalid(
        stripe.billing.Alert.create,
        title="Two",
        alert_type="usage_threshold",
        usage_threshold={
            "gte": 5,
            "meter": meter.id,
            "recurrence": "one_time",
            "filters": [
                {"type": "customer", "customer": customer.id},
                {"type": "customer", "customer": other.id},
            ],
        },
    )
    assert (err.http_status, err.param) == (400, "usage_threshold[filters]")
    assert err.user_message == "You can only specify up to one filter at this time."


def test_inactive_meter_is_rejected(stripe_fake: StripeFake, meter: stripe.billing.Meter) -> None:
    stripe.billing.Meter.deactivate(meter.id)
    err = invalid(make_alert, meter.id, 5)
    assert (err.http_status, err.param) == (400, "usage_threshold[meter]")


def test_at_most_25_open_alerts_per_meter_and_customer(
    stripe_fake: StripeFake, meter: stripe.billing.Meter, customer: stripe.Customer, other: stripe.Customer
) -> None:
    alerts = [make_alert(meter.id, n + 1, customer=customer.id) for n in range(25)]
    err = invalid(make_alert, meter.id, 100, customer=customer.id)
    assert err.http_status == 400
    assert "maximum of 25 alerts" in err.user_message
    # Other customers, and alerts without a filter, are separate buckets; inactive alerts still count.
    make_alert(meter.id, 100, customer=other.id)
    for n in range(25):
        make_alert(meter.id, n + 1)
    invalid(make_alert, meter.id, 100)
    stripe.billing.Alert.deactivate(alerts[0].id)
    invalid(make_alert, meter.id, 100, customer=customer.id)
    # Archiving frees a slot.
    stripe.billing.Alert.archive(alerts[0].id)
    make_alert(meter.id, 100, customer=customer.id)
    invalid(make_alert, meter.id, 101, customer=customer.id)


# -- triggering ------------------------------------------------------------------------------------


def test_threshold_crossed_in_one_event(
    stripe_fake: StripeFake, meter: stripe.billing.Meter, customer: stripe.Customer
) -> None:
    alert = make_alert(meter.id, 100, customer=customer.id)
    report(customer.id, "150")
    assert triggered(stripe_fake) == [(alert.id, customer.id, 150)]
    report(customer.id, "500")
    assert len(triggered(stripe_fake)) == 1  # one_time: never again for this customer


def test_threshold_crossed_over_several_events(
    stripe_fake: StripeFake, meter: stripe.billing.Meter, customer: stripe.Customer
) -> None:
    alert = make_alert(meter.id, 10, customer=customer.id)
    report(customer.id, "4")
    report(customer.id, "5")
    assert triggered(stripe_fake) == []
    report(customer.id, "1")  # exactly gte
    report(customer.id, "1")
    assert triggered(stripe_fake) == [(alert.id, customer.id, 10)]


def test_triggered_event_fields(
    stripe_fake: StripeFake, meter: stripe.billing.Meter, customer: stripe.Customer
) -> None:
    alert = make_alert(meter.id, 3, customer=customer.id, title="Three calls")
    with freeze_time("2026-05-01 10:00:00"):
        report(customer.id, "3")
    [raw] = stripe_fake.events.of_type(TRIGGERED)
    assert raw["request"] == {"id": None, "idempotency_key": None}  # asynchronous: no API request caused it
    assert raw["pending_webhooks"] == 0
    event = stripe.Event.retrieve(raw["id"])
    assert event.type == TRIGGERED
    assert event.id.startswith("evt_")
    assert event.created == 1777629600
    assert event.livemode is False
    obj = event.data.object
    assert isinstance(obj, stripe.billing.AlertTriggered)
    assert isinstance(obj.alert, stripe.billing.Alert)
    assert as_dict(obj.alert) == as_dict(alert)
    assert (obj.customer, obj.value, obj.created, obj.livemode) == (customer.id, 3, 1777629600, False)
    assert "id" not in obj
    parsed = stripe.Event.construct_from(raw, "sk_test_fake_123")
    assert isinstance(parsed.data.object, stripe.billing.AlertTriggered)
    stripe_fake.assert_event(TRIGGERED, customer=customer, alert__id=alert.id, value=3, count=1)


def test_without_filter_fires_once_per_customer(
    stripe_fake: StripeFake, meter: stripe.billing.Meter, customer: stripe.Customer, other: stripe.Customer
) -> None:
    alert = make_alert(meter.id, 5)
    report(customer.id, "5")
    report(other.id, "2")
    report(customer.id, "5")
    report(other.id, "3")
    report(other.id, "3")
    assert triggered(stripe_fake) == [(alert.id, customer.id, 5), (alert.id, other.id, 5)]


def test_filtered_alert_ignores_other_customers(
    stripe_fake: StripeFake, meter: stripe.billing.Meter, customer: stripe.Customer, other: stripe.Customer
) -> None:
    make_alert(meter.id, 5, customer=customer.id)
    report(other.id, "50")
    assert triggered(stripe_fake) == []
    stripe_fake.assert_event(TRIGGERED, count=0)


def test_usage_before_creation_counts_on_the_next_event(
    stripe_fake: StripeFake, meter: stripe.billing.Meter, customer: stripe.Customer
) -> None:
    report(customer.id, "100")
    alert = make_alert(meter.id, 50)
    assert triggered(stripe_fake) == []  # evaluated only when usage is reported after creation
    report(customer.id, "1")
    assert triggered(stripe_fake) == [(alert.id, customer.id, 101)]


def test_several_alerts_fire_in_one_event_each_once(
    stripe_fake: StripeFake, meter: stripe.billing.Meter, customer: stripe.Customer
) -> None:
    low = make_alert(meter.id, 10)
    high = make_alert(meter.id, 30, customer=customer.id)
    mid = make_alert(meter.id, 20)
    report(customer.id, "25")
    assert triggered(stripe_fake) == [(low.id, customer.id, 25), (mid.id, customer.id, 25)]
    report(customer.id, "25")
    assert triggered(stripe_fake)[2:] == [(high.id, customer.id, 50)]


def test_inactive_alert_does_not_fire_and_reactivation_rearms(
    stripe_fake: StripeFake, meter: stripe.billing.Meter, customer: stripe.Customer, other: stripe.Customer
) -> None:
    alert = make_alert(meter.id, 10)
    report(customer.id, "10")
    assert triggered(stripe_fake) == [(alert.id, customer.id, 10)]
    stripe.billing.Alert.deactivate(alert.id)
    report(other.id, "10")
    assert len(triggered(stripe_fake)) == 1
    stripe.billing.Alert.activate(alert.id)
    assert len(triggered(stripe_fake)) == 1  # not at activation: on the next usage event
    report(other.id, "1")
    report(customer.id, "1")  # already fired for this customer
    assert triggered(stripe_fake) == [(alert.id, customer.id, 10), (alert.id, other.id, 11)]
    [event] = stripe_fake.assert_event(TRIGGERED, customer=other.id)
    assert event["data"]["object"]["alert"]["status"] == "active"


def test_reactivated_alert_below_a_fired_one_still_fires(
    stripe_fake: StripeFake, meter: stripe.billing.Meter, customer: stripe.Customer
) -> None:
    low = make_alert(meter.id, 5)
    stripe.billing.Alert.deactivate(low.id)
    high = make_alert(meter.id, 10)
    report(customer.id, "20")
    assert triggered(stripe_fake) == [(high.id, customer.id, 20)]
    stripe.billing.Alert.activate(low.id)
    report(customer.id, "1")
    assert triggered(stripe_fake)[1:] == [(low.id, customer.id, 21)]


def test_archived_alert_never_fires(
    stripe_fake: StripeFake, meter: stripe.billing.Meter, customer: stripe.Customer
) -> None:
    alert = make_alert(meter.id, 1)
    stripe.billing.Alert.deactivate(alert.id)
    stripe.billing.Alert.archive(alert.id)
    report(customer.id, "5")
    assert triggered(stripe_fake) == []


def test_count_and_last_formulas(stripe_fake: StripeFake, customer: stripe.Customer) -> None:
    counted = stripe.billing.Meter.create(
        display_name="n", event_name="calls", default_aggregation={"formula": "count"}
    )
    latest = stripe.billing.Meter.create(
        display_name="l", event_name="seats", default_aggregation={"formula": "last"}
    )
    on_count = make_alert(counted.id, 3)
    on_last = make_alert(latest.id, 10)
    for _ in range(3):
        stripe.billing.MeterEvent.create(event_name="calls", payload={"stripe_customer_id": customer.id})
    report(customer.id, "6", event_name="seats")
    report(customer.id, "6", event_name="seats")  # last = 6, not 12
    assert triggered(stripe_fake) == [(on_count.id, customer.id, 3)]
    report(customer.id, "11", event_name="seats")
    assert triggered(stripe_fake)[1:] == [(on_last.id, customer.id, 11)]


@pytest.mark.stripe_fake(processing_delay=60)
def test_processing_delay_postpones_the_trigger(
    stripe_fake: StripeFake, meter: stripe.billing.Meter, customer: stripe.Customer
) -> None:
    with freeze_time("2026-05-01 10:00:00") as frozen:
        alert = make_alert(meter.id, 5)
        report(customer.id, "5")
        assert triggered(stripe_fake) == []  # not processed yet
        frozen.tick(61)
        stripe.billing.Alert.retrieve(alert.id)  # any request lets the fake catch up with the clock
        [event] = stripe_fake.assert_event(TRIGGERED, customer=customer, count=1)
        # Delayed work runs at its due time: receipt (10:00:00) + 60 s, not the next request's time.
        assert event["created"] == 1777629660


def test_uncounted_meter_events_do_not_trigger(
    stripe_fake: StripeFake, meter: stripe.billing.Meter, customer: stripe.Customer
) -> None:
    make_alert(meter.id, 1)
    report("cus_unknown", "50")  # accepted, but fails asynchronously: not counted
    report(customer.id, "abc")
    assert triggered(stripe_fake) == []


def test_connected_accounts_are_isolated(
    stripe_fake: StripeFake, meter: stripe.billing.Meter, customer: stripe.Customer
) -> None:
    make_alert(meter.id, 1)
    err = invalid(
        stripe.billing.Alert.create,
        title="t",
        alert_type="usage_threshold",
        usage_threshold={"gte": 1, "meter": meter.id, "recurrence": "one_time"},
        stripe_account="acct_123",
    )
    assert (
        err.param == "usage_threshold[meter]"
    )  # the platform's meter does not exist on the connected account
    assert stripe.billing.Alert.list(stripe_account="acct_123").data == []


def test_many_alerts_stay_cheap(
    stripe_fake: StripeFake,
    meter: stripe.billing.Meter,
    customer: stripe.Customer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """1000 unfiltered alerts on one meter: each event only walks the alerts it fires."""
    monkeypatch.setattr(alert_models, "MAX_ALERTS_PER_PAIR", 10_000)
    store = stripe_fake.account().store(alert_models.AlertStore)
    alerts = [
        store.create(title=f"a{n}", meter_id=meter.id, gte=(n + 1) * 10, customer=None) for n in range(1000)
    ]
    started = time.perf_counter()
    for _ in range(500):
        report(customer.id, "3")
    elapsed = time.perf_counter() - started
    fired = triggered(stripe_fake)
    assert [a for a, _, _ in fired] == [a.id for a in alerts[:150]]  # usage 1500 reached gte 10..1500
    # Each alert fires on the first event that brings the total (3 per event) to its gte or above.
    assert [value for _, _, value in fired] == [-(-a.gte // 3) * 3 for a in alerts[:150]]
    assert elapsed < 10  # generous; the walk bound itself is checked in the next test


def test_trigger_walk_is_bounded_by_fired_alerts() -> None:
    ladder = alert_models.Ladder()
    alerts = [
        alert_models.Alert(
            id=f"alrt_{n}", seq=n, title="t", meter_id="mtr", gte=n + 1, customer=None, livemode=False
        )
        for n in range(1000)
    ]
    for alert in alerts:
        ladder.add(alert)
    due = ladder.due("cus_1", 500)
    assert len(due) == 500
    for alert in due:
        alert.fired.add("cus_1")
    # The frontier now sits after the 500th alert: the next check starts there, not at the bottom.
    assert ladder.frontier["cus_1"] == alerts[499].key
    assert ladder.due("cus_1", 500) == []
    assert [a.id for a in ladder.due("cus_1", 502)] == ["alrt_500", "alrt_501"]
