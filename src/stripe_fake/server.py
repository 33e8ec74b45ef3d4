"""``stripe-fake serve``: the same :class:`~stripe_fake.backend.Backend` over real HTTP.

Any language's Stripe SDK can point at it (``api_base``/``host``). v1 lives under ``/v1``, v2 under
``/v2`` and the meter-event stream on the same port (the backend serves every route on a non-Stripe
host). The server keeps its own :class:`~stripe_fake.clock.ManualClock`, driven through the control
endpoints under ``/_stripe_fake/`` (see :data:`CONTROL_HELP`).
"""

from __future__ import annotations

import json
import logging
import queue
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from .backend import Backend
from .clock import ManualClock
from .config import FakeConfig
from .delivery import sign
from .http.messages import FakeRequest, FakeResponse
from .patterns import match_any
from .persistence import StateError, load_state, save_state
from .resources import EventEmitted, ThinEventEmitted, notification_of
from .state import AccountState

log = logging.getLogger("stripe_fake.server")

#: A control endpoint: (JSON body, query) -> response.
ControlHandler = Callable[[dict[str, Any], dict[str, list[str]]], FakeResponse]

CONTROL_PREFIX = "/_stripe_fake/"

CONTROL_HELP = """\
control endpoints (JSON in and out, no API key needed):
  GET  /_stripe_fake/health        {"ok": true}
  POST /_stripe_fake/reset         forget every object and event; the clock goes back to real
                                   time unless the body is {"keep_clock": true}
  GET  /_stripe_fake/events        recorded v1 events (oldest first) and thin v2 events;
                                   ?type=invoice.paid or ?type=billing.* filters the v1 events
  GET  /_stripe_fake/deliveries    deliveries made by --forward-to ("data") and to webhook
                                   endpoints / event destinations created through the API
                                   ("endpoints")
  GET  /_stripe_fake/clock         {"now": <unix>, "frozen": false, "offset": <seconds>}
  POST /_stripe_fake/clock         {"advance": 86400} | {"set": <unix>} | {"freeze": true}
                                   | {"unfreeze": true}; answers like GET. Usage delayed by
                                   --processing-delay and batched error reports that the move
                                   made due are applied (and forwarded) at once
  POST /_stripe_fake/state/save    write --state now (or {"path": "other.pickle"})"""


def _random_secret() -> str:
    return "whsec_" + secrets.token_hex(32)


@dataclass
class ForwardedEvent:
    """One event the forwarder posted (``--forward-to``) and how the receiving app answered.

    Webhook endpoint deliveries are :class:`stripe_fake.delivery.Delivery`; this is the server's own
    ``stripe listen``-style stream, reported by ``GET /_stripe_fake/deliveries`` under ``data``.
    """

    event_id: str
    event_type: str
    url: str
    status: int | None
    error: str | None
    duration_ms: float
    delivered_at: float


def event_matches(event_type: str, patterns: list[str] | None) -> bool:
    """Whether ``patterns`` select ``event_type`` (``None``/``*``: all; ``billing.*``: a prefix)."""
    return match_any(patterns, event_type)


class Forwarder:
    """Delivers every (selected) event, signed, to your app, like ``stripe listen --forward-to``.

    v1 events go to ``url``; thin v2 events (their notification: the event without ``data``) go to
    ``thin_url``. Events are queued by backend listeners and posted in order by one worker thread,
    so the API request that caused an event never waits for the app's webhook handler. The signature
    uses the real time (the app checks it against its own clock), whatever the server's clock says.
    """

    def __init__(
        self,
        url: str | None,
        secret: str | None = None,
        event_types: list[str] | None = None,
        echo: Callable[[str], None] | None = None,
        timeout: float = 10.0,
        thin_url: str | None = None,
    ) -> None:
        self.url = url
        self.thin_url = thin_url
        self.secret = secret or _random_secret()
        self.event_types = event_types
        self.echo = echo or (lambda line: None)
        self.timeout = timeout
        self.deliveries: list[ForwardedEvent] = []
        self._queue: queue.Queue[tuple[str, dict[str, Any]] | None] = queue.Queue()
        self._client = httpx.Client(timeout=timeout, trust_env=False)
        self._thread = threading.Thread(target=self._run, name="stripe-fake-forwarder", daemon=True)
        self._thread.start()

    def attach(self, backend: Backend) -> None:
        if self.url is not None:
            backend.bus.subscribe(EventEmitted, self._on_event_emitted)
        if self.thin_url is not None:
            backend.bus.subscribe(ThinEventEmitted, self._on_thin_event_emitted)

    def _on_event_emitted(self, account: AccountState, message: EventEmitted) -> None:
        self.on_event(account, message.event)

    def _on_thin_event_emitted(self, account: AccountState, message: ThinEventEmitted) -> None:
        self.on_thin_event(account, message.event)

    def on_event(self, account: AccountState, event: dict[str, Any]) -> None:
        if self.url is not None and event_matches(str(event.get("type", "")), self.event_types):
            self._queue.put((self.url, json.loads(json.dumps(event))))  # a snapshot, as it is now

    def on_thin_event(self, account: AccountState, event: dict[str, Any]) -> None:
        if self.thin_url is not None and event_matches(str(event.get("type", "")), self.event_types):
            self._queue.put((self.thin_url, json.loads(json.dumps(notification_of(event)))))

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued event was delivered (``False`` on timeout)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def close(self, timeout: float = 10.0) -> None:
        """Deliver what is queued (up to ``timeout`` seconds), then stop the worker."""
        self.flush(timeout)
        self._queue.put(None)
        self._thread.join(timeout)
        self._client.close()

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            try:
                if job is None:
                    return
                self._deliver(*job)
            finally:
                self._queue.task_done()

    def _deliver(self, url: str, event: dict[str, Any]) -> None:
        payload = json.dumps(event, indent=2)
        # Signed with the real time: receivers check the timestamp against their own clock. The fake
        # signs itself: stripe 11 and 13 have no ``WebhookSignature.generate_signature_header``.
        header = sign(payload, self.secret, int(time.time()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": header,
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        }
        event_id, event_type = str(event.get("id")), str(event.get("type"))
        self.echo(f"{_stamp()}   --> {event_type} [{event_id}]")
        start = time.perf_counter()
        status: int | None = None
        error: str | None = None
        try:
            response = self._client.post(url, content=payload.encode(), headers=headers)
            status = response.status_code
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        duration = (time.perf_counter() - start) * 1000
        delivery = ForwardedEvent(event_id, event_type, url, status, error, round(duration, 1), time.time())
        self.deliveries.append(delivery)
        if status is not None:
            self.echo(f"{_stamp()}  <--  [{status}] POST {url} [{event_id}]")
        else:
            self.echo(f"{_stamp()}  <--  [ERR] POST {url} [{event_id}] {error}")


def _stamp() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S")


class StripeFakeServer:
    """A threading HTTP server answering Stripe requests from one backend, with control endpoints."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 12111,
        *,
        state_path: str | Path | None = None,
        forwarder: Forwarder | None = None,
        config: FakeConfig | None = None,
    ) -> None:
        self.clock = ManualClock()
        self.backend = Backend(clock=self.clock, config=config or FakeConfig(record_requests=False))
        deliverer = getattr(self.backend, "delivery", None)
        if deliverer is not None:
            # Apps verify the signature's timestamp against their own (real) clock.
            deliverer.signature_time = lambda: int(time.time())
        self.state_path = Path(state_path) if state_path is not None else None
        self.forwarder = forwarder
        if forwarder is not None:
            forwarder.attach(self.backend)
        self.loaded_state = False
        if self.state_path is not None:
            self.loaded_state = load_state(self.backend, self.state_path)
        self.httpd = _HTTPServer((host, port), _Handler, self)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def host(self) -> str:
        return str(self.httpd.server_address[0])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- lifecycle -----------------------------------------------------------------------------------

    def start(self) -> StripeFakeServer:
        """Serve in a background thread."""
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, name="stripe-fake-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting requests, finish forwarding, and save ``--state`` if set."""
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join()
        if self.forwarder is not None:
            self.forwarder.close()
        if self.state_path is not None:
            save_state(self.backend, self.state_path)

    def settle(self) -> None:
        """Apply what the clock made due (``--processing-delay`` usage, batched error reports).

        API requests do it through the backend's hooks; the control endpoints call this, so moving the
        clock applies (and forwards) due work at once. Resulting deliveries run after the lock is freed.
        """
        with self.backend.locked():
            self.backend.run_due()

    # -- control endpoints ---------------------------------------------------------------------------

    def control(self, method: str, path: str, query: str, body: bytes) -> FakeResponse:
        """Answer a request under ``/_stripe_fake/``."""
        name = path[len(CONTROL_PREFIX) :].strip("/")
        try:
            data = _json_object(body) if method == "POST" else {}
            handler = self._control_routes().get((method, name))
            if handler is None:
                known = sorted({n for (_, n) in self._control_routes()})
                return _control_error(404, f"No control endpoint {method} {path}. Known: {', '.join(known)}.")
            self.settle()  # like an API request: what became due is applied before anything is read
            return handler(data, parse_qs(query))
        except ValueError as exc:
            return _control_error(400, str(exc))

    def _control_routes(self) -> dict[tuple[str, str], ControlHandler]:
        return {
            ("GET", "health"): lambda d, q: FakeResponse.json(200, {"ok": True}),
            ("POST", "reset"): self._reset,
            ("GET", "events"): self._events,
            ("GET", "deliveries"): self._deliveries,
            ("GET", "clock"): lambda d, q: FakeResponse.json(200, self._clock_body()),
            ("POST", "clock"): self._set_clock,
            ("POST", "state/save"): self._save,
        }

    def _reset(self, data: dict[str, Any], query: dict[str, list[str]]) -> FakeResponse:
        _only_keys(data, {"keep_clock"})
        with self.backend.lock:
            self.backend.reset()
            if not data.get("keep_clock"):
                self.clock.unfreeze()
                self.clock.set(time.time())
        return FakeResponse.json(200, {"reset": True, "clock": self._clock_body()})

    def _events(self, data: dict[str, Any], query: dict[str, list[str]]) -> FakeResponse:
        with self.backend.lock:
            events = list(self.backend.events)
            thin = list(self.backend.thin_events)
        types = query.get("type")
        if types:
            events = [e for e in events if event_matches(str(e.get("type", "")), types)]
            thin = [e for e in thin if event_matches(str(e.get("type", "")), types)]
        return FakeResponse.json(200, {"object": "list", "data": events, "thin_events": thin})

    def _deliveries(self, data: dict[str, Any], query: dict[str, list[str]]) -> FakeResponse:
        forwarded = [asdict(d) for d in self.forwarder.deliveries] if self.forwarder is not None else []
        deliverer = getattr(self.backend, "delivery", None)  # webhook endpoints created through the API
        with self.backend.lock:
            to_endpoints = [asdict(d) for d in getattr(deliverer, "deliveries", [])]
        return FakeResponse.json(200, {"object": "list", "data": forwarded, "endpoints": to_endpoints})

    def _clock_body(self) -> dict[str, Any]:
        now = self.clock.now()
        return {"now": int(now), "frozen": self.clock.frozen, "offset": round(now - time.time(), 3)}

    def _set_clock(self, data: dict[str, Any], query: dict[str, list[str]]) -> FakeResponse:
        _only_keys(data, {"advance", "set", "freeze", "unfreeze"})
        for key in ("advance", "set"):
            if key in data and (isinstance(data[key], bool) or not isinstance(data[key], (int, float))):
                raise ValueError(f"'{key}' must be a number of seconds")
        if data.get("freeze") and data.get("unfreeze"):
            raise ValueError("'freeze' and 'unfreeze' cannot both be true")
        with self.backend.lock:
            if data.get("freeze"):
                self.clock.freeze()
            if "set" in data:
                self.clock.set(float(data["set"]))
            if "advance" in data:
                self.clock.advance(float(data["advance"]))
            if data.get("unfreeze"):
                self.clock.unfreeze()
        self.settle()  # what the move made due happens now, not at the next API request
        return FakeResponse.json(200, self._clock_body())

    def _save(self, data: dict[str, Any], query: dict[str, list[str]]) -> FakeResponse:
        _only_keys(data, {"path"})
        target = data.get("path") or self.state_path
        if not target or not isinstance(target, str | Path):
            raise ValueError('No state file: start the server with --state FILE or pass {"path": "..."}')
        try:
            saved = save_state(self.backend, target)
        except (StateError, OSError) as exc:
            return _control_error(500, f"Could not save the state: {exc}")
        return FakeResponse.json(200, {"saved": str(saved)})


def _json_object(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ValueError("The body must be a JSON object.") from None
    if not isinstance(data, dict):
        raise ValueError("The body must be a JSON object.")
    return data


def _only_keys(data: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        expected = ", ".join(sorted(allowed))
        raise ValueError(f"Unknown key(s) {', '.join(unknown)}; expected any of {expected}.")


def _control_error(status: int, message: str) -> FakeResponse:
    return FakeResponse.json(status, {"error": {"type": "invalid_request_error", "message": message}})


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[_Handler], app: StripeFakeServer) -> None:
        self.app = app
        super().__init__(address, handler)


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "stripe-fake"
    # Headers and body are written separately: without TCP_NODELAY, Nagle's algorithm and delayed
    # ACKs add ~40 ms to every keep-alive request.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        start = time.perf_counter()
        url = urlsplit(self.path)
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            error = _control_error(411, "Send a Content-Length (chunked bodies are not supported).")
            self._finish(start, url.path, error)
            self.close_connection = True
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self._finish(start, url.path, _control_error(400, "Invalid Content-Length."))
            self.close_connection = True
            return
        body = self.rfile.read(length) if length else b""
        app = self.server.app
        if url.path.startswith(CONTROL_PREFIX):
            response = app.control(self.command, url.path, url.query, body)
        else:
            host = (self.headers.get("Host") or "localhost").rsplit(":", 1)[0].strip("[]")
            request = FakeRequest(
                method=self.command,
                host=host,
                path=url.path,
                query=url.query,
                headers={key.lower(): value for key, value in self.headers.items()},
                body=body,
            )
            response = app.backend.handle(request)
        self._finish(start, url.path, response)

    def _finish(self, start: float, path: str, response: FakeResponse) -> None:
        elapsed = (time.perf_counter() - start) * 1000
        if response.network_error is not None:
            # A simulated network failure: drop the connection without answering.
            self.close_connection = True
            log.info("%s %s dropped (%s) %.1fms", self.command, path, response.network_error, elapsed)
            return
        self.send_response(response.status)
        headers = {"Content-Type": "application/json", **response.headers}
        for key, value in headers.items():
            if key.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)
        log.info("%s %s %d %.1fms", self.command, path, response.status, elapsed)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the stdlib's stderr access log (one ``logging`` line per request instead)."""
        log.debug(format, *args)
