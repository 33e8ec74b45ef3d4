"""The standalone server's HTTP layer: an ASGI application in front of the backend, served by uvicorn.

uvicorn (h11) parses HTTP, keeps connections alive, limits header size, closes idle keep-alive
connections and shuts down gracefully. What it does not do is done here:

* a request body limit (``--max-body``): 413 in Stripe's error shape, before the body is read when
  ``Content-Length`` already says it is too large, and the connection is closed;
* a body-read deadline: a client that stops sending gets a 408 and its request is not processed; a
  client that disconnects mid-body gets nothing and nothing is stored;
* a deadline for the request line and headers (:class:`Protocol`): a connection that never sends a
  complete request is closed (h11 has no such timeout for a fresh connection);
* malformed requests (h11 refuses them) are answered in Stripe's JSON error shape, not text/plain;
* ``Host`` (when the server listens on loopback) and control ``Origin`` checks, against DNS rebinding
  and cross-site requests;
* an opt-in rate limiter (:class:`RateLimiter`).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from .http.errors import StripeError
from .http.messages import FakeResponse
from .ids import new_id

if TYPE_CHECKING:
    from .server import StripeFakeServer

log = logging.getLogger("stripe_fake.server")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

DEFAULT_MAX_BODY = 4 * 1024 * 1024
DEFAULT_BODY_TIMEOUT = 10.0
#: Seconds a connection may take to send a complete request line and headers.
DEFAULT_HEADER_TIMEOUT = 10.0
#: Stripe's Host names (a request naming one gets Stripe's per-host routing).
STRIPE_HOSTS = frozenset({"api.stripe.com", "meter-events.stripe.com", "files.stripe.com"})
ABORT_EXTENSION = "stripe_fake.abort"
#: Stripe's documented sandbox ("basic") limit: operations per second per account, reads and writes
#: counted apart; meter event calls count toward it in test mode.


def error_response(
    status: int,
    message: str,
    *,
    v2: bool = False,
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> FakeResponse:
    """A Stripe-shaped error (``invalid_request_error``) answered by the server layer itself."""
    request_id = new_id("req", 14)
    err = StripeError(message, status=status, type="invalid_request_error", code=code)
    body = err.v2_body() if v2 else err.v1_body(request_id)
    return FakeResponse.json(status, body, {"Request-Id": request_id, **(headers or {})})


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` (a name or address, without port) is this machine."""
    host = host.strip().lower().strip("[]")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_of(header: str) -> str:
    """The host name of a ``Host`` header value (port and IPv6 brackets removed)."""
    value = header.strip()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def origin_allowed(origin: str | None) -> bool:
    """A control request may come from no browser page or from a page served by this machine."""
    if origin is None:
        return True
    parts = urlsplit(origin.strip())
    return parts.scheme in ("http", "https") and is_loopback_host(parts.hostname or "")



class App:
    """The ASGI application of ``stripe-fake serve`` (see the module docstring)."""

    def __init__(self, server: StripeFakeServer) -> None:
        self.server = server

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        start = time.perf_counter()
        method: str = scope["method"]
        path: str = scope["path"]
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope["headers"]:
            name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
            # A repeated header is joined, as HTTP allows: a second Host can never look like loopback.
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        response, body_unread = self._refuse_early(method, path, headers)
        body = b""
        if response is None:
            read = await self._read_body(receive, headers, v2=path.startswith("/v2/"))
            if read is None:
                log.info("%s %s abandoned by the client (body incomplete)", method, path)
                return  # the client went away mid-body: nothing is processed, nothing to answer
            if isinstance(read, FakeResponse):
                response, body_unread = read, True
            else:
                body = read
        if response is None:
            response = self.server.dispatch(
                method, path, scope["query_string"].decode("latin-1"), headers, body
            )
        if body_unread:
            response.headers["Connection"] = "close"  # the unread body must not be taken for a request
        await self._answer(scope, send, method, path, response, start)

    def _refuse_early(
        self, method: str, path: str, headers: dict[str, str]
    ) -> tuple[FakeResponse | None, bool]:
        """A response given before the body is read (and whether the body stays unread)."""
        server = self.server
        v2 = path.startswith("/v2/")
        host = host_of(headers.get("host", ""))
        if server.check_host and not (is_loopback_host(host) or host in STRIPE_HOSTS):
            message = (
                f"stripe-fake refuses the Host {host!r}: it listens on loopback and answers only requests "
                "addressed to this machine (localhost, 127.0.0.1, ::1), which DNS rebinding cannot forge."
            )
            return error_response(403, message, v2=v2), True
        length = headers.get("content-length")
        if length is not None and length.strip().isdigit() and int(length) > server.max_body:
            return self._too_large(int(length), v2), True
        return None, False

    def _too_large(self, size: int, v2: bool) -> FakeResponse:
        limit = self.server.max_body
        message = (
            f"The request body ({size} bytes) is larger than stripe-fake accepts ({limit} bytes); "
            "start the server with a larger --max-body to allow it."
        )
        return error_response(413, message, v2=v2)

    async def _read_body(
        self, receive: Receive, headers: dict[str, str], *, v2: bool
    ) -> bytes | FakeResponse | None:
        """The whole body, a 408/413 response, or ``None`` if the client disconnected first.

        One timer bounds the whole read (cancelling this task when it fires): cheaper than a
        ``wait_for`` task per chunk, and most bodies are complete before the app even starts.
        """
        limit = self.server.max_body
        chunks: list[bytes] = []
        size = 0
        task = asyncio.current_task()
        expired: list[bool] = []

        def expire() -> None:
            expired.append(True)
            if task is not None:
                task.cancel()

        timer = asyncio.get_running_loop().call_later(self.server.body_timeout, expire)
        try:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return None
                chunk = message.get("body", b"")
                if chunk:
                    size += len(chunk)
                    if size > limit:
                        return self._too_large(size, v2)
                    chunks.append(chunk)
                if not message.get("more_body", False):
                    return chunks[0] if len(chunks) == 1 else b"".join(chunks)
        except asyncio.CancelledError:
            if not expired:
                raise
            if task is not None and hasattr(task, "uncancel"):  # Python 3.11+
                task.uncancel()
            message_text = (
                f"The request body did not arrive within {self.server.body_timeout:g} seconds "
                f"({size} bytes received); the request was not processed."
            )
            return error_response(408, message_text, v2=v2)
        finally:
            timer.cancel()

    async def _answer(
        self, scope: Scope, send: Send, method: str, path: str, response: FakeResponse, start: float
    ) -> None:
        elapsed = (time.perf_counter() - start) * 1000
        if response.network_error is not None:
            abort = scope.get("extensions", {}).get(ABORT_EXTENSION)
            log.info("%s %s dropped (%s) %.1fms", method, path, response.network_error, elapsed)
            if abort is not None:
                abort()  # a simulated network failure: the connection is closed without an answer
                return
            response = error_response(500, f"stripe-fake: {response.network_error}")
        headers = [(b"content-type", b"application/json")]
        for key, value in response.headers.items():
            if key.lower() not in ("content-length", "transfer-encoding", "content-type"):
                headers.append((key.lower().encode("latin-1"), value.encode("latin-1")))
        headers.append((b"content-length", str(len(response.body)).encode()))
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send({"type": "http.response.body", "body": response.body})
        log.info("%s %s %d %.1fms", method, path, response.status, elapsed)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


_REASONS = {400: b"Bad Request", 408: b"Request Timeout"}


class Protocol(H11Protocol):
    """uvicorn's h11 protocol with Stripe-shaped protocol errors, a deadline for the request head,
    and a way for the app to drop the connection (simulated network failures)."""

    header_timeout: float = DEFAULT_HEADER_TIMEOUT

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            # uvicorn writes the head and the body separately: without TCP_NODELAY, Nagle's algorithm
            # and the client's delayed ACK add milliseconds to every keep-alive request.
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._head_cycle: object = None
        self._head_timer: asyncio.TimerHandle | None = None
        self._arm_head_timer()

    def _arm_head_timer(self) -> None:
        self._cancel_head_timer()
        self._head_cycle = self.cycle
        self._head_timer = self.loop.call_later(self.header_timeout, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing() or self.cycle is not self._head_cycle:
            return  # a request arrived meanwhile
        if (
            self.conn.their_state is h11.IDLE
            and self.conn.our_state is h11.IDLE
            and not self.conn.trailing_data[0]
        ):
            self.transport.close()  # nothing started: just close, like an idle keep-alive connection
            return
        self._send_error(408, "The request line and headers did not arrive in time.")

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def handle_events(self) -> None:
        super().handle_events()
        if self.cycle is not None and self.cycle is not self._head_cycle:
            self._cancel_head_timer()
            self._head_cycle = self.cycle
            extensions = cast(dict[str, Any], self.scope.setdefault("extensions", {}))
            extensions[ABORT_EXTENSION] = self._abort_cycle

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and (self.cycle is None or self.cycle.response_complete):
            self._arm_head_timer()
            self._head_cycle = self.cycle

    def _abort_cycle(self) -> None:
        if self.cycle is not None:
            self.cycle.disconnected = True
        self.transport.abort()

    def send_400_response(self, msg: str) -> None:
        self._send_error(
            400, "Invalid HTTP request: stripe-fake could not parse the request line or headers."
        )

    def _send_error(self, status: int, message: str) -> None:
        response = error_response(status, message)
        headers = [(b"content-type", b"application/json"), (b"connection", b"close")]
        headers += [(k.lower().encode(), v.encode()) for k, v in response.headers.items()]
        headers.append((b"content-length", str(len(response.body)).encode()))
        try:
            if self.conn.our_state in (h11.IDLE, h11.SEND_RESPONSE):
                self.transport.write(
                    self.conn.send(h11.Response(status_code=status, headers=headers, reason=_REASONS[status]))
                    or b""
                )
                self.transport.write(self.conn.send(h11.Data(data=response.body)) or b"")
                self.transport.write(self.conn.send(h11.EndOfMessage()) or b"")
        except h11.LocalProtocolError:
            # h11 refuses to answer on a broken connection state: write the response by hand.
            head = f"HTTP/1.1 {status} {_REASONS[status].decode()}\r\n"
            lines = "".join(f"{k.decode()}: {v.decode()}\r\n" for k, v in headers)
            self.transport.write(head.encode() + lines.encode() + b"\r\n" + response.body)
        self.transport.close()
