"""Fidelity of the v2 surface to Stripe's v2 spec, through ``StripeClient.v2`` (review findings).

Each test pins one place where the fake used to differ from the spec (or from the fake's own
documented choice in ``docs/fidelity.md``) and now matches it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import stripe
from compat import as_dict, v1
from freezegun import freeze_time

from stripe_fake import StripeFake


def _customer(client: stripe.StripeClient) -> str:
    customer_id: str = v1(client).customers.create().id
    return customer_id


def _meter(client: stripe.StripeClient, event_name: str = "api_call") -> None:
    v1(client).billing.meters.create(
        {"display_name": "Calls", "event_name": event_name, "default_aggregation": {"formula": "sum"}}
    )


def _destination(client: stripe.StripeClient, **extra: Any) -> Any:
    params: dict[str, Any] = {
        "name": "thin",
        "type": "webhook_endpoint",
        "event_payload": "thin",
        "enabled_events": ["v1.billing.meter.error_report_triggered"],
        "webhook_endpoint": {"url": "https://example.com/thin"},
        **extra,
    }
    return client.v2.core.event_destinations.create(params)  # type: ignore[arg-type]


def _usage(stripe_fake: StripeFake) -> int:
    """How many meter events the platform account has recorded (counted or not)."""
    from stripe_fake.resources.meter_events.models import MeterEventStore

    return len(stripe_fake.account().store(MeterEventStore).by_identifier)


# -- request typing: v2 payload values are strings ------------------------------------------------------


def test_v2_meter_event_payload_number_is_rejected(
    client: stripe.StripeClient, stripe_fake: StripeFake
) -> None:
    """The spec types ``payload`` as a string map; a JSON number is a wrongly typed field."""
    customer = _customer(client)
    _meter(client)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v2.billing.meter_events.create(
            {
                "event_name": "api_call",
                "identifier": "n1",
                "payload": {"stripe_customer_id": customer, "value": 5},
            }  # type: ignore
        )
    assert caught.value.http_status == 400
    assert caught.value.code == "invalid_fields"
    assert "payload[value]" in caught.value.user_message  # type: ignore[operator]
    assert _usage(stripe_fake) == 0
    # nothing was stored: the identifier is still free
    event = client.v2.billing.meter_events.create(
        {
            "event_name": "api_call",
            "identifier": "n1",
            "payload": {"stripe_customer_id": customer, "value": "5"},
        }
    )
    assert as_dict(event.payload) == {"stripe_customer_id": customer, "value": "5"}


def test_v2_stream_payload_number_is_rejected(client: stripe.StripeClient, stripe_fake: StripeFake) -> None:
    customer = _customer(client)
    _meter(client)
    session = client.v2.billing.meter_event_session.create()
    stream = stripe.StripeClient(session.authentication_token)
    good = {"event_name": "api_call", "payload": {"stripe_customer_id": customer, "value": "1"}}
    bad = {"event_name": "api_call", "payload": {"stripe_customer_id": customer, "value": 1.5}}
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stream.v2.billing.meter_event_stream.create({"events": [good, bad]})  # type: ignore[list-item]
    assert caught.value.http_status == 400
    assert caught.value.code == "invalid_fields"
    assert "events[1][payload][value]" in caught.value.user_message  # type: ignore[operator]
    assert _usage(stripe_fake) == 0


# -- invalid_fields messages name the field -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("/v2/core/events", {"limit": 0}, "limit"),
        ("/v2/core/events", {"limit": 101}, "limit"),
        ("/v2/core/events", {"limit": "many"}, "limit"),
        ("/v2/core/event_destinations", {"limit": 0}, "limit"),
        ("/v2/core/event_destinations", {"limit": 1000}, "limit"),
    ],
)
def test_v2_invalid_fields_message_names_the_field(
    client: stripe.StripeClient, path: str, query: dict[str, Any], field: str
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.raw_request("get", path, **query)
    assert caught.value.http_status == 400
    assert caught.value.code == "invalid_fields"
    assert field in caught.value.user_message  # type: ignore[operator]


def test_v2_wrongly_typed_body_field_is_named(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        _destination(client, name=5)
    assert caught.value.code == "invalid_fields"
    assert "name" in caught.value.user_message  # type: ignore[operator]


# -- created[...] filters compare at millisecond precision --------------------------------------------------


def test_v2_events_created_filter_subsecond_bounds(client: stripe.StripeClient) -> None:
    with freeze_time("2026-03-01T12:00:00Z"):
        destination = _destination(client)
        event = client.v2.core.event_destinations.ping(destination.id)

    def listed(**created: str) -> list[str]:
        with freeze_time("2026-03-01T12:01:00Z"):
            page = client.v2.core.events.list({"created": created})  # type: ignore[typeddict-item]
        return [e.id for e in page.data]

    assert listed(lt="2026-03-01T12:00:00.500Z") == [event.id]
    assert listed(lte="2026-03-01T12:00:00.000Z") == [event.id]
    assert listed(gte="2026-03-01T12:00:00.500Z") == []
    assert listed(gt="2026-03-01T11:59:59.500Z") == [event.id]
    assert listed(lte="2026-03-01T11:59:59.999Z") == []
    assert listed(gt="2026-03-01T12:00:00.000Z") == []


# -- event destinations: an empty description is a value, not "unset" ---------------------------------------


def test_v2_event_destination_empty_description(client: stripe.StripeClient) -> None:
    """v2 JSON has no "empty string unsets" rule; the object's own default description is ``""``."""
    destination = _destination(client, description="")
    assert destination.description == ""
    updated = client.v2.core.event_destinations.update(destination.id, {"description": "for billing"})
    assert updated.description == "for billing"
    cleared = client.v2.core.event_destinations.update(destination.id, {"description": ""})
    assert cleared.description == ""
    assert client.v2.core.event_destinations.retrieve(destination.id).description == ""


def test_v2_required_string_empty_is_invalid_fields_without_v1_wording(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v2.billing.meter_events.create(
            {"event_name": "", "payload": {"stripe_customer_id": "cus_x", "value": "1"}}
        )
    assert caught.value.code == "invalid_fields"
    message = caught.value.user_message or ""
    assert "event_name" in message
    assert "unset" not in message  # v1's form-encoding rule does not exist on v2


# -- things that already matched, pinned --------------------------------------------------------------


def test_v2_stream_success_body_is_empty_object(client: stripe.StripeClient, stripe_fake: StripeFake) -> None:
    customer = _customer(client)
    _meter(client)
    session = client.v2.billing.meter_event_session.create()
    stream = stripe.StripeClient(session.authentication_token)
    stream.v2.billing.meter_event_stream.create(
        {"events": [{"event_name": "api_call", "payload": {"stripe_customer_id": customer, "value": "1"}}]}
    )
    last = stripe_fake.requests[-1]
    assert (last.host, last.status, json.loads(last.body)) == ("meter-events.stripe.com", 200, {})


def test_v2_next_page_urls_are_origin_relative(client: stripe.StripeClient) -> None:
    for index in range(3):
        _destination(client, name=f"d{index}")
    page = client.v2.core.event_destinations.list({"limit": 1, "include": ["webhook_endpoint.url"]})
    assert page.next_page_url is not None and page.next_page_url.startswith("/v2/core/event_destinations?")
    names = [d.name for d in page.auto_paging_iter()]
    assert names == ["d2", "d1", "d0"]
