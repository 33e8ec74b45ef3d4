"""Apps that pass the SDK's async-only ``stripe.AIOHTTPClient()``.

Their ``*_async`` calls are answered by the fake (the app's aiohttp session is never opened); their
synchronous calls fail as in production, where ``AIOHTTPClient.request`` takes no arguments and the
SDK's call to it raises ``TypeError`` before anything is sent.
"""

from __future__ import annotations

import asyncio
import inspect

import aiohttp
import pytest
import stripe
from compat import v1
from test_plugin_ux import _production_error, no_telemetry  # noqa: F401 (no_telemetry is a fixture)

from stripe_fake import StripeFake

KEY = "sk_test_fake_123"

#: ``AIOHTTPClient(session=...)`` (an app-managed aiohttp session): newer SDKs, not stripe 11 or 13.
requires_session_kwarg = pytest.mark.skipif(
    "session" not in inspect.signature(stripe.AIOHTTPClient.__init__).parameters,
    reason=f"stripe {stripe.VERSION}'s AIOHTTPClient takes no session",
)




async def test_async_calls_are_answered(stripe_fake: StripeFake) -> None:
    http_client = stripe.AIOHTTPClient()
    app = stripe.StripeClient(KEY, http_client=http_client)
    customer = await v1(app).customers.create_async(params={"email": "aio@example.com"})
    meter = await v1(app).billing.meters.create_async(
        params={"display_name": "Calls", "event_name": "calls", "default_aggregation": {"formula": "sum"}}
    )
    for value in ("2", "5"):
        await v1(app).billing.meter_events.create_async(
            params={"event_name": "calls", "payload": {"stripe_customer_id": customer.id, "value": value}}
        )
    now = stripe_fake.backend.now()
    start = now - now % 86400
    summaries = await v1(app).billing.meters.event_summaries.list_async(
        meter.id, params={"customer": customer.id, "start_time": start, "end_time": start + 86400}
    )
    assert [s.aggregated_value for s in summaries.data] == [7]
    assert (await v1(app).customers.retrieve_async(customer.id)).email == "aio@example.com"
    assert [r.path for r in stripe_fake.requests][:2] == ["/v1/customers", "/v1/billing/meters"]
    assert http_client._cached_session is None  # the app's aiohttp session was never opened


async def test_async_v2_and_stripe_errors(stripe_fake: StripeFake) -> None:
    app = stripe.StripeClient(KEY, http_client=stripe.AIOHTTPClient())
    customer = await v1(app).customers.create_async()
    await v1(app).billing.meters.create_async(
        params={"display_name": "Calls", "event_name": "calls", "default_aggregation": {"formula": "count"}}
    )
    event = await app.v2.billing.meter_events.create_async(
        params={"event_name": "calls", "payload": {"stripe_customer_id": customer.id}}
    )
    assert event.event_name == "calls"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        await v1(app).customers.retrieve_async("cus_missing")
    assert caught.value.http_status == 404
    assert caught.value.code == "resource_missing"


def test_sync_call_raises_type_error_like_production(no_telemetry: None) -> None:
    app = stripe.StripeClient(KEY, http_client=stripe.AIOHTTPClient())
    production = _production_error(lambda: v1(app).customers.create())
    assert isinstance(production, TypeError)
    assert "AIOHTTPClient.request()" in str(production)
    with StripeFake() as fake:
        with pytest.raises(TypeError) as info:
            v1(app).customers.create()
        assert str(info.value).startswith(str(production))
        assert "strict_http_client=False" in str(info.value)
        assert fake.requests == []  # production never sent it either
        assert asyncio.run(v1(app).customers.list_async()).data == []  # async still works


def test_global_style_default_client(no_telemetry: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stripe, "default_http_client", stripe.AIOHTTPClient())
    production = _production_error(lambda: stripe.Customer.create())
    assert isinstance(production, TypeError)
    with StripeFake():
        stripe.default_http_client = stripe.AIOHTTPClient()
        with pytest.raises(TypeError) as info:
            stripe.Customer.create()
        assert str(info.value).startswith(str(production))
        created = asyncio.run(stripe.Customer.create_async(name="global aio"))
        assert created.name == "global aio"


@requires_session_kwarg
async def test_an_app_supplied_session_is_left_alone(stripe_fake: StripeFake) -> None:
    async with aiohttp.ClientSession() as session:
        app = stripe.StripeClient(KEY, http_client=stripe.AIOHTTPClient(session=session))
        assert (await v1(app).customers.create_async()).object == "customer"
        assert not session.closed
    assert len(stripe_fake.requests) == 1


@pytest.mark.stripe_fake(strict_http_client=False)
def test_strict_http_client_off_answers_sync_calls(stripe_fake: StripeFake) -> None:
    app = stripe.StripeClient(KEY, http_client=stripe.AIOHTTPClient())
    assert v1(app).customers.create().object == "customer"
