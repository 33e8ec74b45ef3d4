"""``stripe-fake serve`` as a real process: the SDK over HTTP, the clock, state, shutdown, forwarding.

These tests do not use the ``stripe_fake`` fixture (it would intercept the requests): they start the
server as a subprocess on a free loopback port and point the SDK at it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe
from compat import parse_notification, v1

KEY = "sk_test_server_123"
READY = "stripe-fake listening on "


class ServerProcess:
    """A running ``python -m stripe_fake serve``, its stdout lines, and helpers to talk to it."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "stripe_fake", "serve", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        self.errors: list[str] = []
        self.returncode: int | None = None
        self._readers = [
            threading.Thread(target=self._read, daemon=True),
            threading.Thread(target=self._read_errors, daemon=True),
        ]
        for reader in self._readers:
            reader.start()
        self.url = self._wait_ready()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output.append(line.rstrip("\n"))
            self.lines.put(line.rstrip("\n"))

    def _read_errors(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:  # drained continuously so the server never blocks on a full pipe
            self.errors.append(line)

    @property
    def stderr(self) -> str:
        return "".join(self.errors)

    def _wait_ready(self) -> str:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            if line.startswith(READY):
                return line[len(READY) :].split()[0]
        self.proc.kill()
        self.stop()
        raise AssertionError(f"the server did not start: {self.output} {self.stderr}")

    def wait_line(self, contains: str, timeout: float = 10) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.output):
                if contains in line:
                    return line
            time.sleep(0.02)
        raise AssertionError(f"no line with {contains!r} in {self.output}")

    def client(self) -> stripe.StripeClient:
        return stripe.StripeClient(KEY, base_addresses={"api": self.url, "meter_events": self.url})

    def control(self, method: str, name: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.request(method, f"{self.url}/_stripe_fake/{name}", json=body, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def stop(self) -> int:
        """SIGTERM (if still running), wait for the exit and the last output; the exit code."""
        if self.returncode is not None:
            return self.returncode
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.returncode = self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise
        for reader in self._readers:  # they end at EOF: every line is read
            reader.join(timeout=5)
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()
        return self.returncode


@pytest.fixture
def serve() -> Iterator[Callable[..., ServerProcess]]:
    started: list[ServerProcess] = []

    def start(*args: str) -> ServerProcess:
        server = ServerProcess(*args)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def _billing_scenario(client: stripe.StripeClient) -> tuple[str, str]:
    customer = v1(client).customers.create({"email": "jenny@example.com"})
    meter = v1(client).billing.meters.create(
        {"display_name": "API calls", "event_name": "api_call", "default_aggregation": {"formula": "sum"}}
    )
    for value in ("3", "4"):
        v1(client).billing.meter_events.create(
            {"event_name": "api_call", "payload": {"stripe_customer_id": customer.id, "value": value}}
        )
    return customer.id, meter.id


def _summary_total(server: ServerProcess, meter_id: str, customer_id: str) -> int:
    now = server.control("GET", "clock")["now"]
    start = now - now % 86400 - 86400
    summaries = v1(server.client()).billing.meters.event_summaries.list(
        meter_id, {"customer": customer_id, "start_time": start, "end_time": start + 3 * 86400}
    )
    return sum(int(s.aggregated_value) for s in summaries.data)


def test_billing_scenario_through_the_sdk(serve: Callable[..., ServerProcess]) -> None:
    server = serve()
    client = server.client()
    customer_id, meter_id = _billing_scenario(client)
    alert = v1(client).billing.alerts.create(
        {
            "alert_type": "usage_threshold",
            "title": "Ten calls",
            "usage_threshold": {"gte": 10, "meter": meter_id, "recurrence": "one_time"},
        }
    )
    v1(client).billing.meter_events.create(
        {"event_name": "api_call", "payload": {"stripe_customer_id": customer_id, "value": "5"}}
    )
    assert _summary_total(server, meter_id, customer_id) == 12
    with pytest.raises(stripe.InvalidRequestError) as caught:
        v1(client).billing.meters.retrieve("mtr_missing")
    assert caught.value.http_status == 404
    assert caught.value.code == "resource_missing"

    events = server.control("GET", "events")
    assert "billing.alert.triggered" in [e["type"] for e in events["data"]]
    triggered = server.control("GET", "events?type=billing.alert.*")["data"]
    assert [e["data"]["object"]["alert"]["id"] for e in triggered] == [alert.id]


def test_global_sdk_style_and_concurrent_clients(
    serve: Callable[..., ServerProcess], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = serve("--quiet")
    monkeypatch.setattr(stripe, "api_base", server.url)
    monkeypatch.setattr(stripe, "meter_events_api_base", server.url)
    monkeypatch.setattr(stripe, "api_key", KEY)
    stripe.billing.Meter.create(
        display_name="Calls", event_name="calls", default_aggregation={"formula": "count"}
    )
    customers = [stripe.Customer.create() for _ in range(4)]
    errors: list[BaseException] = []

    def send(customer_id: str) -> None:
        try:
            client = server.client()
            for _ in range(10):
                v1(client).billing.meter_events.create(
                    {"event_name": "calls", "payload": {"stripe_customer_id": customer_id}}
                )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(c.id,)) for c in customers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    meter = stripe.billing.Meter.list().data[0]
    for customer in customers:
        assert _summary_total(server, meter.id, customer.id) == 10


def test_the_clock_endpoints_drive_the_24h_identifier_window(serve: Callable[..., ServerProcess]) -> None:
    server = serve()
    client = server.client()
    customer_id, _ = _billing_scenario(client)
    payload = {"stripe_customer_id": customer_id}
    params = {"event_name": "api_call", "identifier": "order-1", "payload": payload}
    v1(client).billing.meter_events.create(params)
    with pytest.raises(stripe.InvalidRequestError, match="already exists with identifier order-1"):
        v1(client).billing.meter_events.create(params)

    before = server.control("GET", "clock")
    after = server.control("POST", "clock", {"advance": 25 * 3600})
    assert after["now"] - before["now"] >= 25 * 3600
    assert not after["frozen"]
    event = v1(client).billing.meter_events.create(params)  # the identifier window has passed
    assert event.created >= after["now"]


def test_freeze_set_and_bad_clock_input(serve: Callable[..., ServerProcess]) -> None:
    server = serve()
    frozen = server.control("POST", "clock", {"freeze": True, "set": 1_800_000_000})
    assert frozen == {"now": 1_800_000_000, "frozen": True, "offset": pytest.approx(frozen["offset"])}
    customer = v1(server.client()).customers.create()
    assert customer.created == 1_800_000_000
    assert server.control("POST", "clock", {"advance": 60})["now"] == 1_800_000_060
    thawed = server.control("POST", "clock", {"unfreeze": True})
    assert not thawed["frozen"]

    bad = httpx.post(f"{server.url}/_stripe_fake/clock", json={"advance": "soon"})
    assert bad.status_code == 400
    assert "'advance' must be a number" in bad.json()["error"]["message"]
    unknown = httpx.post(f"{server.url}/_stripe_fake/clock", json={"rewind": 5})
    assert unknown.status_code == 400
    assert httpx.get(f"{server.url}/_stripe_fake/nope").status_code == 404


def test_reset_forgets_objects_and_the_clock(serve: Callable[..., ServerProcess]) -> None:
    server = serve()
    client = server.client()
    v1(client).customers.create()
    server.control("POST", "clock", {"advance": 7 * 86400})
    server.control("POST", "reset")
    assert v1(client).customers.list().data == []
    assert abs(server.control("GET", "clock")["offset"]) < 5
    assert server.control("GET", "events")["data"] == []


def test_state_is_saved_at_shutdown_and_resumed(serve: Callable[..., ServerProcess], tmp_path: Path) -> None:
    state = tmp_path / "session.pickle"
    first = serve("--state", str(state))
    client = first.client()
    customer_id, meter_id = _billing_scenario(client)
    v1(client).billing.alerts.create(
        {
            "alert_type": "usage_threshold",
            "title": "Ten calls",
            "usage_threshold": {"gte": 10, "meter": meter_id, "recurrence": "one_time"},
        }
    )
    clock = first.control("POST", "clock", {"advance": 3 * 86400})
    assert first.stop() == 0
    assert state.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["session.pickle"]  # no temporary file left

    second = serve("--state", str(state))
    assert "Resumed the state saved in" in second.wait_line("Resumed")
    client = second.client()
    assert v1(client).customers.retrieve(customer_id).email == "jenny@example.com"
    assert abs(second.control("GET", "clock")["offset"] - clock["offset"]) < 5
    v1(client).billing.meter_events.create(
        {"event_name": "api_call", "payload": {"stripe_customer_id": customer_id, "value": "5"}}
    )
    # The resumed alert still listens to usage (listeners survive the round trip).
    types = [e["type"] for e in second.control("GET", "events")["data"]]
    assert types.count("billing.alert.triggered") == 1
    assert types[:2] == ["customer.created", "billing.meter.created"]  # the events of the first run


def test_state_save_on_demand_is_atomic(serve: Callable[..., ServerProcess], tmp_path: Path) -> None:
    state = tmp_path / "state.pickle"
    server = serve("--state", str(state))
    v1(server.client()).customers.create({"email": "a@example.com"})
    saved = server.control("POST", "state/save")
    assert saved == {"saved": str(state)}
    # Only the --state file is ever written (issue 19: no path chosen by the request).
    other = httpx.post(f"{server.url}/_stripe_fake/state/save", json={"path": str(tmp_path / "copy.pickle")})
    assert other.status_code == 400
    assert "only to the --state file" in other.json()["error"]["message"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.pickle"]

    no_state = serve()
    response = httpx.post(f"{no_state.url}/_stripe_fake/state/save")
    assert response.status_code == 400
    assert "--state" in response.json()["error"]["message"]


def test_a_corrupt_state_file_is_refused(tmp_path: Path) -> None:
    state = tmp_path / "state.pickle"
    state.write_bytes(b"not a pickle")
    result = subprocess.run(
        [sys.executable, "-m", "stripe_fake", "serve", "--port", "0", "--state", str(state)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "is not a stripe-fake state file" in result.stderr


def test_sigterm_and_sigint_shut_down_cleanly(serve: Callable[..., ServerProcess]) -> None:
    for sig in (signal.SIGTERM, signal.SIGINT):
        server = serve()
        v1(server.client()).customers.create()
        server.proc.send_signal(sig)
        assert server.stop() == 0
        assert "Shutting down" in server.output
        assert "Traceback" not in server.stderr


def test_one_log_line_per_request(serve: Callable[..., ServerProcess]) -> None:
    server = serve()
    v1(server.client()).customers.create()
    httpx.get(f"{server.url}/v1/nothing_here", headers={"Authorization": f"Bearer {KEY}"})
    server.stop()
    lines = [line for line in server.stderr.splitlines() if " /v1/" in line]
    assert len(lines) == 2
    assert "POST /v1/customers 200 " in lines[0] and lines[0].endswith("ms")
    assert "GET /v1/nothing_here 404 " in lines[1]

    quiet = serve("--quiet")
    v1(quiet.client()).customers.create()
    quiet.stop()
    assert "/v1/customers" not in quiet.stderr


class _Receiver:
    """A local webhook endpoint that records what it receives."""

    def __init__(self, status: int = 200) -> None:
        received: list[tuple[bytes, str]] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((body, self.headers["Stripe-Signature"]))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.received = received
        self.httpd = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/webhook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def wait(self, count: int, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def receiver() -> Iterator[_Receiver]:
    found = _Receiver()
    yield found
    found.close()


def test_forward_to_delivers_signed_events(serve: Callable[..., ServerProcess], receiver: _Receiver) -> None:
    secret = "whsec_fixed_for_tests"
    server = serve("--forward-to", receiver.url, "--webhook-secret", secret)
    assert f"your webhook signing secret is {secret}" in server.wait_line("signing secret")
    customer = v1(server.client()).customers.create({"email": "hook@example.com"})
    receiver.wait(1)
    assert len(receiver.received) == 1
    body, header = receiver.received[0]
    event = stripe.Webhook.construct_event(body.decode(), header, secret)
    assert event.type == "customer.created"
    assert event.data.object.id == customer.id
    # A tampered body fails verification.
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body.decode().replace("hook@", "evil@"), header, secret)
    assert f"--> customer.created [{event.id}]" in server.wait_line("-->")
    assert f"<--  [200] POST {receiver.url} [{event.id}]" in server.wait_line("<--")
    deliveries = server.control("GET", "deliveries")["data"]
    assert [(d["event_id"], d["status"]) for d in deliveries] == [(event.id, 200)]


def test_forward_filters_event_types(serve: Callable[..., ServerProcess], receiver: _Receiver) -> None:
    server = serve("--forward-to", receiver.url, "--events", "billing.meter.*")
    secret = server.wait_line("signing secret").rsplit(" ", 1)[1]
    assert secret.startswith("whsec_")
    client = server.client()
    v1(client).customers.create()
    v1(client).billing.meters.create(
        {"display_name": "Calls", "event_name": "calls", "default_aggregation": {"formula": "count"}}
    )
    receiver.wait(1)
    time.sleep(0.2)
    types = [json.loads(body)["type"] for body, _ in receiver.received]
    assert types == ["billing.meter.created"]
    body, header = receiver.received[0]
    timestamp, signature = (part.split("=", 1)[1] for part in header.split(","))
    expected = hmac.new(secret.encode(), f"{timestamp}.{body.decode()}".encode(), hashlib.sha256).hexdigest()
    assert signature == expected
    assert abs(int(timestamp) - time.time()) < 60  # signed with real time even if the fake clock moves


def test_unreachable_forward_target_is_reported_not_fatal(serve: Callable[..., ServerProcess]) -> None:
    server = serve("--forward-to", "http://127.0.0.1:9/webhook")
    customer = v1(server.client()).customers.create()
    assert "[ERR] POST http://127.0.0.1:9/webhook" in server.wait_line("<--")
    assert v1(server.client()).customers.retrieve(customer.id).id == customer.id
    deliveries = server.control("GET", "deliveries")["data"]
    assert deliveries[0]["status"] is None and deliveries[0]["error"]


def test_option_errors(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "stripe_fake", "serve", "--forward-to", "http://127.0.0.1:1/", "--webhook-secret", "x"],  # noqa: E501
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "--webhook-secret must start with whsec_" in result.stderr


def test_v2_meter_event_stream_on_the_same_port(serve: Callable[..., ServerProcess]) -> None:
    server = serve()
    client = server.client()
    customer_id, meter_id = _billing_scenario(client)
    session = client.v2.billing.meter_event_session.create()
    stream = stripe.StripeClient(session.authentication_token, base_addresses={"meter_events": server.url})
    stream.v2.billing.meter_event_stream.create(
        {
            "events": [
                {"event_name": "api_call", "payload": {"stripe_customer_id": customer_id, "value": "10"}},
                {"event_name": "api_call", "payload": {"stripe_customer_id": customer_id, "value": "20"}},
            ]
        }
    )
    client.v2.billing.meter_events.create(
        {"event_name": "api_call", "payload": {"stripe_customer_id": customer_id, "value": "100"}}
    )
    assert _summary_total(server, meter_id, customer_id) == 7 + 30 + 100


def test_forward_thin_to_delivers_signed_notifications(
    serve: Callable[..., ServerProcess], receiver: _Receiver
) -> None:
    secret = "whsec_thin_for_tests"
    server = serve("--forward-thin-to", receiver.url, "--webhook-secret", secret)
    client = server.client()
    customer = v1(client).customers.create()  # a v1 event: not sent to the thin URL
    v1(client).billing.meter_events.create(
        {"event_name": "no_such_meter", "payload": {"stripe_customer_id": customer.id}}
    )
    v1(client).customers.list()
    receiver.wait(1)
    assert len(receiver.received) == 1
    body, header = receiver.received[0]
    notification = parse_notification(client, body.decode(), header, secret)
    assert notification.type == "v1.billing.meter.no_meter_found"
    thin = server.control("GET", "events")["thin_events"]
    assert [e["id"] for e in thin] == [notification.id]
    assert "data" not in json.loads(body)


NODE_DIR = Path(__file__).parent / "node"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _node_sdk() -> str:
    """Install the Node SDK into tests/node/node_modules (once); the path to ``node``, or skip."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed for the Node SDK scenario (not installed)")
    if not (NODE_DIR / "node_modules" / "stripe" / "package.json").exists():
        cache = Path(tempfile.gettempdir()) / "stripe-fake-npm-cache"
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--cache", str(cache)],
            cwd=NODE_DIR,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode != 0:
            pytest.skip(f"npm could not install the stripe package: {result.stderr[-500:]}")
    return node


def test_node_sdk_scenario(serve: Callable[..., ServerProcess]) -> None:
    node = _node_sdk()
    receiver_port = _free_port()
    secret = "whsec_node_scenario"
    server = serve(
        "--forward-to", f"http://127.0.0.1:{receiver_port}/webhook", "--webhook-secret", secret, "--quiet"
    )
    port = server.url.rsplit(":", 1)[1]
    env = {**os.environ, "STRIPE_FAKE_PORT": port, "RECEIVER_PORT": str(receiver_port)}
    env["WEBHOOK_SECRET"] = secret
    result = subprocess.run(
        [node, "scenario.js"], cwd=NODE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["ok"] is True
    assert outcome["total"] == 50
    expected = {"customer.created", "billing.meter.created", "billing.alert.triggered"}
    assert expected <= set(outcome["received"])
    deliveries = server.control("GET", "deliveries")["data"]
    assert all(d["status"] == 200 for d in deliveries) and len(deliveries) >= 3


def test_webhook_endpoints_created_through_the_api_receive_events(
    serve: Callable[..., ServerProcess], receiver: _Receiver
) -> None:
    server = serve()
    client = server.client()
    endpoint = v1(client).webhook_endpoints.create(
        {"url": receiver.url, "enabled_events": ["customer.created"]}
    )
    server.control("POST", "clock", {"advance": 25 * 3600})  # the app's clock does not move
    customer = v1(client).customers.create()
    receiver.wait(1)
    body, header = receiver.received[0]
    event = stripe.Webhook.construct_event(body.decode(), header, endpoint.secret)
    assert event.data.object.id == customer.id
    endpoints = server.control("GET", "deliveries")["endpoints"]
    assert [(d["endpoint_id"], d["status"]) for d in endpoints] == [(endpoint.id, 200)]
