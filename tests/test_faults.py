"""fail_next: injected 429/500/409/custom/network failures and how the SDK's retries meet them."""

from __future__ import annotations

from typing import Any

import pytest
import stripe
from compat import v1

from stripe_fake import StripeFake
from stripe_fake.context import RequestContext
from stripe_fake.http.routing import Route


def _usage(meter: Any, customer: Any) -> float:
    summaries = stripe.billing.Meter.list_event_summaries(
        meter.id, customer=customer.id, start_time=0, end_time=3_999_999_960
    )
    return float(sum(s.aggregated_value for s in summaries.data))


def _report(customer: Any, value: str = "1", **options: Any) -> Any:
    return stripe.billing.MeterEvent.create(
        event_name="api_call", payload={"stripe_customer_id": customer.id, "value": value}, **options
    )


def _attempts(fake: StripeFake, route: str) -> list[Any]:
    return [r for r in fake.requests if r.route == route]


def test_global_style_retries_a_500_and_counts_once(
    stripe_fake: StripeFake, meter: Any, customer: Any
) -> None:
    fault = stripe_fake.fail_next("meter_events.create", error="api_error")
    _report(customer, "7")
    attempts = _attempts(stripe_fake, "meter_events.create")
    assert [a.status for a in attempts] == [500, 200]
    assert attempts[0].headers["idempotency-key"] == attempts[1].headers["idempotency-key"]
    assert fault.remaining == 0 and len(fault.hits) == 1
    assert _usage(meter, customer) == 7


def test_failures_beyond_the_retry_budget_surface(stripe_fake: StripeFake, meter: Any, customer: Any) -> None:
    stripe_fake.fail_next("meter_events.create", error="api_error", times=3)
    with pytest.raises(stripe.APIError) as caught:
        _report(customer)
    assert caught.value.http_status == 500
    assert len(_attempts(stripe_fake, "meter_events.create")) == 3  # 1 + stripe.max_network_retries (2)
    assert _usage(meter, customer) == 0
    _report(customer)  # the rule is used up
    assert _usage(meter, customer) == 1


def test_injected_failures_are_not_saved_for_idempotency(
    stripe_fake: StripeFake, meter: Any, customer: Any
) -> None:
    stripe_fake.fail_next("meter_events.create", error="api_error", times=3)
    with pytest.raises(stripe.APIError):
        _report(customer, "2", idempotency_key="usage-1")
    # The app retries later with the same key: it executes now (a saved 500 would be replayed).
    event = _report(customer, "2", idempotency_key="usage-1")
    assert event.last_response.headers.get("Idempotent-Replayed") is None
    _report(customer, "2", idempotency_key="usage-1")  # and now it is a replay
    assert _usage(meter, customer) == 2


def test_rate_limit_is_not_retried_without_the_header(stripe_fake: StripeFake, customer: Any) -> None:
    stripe_fake.fail_next("customers.update", error="rate_limit")
    with pytest.raises(stripe.RateLimitError) as caught:
        stripe.Customer.modify(customer.id, name="x")
    assert caught.value.http_status == 429
    assert caught.value.error.code == "rate_limit"
    assert len(_attempts(stripe_fake, "customers.update")) == 1
    assert stripe.Customer.retrieve(customer.id).name is None


def test_rate_limit_with_should_retry_is_retried(stripe_fake: StripeFake, customer: Any) -> None:
    stripe_fake.fail_next("customers.update", error="rate_limit", should_retry=True)
    assert stripe.Customer.modify(customer.id, name="x").name == "x"
    attempts = _attempts(stripe_fake, "customers.update")
    assert [a.status for a in attempts] == [429, 200]


def test_lock_timeout_409_is_retried(stripe_fake: StripeFake, customer: Any) -> None:
    stripe_fake.fail_next("customers.update", error="lock_timeout", times=2)
    assert stripe.Customer.modify(customer.id, name="y").name == "y"
    assert [a.status for a in _attempts(stripe_fake, "customers.update")] == [409, 409, 200]
    assert stripe_fake.requests[-2].error is not None
    assert stripe_fake.requests[-2].error["code"] == "lock_timeout"


def test_should_retry_false_stops_the_sdk(stripe_fake: StripeFake) -> None:
    stripe_fake.fail_next("customers.create", error="api_error", should_retry=False)
    with pytest.raises(stripe.APIError):
        stripe.Customer.create()
    assert len(_attempts(stripe_fake, "customers.create")) == 1
    assert stripe.Customer.list().data == []


def test_custom_error(stripe_fake: StripeFake) -> None:
    stripe_fake.fail_next(
        "customers.create",
        status=402,
        type="card_error",
        code="card_declined",
        message="Your card was declined.",
        param="source",
    )
    with pytest.raises(stripe.CardError) as caught:
        stripe.Customer.create()
    assert caught.value.code == "card_declined"
    assert caught.value.param == "source"
    assert caught.value.user_message == "Your card was declined."


def test_custom_invalid_request(stripe_fake: StripeFake) -> None:
    stripe_fake.fail_next("meters.*", error="custom", code="parameter_invalid_empty", param="display_name")
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe.billing.Meter.list()
    assert caught.value.http_status == 400 and caught.value.param == "display_name"


def test_network_error_with_stripe_client_retries(stripe_fake: StripeFake, meter: Any, customer: Any) -> None:
    client = stripe.StripeClient("sk_test_fake_123", max_network_retries=3)
    stripe_fake.fail_next("meter_events.create", error="network", times=3)
    v1(client).billing.meter_events.create(
        {"event_name": "api_call", "payload": {"stripe_customer_id": customer.id, "value": "4"}}
    )
    assert [a.status for a in _attempts(stripe_fake, "meter_events.create")] == [0, 0, 0, 200]
    assert _usage(meter, customer) == 4


def test_network_error_without_retries(stripe_fake: StripeFake, customer: Any) -> None:
    client = stripe.StripeClient("sk_test_fake_123")  # StripeClient default: no retries
    stripe_fake.fail_next("customers.retrieve", error="network")
    with pytest.raises(stripe.APIConnectionError) as caught:
        v1(client).customers.retrieve(customer.id)
    assert "injected network failure" in str(caught.value)
    assert v1(client).customers.retrieve(customer.id).id == customer.id


async def test_async_network_error_is_retried(stripe_fake: StripeFake, customer: Any) -> None:
    client = stripe.StripeClient("sk_test_fake_123", max_network_retries=1)
    stripe_fake.fail_next("customers.retrieve", error="network")
    found = await v1(client).customers.retrieve_async(customer.id)
    assert found.id == customer.id


def test_matching_by_method_and_path(stripe_fake: StripeFake) -> None:
    stripe_fake.fail_next("POST /v1/customers/*", error="rate_limit", times=2)
    created = stripe.Customer.create()  # POST /v1/customers does not match /v1/customers/*
    stripe.Customer.retrieve(created.id)  # GET does not match
    for _ in range(2):
        with pytest.raises(stripe.RateLimitError):
            stripe.Customer.modify(created.id, name="n")
    assert stripe.Customer.modify(created.id, name="n").name == "n"


def test_path_pattern_of_the_route_matches(stripe_fake: StripeFake, customer: Any) -> None:
    stripe_fake.fail_next("GET /v1/customers/{id}", error="rate_limit")
    with pytest.raises(stripe.RateLimitError):
        stripe.Customer.retrieve(customer.id)


def test_any_request(stripe_fake: StripeFake) -> None:
    stripe_fake.fail_next(error="rate_limit")
    with pytest.raises(stripe.RateLimitError):
        stripe.billing.Meter.list()
    stripe.billing.Meter.list()


def test_rules_are_consumed_in_order(stripe_fake: StripeFake) -> None:
    stripe_fake.fail_next("customers.create", error="rate_limit")
    stripe_fake.fail_next("customers.create", status=403, type="invalid_request_error", message="nope")
    with pytest.raises(stripe.RateLimitError):
        stripe.Customer.create()
    with pytest.raises(stripe.PermissionError):
        stripe.Customer.create()
    assert stripe_fake.backend.faults.pending == []


def test_bad_arguments_raise(stripe_fake: StripeFake) -> None:
    with pytest.raises(ValueError, match="no route is named"):
        stripe_fake.fail_next("meter_event.create")
    with pytest.raises(ValueError, match="unknown error"):
        stripe_fake.fail_next("customers.create", error="boom")
    with pytest.raises(ValueError):
        stripe_fake.fail_next("customers.create", times=0)
    with pytest.raises(ValueError):
        stripe_fake.fail_next("customers.create", status=200)


def test_reset_disarms(stripe_fake: StripeFake) -> None:
    stripe_fake.fail_next("customers.create", error="rate_limit")
    stripe_fake.reset()
    stripe.Customer.create()


@pytest.mark.stripe_fake(fail_next=[{"target": "customers.create", "error": "rate_limit", "times": 2}])
def test_marker_option(stripe_fake: StripeFake) -> None:
    for _ in range(2):
        with pytest.raises(stripe.RateLimitError):
            stripe.Customer.create()
    stripe.Customer.create()


@pytest.mark.stripe_fake(fail_next=[{"route": "meter_events.create", "error": "api_error"}])
def test_marker_option_with_retries(stripe_fake: StripeFake, meter: Any, customer: Any) -> None:
    _report(customer, "3")
    assert _usage(meter, customer) == 3


def _v2_echo(ctx: RequestContext) -> dict[str, Any]:
    return {"id": "echo_1", "object": "test.echo"}


def test_v2_envelope(stripe_fake: StripeFake) -> None:
    stripe_fake.backend.router.add(Route("POST", "/v2/test/echo", _v2_echo, "test.echo"))
    client = stripe.StripeClient("sk_test_fake_123")
    stripe_fake.fail_next("test.echo", error="rate_limit", type="rate_limit")
    with pytest.raises(stripe.RateLimitError) as caught:
        client.raw_request("post", "/v2/test/echo")
    assert caught.value.json_body["error"]["code"] == "rate_limit"
    assert "request_log_url" not in caught.value.json_body["error"]
    assert client.raw_request("post", "/v2/test/echo").body
