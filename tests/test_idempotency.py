"""Idempotency-Key: replays, mismatches, what is (not) saved, scoping and expiry, through the SDK."""

from __future__ import annotations

from typing import Any

import pytest
import stripe
from compat import v1
from freezegun import freeze_time

from stripe_fake import StripeFake
from stripe_fake.context import RequestContext
from stripe_fake.http.routing import Route
from stripe_fake.http.schema import Int, Str, validate

MISMATCH = (
    "Keys for idempotent requests can only be used with the same parameters they were first used with. "
    "Try using a key other than '{key}' if you meant to execute a different request."
)


def _summary_total(meter: Any, customer: Any) -> float:
    summaries = stripe.billing.Meter.list_event_summaries(
        meter.id, customer=customer.id, start_time=0, end_time=4_000_000_000 - 4_000_000_000 % 60
    )
    return float(sum(s.aggregated_value for s in summaries.data))


def test_same_key_replays_the_first_response(stripe_fake: StripeFake) -> None:
    first = stripe.Customer.create(email="a@example.com", idempotency_key="key-1")
    again = stripe.Customer.create(email="a@example.com", idempotency_key="key-1")
    assert again.id == first.id
    assert again.last_response.headers.get("Idempotent-Replayed") == "true"
    assert first.last_response.headers.get("Idempotent-Replayed") is None
    assert again.last_response.headers.get("Original-Request") == first.last_response.request_id
    assert again.last_response.request_id != first.last_response.request_id
    assert len(stripe.Customer.list().data) == 1
    assert len(stripe_fake.events.of_type("customer.created")) == 1


def test_replayed_meter_event_counts_once(
    stripe_fake: StripeFake, meter: stripe.billing.Meter, customer: stripe.Customer
) -> None:
    params = {"event_name": "api_call", "payload": {"stripe_customer_id": customer.id, "value": "5"}}
    for _ in range(3):
        stripe.billing.MeterEvent.create(**params, idempotency_key="usage-1")  # type: ignore[arg-type]
    assert _summary_total(meter, customer) == 5


def test_same_key_other_params_is_an_idempotency_error(stripe_fake: StripeFake) -> None:
    stripe.Customer.create(email="a@example.com", idempotency_key="key-2")
    with pytest.raises(stripe.IdempotencyError) as caught:
        stripe.Customer.create(email="b@example.com", idempotency_key="key-2")
    assert caught.value.http_status == 400
    assert caught.value.error.type == "idempotency_error"
    assert caught.value.user_message == MISMATCH.format(key="key-2")
    assert len(stripe.Customer.list().data) == 1


def test_same_key_on_another_endpoint_is_an_idempotency_error(stripe_fake: StripeFake) -> None:
    stripe.Customer.create(email="a@example.com", idempotency_key="key-3")
    with pytest.raises(stripe.IdempotencyError):
        stripe.billing.Meter.create(
            display_name="x", event_name="x", default_aggregation={"formula": "sum"}, idempotency_key="key-3"
        )
    assert stripe.billing.Meter.list().data == []


def test_parameter_order_does_not_matter(stripe_fake: StripeFake) -> None:
    a = stripe.Customer.create(email="a@example.com", name="A", idempotency_key="key-4")
    b = stripe.Customer.create(name="A", email="a@example.com", idempotency_key="key-4")
    assert a.id == b.id


def test_validation_failure_is_not_saved(stripe_fake: StripeFake) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe.Customer.create(email="a@example.com", bogus="1", idempotency_key="key-5")  # type: ignore[call-arg]
    assert caught.value.code == "parameter_unknown"
    # Same key, fixed parameters: executes (the failed attempt was not saved).
    created = stripe.Customer.create(email="a@example.com", idempotency_key="key-5")
    assert created.last_response.headers.get("Idempotent-Replayed") is None


def test_error_after_execution_began_is_replayed(stripe_fake: StripeFake, meter: Any) -> None:
    customer = stripe.Customer.create()
    stripe.billing.MeterEvent.create(
        event_name="api_call", identifier="dup", payload={"stripe_customer_id": customer.id, "value": "1"}
    )
    payload = {"stripe_customer_id": customer.id, "value": "1"}
    params = {"event_name": "api_call", "identifier": "dup", "payload": payload}
    with pytest.raises(stripe.InvalidRequestError) as first:
        stripe.billing.MeterEvent.create(**params, idempotency_key="key-6")  # type: ignore[arg-type]
    with pytest.raises(stripe.InvalidRequestError) as second:
        stripe.billing.MeterEvent.create(**params, idempotency_key="key-6")  # type: ignore[arg-type]
    assert second.value.user_message == first.value.user_message
    assert second.value.headers.get("Idempotent-Replayed") == "true"
    assert second.value.json_body == first.value.json_body


def test_replay_survives_deletion_of_the_object(stripe_fake: StripeFake) -> None:
    created = stripe.Customer.create(email="a@example.com", idempotency_key="key-7")
    stripe.Customer.delete(created.id)
    replayed = stripe.Customer.create(email="a@example.com", idempotency_key="key-7")
    assert replayed.id == created.id and replayed.email == "a@example.com"


def test_key_expires_after_24_hours(stripe_fake: StripeFake) -> None:
    with freeze_time("2026-01-01 00:00:00") as frozen:
        first = stripe.Customer.create(email="a@example.com", idempotency_key="key-8")
        frozen.tick(24 * 3600 - 1)
        assert stripe.Customer.create(email="a@example.com", idempotency_key="key-8").id == first.id
        frozen.tick(1)
        fresh = stripe.Customer.create(email="b@example.com", idempotency_key="key-8")
        assert fresh.id != first.id


def test_keys_are_scoped_per_account(stripe_fake: StripeFake) -> None:
    platform = stripe.Customer.create(email="a@example.com", idempotency_key="key-9")
    connected = stripe.Customer.create(
        email="a@example.com", idempotency_key="key-9", stripe_account="acct_1"
    )
    assert connected.id != platform.id
    assert connected.last_response.headers.get("Idempotent-Replayed") is None
    other = stripe.Customer.create(email="z@example.com", idempotency_key="key-9", stripe_account="acct_2")
    assert other.email == "z@example.com"


def test_gets_ignore_the_key(stripe_fake: StripeFake) -> None:
    stripe.Customer.create(email="a@example.com")
    client = stripe.StripeClient("sk_test_fake_123")
    first = v1(client).customers.list(options={"idempotency_key": "key-10"})
    stripe.Customer.create(email="b@example.com")
    second = v1(client).customers.list(options={"idempotency_key": "key-10"})
    assert len(first.data) == 1 and len(second.data) == 2


def test_stripe_client_options(stripe_fake: StripeFake, client: stripe.StripeClient) -> None:
    a = v1(client).customers.create({"email": "a@example.com"}, {"idempotency_key": "key-11"})
    b = v1(client).customers.create({"email": "a@example.com"}, {"idempotency_key": "key-11"})
    assert a.id == b.id
    with pytest.raises(stripe.IdempotencyError):
        v1(client).customers.create({"email": "c@example.com"}, {"idempotency_key": "key-11"})


def test_overlong_key_is_rejected(stripe_fake: StripeFake) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe.Customer.create(idempotency_key="k" * 256)
    assert "255" in caught.value.user_message
    assert stripe.Customer.list().data == []


async def test_async_replay(stripe_fake: StripeFake) -> None:
    a = await stripe.Customer.create_async(email="a@example.com", idempotency_key="key-12")
    b = await stripe.Customer.create_async(email="a@example.com", idempotency_key="key-12")
    assert a.id == b.id


# -- v2 -----------------------------------------------------------------------------------------------

_V2_FIELDS = {"name": Str(required=True), "n": Int()}


def _v2_thing(ctx: RequestContext) -> dict[str, Any]:
    params = validate(_V2_FIELDS, ctx.params, expand=False)
    counter = ctx.account.backend.__dict__.setdefault("_test_v2_things", [])
    counter.append(params["name"])
    return {"id": f"thing_{len(counter)}", "object": "test.thing", "name": params["name"]}


@pytest.fixture
def v2_route(stripe_fake: StripeFake) -> list[str]:
    """A v2 endpoint added for the test, so the layer is checked on v2 whatever resources exist."""
    stripe_fake.backend.router.add(Route("POST", "/v2/test/things", _v2_thing, "test.things"))
    return stripe_fake.backend.__dict__.setdefault("_test_v2_things", [])


def test_v2_replay_and_mismatch(v2_route: list[str], client: stripe.StripeClient) -> None:
    first = client.raw_request("post", "/v2/test/things", name="a", idempotency_key="v2-key")
    again = client.raw_request("post", "/v2/test/things", name="a", idempotency_key="v2-key")
    assert first.body == again.body
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert v2_route == ["a"]
    with pytest.raises(stripe.IdempotencyError) as caught:
        client.raw_request("post", "/v2/test/things", name="b", idempotency_key="v2-key")
    assert caught.value.http_status == 400
    assert caught.value.json_body["error"] == {
        "type": "idempotency_error",
        "code": "idempotency_error",
        "message": "An idempotent retry occurred with different request parameters.",
    }
    assert v2_route == ["a"]


def test_v2_validation_failure_is_not_saved(v2_route: list[str], client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError):
        client.raw_request("post", "/v2/test/things", n=1, idempotency_key="v2-key-2")
    client.raw_request("post", "/v2/test/things", name="ok", idempotency_key="v2-key-2")
    assert v2_route == ["ok"]


def test_v2_meter_event_replay(stripe_fake: StripeFake, meter: Any, client: stripe.StripeClient) -> None:
    if stripe_fake.backend.router.match("POST", "/v2/billing/meter_events") is None:
        pytest.skip("POST /v2/billing/meter_events is not implemented yet")
    customer = v1(client).customers.create()
    params = {"event_name": "api_call", "payload": {"stripe_customer_id": customer.id, "value": "4"}}
    first = client.v2.billing.meter_events.create(params, {"idempotency_key": "v2-usage"})  # type: ignore[arg-type]
    again = client.v2.billing.meter_events.create(params, {"idempotency_key": "v2-usage"})  # type: ignore[arg-type]
    assert first.identifier == again.identifier
    assert _summary_total(meter, customer) == 4
    with pytest.raises(stripe.IdempotencyError):
        client.v2.billing.meter_events.create(
            {**params, "payload": {"stripe_customer_id": customer.id, "value": "5"}},  # type: ignore[dict-item]
            {"idempotency_key": "v2-usage"},
        )
