"""Signed, in-process delivery of v1 events to webhook endpoints, verified with the real SDK."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

import flask
import httpx
import pytest
import stripe
from freezegun import freeze_time
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from stripe_fake import StripeFake
from stripe_fake.resources.events.models import emit_event

HOOK = "http://testserver/webhooks/stripe"


class Receiver:
    """What every test app does: verify the signature with the SDK and keep the event."""

    def __init__(self) -> None:
        self.secret = ""
        self.events: list[stripe.Event] = []
        self.headers: list[dict[str, str]] = []
        self.fail_with = 0  # answer this status instead of 200 when set

    def handle(self, body: bytes, headers: dict[str, str]) -> int:
        event = stripe.Webhook.construct_event(
            body.decode("utf-8"), headers.get("stripe-signature"), self.secret
        )
        self.events.append(event)
        self.headers.append(headers)
        return self.fail_with or 200


def flask_app(receiver: Receiver, call_back: bool = False) -> flask.Flask:
    app = flask.Flask("shop")

    @app.post("/webhooks/stripe")
    def webhook() -> tuple[str, int]:
        headers = {k.lower(): v for k, v in flask.request.headers.items()}
        try:
            status = receiver.handle(flask.request.get_data(), headers)
        except stripe.SignatureVerificationError:
            return "bad signature", 400
        if call_back:  # a handler that reads the object back from Stripe
            customer = stripe.Customer.retrieve(receiver.events[-1].data.object.id)
            stripe.Customer.modify(customer.id, metadata={"seen": "yes"})
        return "ok", status

    return app


def starlette_app(receiver: Receiver) -> Starlette:
    async def webhook(request: Request) -> PlainTextResponse:
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            status = receiver.handle(body, headers)
        except stripe.SignatureVerificationError:
            return PlainTextResponse("bad signature", status_code=400)
        # call the API back through the async SDK, from the app's own event loop
        customer = await stripe.Customer.retrieve_async(receiver.events[-1].data.object.id)
        return PlainTextResponse(customer.id, status_code=status)

    return Starlette(routes=[Route("/webhooks/stripe", webhook, methods=["POST"])])


@pytest.fixture
def receiver() -> Receiver:
    return Receiver()


def _endpoint(receiver: Receiver, url: str = HOOK, events: list[str] | None = None) -> stripe.WebhookEndpoint:
    endpoint = stripe.WebhookEndpoint.create(url=url, enabled_events=events or ["customer.created"])
    receiver.secret = endpoint.secret
    return endpoint


def test_flask_receives_signed_event_under_freezegun(stripe_fake: StripeFake, receiver: Receiver) -> None:
    stripe_fake.mount("http://testserver", flask_app(receiver))
    with freeze_time("2024-06-01 12:00:00"):
        endpoint = _endpoint(receiver)
        customer = stripe.Customer.create(email="jenny@example.com")
    assert len(receiver.events) == 1
    event = receiver.events[0]
    assert event.type == "customer.created"
    assert event.data.object.id == customer.id
    headers = receiver.headers[0]
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert headers["user-agent"] == "Stripe/1.0 (+https://stripe.com/docs/webhooks)"
    assert headers["stripe-signature"].startswith("t=1717243200,v1=")
    (delivery,) = stripe_fake.assert_delivered("customer.created", endpoint=endpoint.id, status=200, count=1)
    assert delivery.attempt == 1
    assert delivery.url == HOOK
    assert delivery.response_body == "ok"
    assert delivery.json["id"] == event.id
    assert event.pending_webhooks == 1  # as sent: the delivery in flight
    assert stripe.Event.retrieve(event.id).pending_webhooks == 0


def test_flask_receiver_can_call_the_api_back(stripe_fake: StripeFake, receiver: Receiver) -> None:
    stripe_fake.mount("http://testserver", flask_app(receiver, call_back=True))
    _endpoint(receiver, events=["customer.created", "customer.updated"])
    customer = stripe.Customer.create(email="jenny@example.com")
    assert stripe.Customer.retrieve(customer.id).metadata["seen"] == "yes"
    # the receiver's own update produced customer.updated, delivered too
    assert [e.type for e in receiver.events] == ["customer.created", "customer.updated"]
    assert all(d.succeeded for d in stripe_fake.deliveries)


def test_starlette_asgi_receiver(stripe_fake: StripeFake, receiver: Receiver) -> None:
    stripe_fake.mount("http://testserver", starlette_app(receiver))
    with freeze_time("2024-06-01 12:00:00"):
        _endpoint(receiver)
        customer = stripe.Customer.create()
    assert [e.data.object.id for e in receiver.events] == [customer.id]
    (delivery,) = stripe_fake.deliveries
    assert (delivery.status, delivery.response_body, delivery.transport) == (200, customer.id, "mount")


async def test_starlette_asgi_receiver_from_async_code(stripe_fake: StripeFake, receiver: Receiver) -> None:
    stripe_fake.mount("http://testserver", starlette_app(receiver))
    endpoint = await stripe.WebhookEndpoint.create_async(url=HOOK, enabled_events=["customer.created"])
    receiver.secret = endpoint.secret
    customer = await stripe.Customer.create_async()  # delivered while this loop is running
    assert [e.data.object.id for e in receiver.events] == [customer.id]
    assert stripe_fake.deliveries[0].succeeded


def test_callable_receiver_and_return_values(stripe_fake: StripeFake, receiver: Receiver) -> None:
    answers: list[Any] = [httpx.Response(202, text="queued"), 204, None]

    def hook(request: httpx.Request) -> Any:
        receiver.handle(request.content, {k.lower(): v for k, v in request.headers.items()})
        return answers.pop(0)

    stripe_fake.mount("http://testserver", hook)
    _endpoint(receiver)
    for _ in range(3):
        stripe.Customer.create()
    assert [(d.status, d.response_body) for d in stripe_fake.deliveries] == [
        (202, "queued"),
        (204, ""),
        (200, ""),
    ]
    assert len(receiver.events) == 3


def test_marker_mounts(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(
        """
        import pytest, stripe

        seen = []

        def hook(request):
            seen.append(request.url.path)
            return 200

        @pytest.mark.stripe_fake(mounts={"http://app.test": hook})
        def test_it(stripe_fake):
            stripe.api_key = "sk_test_123"
            stripe.WebhookEndpoint.create(url="http://app.test/hooks", enabled_events=["*"])
            stripe.Customer.create()
            assert seen == ["/hooks"]
            stripe_fake.assert_delivered("customer.created", url="http://app.test/hooks", status=200)
        """
    )
    pytester.runpytest_inprocess("-q", "-p", "no:randomly").assert_outcomes(passed=1)


def test_failing_receiver_then_retry(stripe_fake: StripeFake, receiver: Receiver) -> None:
    stripe_fake.mount("http://testserver", flask_app(receiver))
    receiver.fail_with = 500
    with freeze_time("2024-06-01 12:00:00") as frozen:
        endpoint = _endpoint(receiver)
        customer = stripe.Customer.create()  # the API call succeeds whatever the receiver says
        assert customer.id.startswith("cus_")
        event = stripe_fake.events.last("customer.created")
        assert event["pending_webhooks"] == 1
        assert [e.id for e in stripe.Event.list(delivery_success=False).data] == [event["id"]]
        (failed,) = stripe_fake.deliveries
        assert (failed.status, failed.succeeded, failed.attempt) == (500, False, 1)

        receiver.fail_with = 0
        frozen.tick(3600)
        (retried,) = stripe_fake.retry_failed_deliveries()
        assert (retried.status, retried.attempt, retried.endpoint_id) == (200, 2, endpoint.id)
        assert retried.timestamp == failed.timestamp + 3600  # fresh signature for every attempt
        assert event["pending_webhooks"] == 0
        assert [e.id for e in stripe.Event.list(delivery_success=True).data] == [event["id"]]
        assert stripe_fake.retry_failed_deliveries() == []
    assert [e.id for e in receiver.events] == [event["id"], event["id"]]


def test_raising_receiver_is_a_failed_delivery(stripe_fake: StripeFake, receiver: Receiver) -> None:
    def boom(request: httpx.Request) -> int:
        raise RuntimeError("receiver crashed")

    stripe_fake.mount("http://testserver", boom)
    _endpoint(receiver)
    stripe.Customer.create()
    (delivery,) = stripe_fake.deliveries
    assert delivery.status is None
    assert delivery.error == "RuntimeError: receiver crashed"
    assert stripe_fake.events.last()["pending_webhooks"] == 1


def test_bad_secret_is_rejected_by_the_app(stripe_fake: StripeFake, receiver: Receiver) -> None:
    stripe_fake.mount("http://testserver", flask_app(receiver))
    _endpoint(receiver)
    receiver.secret = "whsec_wrong"
    stripe.Customer.create()
    stripe_fake.assert_delivered("customer.created", status=400, succeeded=False)


def test_disabled_endpoint_gets_nothing(stripe_fake: StripeFake, receiver: Receiver) -> None:
    stripe_fake.mount("http://testserver", flask_app(receiver))
    endpoint = _endpoint(receiver)
    stripe.WebhookEndpoint.modify(endpoint.id, disabled=True)
    stripe.Customer.create()
    assert stripe_fake.deliveries == []
    assert stripe_fake.events.last()["pending_webhooks"] == 0
    stripe.WebhookEndpoint.modify(endpoint.id, disabled=False)
    stripe.Customer.create()
    stripe_fake.assert_delivered("customer.created", count=1)


def test_event_filtering_and_pending_count(stripe_fake: StripeFake) -> None:
    got: dict[str, list[str]] = {"all": [], "created": [], "meters": []}

    def collector(name: str) -> Any:
        def hook(request: httpx.Request) -> int:
            got[name].append(json.loads(request.content)["type"])
            return 200

        return hook

    for name in got:
        stripe_fake.mount(f"http://{name}.test", collector(name))
    stripe.WebhookEndpoint.create(url="http://all.test/h", enabled_events=["*"])
    stripe.WebhookEndpoint.create(url="http://created.test/h", enabled_events=["customer.created"])
    stripe.WebhookEndpoint.create(url="http://meters.test/h", enabled_events=["billing.meter.created"])
    customer = stripe.Customer.create()
    stripe.Customer.modify(customer.id, name="Jenny")
    stripe.billing.Meter.create(
        display_name="Calls", event_name="calls", default_aggregation={"formula": "sum"}
    )
    assert got == {
        "all": ["customer.created", "customer.updated", "billing.meter.created"],
        "created": ["customer.created"],
        "meters": ["billing.meter.created"],
    }
    first: dict[str, int] = {}
    for delivery in stripe_fake.deliveries:  # the first copy of each event carries the full count
        first.setdefault(delivery.event_type, delivery.json["pending_webhooks"])
    assert first == {"customer.created": 2, "customer.updated": 1, "billing.meter.created": 2}
    assert all(e["pending_webhooks"] == 0 for e in stripe_fake.events)


def test_events_emitted_outside_a_request_are_delivered(stripe_fake: StripeFake, receiver: Receiver) -> None:
    stripe_fake.mount("http://testserver", flask_app(receiver))
    _endpoint(receiver, events=["customer.created"])
    account = stripe_fake.account()
    event = emit_event(
        account, "customer.created", {"id": "cus_background", "object": "customer"}, now=1_700_000_000
    )
    assert [e.id for e in receiver.events] == [event["id"]]
    assert event["pending_webhooks"] == 0


def test_connect_endpoint_gets_connected_account_events(stripe_fake: StripeFake) -> None:
    seen: list[tuple[str, str | None]] = []

    def hook(request: httpx.Request) -> int:
        body = json.loads(request.content)
        seen.append((request.url.path, body.get("account")))
        return 200

    stripe_fake.mount("http://hooks.test", hook)
    stripe.WebhookEndpoint.create(url="http://hooks.test/platform", enabled_events=["*"])
    stripe.WebhookEndpoint.create(url="http://hooks.test/connect", enabled_events=["*"], connect=True)
    stripe.WebhookEndpoint.create(url="http://hooks.test/own", enabled_events=["*"], stripe_account="acct_1")
    stripe.Customer.create()
    stripe.Customer.create(stripe_account="acct_1")
    assert sorted(seen, key=str) == sorted(
        [("/platform", None), ("/connect", "acct_1"), ("/own", "acct_1")], key=str
    )


@pytest.fixture
def loopback_server() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    received: list[tuple[dict[str, str], bytes]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"thanks")

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_loopback_url_over_real_http(
    stripe_fake: StripeFake, loopback_server: tuple[str, list[tuple[dict[str, str], bytes]]]
) -> None:
    url, received = loopback_server
    endpoint = stripe.WebhookEndpoint.create(url=url, enabled_events=["customer.created"])
    customer = stripe.Customer.create()
    (headers, body) = received[0]
    event = stripe.Webhook.construct_event(body.decode(), headers["stripe-signature"], endpoint.secret)
    assert event.data.object.id == customer.id
    (delivery,) = stripe_fake.deliveries
    assert (delivery.status, delivery.response_body, delivery.transport) == (200, "thanks", "http")


def test_other_urls_are_never_contacted(stripe_fake: StripeFake, monkeypatch: pytest.MonkeyPatch) -> None:
    looked_up: list[Any] = []
    real = socket.getaddrinfo

    def spy(*args: Any, **kwargs: Any) -> Any:
        looked_up.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", spy)
    stripe.WebhookEndpoint.create(url="https://shop.example.com/hooks", enabled_events=["*"])
    stripe.Customer.create()
    (delivery,) = stripe_fake.deliveries
    assert delivery.transport == "undeliverable"
    assert delivery.status is None
    assert "not contacted" in (delivery.error or "")
    assert looked_up == []
    assert stripe_fake.events.last()["pending_webhooks"] == 1

    # mounting an app afterwards lets the retry through
    stripe_fake.mount("https://shop.example.com", lambda request: 200)
    (retried,) = stripe_fake.retry_failed_deliveries()
    assert (retried.status, retried.attempt) == (200, 2)
    assert stripe_fake.events.last()["pending_webhooks"] == 0


def test_sign_helper_matches_sdk(stripe_fake: StripeFake) -> None:
    payload = json.dumps(
        {"id": "evt_1", "object": "event", "type": "customer.created", "data": {"object": {}}}
    )
    with freeze_time("2024-06-01 12:00:00"):
        header = stripe_fake.sign(payload, "whsec_test")
        assert header.startswith("t=1717243200,v1=")
        assert stripe.Webhook.construct_event(payload, header, "whsec_test").id == "evt_1"
        old = stripe_fake.sign(payload, "whsec_test", timestamp=1717243200 - 301)
        with pytest.raises(stripe.SignatureVerificationError):
            stripe.Webhook.construct_event(payload, old, "whsec_test")
    digest = hmac.new(b"whsec_test", f"1717243200.{payload}".encode(), hashlib.sha256).hexdigest()
    assert header == f"t=1717243200,v1={digest}"
    if hasattr(stripe.WebhookSignature, "generate_signature_header"):  # not in stripe 11/13
        generate = stripe.WebhookSignature.generate_signature_header
        assert header == generate(payload, "whsec_test", timestamp=1717243200)


def test_assert_delivered_lists_what_happened(stripe_fake: StripeFake) -> None:
    stripe_fake.mount("http://testserver", lambda request: 200)
    stripe.WebhookEndpoint.create(url=HOOK, enabled_events=["customer.created"])
    stripe.Customer.create()
    with pytest.raises(AssertionError) as info:
        stripe_fake.assert_delivered("billing.meter.created")
    message = str(info.value)
    assert "event_type='billing.meter.created'" in message
    assert "customer.created" in message and HOOK in message and ": 200" in message
    with pytest.raises(AssertionError):
        stripe_fake.assert_delivered("customer.created", count=2)
    assert len(stripe_fake.assert_delivered("customer.*", url=HOOK)) == 1


def test_reset_forgets_deliveries_not_mounts(stripe_fake: StripeFake) -> None:
    stripe_fake.mount("http://testserver", lambda request: 200)
    stripe.WebhookEndpoint.create(url=HOOK, enabled_events=["*"])
    stripe.Customer.create()
    stripe_fake.reset()
    assert stripe_fake.deliveries == []
    stripe.WebhookEndpoint.create(url=HOOK, enabled_events=["*"])
    stripe.Customer.create()
    stripe_fake.assert_delivered("customer.created", status=200, count=1)


def test_unknown_app_kind_is_rejected(stripe_fake: StripeFake) -> None:
    with pytest.raises(TypeError, match="kind="):
        stripe_fake.mount("http://testserver", lambda a, b, c, d: None)
    with pytest.raises(ValueError, match="base URL"):
        stripe_fake.mount("testserver", lambda request: 200)


def test_json_response_from_asgi_callable_kind(stripe_fake: StripeFake) -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await JSONResponse({"received": True})(scope, receive, send)

    stripe_fake.mount("http://testserver", app)
    stripe.WebhookEndpoint.create(url=HOOK, enabled_events=["*"])
    stripe.Customer.create()
    assert stripe_fake.deliveries[0].response_body == '{"received":true}'


def test_asgi_sync_endpoint_calls_back_from_another_thread(
    stripe_fake: StripeFake, receiver: Receiver
) -> None:
    threads: list[str] = []

    def webhook(request: Request) -> PlainTextResponse:  # Starlette runs sync endpoints in a thread pool
        threads.append(threading.current_thread().name)
        customer = stripe.Customer.retrieve(stripe_fake.events.last()["data"]["object"]["id"])
        return PlainTextResponse(customer.id)

    stripe_fake.mount(
        "http://testserver", Starlette(routes=[Route("/webhooks/stripe", webhook, methods=["POST"])])
    )
    _endpoint(receiver)
    customer = stripe.Customer.create()
    assert threads and threads[0] != threading.current_thread().name
    assert stripe_fake.deliveries[0].response_body == customer.id
