"""Every way an app talks to Stripe is answered in-process, and nothing reaches the network."""

from __future__ import annotations

import http.server
import threading
import warnings
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import stripe

from stripe_fake import StripeFake


def v1(client: stripe.StripeClient) -> Any:
    """``client.v1`` (stripe >= 12); stripe 11 exposes the v1 services on the client itself."""
    return getattr(client, "v1", client)


# stripe < 12 does not export its urllib client at the top level.
URLLIB_CLIENT = getattr(stripe, "UrllibClient", None) or stripe._http_client.Urllib2Client


def test_global_style_is_answered(stripe_fake: StripeFake) -> None:
    meter = stripe.billing.Meter.create(
        display_name="API calls", event_name="api_call", default_aggregation={"formula": "sum"}
    )
    assert meter.id.startswith("mtr_")
    assert stripe.billing.Meter.retrieve(meter.id).event_name == "api_call"
    assert [(r.method, r.path, r.status) for r in stripe_fake.requests] == [
        ("POST", "/v1/billing/meters", 200),
        ("GET", f"/v1/billing/meters/{meter.id}", 200),
    ]


def test_stripe_client_is_answered(stripe_fake: StripeFake, client: stripe.StripeClient) -> None:
    customer = v1(client).customers.create(params={"email": "a@example.com"})
    meter = v1(client).billing.meters.create(
        params={"display_name": "Tokens", "event_name": "tokens", "default_aggregation": {"formula": "sum"}}
    )
    assert v1(client).customers.retrieve(customer.id).email == "a@example.com"
    assert [m.id for m in v1(client).billing.meters.list().data] == [meter.id]


async def test_async_methods_are_answered(stripe_fake: StripeFake, client: stripe.StripeClient) -> None:
    customer = await stripe.Customer.create_async(email="async@example.com")
    fetched = await v1(client).customers.retrieve_async(customer.id)
    assert fetched.email == "async@example.com"
    listed = await stripe.Customer.list_async(limit=1)
    ids = [c.id async for c in listed.auto_paging_iter()]
    assert ids == [customer.id]


def test_raw_request_is_answered(stripe_fake: StripeFake, client: stripe.StripeClient) -> None:
    response = client.raw_request("post", "/v1/customers", email="raw@example.com")
    customer = client.deserialize(response, api_mode="V1")
    assert customer.object == "customer"
    assert customer.email == "raw@example.com"
    assert stripe_fake.requests[-1].params == {"email": "raw@example.com"}


def _create_customers(count: int) -> list[str]:
    """Customers ``c0..c{count-1}``; returns their ids oldest first."""
    return [stripe.Customer.create(name=f"c{i}").id for i in range(count)]


def test_auto_paging_forwards_with_starting_after(stripe_fake: StripeFake) -> None:
    ids = _create_customers(7)
    page = stripe.Customer.list(limit=3, starting_after=ids[6])
    assert [c.id for c in page.auto_paging_iter()] == list(reversed(ids[:6]))
    assert [r.params.get("starting_after") for r in stripe_fake.requests[7:]] == [ids[6], ids[3]]


def test_auto_paging_backwards_with_ending_before(stripe_fake: StripeFake) -> None:
    ids = _create_customers(7)
    page = stripe.Customer.list(limit=3, ending_before=ids[0])
    # Going backwards the SDK yields oldest to newest.
    assert [c.id for c in page.auto_paging_iter()] == ids[1:]


def test_auto_paging_from_the_start_visits_everything_once(
    stripe_fake: StripeFake, client: stripe.StripeClient
) -> None:
    ids = _create_customers(12)
    assert [c.id for c in v1(client).customers.list(params={"limit": 5}).auto_paging_iter()] == ids[::-1]


@pytest.mark.parametrize(
    "http_client_factory",
    [stripe.RequestsClient, URLLIB_CLIENT, lambda: stripe.HTTPXClient(allow_sync_methods=True)],
    ids=["requests", "urllib", "httpx"],
)
def test_app_chosen_http_clients_are_intercepted(
    stripe_fake: StripeFake, http_client_factory: type[stripe.HTTPClient]
) -> None:
    stripe.default_http_client = http_client_factory()
    assert stripe.Customer.create(email="global@example.com").email == "global@example.com"
    client = stripe.StripeClient("sk_test_fake_123", http_client=http_client_factory())
    assert v1(client).customers.create(params={"email": "own@example.com"}).email == "own@example.com"
    assert len(stripe_fake.requests) == 2


def test_client_created_before_the_fake_started_is_intercepted() -> None:
    client = stripe.StripeClient("sk_test_fake_123", http_client=stripe.RequestsClient())
    with StripeFake() as fake:
        customer = v1(client).customers.create(params={"name": "early"})
        assert fake.account().lookup(customer.id) is not None
        assert fake.requests[-1].path == "/v1/customers"


@pytest.fixture
def local_server() -> Iterator[str]:
    """A real HTTP server on localhost, to prove non-Stripe hosts are not intercepted."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"real server"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_plain_httpx_to_stripe_is_answered_other_hosts_untouched(
    stripe_fake: StripeFake, local_server: str
) -> None:
    created = stripe.Customer.create(email="plain@example.com")
    response = httpx.get(
        "https://api.stripe.com/v1/customers", headers={"Authorization": "Bearer sk_test_fake_123"}
    )
    assert response.status_code == 200
    assert response.headers["Request-Id"].startswith("req_")
    assert [c["id"] for c in response.json()["data"]] == [created.id]
    unauthenticated = httpx.get("https://api.stripe.com/v1/customers")
    assert unauthenticated.status_code == 401
    assert httpx.get(local_server).text == "real server"
    assert all(r.host == "api.stripe.com" for r in stripe_fake.requests)


@pytest.mark.stripe_fake(unimplemented="error")  # the 404 is what the test checks
def test_unimplemented_endpoint_is_a_404_and_logged(stripe_fake: StripeFake) -> None:
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.Quote.list()
    assert info.value.http_status == 404
    assert info.value.user_message is not None
    assert info.value.user_message.startswith("Unrecognized request URL (GET: /v1/quotes)")
    assert [(r.method, r.path, r.status) for r in stripe_fake.unimplemented_requests] == [
        ("GET", "/v1/quotes", 404)
    ]


def _sdk_globals() -> tuple[object, object, object]:
    from stripe._api_requestor import _APIRequestor

    return (_APIRequestor.__dict__["_get_http_client"], stripe.default_http_client, stripe.enable_telemetry)


def test_context_manager_restores_sdk_globals() -> None:
    before = _sdk_globals()
    with StripeFake() as fake:
        assert fake.is_active
        assert _sdk_globals() != before
        stripe.default_http_client = stripe.RequestsClient()  # the app changes it while the fake runs
        stripe.Customer.create()
    assert _sdk_globals() == before
    assert not fake.is_active


def _ini(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\nfilterwarnings = error\n")


def test_fixture_restores_globals_and_state_does_not_leak(pytester: pytest.Pytester) -> None:
    _ini(pytester)
    pytester.makeconftest(
        """
        import pytest, stripe

        @pytest.fixture(autouse=True)
        def key(monkeypatch):
            monkeypatch.setattr(stripe, "api_key", "sk_test_123")
        """
    )
    pytester.makepyfile(
        """
        import stripe
        from stripe._api_requestor import _APIRequestor

        def sdk_globals():
            patched = _APIRequestor.__dict__["_get_http_client"]
            return (patched, stripe.default_http_client, stripe.enable_telemetry)

        ORIGINAL = sdk_globals()

        def test_first(stripe_fake):
            stripe.default_http_client = stripe.RequestsClient()
            stripe.Customer.create(email="first@example.com")
            assert len(stripe.Customer.list().data) == 1

        def test_globals_restored():
            assert sdk_globals() == ORIGINAL

        def test_second(stripe_fake):
            assert stripe.Customer.list().data == []
            assert stripe_fake.requests[0].path == "/v1/customers"
            assert len(stripe_fake.requests) == 1
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_internal_error_is_a_500_without_retry_and_fails_at_teardown(pytester: pytest.Pytester) -> None:
    _ini(pytester)
    pytester.makepyfile(
        """
        import pytest, stripe
        from stripe_fake.resources.customers.models import CustomerStore

        def test_fake_bug(stripe_fake, monkeypatch):
            monkeypatch.setattr(stripe, "api_key", "sk_test_123")
            monkeypatch.setattr(stripe, "max_network_retries", 2)

            def broken(self, *args, **kwargs):
                raise ZeroDivisionError("boom in the fake")

            monkeypatch.setattr(CustomerStore, "create", broken)
            with pytest.raises(stripe.APIError) as info:
                stripe.Customer.create(email="x@example.com")
            assert info.value.http_status == 500
            assert info.value.headers["Stripe-Should-Retry"] == "false"
            assert len(stripe_fake.requests) == 1  # not retried
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*StripeFakeInternalError*", "*ZeroDivisionError: boom in the fake*"])
    assert "in broken" in result.stdout.str()  # the real traceback, pointing at the failing code


def test_usable_outside_pytest_as_context_manager_and_decorator() -> None:
    with StripeFake() as fake:
        stripe.Customer.create(email="cm@example.com")
        assert len(fake.requests) == 1

    decorated = StripeFake()

    @decorated
    def job() -> int:
        stripe.Customer.create(email="deco@example.com")
        return len(stripe.Customer.list().data)

    assert job() == 1
    assert job() == 1  # each call starts fresh
    assert not decorated.is_active


async def test_decorator_on_coroutine() -> None:
    @StripeFake()
    async def job() -> str:
        return str((await stripe.Customer.create_async(name="async job")).name)

    assert await job() == "async job"


def test_only_one_fake_at_a_time(stripe_fake: StripeFake) -> None:
    with pytest.raises(RuntimeError, match="already active"):
        StripeFake().start()
    assert stripe.Customer.create().object == "customer"  # the running fake is unaffected


def test_client_used_after_the_fake_stopped_does_not_hit_the_network() -> None:
    with StripeFake() as fake:
        client = stripe.StripeClient("sk_test_fake_123")
        v1(client).customers.create()
    with pytest.raises(stripe.APIConnectionError, match="no longer active"):
        v1(client).customers.list()
    assert len(fake.requests) == 1


def test_no_deprecation_warning_on_post(stripe_fake: StripeFake) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        stripe.Customer.create(email="w@example.com", metadata={"a": "1"})
        stripe.billing.MeterEvent.create(
            event_name="none", payload={"stripe_customer_id": "cus_x", "value": "1"}
        )
    assert [str(w.message) for w in caught] == []
