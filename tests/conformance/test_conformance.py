"""Conformance: objects the fake returns have exactly the fields of Stripe's own example objects.

For each v1 type, an object is produced through the SDK and compared with Stripe's example object
(``tests/data/fixtures.json``, from ``stripe/openapi`` fixtures3): same keys, recursively (free-form
maps and expanded-vs-id fields excepted), compatible types, ``null`` only where Stripe allows it. It is
also validated against the 2024-04-10 v1 spec where that covers the type; v2 objects and errors are
validated against the v2 spec (``tests/data/v2_schemas.json``). Regenerate the data with
``tests/data/extract_openapi.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import stripe
from compat import v1

from stripe_fake import StripeFake

DATA = Path(__file__).parent.parent / "data"
# fixtures.json plus one fixtures_<area>.json per resource area (each from fixtures3 / SDK classes).
FIXTURES: dict[str, Any] = {
    name: example
    for path in sorted(DATA.glob("fixtures*.json"))
    for name, example in json.loads(path.read_text()).items()
}
V1 = json.loads((DATA / "v1_schemas.json").read_text())
V2 = json.loads((DATA / "v2_schemas.json").read_text())

# Maps with free-form keys: compare only that they are objects.
FREE_FORM = {"metadata", "payload", "data.object", "data.previous_attributes"}
# Fields Stripe documents as nullable, for types the 2024 spec does not cover (reference §9).
NULLABLE = {
    "billing.alert": {"status", "usage_threshold", "usage_threshold.filters"},
    "billing.alert_triggered": set(),
    "test_helpers.test_clock": {"name"},
}


def _raw(obj: Any) -> dict[str, Any]:
    """The JSON body the fake sent for an SDK call."""
    body: dict[str, Any] = json.loads(obj.last_response.body)
    return body


def differences(fake: Any, example: Any, path: str, nullable: set[str] | None) -> list[str]:
    """How ``fake`` differs in shape from ``example`` (``nullable=None``: nullability left to the spec)."""
    where = path or "<root>"
    if fake is None:
        if example is None or nullable is None or path in nullable:
            return []
        return [f"{where}: null, but Stripe's example has {type(example).__name__} and it is not nullable"]
    if example is None:
        return []  # the example shows null: its type is left to the spec
    if isinstance(example, dict) and isinstance(fake, str) and "id" in example:
        return []  # an expandable field, not expanded
    if isinstance(example, dict):
        if not isinstance(fake, dict):
            return [f"{where}: {type(fake).__name__}, Stripe's example has an object"]
        if path in FREE_FORM:
            return []
        problems = [f"{_join(path, k)}: missing (Stripe sends it)" for k in sorted(set(example) - set(fake))]
        problems += [
            f"{_join(path, k)}: invented (Stripe does not send it)" for k in sorted(set(fake) - set(example))
        ]
        for key in sorted(set(fake) & set(example)):
            problems += differences(fake[key], example[key], _join(path, key), nullable)
        return problems
    if isinstance(example, list):
        if not isinstance(fake, list):
            return [f"{where}: {type(fake).__name__}, Stripe's example has a list"]
        if fake and example:
            return differences(fake[0], example[0], path, nullable)
        return []
    if isinstance(example, bool) or isinstance(fake, bool):
        ok = isinstance(example, bool) and isinstance(fake, bool)
    elif isinstance(example, (int, float)):
        ok = isinstance(fake, (int, float))
    else:
        ok = isinstance(fake, type(example))
    return [] if ok else [f"{where}: {type(fake).__name__}, Stripe's example has {type(example).__name__}"]


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def validate_v1(object_type: str, body: dict[str, Any]) -> None:
    if object_type not in V1["$defs"]:
        return
    jsonschema.validate(body, {"$ref": f"#/$defs/{object_type}", "$defs": V1["$defs"]})


def validate_v2(schema: str, body: Any) -> None:
    jsonschema.validate(body, {"$ref": f"#/$defs/{schema}", "$defs": V2["$defs"]})


# -- producers: one object of each type, made through the SDK ----------------------------------------


def _meter() -> Any:
    return stripe.billing.Meter.create(
        display_name="Calls", event_name="call", default_aggregation={"formula": "sum"}
    )


def _needs(fake: StripeFake, method: str, path: str) -> None:
    if fake.backend.router.match(method, path) is None:
        pytest.skip(f"{method} {path} is not implemented yet")


def make_customer(fake: StripeFake) -> dict[str, Any]:
    return _raw(stripe.Customer.create(email="c@example.com", metadata={"k": "v"}))


def make_meter(fake: StripeFake) -> dict[str, Any]:
    return _raw(_meter())


def make_meter_event(fake: StripeFake) -> dict[str, Any]:
    customer = stripe.Customer.create()
    _meter()
    return _raw(
        stripe.billing.MeterEvent.create(
            event_name="call", payload={"stripe_customer_id": customer.id, "value": "2"}
        )
    )


def make_summary(fake: StripeFake) -> dict[str, Any]:
    customer = stripe.Customer.create()
    meter = _meter()
    stripe.billing.MeterEvent.create(
        event_name="call", payload={"stripe_customer_id": customer.id, "value": "2"}
    )
    summaries = stripe.billing.Meter.list_event_summaries(
        meter.id, customer=customer.id, start_time=0, end_time=3_999_999_960
    )
    data: list[dict[str, Any]] = _raw(summaries)["data"]
    assert data, "no summary returned"
    return data[0]


def make_adjustment(fake: StripeFake) -> dict[str, Any]:
    _needs(fake, "POST", "/v1/billing/meter_event_adjustments")
    customer = stripe.Customer.create()
    _meter()
    event = stripe.billing.MeterEvent.create(
        event_name="call", identifier="e1", payload={"stripe_customer_id": customer.id, "value": "2"}
    )
    return _raw(
        stripe.billing.MeterEventAdjustment.create(
            event_name="call", type="cancel", cancel={"identifier": event.identifier}
        )
    )


def _alert(customer: Any, meter: Any) -> Any:
    return stripe.billing.Alert.create(
        alert_type="usage_threshold",
        title="Over 1",
        usage_threshold={
            "gte": 1,
            "meter": meter.id,
            "recurrence": "one_time",
            "filters": [{"type": "customer", "customer": customer.id}],
        },
    )


def make_alert(fake: StripeFake) -> dict[str, Any]:
    _needs(fake, "POST", "/v1/billing/alerts")
    return _raw(_alert(stripe.Customer.create(), _meter()))


def make_alert_triggered(fake: StripeFake) -> dict[str, Any]:
    _needs(fake, "POST", "/v1/billing/alerts")
    _needs(fake, "GET", "/v1/events")
    customer = stripe.Customer.create()
    _alert(customer, _meter())
    stripe.billing.MeterEvent.create(
        event_name="call", payload={"stripe_customer_id": customer.id, "value": "5"}
    )
    events = _raw(stripe.Event.list(type="billing.alert.triggered"))["data"]
    assert events, "no billing.alert.triggered event was emitted"
    found: dict[str, Any] = events[0]["data"]["object"]
    return found


def make_event(fake: StripeFake) -> dict[str, Any]:
    _needs(fake, "GET", "/v1/events")
    stripe.Customer.create()
    events = _raw(stripe.Event.list(limit=1))["data"]
    assert events, "no event listed"
    found: dict[str, Any] = events[0]
    return found


def make_webhook_endpoint(fake: StripeFake) -> dict[str, Any]:
    _needs(fake, "POST", "/v1/webhook_endpoints")
    created = _raw(
        stripe.WebhookEndpoint.create(url="https://example.com/hook", enabled_events=["customer.created"])
    )
    # Only the create response carries the signing secret; compare what retrieve returns.
    assert str(created.get("secret", "")).startswith("whsec_")
    retrieved = _raw(stripe.WebhookEndpoint.retrieve(created["id"]))
    assert {k: v for k, v in created.items() if k != "secret"} == retrieved
    return retrieved


# -- payments stream: payment methods, card sources, customers with billing fields ---------------------


def make_payment_method(fake: StripeFake) -> dict[str, Any]:
    customer = stripe.Customer.create()
    return _raw(stripe.PaymentMethod.attach("pm_card_visa", customer=customer.id))


def make_card(fake: StripeFake) -> dict[str, Any]:
    customer = stripe.Customer.create(source="tok_visa")
    expanded = _raw(stripe.Customer.retrieve(customer.id, expand=["default_source"]))
    found: dict[str, Any] = expanded["default_source"]
    return found


def make_billing_customer(fake: StripeFake) -> dict[str, Any]:
    return _raw(
        stripe.Customer.create(
            payment_method="pm_card_visa",
            invoice_settings={"default_payment_method": "pm_card_visa", "footer": "Thanks"},
            source="tok_mastercard",
            balance=-500,
            invoice_prefix="ACME",
            next_invoice_sequence=7,
        )
    )


def make_test_clock(fake: StripeFake) -> dict[str, Any]:
    return _raw(stripe.test_helpers.TestClock.create(frozen_time=1_772_323_200, name="Renewals"))


PRODUCERS: dict[str, Callable[[StripeFake], dict[str, Any]]] = {
    "test_helpers.test_clock": make_test_clock,
    "customer": make_customer,
    "billing.meter": make_meter,
    "billing.meter_event": make_meter_event,
    "billing.meter_event_summary": make_summary,
    "billing.meter_event_adjustment": make_adjustment,
    "billing.alert": make_alert,
    "billing.alert_triggered": make_alert_triggered,
    "event": make_event,
    "webhook_endpoint": make_webhook_endpoint,
    "payment_method": make_payment_method,
    "card": make_card,
}
# Producers of a type already covered above, with more fields set (same example object).
VARIANTS: dict[str, tuple[str, Callable[[StripeFake], dict[str, Any]]]] = {
    "customer_with_billing_fields": ("customer", make_billing_customer),
}


@pytest.mark.parametrize("object_type", sorted(PRODUCERS))
def test_v1_object_matches_stripe(stripe_fake: StripeFake, object_type: str) -> None:
    body = PRODUCERS[object_type](stripe_fake)
    assert body["object"] == object_type
    nullable = None if object_type in V1["$defs"] else NULLABLE.get(object_type, set())
    problems = differences(body, FIXTURES[object_type], "", nullable)
    assert not problems, f"{object_type} differs from Stripe's example:\n" + "\n".join(problems)
    validate_v1(object_type, body)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_v1_object_variant_matches_stripe(stripe_fake: StripeFake, variant: str) -> None:
    object_type, produce = VARIANTS[variant]
    body = produce(stripe_fake)
    assert body["object"] == object_type
    problems = differences(body, FIXTURES[object_type], "", None)
    assert not problems, f"{variant} differs from Stripe's example:\n" + "\n".join(problems)
    validate_v1(object_type, body)


def test_v1_list_envelope(stripe_fake: StripeFake) -> None:
    stripe.Customer.create()
    body = _raw(stripe.Customer.list(limit=1))
    assert set(body) == {"object", "data", "has_more", "url"}
    assert body["object"] == "list" and body["url"] == "/v1/customers"


@pytest.mark.parametrize(
    "call",
    [
        lambda: stripe.Customer.create(bogus="1"),
        lambda: stripe.Customer.retrieve("cus_missing"),
        lambda: stripe.billing.Meter.create(display_name="x"),
        lambda: stripe.Customer.list(limit=1000),
    ],
    ids=["parameter_unknown", "resource_missing", "parameter_missing", "limit_out_of_range"],
)
def test_v1_error_matches_spec(stripe_fake: StripeFake, call: Callable[[], Any]) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        call()
    body = caught.value.json_body
    jsonschema.validate(body, {"$ref": "#/$defs/error", "$defs": V1["$defs"]})
    assert set(body["error"]) <= {"type", "code", "message", "param", "doc_url", "request_log_url"}


def test_v1_idempotency_error_matches_spec(stripe_fake: StripeFake) -> None:
    stripe.Customer.create(email="a@example.com", idempotency_key="conf")
    with pytest.raises(stripe.IdempotencyError) as caught:
        stripe.Customer.create(email="b@example.com", idempotency_key="conf")
    jsonschema.validate(caught.value.json_body, {"$ref": "#/$defs/error", "$defs": V1["$defs"]})


# -- v2 -----------------------------------------------------------------------------------------------


@pytest.fixture
def v2(stripe_fake: StripeFake) -> stripe.StripeClient:
    return stripe.StripeClient("sk_test_fake_123")


def _v2_meter_event(client: stripe.StripeClient, fake: StripeFake) -> tuple[Any, Any]:
    _needs(fake, "POST", "/v2/billing/meter_events")
    customer = v1(client).customers.create()
    _meter()
    event = client.v2.billing.meter_events.create(
        {"event_name": "call", "payload": {"stripe_customer_id": customer.id, "value": "1"}}  # type: ignore[typeddict-item]
    )
    return customer, event


def test_v2_meter_event(v2: stripe.StripeClient, stripe_fake: StripeFake) -> None:
    _, event = _v2_meter_event(v2, stripe_fake)
    validate_v2("v2.billing.meter_event", _raw(event))


def test_v2_meter_event_adjustment(v2: stripe.StripeClient, stripe_fake: StripeFake) -> None:
    _needs(stripe_fake, "POST", "/v2/billing/meter_event_adjustments")
    _, event = _v2_meter_event(v2, stripe_fake)
    adjustment = v2.v2.billing.meter_event_adjustments.create(
        {"event_name": "call", "type": "cancel", "cancel": {"identifier": event.identifier}}
    )
    validate_v2("v2.billing.meter_event_adjustment", _raw(adjustment))


def test_v2_meter_event_session(v2: stripe.StripeClient, stripe_fake: StripeFake) -> None:
    _needs(stripe_fake, "POST", "/v2/billing/meter_event_session")
    validate_v2("v2.billing.meter_event_session", _raw(v2.v2.billing.meter_event_session.create()))


@pytest.mark.stripe_fake(error_report_window=0)
def test_v2_core_event(v2: stripe.StripeClient, stripe_fake: StripeFake) -> None:
    _needs(stripe_fake, "GET", "/v2/core/events")
    customer = v1(v2).customers.create()
    # Accepted but not counted (no meter): reported asynchronously as a v2 thin event.
    v1(v2).billing.meter_events.create(
        {"event_name": "no_such_meter", "payload": {"stripe_customer_id": customer.id, "value": "1"}}
    )
    body = json.loads(v2.raw_request("get", "/v2/core/events", object_id=customer.id).body)
    if not body["data"]:
        body = json.loads(v2.raw_request("get", "/v2/core/events").body)
    assert body["data"], "no thin event was emitted for a meter event without a meter"
    for event in body["data"]:
        validate_v2("v2.core.event", event)


def test_v2_event_destination(v2: stripe.StripeClient, stripe_fake: StripeFake) -> None:
    _needs(stripe_fake, "POST", "/v2/core/event_destinations")
    body = json.loads(
        v2.raw_request(
            "post",
            "/v2/core/event_destinations",
            name="d",
            type="webhook_endpoint",
            event_payload="thin",
            enabled_events=["v1.billing.meter.error_report_triggered"],
            webhook_endpoint={"url": "https://example.com/thin"},
        ).body
    )
    validate_v2("v2.core.event_destination", body)


@pytest.mark.parametrize(
    "body",
    [
        {"payload": {"stripe_customer_id": "cus_x", "value": "1"}},
        {"event_name": "x", "payload": {"stripe_customer_id": "cus_x", "value": "1"}, "bogus": 1},
    ],
    ids=["missing_field", "unknown_field"],
)
def test_v2_errors_match_spec(v2: stripe.StripeClient, stripe_fake: StripeFake, body: dict[str, Any]) -> None:
    _needs(stripe_fake, "POST", "/v2/billing/meter_events")
    with pytest.raises(stripe.StripeError) as caught:
        v2.raw_request("post", "/v2/billing/meter_events", **body)
    payload = caught.value.json_body
    validate_v2("v2.error", payload)
    specific = f"v2.error.{payload['error']['code']}"
    if specific in V2["$defs"]:
        validate_v2(specific, payload)


def test_v2_idempotency_error_matches_spec(v2: stripe.StripeClient, stripe_fake: StripeFake) -> None:
    customer, _ = _v2_meter_event(v2, stripe_fake)
    params = {"event_name": "call", "payload": {"stripe_customer_id": customer.id, "value": "1"}}
    v2.v2.billing.meter_events.create(params, {"idempotency_key": "k"})  # type: ignore[arg-type]
    with pytest.raises(stripe.IdempotencyError) as caught:
        v2.v2.billing.meter_events.create({**params, "event_name": "other"}, {"idempotency_key": "k"})  # type: ignore[arg-type]
    validate_v2("v2.error.idempotency_error", caught.value.json_body)
