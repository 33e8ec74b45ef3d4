"""Fixtures for the hardened standalone server: an in-process :class:`StripeFakeServer` on a free
loopback port (real HTTP through uvicorn, no interception) and raw-socket helpers."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import stripe

from stripe_fake.server import StripeFakeServer

KEY = "sk_test_hardening_123"


@pytest.fixture
def live() -> Iterator[Callable[..., StripeFakeServer]]:
    """Start ``StripeFakeServer(**options)`` on 127.0.0.1, port 0; stopped at teardown."""
    started: list[StripeFakeServer] = []

    def start(**options: Any) -> StripeFakeServer:
        options.setdefault("port", 0)
        server = StripeFakeServer("127.0.0.1", **options).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def client_for(server: StripeFakeServer, **options: Any) -> stripe.StripeClient:
    return stripe.StripeClient(KEY, base_addresses={"api": server.url, "meter_events": server.url}, **options)


def connect(server: StripeFakeServer, timeout: float = 3.0) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=timeout)
    sock.settimeout(timeout)
    return sock


def read_response(sock: socket.socket, deadline: float = 3.0) -> bytes:
    """Everything the server sends until it closes the connection or a full response arrived."""
    data = b""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            break
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
        head, sep, body = data.partition(b"\r\n\r\n")
        if sep:
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:") and len(body) >= int(line.split(b":")[1]):
                    return data
    return data


def raw(server: StripeFakeServer, payload: bytes, *, close: bool = False) -> bytes:
    """Send ``payload`` on a new connection; the raw response (``b""`` if none)."""
    with connect(server) as sock:
        sock.sendall(payload)
        if close:
            sock.shutdown(socket.SHUT_WR)
        return read_response(sock)


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


def json_body(response: bytes) -> Any:
    import json

    return json.loads(response.partition(b"\r\n\r\n")[2])


def post(path: str, body: bytes, *extra: str, length: int | None = None) -> bytes:
    """An HTTP/1.1 POST to 127.0.0.1 with a form body and a test key."""
    lines = [
        f"POST {path} HTTP/1.1",
        "Host: 127.0.0.1",
        f"Authorization: Bearer {KEY}",
        "Content-Type: application/x-www-form-urlencoded",
        f"Content-Length: {len(body) if length is None else length}",
        *extra,
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body
