"""The metered search API end to end: signup, billed calls, retries, usage read back from Stripe."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import stripe
import time_machine
from flask.testing import FlaskClient
from metered_app.app import create_app

from stripe_fake import StripeFake

NOON = 1773144000  # 2026-03-10 12:00 UTC
DAY = 1773100800  # 2026-03-10 00:00 UTC


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


@pytest.fixture
def http(clock: time_machine.Traveller, stripe_client: stripe.StripeClient) -> FlaskClient:
    return create_app(stripe_client).test_client()


def _signup(http: FlaskClient, email: str = "dev@example.com") -> str:
    response = http.post("/signup", json={"email": email})
    assert response.status_code in (200, 201)
    return str(response.json["customer"])  # type: ignore[index]


def test_signup_creates_one_customer_per_email(http: FlaskClient, stripe_fake: StripeFake) -> None:
    first = _signup(http)
    assert http.post("/signup", json={"email": "dev@example.com"}).status_code == 200
    assert _signup(http) == first
    assert [e["data"]["object"]["email"] for e in stripe_fake.events.of_type("customer.created")] == [
        "dev@example.com"
    ]
    assert http.post("/signup", json={}).status_code == 400


def test_the_app_creates_its_meter_once(stripe_fake: StripeFake, stripe_client: stripe.StripeClient) -> None:
    create_app(stripe_client)
    create_app(stripe_client)  # a second worker starting up
    assert len(stripe_fake.events.of_type("billing.meter.created")) == 1


def test_each_search_is_billed(http: FlaskClient, clock: time_machine.Traveller) -> None:
    customer = _signup(http)
    for query in ("meter", "usage", "nothing"):
        assert http.get(f"/search?q={query}", headers={"X-Customer": customer}).json["billed"]  # type: ignore[index]
    clock.shift(3600)
    http.get("/search?q=alerts", headers={"X-Customer": customer})
    response = http.get(f"/usage?start={DAY}&end={DAY + 86400}&window=hour", headers={"X-Customer": customer})
    assert response.json == {  # newest hour first
        "usage": [
            {"start": NOON + 3600, "end": NOON + 7200, "calls": 1},
            {"start": NOON, "end": NOON + 3600, "calls": 3},
        ]
    }


def test_a_retried_request_is_billed_once(http: FlaskClient, stripe_fake: StripeFake) -> None:
    customer = _signup(http)
    headers = {"X-Customer": customer, "X-Request-Id": "req-42"}
    assert http.get("/search?q=meter", headers=headers).json["billed"] is True  # type: ignore[index]
    assert http.get("/search?q=meter", headers=headers).json["billed"] is False  # type: ignore[index]
    total = http.get(f"/usage?start={DAY}&end={DAY + 86400}", headers={"X-Customer": customer}).json
    assert total["usage"][0]["calls"] == 1  # type: ignore[index]
    rejected = [r for r in stripe_fake.requests if r.status == 400]
    assert [r.error["param"] for r in rejected if r.error] == ["identifier"]


def test_usage_errors_from_stripe_are_passed_on(http: FlaskClient) -> None:
    customer = _signup(http)
    response = http.get(f"/usage?start={DAY + 30}&end={DAY + 86400}", headers={"X-Customer": customer})
    assert response.status_code == 400
    assert response.json["param"] == "start_time"  # type: ignore[index]
    assert http.get("/usage", headers={"X-Customer": customer}).status_code == 400


def test_calls_for_an_unknown_customer_are_not_billed(http: FlaskClient) -> None:
    # Stripe accepts the meter event (it validates customers asynchronously) but never counts it.
    assert http.get("/search?q=x", headers={"X-Customer": "cus_unknown"}).json["billed"] is True  # type: ignore[index]
    customer = _signup(http)
    total = http.get(f"/usage?start={DAY}&end={DAY + 86400}", headers={"X-Customer": customer}).json
    assert total == {"usage": [{"start": DAY, "end": DAY + 86400, "calls": 0}]}
