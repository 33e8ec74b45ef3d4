"""Graceful shutdown loses nothing answered 200; webhook delivery is off the request path in server
mode (one worker per endpoint, in order) and bounded by webhook_timeout in-process (issue 19)."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe
from compat import v1
from conftest import KEY, client_for
from test_server import ServerProcess

from stripe_fake import StripeFake
from stripe_fake.backend import Backend
from stripe_fake.clock import ManualClock
from stripe_fake.persistence import load_state
from stripe_fake.server import StripeFakeServer

Live = Callable[..., StripeFakeServer]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_shutdown_under_keep_alive_load_loses_nothing_answered_200(tmp_path: Path, sig: int) -> None:
    state = tmp_path / "state.bin"
    server = ServerProcess("--quiet", "--state", str(state))
    answered: list[list[str]] = [[] for _ in range(8)]
    failures: list[int] = [0] * 8
    stop = threading.Event()

    def load(slot: int) -> None:
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {KEY}"}, timeout=5) as http:
            while not stop.is_set():
                try:
                    response = http.post("/v1/customers", data={"description": f"client {slot}"})
                except httpx.HTTPError:
                    failures[slot] += 1
                    if failures[slot] > 50:
                        return
                    time.sleep(0.01)
                    continue
                if response.status_code == 200:
                    answered[slot].append(response.json()["id"])

    threads = [threading.Thread(target=load, args=(slot,)) for slot in range(8)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 5
    while sum(map(len, answered)) < 40 and time.monotonic() < deadline:
        time.sleep(0.02)  # keep-alive connections busy
    server.proc.send_signal(sig)
    assert server.stop() == 0
    stop.set()
    for thread in threads:
        thread.join(10)
    ids = [customer for slot in answered for customer in slot]
    assert len(ids) >= 40  # the load was real
    backend = Backend(clock=ManualClock())
    assert load_state(backend, state)
    with backend.lock:
        saved = {e["data"]["object"]["id"] for e in backend.events if e["type"] == "customer.created"}
    lost = [customer for customer in ids if customer not in saved]
    assert lost == [], f"{len(lost)} of {len(ids)} customers answered 200 are missing from the state"
    assert "Traceback" not in server.stderr


class _SlowReceiver:
    """A webhook endpoint answering 200 after ``delay`` seconds; records arrival order."""

    def __init__(self, delay: float) -> None:
        received: list[tuple[float, str]] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(delay)
                received.append((time.monotonic(), body.decode()))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.received = received
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def slow_receiver() -> Iterator[_SlowReceiver]:
    found = _SlowReceiver(delay=1.5)
    yield found
    found.close()


def test_a_slow_receiver_does_not_delay_api_answers(live: Live, slow_receiver: _SlowReceiver) -> None:
    server = live()
    client = client_for(server)
    v1(client).webhook_endpoints.create({"url": slow_receiver.url, "enabled_events": ["customer.created"]})
    started = time.monotonic()
    customers = [v1(client).customers.create({"description": str(i)}) for i in range(3)]
    assert time.monotonic() - started < 1.0  # three events, 4.5 s of receiver time: none waited for
    assert server.deliveries.flush(timeout=10)
    bodies = [body for _, body in slow_receiver.received]
    assert [next(c.id for c in customers if c.id in body) for body in bodies] == [c.id for c in customers]
    deliveries = httpx.get(f"{server.url}/_stripe_fake/deliveries").json()["endpoints"]
    assert [d["status"] for d in deliveries] == [200, 200, 200]


def test_each_endpoint_has_its_own_worker(live: Live, slow_receiver: _SlowReceiver) -> None:
    fast = _SlowReceiver(delay=0)
    try:
        server = live()
        client = client_for(server)
        v1(client).webhook_endpoints.create(
            {"url": slow_receiver.url, "enabled_events": ["customer.created"]}
        )
        v1(client).webhook_endpoints.create({"url": fast.url, "enabled_events": ["customer.created"]})
        v1(client).customers.create()
        deadline = time.monotonic() + 1.0
        while not fast.received and time.monotonic() < deadline:
            time.sleep(0.01)
        assert fast.received and not slow_receiver.received  # the fast one is not behind the slow one
        assert server.deliveries.flush(timeout=10)
    finally:
        fast.close()


def test_the_cli_server_answers_without_waiting_for_receivers(slow_receiver: _SlowReceiver) -> None:
    server = ServerProcess("--quiet")
    try:
        client = server.client()
        v1(client).webhook_endpoints.create(
            {"url": slow_receiver.url, "enabled_events": ["customer.created"]}
        )
        started = time.monotonic()
        v1(client).customers.create()
        assert time.monotonic() - started < 1.0
    finally:
        assert server.stop() == 0
    assert len(slow_receiver.received) == 1  # delivered before the process exited


def _slow_wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    time.sleep(0.4)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"late"]


def _slow_callable(request: httpx.Request) -> int:
    time.sleep(0.4)
    return 200


@pytest.mark.parametrize("app", [_slow_wsgi, _slow_callable], ids=["wsgi", "callable"])
def test_webhook_timeout_applies_to_sync_receivers_in_process(app: Any) -> None:
    """A WSGI app or sync callable slower than webhook_timeout is a failed delivery (it was recorded
    as a success). It runs on the test's thread, so its database connection is the test's."""
    with StripeFake() as fake:
        fake.backend.config.webhook_timeout = 0.2
        fake.mount("http://app.test", app)
        stripe.WebhookEndpoint.create(url="http://app.test/hook", enabled_events=["customer.created"])
        stripe.Customer.create()
        deliveries = list(fake.deliveries)
    assert len(deliveries) == 1
    assert not deliveries[0].succeeded
    assert deliveries[0].status is None
    assert "no answer within 0.2 s" in (deliveries[0].error or "")


def test_sync_receivers_run_on_the_callers_thread() -> None:
    threads: list[int] = []

    def app(request: httpx.Request) -> int:
        threads.append(threading.get_ident())
        return 200

    with StripeFake() as fake:
        fake.mount("http://app.test", app)
        stripe.WebhookEndpoint.create(url="http://app.test/hook", enabled_events=["customer.created"])
        stripe.Customer.create()
        assert fake.deliveries[0].succeeded
    assert threads == [threading.get_ident()]


def test_in_process_delivery_stays_synchronous() -> None:
    received: list[str] = []

    def app(request: httpx.Request) -> int:
        received.append(request.content.decode())
        return 200

    with StripeFake() as fake:
        fake.mount("http://app.test", app)
        stripe.WebhookEndpoint.create(url="http://app.test/hook", enabled_events=["customer.created"])
        customer = stripe.Customer.create()
        assert len(received) == 1 and customer.id in received[0]  # right after the call


def test_rate_limit_answers_stripes_429(live: Live) -> None:
    server = live(rate_limit=5)
    client = client_for(server, max_network_retries=0)
    for _ in range(5):
        v1(client).customers.create()
    with pytest.raises(stripe.RateLimitError) as caught:
        v1(client).customers.create()
    assert caught.value.http_status == 429
    assert caught.value.error is not None and caught.value.error.code == "rate_limit"
    assert "rate limit" in str(caught.value.user_message)
    assert (
        len(v1(client).customers.list().data) == 5
    )  # reads are counted apart; the refused write did nothing
    other = client_for(server, stripe_account="acct_other", max_network_retries=0)
    v1(other).customers.list()  # another account has its own budget
    time.sleep(0.5)  # the bucket refills at 5 per second
    v1(client).customers.create()


def test_no_rate_limit_by_default(live: Live) -> None:
    server = live()
    client = client_for(server)
    for _ in range(40):
        v1(client).customers.list()


def test_non_loopback_host_prints_a_warning() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "stripe_fake", "serve", "--port", "0", "--host", "192.0.2.1"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert "warning: listening on 192.0.2.1" in result.stderr
    assert "no authentication" in result.stderr
    assert result.returncode == 1  # TEST-NET-1 is not this machine: nothing listens


def test_reset_drops_deliveries_still_queued(live: Live, slow_receiver: _SlowReceiver) -> None:
    server = live()
    client = client_for(server)
    v1(client).webhook_endpoints.create({"url": slow_receiver.url, "enabled_events": ["customer.created"]})
    for _ in range(3):
        v1(client).customers.create()
    assert httpx.post(f"{server.url}/_stripe_fake/reset", json={}).status_code == 200
    assert server.deliveries.flush(timeout=5)
    assert len(slow_receiver.received) <= 1  # at most the one already being sent
