"""The plugin's user experience against the SDK traps (notes §8 T2, T6, T7/T14, T10, T13) and the
helpers a test author leans on: unimplemented endpoints, the request log, scopes, nesting."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import threading
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import freezegun
import pytest
import stripe
from compat import v1

import stripe_fake as stripe_fake_module
from stripe_fake import RequestLog, StripeFake, UnimplementedEndpointError

URLLIB_CLIENT: Any = getattr(stripe, "UrllibClient", None) or stripe._http_client.Urllib2Client  # type: ignore[attr-defined]
KEY = "sk_test_fake_123"


# -- T2: app-chosen HTTP clients fail the way they fail in production ----------------------------------


def _production_error(call: Any) -> BaseException:
    """What ``call()`` raises without the fake (each case fails before any network access)."""
    try:
        result = call()
        if asyncio.iscoroutine(result):
            asyncio.run(result)
    except BaseException as exc:  # whatever production raises
        return exc
    raise AssertionError("expected the call to fail without the fake")


@pytest.fixture
def no_telemetry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Calls made without the fake must not write a telemetry id into HOME."""
    monkeypatch.setattr(stripe, "enable_telemetry", False)


def test_httpx_client_without_sync_methods_raises_runtime_error_like_production(
    no_telemetry: None,
) -> None:
    app = stripe.StripeClient(KEY, http_client=stripe.HTTPXClient())
    production = _production_error(lambda: v1(app).customers.create())
    assert isinstance(production, RuntimeError)
    with StripeFake() as fake:
        with pytest.raises(RuntimeError) as info:
            v1(app).customers.create()
        assert str(info.value).startswith(str(production))
        assert "strict_http_client=False" in str(info.value)
        assert fake.requests == []  # production never sent it either
        stripe.default_http_client = stripe.HTTPXClient()  # global style, same client choice
        with pytest.raises(RuntimeError, match="allow_sync_methods=False"):
            stripe.Customer.create()
        stripe.default_http_client = None


async def test_httpx_client_without_sync_methods_still_serves_async(stripe_fake: StripeFake) -> None:
    app = stripe.StripeClient(KEY, http_client=stripe.HTTPXClient())
    customer = await v1(app).customers.create_async(params={"name": "async ok"})
    assert customer.name == "async ok"


@pytest.mark.parametrize("client_class", [stripe.RequestsClient, URLLIB_CLIENT], ids=["requests", "urllib"])
def test_sync_only_client_without_fallback_raises_not_implemented_on_async(
    no_telemetry: None, client_class: Any
) -> None:
    app = stripe.StripeClient(KEY, http_client=client_class())
    production = _production_error(lambda: v1(app).customers.create_async())
    assert isinstance(production, NotImplementedError)
    with StripeFake() as fake:
        assert v1(app).customers.create().object == "customer"  # sync works in production too
        with pytest.raises(NotImplementedError) as info:
            asyncio.run(v1(app).customers.create_async())
        assert str(info.value).startswith(str(production))
        assert len(fake.requests) == 1


async def test_clients_with_an_async_fallback_serve_both(stripe_fake: StripeFake) -> None:
    with_fallback = stripe.RequestsClient(async_fallback_client=stripe.HTTPXClient())
    app = stripe.StripeClient(KEY, http_client=with_fallback)
    assert v1(app).customers.create().object == "customer"
    assert (await v1(app).customers.list_async()).data
    default = stripe.StripeClient(KEY)  # what StripeClient builds by itself
    assert (await v1(default).customers.list_async()).data
    stripe.default_http_client = stripe.HTTPXClient(allow_sync_methods=True)
    assert stripe.Customer.list().data
    assert (await stripe.Customer.list_async()).data


def test_client_built_before_the_fake_keeps_working_sync_and_async(no_telemetry: None) -> None:
    app = stripe.StripeClient(KEY)  # the default RequestsClient + HTTPX fallback
    with StripeFake():
        assert v1(app).customers.create().object == "customer"
        assert asyncio.run(v1(app).customers.list_async()).data


@pytest.mark.stripe_fake(strict_http_client=False)
async def test_strict_http_client_can_be_turned_off(stripe_fake: StripeFake) -> None:
    httpx_only = stripe.StripeClient(KEY, http_client=stripe.HTTPXClient())
    requests_only = stripe.StripeClient(KEY, http_client=stripe.RequestsClient())
    assert v1(httpx_only).customers.create().object == "customer"
    assert (await v1(requests_only).customers.list_async()).data
    assert stripe_fake.config.strict_http_client is False


# -- T6: async retries under freezegun do not hang ------------------------------------------------------


def _in_thread(target: Any, timeout: float) -> None:
    """Run ``target`` in a thread; fail (instead of hanging the suite) if it takes over ``timeout`` s."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            target()
        except BaseException as exc:  # re-raised in the test thread
            errors.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout)  # a C-level lock wait: real time, not freezegun's
    assert not worker.is_alive(), f"still running after {timeout} s: the retry back-off hangs under freezegun"
    if errors:
        raise errors[0]


def test_async_retry_of_an_injected_500_under_freeze_time_does_not_hang(stripe_fake: StripeFake) -> None:
    rule = stripe_fake.fail_next("customers.create", error="api_error", times=2)

    async def create() -> Any:
        client = stripe.StripeClient(KEY, max_network_retries=2)
        return await v1(client).customers.create_async(params={"name": "retried"})

    created: list[Any] = []
    with freezegun.freeze_time("2026-01-01"):
        _in_thread(lambda: created.append(asyncio.run(create())), timeout=10)
        stripe.max_network_retries = 2  # the global style's default, explicit here

        def global_async() -> None:
            stripe_fake.fail_next("customers.list", error="api_error")
            asyncio.run(stripe.Customer.list_async())

        _in_thread(global_async, timeout=10)
    assert created[0].name == "retried"
    assert len(rule.hits) == 2
    attempts = stripe_fake.requests.filter("POST", "/v1/customers")
    assert [r.status for r in attempts] == [500, 500, 200]
    assert len({r.headers["idempotency-key"] for r in attempts}) == 1  # the retries of one call


# -- T7 / T14: no telemetry, no file in HOME, SDK globals restored ---------------------------------------


def _globals() -> dict[str, Any]:
    from stripe import _http_client
    from stripe._api_requestor import _APIRequestor

    return {
        "get_http_client": _APIRequestor.__dict__["_get_http_client"],
        "default_sync": getattr(_http_client, "_default_sync_client", None),
        "default_async": getattr(_http_client, "_default_async_client", None),
        "default_http_client": stripe.default_http_client,
        "enable_telemetry": stripe.enable_telemetry,
        "max_network_retries": stripe.max_network_retries,
        "api_base": stripe.api_base,
        "api_version": stripe.api_version,
        "api_key": stripe.api_key,
    }


def test_no_telemetry_file_or_headers_and_globals_restored(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    try:
        telemetry_id: Any = importlib.import_module("stripe._telemetry_id")
    except ImportError:  # the id file arrived in stripe 16
        telemetry_id = None
    if telemetry_id is not None:
        # Forget any id cached by earlier tests, so a telemetry read would really touch the files.
        monkeypatch.setattr(telemetry_id, "_loaded", False)
        monkeypatch.setattr(telemetry_id, "_cached_id", None)
    monkeypatch.setattr(stripe, "enable_telemetry", True)  # the SDK default
    monkeypatch.setattr(stripe, "max_network_retries", 2)
    app_client = stripe.RequestsClient(async_fallback_client=stripe.HTTPXClient())
    monkeypatch.setattr(stripe, "default_http_client", app_client)
    before = _globals()

    with StripeFake() as fake:
        during = _globals()
        assert during["enable_telemetry"] is False
        for name in ("max_network_retries", "api_base", "api_version", "api_key", "default_http_client"):
            assert during[name] is before[name] or during[name] == before[name], name
        stripe.Customer.create()
        stripe.Customer.list()  # a second request: telemetry would add X-Stripe-Client-Telemetry now
        client = stripe.StripeClient(KEY)
        v1(client).customers.list()
        v1(client).customers.list()
        asyncio.run(stripe.Customer.list_async())
        stripe.max_network_retries = 5  # the app changes globals while the fake runs...
        stripe.default_http_client = URLLIB_CLIENT()
    assert len(fake.requests) == 5
    for request in fake.requests:
        assert "x-stripe-client-telemetry" not in request.headers
        assert "telemetry_id" not in request.headers["x-stripe-client-user-agent"]
    assert not (tmp_path / "xdg").exists() and not (tmp_path / "home").exists()
    after = _globals()
    assert after["max_network_retries"] == 5  # ...those are the app's (monkeypatch restores them)
    assert after["default_http_client"] is before["default_http_client"]  # the fake restores its own
    for name in ("get_http_client", "default_sync", "default_async", "enable_telemetry", "api_base"):
        assert after[name] is before[name], name


# -- T10: no Stripe-Notice, nothing warns ----------------------------------------------------------------


def test_no_stripe_notice_header_and_no_warning(
    stripe_fake: StripeFake, monkeypatch: pytest.MonkeyPatch, client: stripe.StripeClient
) -> None:
    from stripe import _api_requestor

    seen: list[Mapping[str, str]] = []
    original = getattr(_api_requestor, "_maybe_emit_stripe_notice", None)  # stripe >= 16

    def spy(rheaders: Mapping[str, str], *args: Any, **kwargs: Any) -> None:
        seen.append(rheaders)
        assert original is not None
        original(rheaders, *args, **kwargs)

    if original is not None:
        monkeypatch.setattr(_api_requestor, "_maybe_emit_stripe_notice", spy)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # as under filterwarnings = error
        customer = stripe.Customer.create(email="n@example.com")
        meter = v1(client).billing.meters.create(
            params={"display_name": "Calls", "event_name": "calls", "default_aggregation": {"formula": "sum"}}
        )
        v1(client).billing.meter_events.create(
            params={"event_name": "calls", "payload": {"stripe_customer_id": customer.id, "value": "2"}}
        )
        session = client.v2.billing.meter_event_session.create()
        assert session.authentication_token
        client.v2.core.events.list({"limit": 5})
        with pytest.raises(stripe.InvalidRequestError):
            stripe.billing.Meter.retrieve("mtr_missing")
        with pytest.raises(stripe.InvalidRequestError):
            stripe.Customer.create(email={"not": "a string"})  # type: ignore[arg-type]
        stripe_fake.fail_next(error="rate_limit")
        with pytest.raises(stripe.RateLimitError):
            stripe.Customer.list()
        assert meter.id
    assert len(stripe_fake.requests) == 8
    assert len(seen) == (8 if original is not None else 0)  # every response went past the notice check
    assert not any("Stripe-Notice" in headers for headers in seen)


# -- T13: every URL the fake hands back is origin-relative ----------------------------------------------


def _api_urls(node: Any, parent_key: str = "") -> Iterator[str]:
    """URLs the SDK follows: list ``url``, v2 ``next/previous_page_url``, ``related_object.url``."""
    if isinstance(node, list):
        for item in node:
            yield from _api_urls(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            followed = key in ("next_page_url", "previous_page_url") or (
                key == "url"
                and (node.get("object") in ("list", "search_result") or parent_key == "related_object")
            )
            if followed and value is not None:
                yield value
            yield from _api_urls(value, key)


def test_every_url_handed_back_is_origin_relative(
    stripe_fake: StripeFake, client: stripe.StripeClient, meter: stripe.billing.Meter
) -> None:
    customers = [stripe.Customer.create(email=f"c{n}@example.com") for n in range(3)]
    assert len(list(stripe.Customer.list(limit=2).auto_paging_iter())) == 3
    stripe.billing.Alert.create(
        title="t",
        alert_type="usage_threshold",
        usage_threshold={"gte": 1, "meter": meter.id, "recurrence": "one_time"},
    )
    stripe.billing.Alert.list()
    stripe.Event.list(limit=1).auto_paging_iter().__next__()
    stripe.WebhookEndpoint.create(url="http://app.test/hooks", enabled_events=["invoice.paid"])
    stripe.WebhookEndpoint.list()
    stripe.billing.Meter.list_event_summaries(meter.id, customer=customers[0].id, start_time=0, end_time=3600)
    for n in range(2):  # each request with an uncountable event sends one thin event (error report)
        stripe.billing.MeterEvent.create(
            event_name="api_call",
            payload={"stripe_customer_id": "cus_ghost", "value": "1"},
            identifier=f"g{n}",
        )
    for n in range(2):
        client.v2.core.event_destinations.create(
            {
                "name": f"d{n}",
                "type": "webhook_endpoint",
                "event_payload": "thin",
                "enabled_events": ["v1.billing.meter.no_meter_found"],
                "webhook_endpoint": {"url": "http://app.test/thin"},
            }
        )
    destinations = list(client.v2.core.event_destinations.list({"limit": 1}).auto_paging_iter())
    assert len(destinations) == 2
    events = list(client.v2.core.events.list({"limit": 1}).auto_paging_iter())
    assert len(events) == 2
    related_url: str = events[0].related_object.url  # type: ignore[attr-defined]
    related = client.raw_request("get", related_url)  # the SDK validates the path
    assert client.deserialize(related, api_mode="V1")["id"] == meter.id

    urls = [url for request in stripe_fake.requests for url in _api_urls(request.response)]
    assert any(u.startswith("/v2/core/events") for u in urls)
    assert any(u.startswith("/v1/billing/meters/") for u in urls)
    assert len(urls) >= 10
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url


# -- unimplemented endpoints ---------------------------------------------------------------------------


def _sandbox(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\nfilterwarnings = error\n")
    pytester.makeconftest(
        """
        import pytest, stripe

        @pytest.fixture(autouse=True)
        def key(monkeypatch):
            monkeypatch.setattr(stripe, "api_key", "sk_test_123")
        """
    )
    return pytester


def test_unimplemented_endpoint_fails_the_test_even_when_the_app_swallows_the_404(
    pytester: pytest.Pytester,
) -> None:
    _sandbox(pytester).makepyfile(
        """
        import pytest, stripe

        def app_code():
            try:
                return stripe.Quote.list()
            except stripe.StripeError:
                return None  # the app hides the failure

        def test_default(stripe_fake):
            stripe.Customer.create()
            assert app_code() is None

        @pytest.mark.stripe_fake(unimplemented="error")
        def test_expects_the_404(stripe_fake):
            with pytest.raises(stripe.InvalidRequestError):
                stripe.Quote.list()
            assert [r.path for r in stripe_fake.unimplemented_requests] == ["/v1/quotes"]

        @pytest.mark.stripe_fake(record_requests=False)
        def test_tracked_without_the_log(stripe_fake):
            app_code()
            assert stripe_fake.requests == []
            assert len(stripe_fake.unimplemented_requests) == 1

        @pytest.mark.stripe_fake(unimplemented="ignore")
        def test_bad_value(stripe_fake):
            pass
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=3, errors=3)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_default*",
            "*UnimplementedEndpointError: The app called 1 Stripe endpoint(s) that stripe-fake does not*",
            "*1. GET /v1/quotes -> 404 (URL not implemented by stripe-fake) req_*",
            '*@pytest.mark.stripe_fake(unimplemented="error")*',
        ]
    )
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_tracked_without_the_log*"])
    result.stdout.fnmatch_lines(["*unimplemented must be 'fail' or 'error', not 'ignore'*"])
    assert "POST /v1/customers" not in result.stdout.str()  # only what was not implemented is listed


def test_context_manager_reports_unimplemented_on_exit_but_never_hides_the_real_error() -> None:
    with (
        pytest.raises(UnimplementedEndpointError, match=r"GET /v1/quotes"),
        StripeFake() as fake,
        pytest.raises(stripe.InvalidRequestError),
    ):
        stripe.Quote.list()
    assert not fake.is_active
    with pytest.raises(KeyError), StripeFake():  # the block's own failure wins
        with pytest.raises(stripe.InvalidRequestError):
            stripe.Quote.list()
        raise KeyError("the test's own failure")
    assert stripe_fake_module.active() is None


def test_wrong_host_counts_as_unimplemented() -> None:
    with StripeFake(unimplemented="error") as fake:
        client = stripe.StripeClient(KEY)
        session = client.v2.billing.meter_event_session.create()
        with pytest.raises(stripe.InvalidRequestError):
            client.raw_request(
                "post",
                "/v2/billing/meter_event_stream",
                events=[],
                options={"api_key": session.authentication_token},
            )
        [missing] = fake.unimplemented_requests
        assert (missing.host, missing.route, missing.implemented) == ("api.stripe.com", None, False)
        fake.verify()  # "error": nothing to fail


# -- the request log ------------------------------------------------------------------------------------


@pytest.mark.stripe_fake(unimplemented="error")
def test_request_log_filters_and_describes(stripe_fake: StripeFake) -> None:
    customer = stripe.Customer.create(email="a@example.com")
    stripe.Customer.modify(customer.id, name="A")
    stripe.Customer.retrieve(customer.id)
    with pytest.raises(stripe.InvalidRequestError):
        stripe.Customer.retrieve("cus_missing")
    with pytest.raises(stripe.InvalidRequestError):
        stripe.Quote.list()
    log = stripe_fake.requests
    assert isinstance(log, RequestLog)
    assert [r.path for r in log.filter(method="post")] == ["/v1/customers", f"/v1/customers/{customer.id}"]
    assert len(log.filter("GET", "/v1/customers/*")) == 2
    assert [r.status for r in log.filter(route="customers.*")] == [200, 200, 200, 404]
    assert log.filter(status=404, route="customers.retrieve")[0].error["code"] == "resource_missing"  # type: ignore[index]
    assert log.filter(host="meter-events.stripe.com") == []
    assert log.last("GET", "/v1/customers/*").path == "/v1/customers/cus_missing"
    assert log.last().path == "/v1/quotes"
    with pytest.raises(LookupError, match=r"no request matched; recorded:\n +1\. POST /v1/customers -> 200"):
        log.last("DELETE")
    description = log.describe()
    assert "5. GET /v1/quotes -> 404 (URL not implemented by stripe-fake)" in description
    assert "4. GET /v1/customers/cus_missing -> 404 (customers.retrieve)" in description
    assert repr(log[0]) == "<POST /v1/customers -> 200>"
    assert RequestLog().describe() == "  (no requests were recorded)"


# -- lifecycle: nesting, active(), decorator, scopes --------------------------------------------------


def test_nested_start_is_a_clear_error_and_active_names_the_running_fake(stripe_fake: StripeFake) -> None:
    assert stripe_fake_module.active() is stripe_fake
    with pytest.raises(RuntimeError, match=r"already active .*stripe_fake fixture.*stripe_fake\.active\(\)"):
        StripeFake().start()
    with pytest.raises(RuntimeError, match="already active"):
        stripe_fake.start()  # the same fake twice
    assert stripe_fake.is_active and stripe_fake_module.active() is stripe_fake
    assert stripe.Customer.create().object == "customer"


def test_decorator_and_context_manager_outside_pytest() -> None:
    assert stripe_fake_module.active() is None
    fake = StripeFake(processing_delay=5)

    @fake
    def job(email: str) -> tuple[int, bool]:
        stripe.Customer.create(email=email)
        return len(stripe.Customer.list().data), stripe_fake_module.active() is fake

    assert job("a@example.com") == (1, True)
    assert job("b@example.com") == (1, True)  # fresh for each call
    assert stripe_fake_module.active() is None
    assert fake.config.processing_delay == 5
    with fake as again:  # the same object, started again; state is kept until reset()
        assert again is fake and len(fake.requests) == 2
        fake.reset()
        assert fake.requests == [] and stripe.Customer.list().data == []
    with pytest.raises(TypeError, match="Unknown StripeFake option"):
        StripeFake(unimplmented="error")


def test_one_fake_for_a_whole_module_with_reset_between_tests(pytester: pytest.Pytester) -> None:
    """The documented recipe for a module- or session-scoped fake."""
    _sandbox(pytester).makepyfile(
        """
        import pytest, stripe
        from stripe_fake import StripeFake

        @pytest.fixture(scope="module")
        def shared_fake():
            with StripeFake() as fake:
                yield fake

        @pytest.fixture
        def stripe_fake(shared_fake):
            shared_fake.reset()
            yield shared_fake
            shared_fake.verify()

        def test_one(stripe_fake):
            stripe.Customer.create(email="one@example.com")
            assert len(stripe.Customer.list().data) == 1

        def test_two(stripe_fake):
            assert stripe.Customer.list().data == []  # reset between tests
            assert len(stripe_fake.requests) == 1

        def test_three_calls_an_unimplemented_endpoint(stripe_fake):
            try:
                stripe.Quote.list()
            except stripe.InvalidRequestError:
                pass

        def test_four_is_clean_again(stripe_fake, shared_fake):
            assert stripe_fake is shared_fake and shared_fake.is_active
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=4, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_three_calls_an_unimplemented_endpoint*"])


def test_each_unimplemented_call_fails_the_test_once(pytester: pytest.Pytester) -> None:
    _sandbox(pytester).makepyfile(
        """
        import stripe

        def test_sees_the_404(stripe_fake):
            stripe.Quote.list()  # raises InvalidRequestError: the test fails here, and only here

        def test_swallows_it(stripe_fake):
            try:
                stripe.Quote.list()
            except stripe.InvalidRequestError:
                pass
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(failed=1, passed=1, errors=1)  # the swallowing test: passed, then its teardown
    result.stdout.fnmatch_lines(["*FAILED*test_sees_the_404*", "*ERROR*test_swallows_it*"])
    assert "ERROR at teardown of test_sees_the_404" not in result.stdout.str()


def test_a_route_whose_handler_is_not_implemented_counts_as_unimplemented() -> None:
    """``GET /v1/invoices/upcoming`` has a route (so ``upcoming`` is not read as an invoice id), but
    the fake answers it with the 404 of an endpoint Stripe removed: it must count like any other."""
    with pytest.raises(UnimplementedEndpointError, match=r"GET /v1/invoices/upcoming"), StripeFake() as fake:
        with contextlib.suppress(stripe.InvalidRequestError):  # the app swallows the 404
            stripe.StripeClient("sk_test_fake_123").raw_request("get", "/v1/invoices/upcoming")
        assert [r.path for r in fake.unimplemented_requests] == ["/v1/invoices/upcoming"]
