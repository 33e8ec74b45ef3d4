"""The SDK is answered at its ``HTTPClient`` seam: what the SDK reads back (status, body, headers,
streams, retries) is what an HTTP client would have handed it; plain httpx keeps working through a
respx router installed once per process."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import respx
import stripe
from compat import v1

from stripe_fake import StripeFake
from stripe_fake.interceptor import split_url

KEY = "sk_test_fake_123"


def test_response_headers_read_case_insensitively(stripe_fake: StripeFake) -> None:
    customer = stripe.Customer.create(email="h@example.com", idempotency_key="key-1")
    response: Any = customer.last_response
    assert response.request_id.startswith("req_")
    assert response.idempotency_key == "key-1"
    assert response.headers["Request-Id"] == response.headers["request-id"] == response.request_id
    assert "STRIPE-VERSION" in response.headers
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-length"] == str(len(stripe_fake.requests[-1].body))
    assert response.headers.get("stripe-should-retry") is None
    assert dict(response.headers)["request-id"] == response.request_id  # iterated lower-cased, as httpx


def test_request_as_the_fake_sees_it(stripe_fake: StripeFake, client: stripe.StripeClient) -> None:
    v1(client).customers.create(
        params={"email": "a+b@example.com", "metadata": {"k": "[v] é"}}, options={"stripe_account": "acct_1"}
    )
    v1(client).customers.list(params={"email": "a+b@example.com", "limit": 3})
    created, listed = stripe_fake.requests
    assert (created.method, created.host, created.path) == ("POST", "api.stripe.com", "/v1/customers")
    assert created.params == {"email": "a+b@example.com", "metadata": {"k": "[v] é"}}
    assert created.headers["stripe-account"] == "acct_1"
    assert created.headers["authorization"] == f"Bearer {KEY}"
    assert created.headers["idempotency-key"]
    assert listed.params == {"email": "a+b@example.com", "limit": "3"}
    assert "idempotency-key" not in listed.headers


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://api.stripe.com/v1/customers?limit=3", ("api.stripe.com", "/v1/customers", "limit=3")),
        (
            "https://API.stripe.com:443/v1/customers/cus_%2F1?x=1#f",
            ("api.stripe.com", "/v1/customers/cus_/1", "x=1"),
        ),
        ("http://user:pw@[::1]:8080/v1/x?y=%20z", ("::1", "/v1/x", "y=%20z")),
        ("http://localhost:12111", ("localhost", "/", "")),
        ("https://api.stripe.com?a=1", ("api.stripe.com", "/", "a=1")),
    ],
)
def test_urls_split_as_httpx_does(url: str, expected: tuple[str, str, str]) -> None:
    request = httpx.Request("GET", url)
    assert split_url(url) == expected == (request.url.host, request.url.path, request.url.query.decode())


@pytest.mark.stripe_fake(unimplemented="error")
def test_streamed_request_error_is_read_from_the_stream(stripe_fake: StripeFake) -> None:
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.Quote.pdf("qt_missing")  # streamed by the SDK (files.stripe.com), not implemented here
    assert info.value.http_status == 404
    assert [(r.host, r.path) for r in stripe_fake.unimplemented_requests] == [
        ("files.stripe.com", "/v1/quotes/qt_missing/pdf")
    ]


@pytest.mark.stripe_fake(unimplemented="error")
async def test_async_streamed_request_error(stripe_fake: StripeFake) -> None:
    with pytest.raises(stripe.InvalidRequestError) as info:
        await stripe.Quote.pdf_async("qt_missing")
    assert info.value.http_status == 404


def test_streamed_success_is_readable(stripe_fake: StripeFake) -> None:
    client = stripe.StripeClient(KEY)
    requestor = client._requestor
    response = requestor.request_stream("get", "/v1/customers", {}, base_address="api", usage=None)
    assert b'"object": "list"' in response.io.read()


@pytest.mark.parametrize("error", ["api_error", "rate_limit", "lock_timeout", "network"])
def test_sdk_retries_run_through_the_seam(stripe_fake: StripeFake, error: str) -> None:
    client = stripe.StripeClient(KEY, max_network_retries=2)
    rule = stripe_fake.fail_next("customers.create", error=error, times=2, should_retry=True)
    assert v1(client).customers.create(params={"name": "after retries"}).name == "after retries"
    attempts = stripe_fake.requests.filter("POST", "/v1/customers")
    assert len(rule.hits) == 2 and len(attempts) == 3
    assert len({r.headers["idempotency-key"] for r in attempts}) == 1


def test_async_retries_run_through_the_seam(stripe_fake: StripeFake) -> None:
    client = stripe.StripeClient(KEY, max_network_retries=1)
    stripe_fake.fail_next("customers.list", error="network")
    assert asyncio.run(v1(client).customers.list_async()).data == []
    assert [r.status for r in stripe_fake.requests] == [0, 200]


def test_plain_httpx_uses_one_router_for_the_process() -> None:
    from stripe_fake import interceptor

    with StripeFake():
        assert (
            httpx.get(
                "https://api.stripe.com/v1/customers", headers={"Authorization": f"Bearer {KEY}"}
            ).status_code
            == 200
        )
    router = interceptor._router
    assert router is not None
    with StripeFake() as fake:
        assert interceptor._router is router  # not rebuilt per fake
        assert httpx.get("https://api.stripe.com/v1/customers").status_code == 401
        assert [r.status for r in fake.requests] == [401]
    assert router.calls.call_count == 0  # the process-wide router keeps nothing per request


def test_app_respx_routers_still_decide_for_their_hosts(stripe_fake: StripeFake) -> None:
    with respx.mock(assert_all_called=True) as app_mock:
        app_mock.get("https://example.test/ping").respond(204)
        assert httpx.get("https://example.test/ping").status_code == 204
        stripe_customer = httpx.post(
            "https://api.stripe.com/v1/customers", headers={"Authorization": f"Bearer {KEY}"}
        )
        assert stripe_customer.json()["object"] == "customer"  # the fake still answers Stripe hosts
        with pytest.raises(respx.models.AllMockedAssertionError):
            httpx.get("https://example.test/other")  # the app's router refuses what it does not mock


def test_app_respx_router_answers_stripe_hosts_when_no_fake_runs() -> None:
    with StripeFake():
        pass  # the process-wide router exists from here on
    with respx.mock() as app_mock:
        app_mock.get("https://api.stripe.com/v1/customers").respond(json={"object": "list", "data": []})
        assert httpx.get("https://api.stripe.com/v1/customers").json()["data"] == []
