"""Billing meters: create defaults and rules, display_name-only updates, status, list, events."""

from __future__ import annotations

import json
from typing import Any

import pytest
import stripe
import time_machine
from freezegun import freeze_time

from stripe_fake import StripeFake


def v1(client: stripe.StripeClient) -> Any:
    """``client.v1`` (stripe >= 12); stripe 11 exposes the v1 services on the client itself."""
    return getattr(client, "v1", client)


T0 = 1773144000  # 2026-03-10 12:00:00 UTC


def as_dict(obj: object) -> Any:
    return json.loads(str(obj))


def _invalid(call: object, *args: object, **kwargs: object) -> stripe.InvalidRequestError:
    with pytest.raises(stripe.InvalidRequestError) as info:
        call(*args, **kwargs)  # type: ignore[operator]
    return info.value


def _create(event_name: str = "api_call", **extra: Any) -> stripe.billing.Meter:
    params: dict[str, Any] = {
        "display_name": "API calls",
        "event_name": event_name,
        "default_aggregation": {"formula": "sum"},
    }
    return stripe.billing.Meter.create(**{**params, **extra})


@freeze_time("2026-03-10 12:00:00")
def test_create_with_defaults(stripe_fake: StripeFake) -> None:
    meter = _create()
    assert meter.id.startswith("mtr_")
    assert as_dict(meter) == {
        "id": meter.id,
        "object": "billing.meter",
        "created": T0,
        "customer_mapping": {"event_payload_key": "stripe_customer_id", "type": "by_id"},
        "default_aggregation": {"formula": "sum"},
        "display_name": "API calls",
        "event_name": "api_call",
        "event_time_window": None,
        "livemode": False,
        "status": "active",
        "status_transitions": {"deactivated_at": None},
        "updated": T0,
        "value_settings": {"event_payload_key": "value"},
    }
    assert as_dict(stripe.billing.Meter.retrieve(meter.id)) == as_dict(meter)


def test_create_with_custom_settings(stripe_fake: StripeFake) -> None:
    meter = _create(
        customer_mapping={"type": "by_id", "event_payload_key": "account"},
        value_settings={"event_payload_key": "tokens"},
        event_time_window="hour",
        default_aggregation={"formula": "last"},
    )
    assert meter.customer_mapping.event_payload_key == "account"
    assert meter.value_settings.event_payload_key == "tokens"
    assert (meter.event_time_window, meter.default_aggregation.formula) == ("hour", "last")


@pytest.mark.parametrize(
    ("params", "param", "code"),
    [
        ({"display_name": "x", "event_name": "x"}, "default_aggregation", "parameter_missing"),
        ({"display_name": "x", "default_aggregation": {"formula": "sum"}}, "event_name", "parameter_missing"),
        ({"event_name": "x", "default_aggregation": {"formula": "sum"}}, "display_name", "parameter_missing"),
        (
            {
                "event_name": "x",
                "display_name": "x",
                "default_aggregation": {"formula": "sum"},
                "event_time_window": "week",
            },
            "event_time_window",
            None,
        ),
        (
            {
                "event_name": "x",
                "display_name": "x",
                "default_aggregation": {"formula": "sum"},
                "customer_mapping": {"type": "by_email", "event_payload_key": "k"},
            },
            "customer_mapping[type]",
            None,
        ),
        (
            {
                "event_name": "x",
                "display_name": "x",
                "default_aggregation": {"formula": "sum"},
                "metadata": {"a": "b"},
            },
            "metadata",
            "parameter_unknown",
        ),
        (
            {"event_name": "x" * 101, "display_name": "x", "default_aggregation": {"formula": "sum"}},
            "event_name",
            "string_too_long",
        ),
    ],
)
def test_create_rejections_change_nothing(
    stripe_fake: StripeFake, params: dict[str, Any], param: str, code: str | None
) -> None:
    err = _invalid(stripe.billing.Meter.create, **params)
    assert (err.http_status, err.param, err.code) == (400, param, code)
    assert stripe.billing.Meter.list().data == []
    assert stripe_fake.events == []


def test_event_name_is_unique_even_across_inactive_meters(stripe_fake: StripeFake) -> None:
    first = _create("tokens")
    stripe.billing.Meter.deactivate(first.id)
    err = _invalid(_create, "tokens")
    assert (err.http_status, err.param) == (400, "event_name")
    assert "already exists" in str(err.user_message)
    assert [m.id for m in stripe.billing.Meter.list().data] == [first.id]


def test_update_display_name_only(stripe_fake: StripeFake) -> None:
    with freeze_time("2026-03-10 12:00:00"):
        meter = _create()
    with freeze_time("2026-03-10 13:00:00"):
        updated = stripe.billing.Meter.modify(meter.id, display_name="Search calls")
    assert (updated.display_name, updated.updated, updated.created) == ("Search calls", T0 + 3600, T0)
    for field, value in (("event_name", "other"), ("default_aggregation", {"formula": "count"})):
        err = _invalid(stripe.billing.Meter.modify, meter.id, **{field: value})
        assert (err.code, err.param) == ("parameter_unknown", field)
    assert as_dict(stripe.billing.Meter.retrieve(meter.id)) == as_dict(updated)
    event = stripe_fake.events.last("billing.meter.updated")
    assert event["data"]["object"]["display_name"] == "Search calls"
    assert event["data"]["previous_attributes"] == {"display_name": "API calls", "updated": T0}


def test_unknown_meter_everywhere(stripe_fake: StripeFake) -> None:
    for call in (
        lambda: stripe.billing.Meter.retrieve("mtr_missing"),
        lambda: stripe.billing.Meter.modify("mtr_missing", display_name="x"),
        lambda: stripe.billing.Meter.deactivate("mtr_missing"),
        lambda: stripe.billing.Meter.reactivate("mtr_missing"),
    ):
        err = _invalid(call)
        assert (err.http_status, err.code, err.param) == (404, "resource_missing", "id")
        assert err.user_message == "No such billing meter: 'mtr_missing'"


def test_deactivate_and_reactivate(stripe_fake: StripeFake) -> None:
    meter = _create()
    with freeze_time("2026-03-11 00:00:00"):
        inactive = stripe.billing.Meter.deactivate(meter.id)
        again = stripe.billing.Meter.deactivate(meter.id)  # idempotent, no second event
    assert (inactive.status, inactive.status_transitions.deactivated_at) == ("inactive", 1773187200)
    assert as_dict(again) == as_dict(inactive)
    active = stripe.billing.Meter.reactivate(meter.id)
    assert (active.status, active.status_transitions.deactivated_at) == ("active", None)
    stripe.billing.Meter.reactivate(meter.id)
    assert stripe_fake.events.types() == [
        "billing.meter.created",
        "billing.meter.deactivated",
        "billing.meter.reactivated",
    ]
    assert stripe_fake.events.last("billing.meter.deactivated")["data"]["object"]["status"] == "inactive"


def test_list_with_status_filter_and_paging(stripe_fake: StripeFake, client: stripe.StripeClient) -> None:
    meters = [_create(f"event_{i}") for i in range(5)]
    stripe.billing.Meter.deactivate(meters[1].id)
    stripe.billing.Meter.deactivate(meters[3].id)
    assert [m.id for m in stripe.billing.Meter.list(status="inactive").data] == [meters[3].id, meters[1].id]
    active = v1(client).billing.meters.list(params={"status": "active", "limit": 2})
    assert active.has_more
    assert [m.id for m in active.auto_paging_iter()] == [meters[4].id, meters[2].id, meters[0].id]
    page = stripe.billing.Meter.list(limit=2, starting_after=meters[3].id)
    assert [m.id for m in page.data] == [meters[2].id, meters[1].id]
    assert page.url == "/v1/billing/meters"
    assert _invalid(stripe.billing.Meter.list, status="archived").param == "status"


def test_meter_events_are_recorded(stripe_fake: StripeFake) -> None:
    meter = _create()
    event = stripe_fake.events.last("billing.meter.created")
    assert event["data"]["object"] == as_dict(meter)
    assert event["object"] == "event" and event["id"].startswith("evt_")
    assert "previous_attributes" not in event["data"]
    assert stripe_fake.events.of_type("billing.meter.*") == [event]


def test_created_follows_time_machine(stripe_fake: StripeFake) -> None:
    with time_machine.travel(T0, tick=False):
        meter = _create()
    assert (meter.created, meter.updated) == (T0, T0)
