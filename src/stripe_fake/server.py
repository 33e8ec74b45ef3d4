"""``stripe-fake serve``: the same :class:`~stripe_fake.backend.Backend` over real HTTP.

Any language's Stripe SDK can point at it (``api_base``/``host``). v1 lives under ``/v1``, v2 under
``/v2`` and the meter-event stream on the same port (the backend serves every route on a non-Stripe
host). The server keeps its own :class:`~stripe_fake.clock.ManualClock`, driven through the control
endpoints under ``/_stripe_fake/`` (see :data:`CONTROL_HELP`).
"""

from __future__ import annotations

import json
import logging
import math
import queue
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import uvicorn

from .asgi import (
    DEFAULT_BODY_TIMEOUT,
    DEFAULT_HEADER_TIMEOUT,
    DEFAULT_MAX_BODY,
    App,
    Protocol,
    error_response,
    host_of,
    is_loopback_host,
    origin_allowed,
)
from .backend import Backend
from .clock import ManualClock
from .config import FakeConfig
from .delivery import BackgroundDelivery, sign
from .http.messages import FakeRequest, FakeResponse
from .patterns import match_any
from .persistence import StateError, load_state, remove_temporary_files, save_state
from .ratelimit import RATE_LIMIT_MESSAGE, RateLimiter
from .resources import EventEmitted, ThinEventEmitted, notification_of
from .state import AccountState

log = logging.getLogger("stripe_fake.server")

#: A control endpoint: (JSON body, query) -> response.
ControlHandler = Callable[[dict[str, Any], dict[str, list[str]]], FakeResponse]

CONTROL_PREFIX = "/_stripe_fake/"

CONTROL_HELP = """\
control endpoints (JSON in and out, no API key needed; bodies must be sent as
Content-Type: application/json; requests from web pages not served by this machine are
refused; with --control-token, send Authorization: Bearer <token>):
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
  POST /_stripe_fake/state/save    write the --state file now (only that file)"""


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
    """The backend served over HTTP by uvicorn (in a background thread), with control endpoints."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 12111,
        *,
        state_path: str | Path | None = None,
        forwarder: Forwarder | None = None,
        config: FakeConfig | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        body_timeout: float = DEFAULT_BODY_TIMEOUT,
        header_timeout: float = DEFAULT_HEADER_TIMEOUT,
        idle_timeout: int = 5,
        control_token: str | None = None,
        rate_limit: int | None = None,
    ) -> None:
        self.clock = ManualClock()
        self.backend = Backend(clock=self.clock, config=config or FakeConfig(record_requests=False))
        deliverer = self.backend.delivery
        # Apps verify the signature's timestamp against their own (real) clock.
        deliverer.signature_time = lambda: int(time.time())
        # Deliveries to webhook endpoints run on worker threads: the API answers without waiting.
        self.deliveries = BackgroundDelivery(deliverer)
        self.state_path = Path(state_path) if state_path is not None else None
        self.forwarder = forwarder
        if forwarder is not None:
            forwarder.attach(self.backend)
        self.max_body = max_body
        self.body_timeout = body_timeout
        self.control_token = control_token
        self.rate_limiter = RateLimiter(rate_limit) if rate_limit else None
        self.loaded_state = False
        self.removed_temporary: list[Path] = []
        if self.state_path is not None:
            folder = self.state_path.parent if str(self.state_path.parent) else Path(".")
            if not folder.is_dir():
                raise StateError(f"the folder of the --state file does not exist: {folder}")
            self.removed_temporary = remove_temporary_files(self.state_path)
            self.loaded_state = load_state(self.backend, self.state_path)
        self._socket = _listen(host, port)
        self.check_host = is_loopback_host(host)
        protocol = type("BoundProtocol", (Protocol,), {"header_timeout": header_timeout})
        self._uvicorn = uvicorn.Server(
            uvicorn.Config(
                App(self),
                http=protocol,
                lifespan="off",
                log_config=None,
                access_log=False,
                server_header=False,
                timeout_keep_alive=idle_timeout,
                # In-flight requests finish within the body deadline; this only bounds a stuck handler.
                timeout_graceful_shutdown=int(body_timeout + header_timeout) + 5,
            )
        )
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._socket.getsockname()[1])

    @property
    def host(self) -> str:
        return str(self._socket.getsockname()[0])

    @property
    def url(self) -> str:
        host = self.host
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    # -- lifecycle -----------------------------------------------------------------------------------

    def start(self, timeout: float = 10.0) -> StripeFakeServer:
        """Serve in a background thread; returns once the server accepts connections."""
        self._thread = threading.Thread(
            target=self._uvicorn.run,
            kwargs={"sockets": [self._socket]},
            name="stripe-fake-server",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._uvicorn.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise OSError("the HTTP server did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        """Graceful shutdown: stop accepting, finish in-flight requests, close idle connections; then
        deliver what is queued and save ``--state`` (so every answered write is in it)."""
        self._uvicorn.should_exit = True
        if self._thread is not None:
            self._thread.join()
        self._socket.close()
        if self.forwarder is not None:
            self.forwarder.close()
        self.deliveries.close()
        if self.state_path is not None:
            save_state(self.backend, self.state_path)

    def settle(self) -> None:
        """Apply what the clock made due (``--processing-delay`` usage, batched error reports).

        API requests do it through the backend's hooks; the control endpoints call this, so moving the
        clock applies (and forwards) due work at once. Resulting deliveries run after the lock is freed.
        """
        with self.backend.locked():
            self.backend.run_due()

    # -- requests ------------------------------------------------------------------------------------

    def dispatch(
        self, method: str, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> FakeResponse:
        """Answer one complete request (control endpoint or Stripe API). Never raises."""
        if path.startswith(CONTROL_PREFIX):
            try:
                return self.control(method, path, query, body, headers)
            except Exception as exc:  # the fake never answers a traceback
                self.backend.internal_errors.append(exc)
                return _control_error(500, f"stripe-fake internal error: {type(exc).__name__}: {exc}")
        if self.rate_limiter is not None:
            account = headers.get("stripe-account") or headers.get("stripe-context") or ""
            with self.backend.lock:
                allowed = self.rate_limiter.allow(account, write=method not in ("GET", "HEAD"))
            if not allowed:
                return error_response(429, RATE_LIMIT_MESSAGE, v2=path.startswith("/v2/"), code="rate_limit")
        host = host_of(headers.get("host") or "localhost")
        request = FakeRequest(method=method, host=host, path=path, query=query, headers=headers, body=body)
        return self.backend.handle(request)

    # -- control endpoints ---------------------------------------------------------------------------

    def control(
        self, method: str, path: str, query: str, body: bytes, headers: dict[str, str] | None = None
    ) -> FakeResponse:
        """Answer a request under ``/_stripe_fake/``."""
        headers = headers or {}
        name = path[len(CONTROL_PREFIX) :].strip("/")
        refused = self._refuse_control(name, headers, body)
        if refused is not None:
            return refused
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

    def _refuse_control(self, name: str, headers: dict[str, str], body: bytes) -> FakeResponse | None:
        """403/401/415 for control requests a browser page could have sent, or without the token."""
        origin = headers.get("origin")
        if not origin_allowed(origin):
            return _control_error(
                403,
                f"Control endpoints refuse requests from the web page {origin!r}: only pages on this machine "
                "(localhost, 127.0.0.1, ::1) may call them.",
            )
        fetch_site = headers.get("sec-fetch-site")
        if origin is None and fetch_site is not None and fetch_site not in ("same-origin", "none"):
            return _control_error(403, "Control endpoints refuse cross-site requests.")
        if self.control_token is not None and name != "health":
            given = headers.get("authorization", "")
            token = (
                given[7:].strip() if given.startswith("Bearer ") else headers.get("x-stripe-fake-token", "")
            )
            if not secrets.compare_digest(token.encode(), self.control_token.encode()):
                return _control_error(
                    401, "This server needs its --control-token: send 'Authorization: Bearer <token>'."
                )
        if body.strip():
            content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
            if content_type != "application/json":
                return _control_error(
                    415,
                    "Control endpoints take JSON bodies only: send 'Content-Type: application/json' "
                    f"(got {content_type or 'no Content-Type'}).",
                )
        return None

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
        deliverer = self.backend.delivery  # webhook endpoints created through the API
        with self.backend.lock:
            to_endpoints = [asdict(d) for d in deliverer.deliveries]
        return FakeResponse.json(200, {"object": "list", "data": forwarded, "endpoints": to_endpoints})

    def _clock_body(self) -> dict[str, Any]:
        now = self.clock.now()
        return {"now": int(now), "frozen": self.clock.frozen, "offset": round(now - time.time(), 3)}

    def _set_clock(self, data: dict[str, Any], query: dict[str, list[str]]) -> FakeResponse:
        _only_keys(data, {"advance", "set", "freeze", "unfreeze"})
        for key in ("advance", "set"):
            if key in data and (isinstance(data[key], bool) or not isinstance(data[key], (int, float))):
                raise ValueError(f"'{key}' must be a number of seconds")
        for key in ("freeze", "unfreeze"):
            if key in data and not isinstance(data[key], bool):
                raise ValueError(f"'{key}' must be true or false")
        if data.get("freeze") and data.get("unfreeze"):
            raise ValueError("'freeze' and 'unfreeze' cannot both be true")
        target = clock_target(self.clock.now(), data.get("set"), data.get("advance"))
        with self.backend.lock:
            if data.get("freeze"):
                self.clock.freeze()
            if target is not None:
                self.clock.set(target)
            if data.get("unfreeze"):
                self.clock.unfreeze()
        self.settle()  # what the move made due happens now, not at the next API request
        return FakeResponse.json(200, self._clock_body())

    def _save(self, data: dict[str, Any], query: dict[str, list[str]]) -> FakeResponse:
        if "path" in data:
            raise ValueError(
                "The state is saved only to the --state file given at start; 'path' is not accepted."
            )
        _only_keys(data, set())
        if self.state_path is None:
            raise ValueError("No state file: start the server with --state FILE.")
        try:
            saved = save_state(self.backend, self.state_path)
        except (StateError, OSError) as exc:
            return _control_error(500, f"Could not save the state: {exc}")
        return FakeResponse.json(200, {"saved": str(saved)})


#: The clock may be set anywhere from the epoch to the end of year 9999 (what Stripe's timestamps,
#: ISO-formatted in v2, can express).
CLOCK_MIN = 0
CLOCK_MAX = 253_402_300_799


def clock_target(now: float, set_to: float | None, advance: float | None) -> float | None:
    """Where ``{"set": ..., "advance": ...}`` moves a clock reading ``now`` (``ValueError`` unless a
    finite time between :data:`CLOCK_MIN` and :data:`CLOCK_MAX`); ``None`` if it does not move."""
    if set_to is None and advance is None:
        return None
    for key, value in (("set", set_to), ("advance", advance)):
        if value is not None and not math.isfinite(value):
            raise ValueError(f"'{key}' must be a finite number of seconds")
    target = float(set_to) if set_to is not None else now
    if advance is not None:
        target += float(advance)
    if not CLOCK_MIN <= target <= CLOCK_MAX:
        raise ValueError(
            f"The clock can only be moved to a time between {CLOCK_MIN} and {CLOCK_MAX} "
            f"(1970-01-01 to 9999-12-31 UTC), not {target:.0f}."
        )
    return target


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"The body must be JSON without {name} (not a finite number).")


def _json_object(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        data = json.loads(body, parse_constant=_refuse_constant)
    except RecursionError:
        raise ValueError("The body is nested too deeply.") from None
    except ValueError as exc:  # also UnicodeDecodeError and over-long integers
        if "without" in str(exc):
            raise
        raise ValueError("The body must be a JSON object.") from None
    if not isinstance(data, dict):
        raise ValueError("The body must be a JSON object.")
    return data


def _only_keys(data: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        expected = ", ".join(sorted(allowed)) or "none"
        raise ValueError(f"Unknown key(s) {', '.join(unknown)}; expected any of {expected}.")


def _control_error(status: int, message: str) -> FakeResponse:
    return FakeResponse.json(status, {"error": {"type": "invalid_request_error", "message": message}})


def _listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (``OSError`` if it cannot be had)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock
