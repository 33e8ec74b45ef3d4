"""Conformance of every v2 response and error to Stripe's v2 spec (``tests/data/v2_schemas.json``).

Each operation's 200 body is validated against the operation's own response schema from the spec
(named ``"<METHOD> <path>"`` in the data file: list envelopes and ``v2.deleted_object`` included);
thin events also against their typed schema (``v1.billing.meter.error_report_triggered``...). Each
error the fake can answer is validated against ``v2.error`` and its ``v2.error.<code>`` schema, and
checked for the exception class the SDK raises for it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jsonschema
import pytest
import stripe
from compat import v1
from freezegun import freeze_time

from stripe_fake import StripeFake

DEFS: dict[str, Any] = json.loads((Path(__file__).parent.parent / "data" / "v2_schemas.json").read_text())[
    "$defs"
]
ERROR_REPORT = "v1.billing.meter.error_report_triggered"
NO_METER = "v1.billing.meter.no_meter_found"
PING = "v2.core.event_destination.ping"
# The error report ``code`` is an "Open Enum": the fake also sends the documented codes below.
OPEN_CODES = ["meter_event_value_not_found", "meter_event_value_too_many_digits"]


def _defs() -> dict[str, Any]:
    defs = copy.deepcopy(DEFS)
    for name in (ERROR_REPORT, NO_METER):
        items = defs[name]["properties"]["data"]["properties"]["reason"]["properties"]["error_types"]["items"]
        items["properties"]["code"]["enum"] += OPEN_CODES
    return defs


SCHEMAS = _defs()


def check(schema: str, body: Any) -> None:
    """Validate ``body`` against the spec schema, and reject top-level fields the spec does not have."""
    pointer = quote(schema.replace("~", "~0").replace("/", "~1"), safe="~")
    jsonschema.validate(body, {"$ref": f"#/$defs/{pointer}", "$defs": SCHEMAS})
    resolved = _resolve(SCHEMAS[schema])
    items = resolved.get("properties", {}).get("data", {}).get("items")
    if "next_page_url" in resolved.get("properties", {}) and items is not None:
        for item in body["data"]:
            assert not _invented(_resolve(items), item), (
                f"{schema}: invented {_invented(_resolve(items), item)}"
            )
        return
    assert not _invented(resolved, body), f"{schema}: fields not in the spec: {_invented(resolved, body)}"


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = SCHEMAS[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _invented(schema: dict[str, Any], body: Any) -> list[str]:
    if not isinstance(body, dict) or "properties" not in schema:
        return []
    allowed = set(schema["properties"])
    if body.get("object") == "v2.core.event":  # a thin event: the envelope plus its type's fields
        allowed |= set(SCHEMAS["v2.core.event"]["properties"])
        allowed |= set(SCHEMAS.get(body.get("type", ""), {}).get("properties", {}))
    return sorted(set(body) - allowed)


def raw(obj: Any) -> Any:
    return json.loads(obj.last_response.body)


@pytest.fixture
def v2(stripe_fake: StripeFake) -> stripe.StripeClient:
    return stripe.StripeClient("sk_test_fake_123")


def _setup(client: stripe.StripeClient) -> str:
    customer: str = v1(client).customers.create().id
    v1(client).billing.meters.create(
        {"display_name": "Calls", "event_name": "call", "default_aggregation": {"formula": "sum"}}
    )
    return customer


def _destination(client: stripe.StripeClient, **extra: Any) -> Any:
    params: dict[str, Any] = {
        "name": "d",
        "type": "webhook_endpoint",
        "event_payload": "thin",
        "enabled_events": [ERROR_REPORT, NO_METER],
        "webhook_endpoint": {"url": "https://example.com/thin"},
        **extra,
    }
    return client.v2.core.event_destinations.create(params)  # type: ignore[arg-type]


# -- success responses ------------------------------------------------------------------------------------


def test_meter_event_endpoints(v2: stripe.StripeClient, stripe_fake: StripeFake) -> None:
    customer = _setup(v2)
    event = v2.v2.billing.meter_events.create(
        {"event_name": "call", "identifier": "e1", "payload": {"stripe_customer_id": customer, "value": "3"}}
    )
    check("POST /v2/billing/meter_events", raw(event))
    adjustment = v2.v2.billing.meter_event_adjustments.create(
        {"event_name": "call", "type": "cancel", "cancel": {"identifier": "e1"}}
    )
    check("POST /v2/billing/meter_event_adjustments", raw(adjustment))
    session = v2.v2.billing.meter_event_session.create()
    check("POST /v2/billing/meter_event_session", raw(session))
    stream = stripe.StripeClient(session.authentication_token)
    stream.v2.billing.meter_event_stream.create(
        {"events": [{"event_name": "call", "payload": {"stripe_customer_id": customer, "value": "1"}}]}
    )
    last = stripe_fake.requests[-1]
    # spec: {"type": "object", "properties": {}, "additionalProperties": false}
    assert (last.host, last.status, last.response) == ("meter-events.stripe.com", 200, {})


@pytest.mark.stripe_fake(error_report_window=0)
def test_events_and_thin_event_types(v2: stripe.StripeClient, stripe_fake: StripeFake) -> None:
    customer = _setup(v2)
    destination = _destination(v2)
    # one error report (unknown customer, missing value) and one no-meter report
    v1(v2).billing.meter_events.create(
        {"event_name": "call", "payload": {"stripe_customer_id": "cus_nope", "value": "1"}}
    )
    v1(v2).billing.meter_events.create({"event_name": "call", "payload": {"stripe_customer_id": customer}})
    v1(v2).billing.meter_events.create(
        {"event_name": "nothing", "payload": {"stripe_customer_id": customer, "value": "1"}}
    )
    stripe_fake.flush_error_reports()
    ping = v2.v2.core.event_destinations.ping(destination.id)
    check("POST /v2/core/event_destinations/{id}/ping", raw(ping))

    listed = raw(v2.v2.core.events.list({"limit": 2}))
    check("GET /v2/core/events", listed)
    assert set(listed) == {"data", "next_page_url", "previous_page_url"}
    assert listed["next_page_url"].startswith("/v2/core/events?")
    everything = raw(v2.v2.core.events.list({"limit": 100}))["data"]
    assert {event["type"] for event in everything} == {ERROR_REPORT, NO_METER, PING}
    codes = set()
    for event in everything:
        fetched = raw(v2.v2.core.events.retrieve(event["id"]))
        assert fetched == event
        check("GET /v2/core/events/{id}", fetched)
        check(event["type"], fetched)
        codes |= {
            error_type["code"] for error_type in fetched["data"].get("reason", {}).get("error_types", [])
        }
    assert codes == {"meter_event_customer_not_found", "meter_event_value_not_found", "no_meter"}


def test_thin_notifications_match_event_schema(v2: stripe.StripeClient, stripe_fake: StripeFake) -> None:
    _setup(v2)
    bodies: list[dict[str, Any]] = []

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        bodies.append(json.loads(environ["wsgi.input"].read(length)))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    stripe_fake.mount("https://hooks.example.com", app)
    destination = _destination(v2, webhook_endpoint={"url": "https://hooks.example.com/thin"})
    v1(v2).billing.meter_events.create(
        {"event_name": "none", "payload": {"stripe_customer_id": "c", "value": "1"}}
    )
    stripe_fake.flush_error_reports()
    v2.v2.core.event_destinations.ping(destination.id)
    assert [body["type"] for body in bodies] == [NO_METER, PING]
    for body in bodies:
        check("v2.core.event", body)
        assert "data" not in body  # a push notification is fetched for its data


def test_event_destination_endpoints(v2: stripe.StripeClient) -> None:
    created = _destination(v2, include=["webhook_endpoint.signing_secret", "webhook_endpoint.url"])
    check("POST /v2/core/event_destinations", raw(created))
    bridge = v2.v2.core.event_destinations.create(
        {
            "name": "bridge",
            "type": "amazon_eventbridge",
            "event_payload": "snapshot",
            "enabled_events": ["customer.created"],
            "amazon_eventbridge": {"aws_account_id": "123456789012", "aws_region": "us-east-1"},
        }
    )
    check("POST /v2/core/event_destinations", raw(bridge))
    check("GET /v2/core/event_destinations/{id}", raw(v2.v2.core.event_destinations.retrieve(created.id)))
    updated = v2.v2.core.event_destinations.update(created.id, {"description": "x", "metadata": {"k": "v"}})
    check("POST /v2/core/event_destinations/{id}", raw(updated))
    disabled = v2.v2.core.event_destinations.disable(created.id)
    check("POST /v2/core/event_destinations/{id}/disable", raw(disabled))
    enabled = v2.v2.core.event_destinations.enable(created.id)
    check("POST /v2/core/event_destinations/{id}/enable", raw(enabled))
    listed = raw(v2.v2.core.event_destinations.list({"limit": 1, "include": ["webhook_endpoint.url"]}))
    check("GET /v2/core/event_destinations", listed)
    assert listed["next_page_url"].startswith("/v2/core/event_destinations?")
    deleted = v2.v2.core.event_destinations.delete(created.id)
    check("DELETE /v2/core/event_destinations/{id}", raw(deleted))


# -- errors -----------------------------------------------------------------------------------------------

Call = Callable[[stripe.StripeClient, str], Any]


def _event(name: str, customer: str, **extra: Any) -> dict[str, Any]:
    return {"event_name": name, "payload": {"stripe_customer_id": customer, "value": "1"}, **extra}


def _expired(client: stripe.StripeClient, customer: str) -> Any:
    with freeze_time("2026-01-01T00:00:00Z"):
        token = client.v2.billing.meter_event_session.create().authentication_token
    with freeze_time("2026-01-01T00:15:00Z"):
        stripe.StripeClient(token).v2.billing.meter_event_stream.create(
            {"events": [_event("call", customer)]}
        )  # type: ignore[list-item]


def _duplicate(client: stripe.StripeClient, customer: str) -> Any:
    client.v2.billing.meter_events.create(_event("call", customer, identifier="dup"))  # type: ignore[arg-type]
    client.v2.billing.meter_events.create(_event("call", customer, identifier="dup"))  # type: ignore[arg-type]


def _archived(client: stripe.StripeClient, customer: str) -> Any:
    meter = v1(client).billing.meters.create(
        {"display_name": "Old", "event_name": "old", "default_aggregation": {"formula": "sum"}}
    )
    v1(client).billing.meters.deactivate(meter.id)
    client.v2.billing.meter_events.create(_event("old", customer))  # type: ignore[arg-type]


def _idempotency(client: stripe.StripeClient, customer: str) -> Any:
    params: Any = {
        "name": "x",
        "type": "webhook_endpoint",
        "event_payload": "thin",
        "enabled_events": [NO_METER],
        "webhook_endpoint": {"url": "https://example.com/a"},
    }
    client.v2.core.event_destinations.create(params, {"idempotency_key": "same"})
    client.v2.core.event_destinations.create({**params, "name": "y"}, {"idempotency_key": "same"})


ERRORS: dict[str, tuple[Call, type[stripe.StripeError], int, str]] = {
    "meter_events.no_meter": (
        lambda c, cus: c.v2.billing.meter_events.create(_event("nothing", cus)),  # type: ignore[arg-type]
        stripe.InvalidRequestError, 400, "no_meter",
    ),
    "meter_events.archived_meter": (_archived, stripe.InvalidRequestError, 400, "archived_meter"),
    "meter_events.duplicate_meter_event": (
        _duplicate, stripe.InvalidRequestError, 400, "duplicate_meter_event",
    ),
    "meter_events.payload_no_customer_defined": (
        lambda c, cus: c.v2.billing.meter_events.create({"event_name": "call", "payload": {"value": "1"}}),
        stripe.InvalidRequestError, 400, "payload_no_customer_defined",
    ),
    "meter_events.payload_no_value_defined": (
        lambda c, cus: c.v2.billing.meter_events.create(
            {"event_name": "call", "payload": {"stripe_customer_id": cus}}
        ),
        stripe.InvalidRequestError, 400, "payload_no_value_defined",
    ),
    "meter_events.payload_invalid_value": (
        lambda c, cus: c.v2.billing.meter_events.create(
            {"event_name": "call", "payload": {"stripe_customer_id": cus, "value": "ten"}}
        ),
        stripe.InvalidRequestError, 400, "payload_invalid_value",
    ),
    "meter_events.invalid_fields": (
        lambda c, cus: c.v2.billing.meter_events.create({"event_name": "call"}),  # type: ignore[typeddict-item]
        stripe.InvalidRequestError, 400, "invalid_fields",
    ),
    "adjustments.invalid_cancel_configuration": (
        lambda c, cus: c.v2.billing.meter_event_adjustments.create(
            {"event_name": "call", "type": "cancel", "cancel": {"identifier": "never"}}
        ),
        stripe.InvalidRequestError, 400, "invalid_cancel_configuration",
    ),
    "session.invalid_fields": (
        lambda c, cus: c.raw_request("post", "/v2/billing/meter_event_session", bogus="1"),
        stripe.InvalidRequestError, 400, "invalid_fields",
    ),
    "stream.billing_meter_event_session_expired": (
        _expired, stripe.TemporarySessionExpiredError, 401, "billing_meter_event_session_expired",
    ),
    "stream.too_many_events": (
        lambda c, cus: stripe.StripeClient(
            c.v2.billing.meter_event_session.create().authentication_token
        ).v2.billing.meter_event_stream.create({"events": [_event("call", cus)] * 101}),  # type: ignore[list-item]
        stripe.InvalidRequestError, 400, "invalid_fields",
    ),
    "stream.api_key_instead_of_token": (
        lambda c, cus: c.v2.billing.meter_event_stream.create({"events": [_event("call", cus)]}),  # type: ignore[list-item]
        stripe.AuthenticationError, 401, "unauthorized",
    ),
    "events.not_found": (
        lambda c, cus: c.v2.core.events.retrieve("evt_test_missing"),
        stripe.InvalidRequestError, 404, "not_found",
    ),
    "events.invalid_fields": (
        lambda c, cus: c.v2.core.events.list({"types": ["a.b"] * 21}),
        stripe.InvalidRequestError, 400, "invalid_fields",
    ),
    "event_destinations.not_found.retrieve": (
        lambda c, cus: c.v2.core.event_destinations.retrieve("ed_missing"),
        stripe.InvalidRequestError, 404, "not_found",
    ),
    "event_destinations.not_found.update": (
        lambda c, cus: c.v2.core.event_destinations.update("ed_missing", {"name": "x"}),
        stripe.InvalidRequestError, 404, "not_found",
    ),
    "event_destinations.not_found.delete": (
        lambda c, cus: c.v2.core.event_destinations.delete("ed_missing"),
        stripe.InvalidRequestError, 404, "not_found",
    ),
    "event_destinations.not_found.enable": (
        lambda c, cus: c.v2.core.event_destinations.enable("ed_missing"),
        stripe.InvalidRequestError, 404, "not_found",
    ),
    "event_destinations.not_found.disable": (
        lambda c, cus: c.v2.core.event_destinations.disable("ed_missing"),
        stripe.InvalidRequestError, 404, "not_found",
    ),
    "event_destinations.not_found.ping": (
        lambda c, cus: c.v2.core.event_destinations.ping("ed_missing"),
        stripe.InvalidRequestError, 404, "not_found",
    ),
    "event_destinations.idempotency_error": (_idempotency, stripe.IdempotencyError, 400, "idempotency_error"),
    "event_destinations.invalid_fields": (
        lambda c, cus: c.v2.core.event_destinations.list({"limit": 0}),
        stripe.InvalidRequestError, 400, "invalid_fields",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_v2_error(v2: stripe.StripeClient, case: str) -> None:
    call, exception, status, code = ERRORS[case]
    customer = _setup(v2)
    with pytest.raises(stripe.StripeError) as caught:
        call(v2, customer)
    error = caught.value
    assert type(error) is exception, f"{case}: the SDK raised {type(error).__name__}"
    body = error.json_body
    assert (error.http_status, body["error"]["code"]) == (status, code)
    check("v2.error", body)
    specific = f"v2.error.{code}"
    if specific in SCHEMAS:
        check(specific, body)
    assert set(body["error"]) <= {"type", "code", "message", "doc_url", "user_message"}
