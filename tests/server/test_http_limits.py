"""What the app adds to uvicorn (issue 19): body limit, body and header deadlines, protocol errors in
Stripe's JSON shape; truncated, oversized and malformed requests store nothing."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable

import httpx
import stripe
from compat import v1
from conftest import KEY, client_for, connect, json_body, post, raw, read_response, status_of

from stripe_fake.config import FakeConfig
from stripe_fake.server import StripeFakeServer

Live = Callable[..., StripeFakeServer]


def _customers(server: StripeFakeServer) -> int:
    return len(v1(client_for(server)).customers.list().data)


def test_truncated_body_then_disconnect_stores_nothing(live: Live) -> None:
    server = live()
    body = b"email=jenny%40example.com"
    assert raw(server, post("/v1/customers", body[:10], length=len(body)), close=True) == b""
    assert _customers(server) == 0


def test_truncated_body_left_open_gets_408_and_stores_nothing(live: Live) -> None:
    server = live(body_timeout=0.5)
    body = b"email=jenny%40example.com"
    started = time.monotonic()
    response = raw(server, post("/v1/customers", body[:10], length=len(body)))
    assert time.monotonic() - started < 2.5
    assert status_of(response) == 408
    error = json_body(response)["error"]
    assert (
        error["type"] == "invalid_request_error" and "did not arrive within 0.5 seconds" in error["message"]
    )
    assert _customers(server) == 0


def test_oversized_content_length_is_refused_before_the_body_is_read(live: Live) -> None:
    server = live(max_body=1000)
    with connect(server) as sock:
        sock.sendall(post("/v1/customers", b"", length=99_999_999_999_999))
        response = read_response(sock)  # answered without a byte of the body
    assert status_of(response) == 413
    assert b"connection: close" in response.lower()
    error = json_body(response)["error"]
    assert error["type"] == "invalid_request_error"
    assert "larger than stripe-fake accepts (1000 bytes)" in error["message"]
    assert _customers(server) == 0


def test_oversized_chunked_body_is_refused_while_reading(live: Live) -> None:
    server = live(max_body=1000)
    chunk = b"a" * 600
    head = (
        f"POST /v1/customers HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {KEY}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()
    piece = b"%x\r\n" % len(chunk) + chunk + b"\r\n"
    response = raw(server, head + piece + piece + piece + b"0\r\n\r\n")
    assert status_of(response) == 413
    assert _customers(server) == 0


def test_a_body_at_the_limit_is_accepted(live: Live) -> None:
    server = live(max_body=200)
    body = b"description=" + b"x" * 188
    assert len(body) == 200
    response = raw(server, post("/v1/customers", body))
    assert status_of(response) == 200
    assert _customers(server) == 1


def test_v2_oversized_body_gets_the_v2_error_shape(live: Live) -> None:
    server = live(max_body=100)
    response = httpx.post(
        f"{server.url}/v2/billing/meter_events",
        content=b"{" + b" " * 200 + b"}",
        headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert set(response.json()["error"]) >= {"type", "message"}


def test_conflicting_content_lengths_are_refused_in_stripe_json(live: Live) -> None:
    server = live()
    payload = post("/v1/customers", b"email=a%40b.co", "Content-Length: 3")
    response = raw(server, payload)
    assert status_of(response) == 400
    assert b"application/json" in response.lower()
    assert json_body(response)["error"]["type"] == "invalid_request_error"
    assert _customers(server) == 0


def test_malformed_requests_are_answered_in_stripe_json(live: Live) -> None:
    server = live()
    for payload in (
        b"GARBAGE\r\n\r\n",
        b"GET / HTTP/1.1\r\nBad Header Line\r\n\r\n",
        b"GET /v1/customers HTTP/1.1\r\n\r\n",  # HTTP/1.1 without Host
        b"GET /v1/customers HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: gzip\r\n\r\n",
    ):
        response = raw(server, payload)
        assert status_of(response) == 400, response[:200]
        error = json_body(response)["error"]
        assert error["type"] == "invalid_request_error"
        assert error["message"].startswith("Invalid HTTP request")


def test_a_connection_that_never_sends_headers_is_closed(live: Live) -> None:
    server = live(header_timeout=0.5)
    with connect(server) as sock:
        sock.sendall(b"POST /v1/customers HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and never the rest
        started = time.monotonic()
        response = read_response(sock)
        assert time.monotonic() - started < 2.5
    assert status_of(response) == 408
    assert json_body(response)["error"]["type"] == "invalid_request_error"
    with connect(server) as idle:
        started = time.monotonic()
        assert read_response(idle) == b""  # nothing sent: closed without an answer
        assert time.monotonic() - started < 2.5


def test_slow_clients_do_not_hold_the_server(live: Live) -> None:
    server = live(header_timeout=1.0)
    slow: list[socket.socket] = []
    stop = threading.Event()
    try:
        for _ in range(100):
            sock = connect(server)
            sock.sendall(b"POST /v1/customers HTTP/1.1\r\n")
            slow.append(sock)

        def trickle() -> None:  # slowloris: one header byte now and then on every connection
            while not stop.wait(0.2):
                for sock in slow:
                    with contextlib.suppress(OSError):
                        sock.send(b"X")

        threading.Thread(target=trickle, daemon=True).start()
        started = time.monotonic()
        for _ in range(5):
            assert v1(client_for(server)).customers.create().id.startswith("cus_")
        assert time.monotonic() - started < 2.0
        time.sleep(1.5)  # past the header deadline: every slow connection was closed
        closed = 0
        for sock in slow:
            sock.settimeout(0.5)
            try:
                data = sock.recv(65536)
                closed += data == b"" or data.startswith(b"HTTP/1.1 408")
            except OSError:
                closed += 1
        assert closed == 100
    finally:
        stop.set()
        for sock in slow:
            sock.close()


def test_keep_alive_and_a_json_404(live: Live) -> None:
    server = live()
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {KEY}"}) as http:
        for _ in range(3):
            assert http.post("/v1/customers").status_code == 200
        missing = http.get("/v1/nothing_here")
    assert missing.status_code == 404
    assert missing.json()["error"]["type"] == "invalid_request_error"


def test_a_simulated_network_failure_drops_the_connection(live: Live) -> None:
    config = FakeConfig(record_requests=False, fail_next=[{"target": "customers.create", "error": "network"}])
    server = live(config=config)
    client = client_for(server, max_network_retries=0)
    try:
        v1(client).customers.create()
    except stripe.APIConnectionError:
        pass
    else:
        raise AssertionError("the injected network failure was answered")
    assert v1(client).customers.create().id.startswith("cus_")  # the server is fine afterwards
