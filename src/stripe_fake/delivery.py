"""Signed delivery of events to webhook endpoints and event destinations.

Every v1 event is POSTed to the account's enabled webhook endpoints (and snapshot event destinations)
whose ``enabled_events`` select it; every thin v2 event's push notification goes to the thin event
destinations that select it. Each POST carries ``Stripe-Signature: t=<now>,v1=<hmac>`` signed with
the endpoint's secret at the backend clock's time, so ``stripe.Webhook.construct_event`` and
``StripeClient.parse_event_notification`` accept it.

Where a POST goes:

* an app mounted with :meth:`Deliverer.mount` whose base URL prefixes the endpoint URL: in-process
  (WSGI, ASGI, or a callable taking an ``httpx.Request``);
* a loopback URL (``127.0.0.1``, ``localhost``, ``::1``): real HTTP;
* anything else: never contacted; the attempt is recorded as undeliverable (and can be retried
  after mounting an app).

Deliveries never run while :attr:`Backend.lock` is held by a request: they are queued with
:meth:`Backend.defer` and run once the request has released the lock, so a receiver may call the
Stripe API back (from any thread). Failures are recorded, never raised.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import hmac
import inspect
import ipaddress
import json
import queue
import secrets
import threading
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Union
from urllib.parse import urlsplit

import httpx

from .patterns import match_event_type
from .resources import (
    EventDestination,
    EventDestinationStore,
    EventEmitted,
    ThinEventEmitted,
    WebhookEndpoint,
    WebhookEndpointStore,
    notification_of,
)

if TYPE_CHECKING:
    from .backend import Backend
    from .state import AccountState

USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"
CONTENT_TYPE = "application/json; charset=utf-8"

MountKind = Literal["wsgi", "asgi", "callable"]
Target = Union[WebhookEndpoint, EventDestination]  # noqa: UP007 - a runtime alias on Python 3.10


def sign(payload: str | bytes, secret: str, timestamp: int) -> str:
    """The ``Stripe-Signature`` header value for ``payload`` signed with ``secret`` at ``timestamp``."""
    text = payload.decode("utf-8") if isinstance(payload, bytes) else payload
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}.{text}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def is_loopback(url: str) -> bool:
    """Whether ``url`` points at this machine (``localhost``, ``127.x.x.x``, ``::1``)."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class Delivery:
    """One attempt to deliver one event to one endpoint."""

    event_id: str
    event_type: str
    endpoint_id: str  # ``we_...`` or ``ed_test_...``
    url: str
    attempt: int  # 1 for the first attempt, 2 for the first retry, ...
    status: int | None  # the receiver's HTTP status; None if it raised or was never contacted
    response_body: str
    error: str | None  # why there is no status (exception text, or "not contacted: ...")
    timestamp: int  # the ``t=`` of the signature
    payload: str  # the exact body that was POSTed
    headers: dict[str, str]
    transport: str  # "mount", "http" or "undeliverable"
    thin: bool = False  # a v2 thin event notification (event destinations)

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def json(self) -> Any:
        """The delivered event, decoded."""
        return json.loads(self.payload)

    def describe(self) -> str:
        outcome = str(self.status) if self.status is not None else (self.error or "no answer")
        target = f"{self.endpoint_id} {self.url}"
        return f"{self.event_type} {self.event_id} -> {target} (attempt {self.attempt}): {outcome}"

    def __repr__(self) -> str:
        return f"<Delivery {self.describe()}>"


class DeliveryLog(list[Delivery]):
    """Every delivery attempt, oldest first."""

    def succeeded(self) -> list[Delivery]:
        return [d for d in self if d.succeeded]

    def failed(self) -> list[Delivery]:
        return [d for d in self if not d.succeeded]

    def for_event(self, event_id: str) -> list[Delivery]:
        return [d for d in self if d.event_id == event_id]

    def of_type(self, event_type: str) -> list[Delivery]:
        """Deliveries of events of ``event_type`` (a trailing ``*`` matches a prefix)."""
        return [d for d in self if match_event_type(event_type, d.event_type)]

    def describe(self) -> str:
        return "\n".join("  " + d.describe() for d in self) if self else "  (no deliveries)"


@dataclass
class Mount:
    """An app that receives deliveries for every URL under ``base_url``."""

    base_url: str
    app: Any
    kind: MountKind

    def matches(self, url: str) -> bool:
        base = self.base_url
        if url == base or base.endswith("/"):
            return url.startswith(base)
        return url.startswith(base) and url[len(base) : len(base) + 1] in ("/", "?", "#")

    def send(self, request: httpx.Request, timeout: float) -> tuple[int, str]:
        if self.kind == "asgi":
            return self._send(request, timeout)
        # WSGI apps and sync callables run on the caller's thread (their database connections and
        # test transactions are often bound to it) and cannot be interrupted there: an answer that
        # comes later than ``timeout`` is a failed delivery, as on Stripe.
        started = time.monotonic()
        answer = self._send(request, timeout)
        elapsed = time.monotonic() - started
        if elapsed > timeout:
            raise TimeoutError(f"no answer within {timeout} s (the receiver answered after {elapsed:.2f} s)")
        return answer

    def _send(self, request: httpx.Request, timeout: float) -> tuple[int, str]:
        if self.kind == "wsgi":
            with httpx.Client(transport=httpx.WSGITransport(app=self.app), timeout=timeout) as client:
                response = client.send(request)
                return response.status_code, response.text
        if self.kind == "asgi":

            async def call_asgi() -> httpx.Response:
                transport = httpx.ASGITransport(app=self.app)
                async with httpx.AsyncClient(transport=transport, timeout=timeout) as client:
                    # ASGITransport ignores httpx timeouts: bound the whole call (cancels the app's task)
                    return await asyncio.wait_for(client.send(request), timeout)

            response = _run_coroutine(call_asgi)
            return response.status_code, response.text
        result = self.app(request)
        if inspect.isawaitable(result):
            awaitable = result

            async def wait() -> Any:
                return await asyncio.wait_for(_awaited(awaitable), timeout)

            result = _run_coroutine(wait)
        return _callable_result(result)


async def _awaited(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


def _callable_result(result: Any) -> tuple[int, str]:
    if result is None:
        return 200, ""
    if isinstance(result, httpx.Response):
        result.read()
        return result.status_code, result.text
    if isinstance(result, int) and not isinstance(result, bool):
        return result, ""
    raise TypeError(
        "a mounted webhook callable must return an httpx.Response, an int status code or None, "
        f"not {type(result).__name__}"
    )


_T = Any


def _run_coroutine(factory: Callable[[], Awaitable[_T]]) -> _T:
    """Run a coroutine to completion from sync code (on a private loop in a worker thread if this
    thread already runs an event loop)."""

    async def main() -> _T:
        return await factory()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(main())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="stripe-fake-asgi") as pool:
        return pool.submit(asyncio.run, main()).result()


def detect_kind(app: Any) -> MountKind:
    """WSGI (``app(environ, start_response)``), ASGI (``async app(scope, receive, send)``) or a
    callable taking an ``httpx.Request``, told apart by the number of positional parameters."""
    if hasattr(app, "wsgi_app"):  # Flask (and friends)
        return "wsgi"
    try:
        signature = inspect.signature(app)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"cannot tell what kind of app {app!r} is; pass kind='wsgi', 'asgi' or 'callable'"
        ) from exc
    positional = [
        p
        for p in signature.parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    ]
    if len(positional) == 3:
        return "asgi"
    if len(positional) == 2:
        return "wsgi"
    if len(positional) == 1:
        return "callable"
    raise TypeError(
        f"cannot tell what kind of app {app!r} is (it takes {len(positional)} positional parameters); "
        "pass kind='wsgi', 'asgi' or 'callable'"
    )


@dataclass
class _Job:
    """One (event, endpoint) pair that should be delivered, and how far it got."""

    event: dict[str, Any]
    account: AccountState
    target: Target
    thin: bool
    attempts: int = 0
    done: bool = False
    key: tuple[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.key = (str(self.event["id"]), self.target.id)


class Deliverer:
    """Finds the receivers of each new event, signs and sends it, and records every attempt."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.deliveries = DeliveryLog()
        self.mounts: list[Mount] = []
        self._jobs: dict[tuple[str, str], _Job] = {}
        self._state_lock = threading.Lock()
        self._v0_secret = "whsec_v0_" + secrets.token_hex(16)
        #: Where a signature's ``t=`` comes from (the standalone server signs with real time: the
        #: receiving app checks it against its own clock, not the server's).
        self.signature_time: Callable[[], int] = backend.now
        #: Where queued jobs go; ``None`` = run after the request releases the lock (in-process,
        #: synchronous). The standalone server sets a :class:`BackgroundDelivery` here.
        self.dispatch: Callable[[list[_Job]], None] | None = None
        for base_url, app in (backend.config.mounts or {}).items():
            self.mount(base_url, app)
        backend.bus.subscribe(EventEmitted, self._on_event_emitted)
        backend.bus.subscribe(ThinEventEmitted, self._on_thin_event_emitted)

    # -- configuration -------------------------------------------------------------------------------

    def mount(self, base_url: str, app: Any, kind: MountKind | None = None) -> Mount:
        """Deliver to ``app`` in-process for every endpoint URL under ``base_url`` (longest match wins)."""
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(
                "mount base URL must look like 'http://testserver' or 'https://host/prefix', "
                f"not {base_url!r}"
            )
        if kind not in (None, "wsgi", "asgi", "callable"):
            raise ValueError(f"kind must be 'wsgi', 'asgi' or 'callable', not {kind!r}")
        mount = Mount(base_url, app, kind or detect_kind(app))
        with self._state_lock:
            self.mounts = [m for m in self.mounts if m.base_url != base_url]
            self.mounts.append(mount)
            self.mounts.sort(key=lambda m: len(m.base_url), reverse=True)
        return mount

    def unmount(self, base_url: str) -> None:
        with self._state_lock:
            self.mounts = [m for m in self.mounts if m.base_url != base_url]

    def clear(self) -> None:
        """Forget every delivery and pending retry (mounts stay)."""
        with self._state_lock:
            self.deliveries.clear()
            self._jobs.clear()

    def secret_of(self, endpoint_id: str, account_id: str | None = None) -> str:
        """The signing secret of a webhook endpoint or event destination."""
        account = self.backend.account(account_id)
        with self.backend.lock:
            found: Target | None = account.store(WebhookEndpointStore).table.get(endpoint_id)
            if found is None:
                found = account.store(EventDestinationStore).table.get(endpoint_id)
        if found is None:
            raise KeyError(f"no webhook endpoint or event destination {endpoint_id!r} in this account")
        return found.secret

    # -- who receives what ---------------------------------------------------------------------------

    def _targets(self, account: AccountState, event_type: str, *, thin: bool) -> list[Target]:
        """Own endpoints/destinations, plus (for a connected account's event) the platform's Connect ones."""
        found: list[Target] = []
        owners: list[tuple[AccountState, bool]] = [(account, True)]
        if account.id is not None:
            owners.append((self.backend.account(None), False))
        for owner, own in owners:
            if not thin:
                for endpoint in owner.store(WebhookEndpointStore).table:
                    if endpoint.connect != own and endpoint.accepts(event_type):
                        found.append(endpoint)
            payload = "thin" if thin else "snapshot"
            for destination in owner.store(EventDestinationStore).table:
                if destination.accepts(event_type, payload=payload, from_self=own):
                    found.append(destination)
        return found

    def _on_event_emitted(self, account: AccountState, message: EventEmitted) -> None:
        self.on_event(account, message.event)

    def _on_thin_event_emitted(self, account: AccountState, message: ThinEventEmitted) -> None:
        self.on_thin_event(account, message.event)
        if message.only is None:
            return
        # a ping: also to that one destination, whatever it selects (once: deliver_to skips duplicates)
        for owner in (account, self.backend.account(None)):
            destination = owner.store(EventDestinationStore).table.get(message.only)
            if destination is not None:
                if destination.type == "webhook_endpoint":
                    self.deliver_to(account, message.event, destination)
                return

    def on_event(self, account: AccountState, event: dict[str, Any]) -> None:
        """A v1 event was emitted: set ``pending_webhooks`` and queue one delivery per receiver."""
        targets = self._targets(account, str(event.get("type")), thin=False)
        event["pending_webhooks"] = len(targets)
        self._queue([_Job(event, account, target, thin=False) for target in targets])

    def on_thin_event(self, account: AccountState, event: dict[str, Any]) -> None:
        """A thin v2 event was recorded: queue its push notification for each thin destination."""
        targets = self._targets(account, str(event.get("type")), thin=True)
        self._queue([_Job(event, account, target, thin=True) for target in targets])

    def deliver_to(self, account: AccountState, event: dict[str, Any], destination: EventDestination) -> None:
        """Queue a thin event for one destination whatever it selects (``ping``), unless already queued."""
        job = _Job(event, account, destination, thin=True)
        with self._state_lock:
            if job.key in self._jobs:
                return
        self._queue([job])

    def _queue(self, jobs: list[_Job]) -> None:
        if not jobs:
            return
        with self._state_lock:
            for job in jobs:
                self._jobs[job.key] = job
        if self.dispatch is not None:
            self.dispatch(jobs)
            return
        self.backend.defer(lambda: self._run(jobs))

    # -- sending -------------------------------------------------------------------------------------

    def retry_failed(self) -> list[Delivery]:
        """Send again every (event, endpoint) whose last attempt failed; returns the new attempts.

        As on Stripe, an endpoint deleted since the failure gets no more retries, and a disabled one
        gets none while it stays disabled (re-enabling it lets the next retry through).
        """
        with self.backend.lock, self._state_lock:
            jobs = [job for job in self._jobs.values() if not job.done and job.attempts > 0]
            ready = []
            for job in jobs:
                target = self._current_target(job)
                if target is None:
                    self._jobs.pop(job.key, None)  # deleted: never retried again
                elif target.status == "enabled":
                    ready.append(job)
        return self._run(ready)

    def _current_target(self, job: _Job) -> Target | None:
        """The job's endpoint/destination if it still exists (in the event's account or the platform)."""
        for owner in (job.account, self.backend.account(None)):
            found: Target | None
            if isinstance(job.target, WebhookEndpoint):
                found = owner.store(WebhookEndpointStore).table.get(job.target.id)
            else:
                found = owner.store(EventDestinationStore).table.get(job.target.id)
            if found is not None:
                return found
        return None

    def _run(self, jobs: Iterable[_Job]) -> list[Delivery]:
        return [self._attempt(job) for job in jobs if not job.done]

    def _attempt(self, job: _Job) -> Delivery:
        target = job.target
        url = target.url or ""
        with self.backend.lock:
            job.attempts += 1
            timestamp = self.signature_time()
            body = notification_of(job.event) if job.thin else job.event
            payload = json.dumps(body, indent=2)
        # Test mode also sends a ``v0`` signature (under a key nobody has); verifiers must ignore it.
        v0 = hmac.new(self._v0_secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
        signature = sign(payload, target.secret, timestamp) + f",v0={v0}"
        headers = {"Content-Type": CONTENT_TYPE, "User-Agent": USER_AGENT, "Stripe-Signature": signature}
        status, text, error, transport = self._post(url, payload.encode("utf-8"), headers)
        delivery = Delivery(
            event_id=str(job.event["id"]),
            event_type=str(job.event.get("type")),
            endpoint_id=target.id,
            url=url,
            attempt=job.attempts,
            status=status,
            response_body=text,
            error=error,
            timestamp=timestamp,
            payload=payload,
            headers=headers,
            transport=transport,
            thin=job.thin,
        )
        with self.backend.lock, self._state_lock:
            self.deliveries.append(delivery)
            if delivery.succeeded:
                job.done = True
                self._jobs.pop(job.key, None)
                if not job.thin:
                    job.event["pending_webhooks"] = max(0, int(job.event.get("pending_webhooks", 0)) - 1)
        return delivery

    def _find_mount(self, url: str) -> Mount | None:
        with self._state_lock:
            mounts = list(self.mounts)
        return next((m for m in mounts if m.matches(url)), None)

    def _post(
        self, url: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int | None, str, str | None, str]:
        """POST and return (status, response text, error, transport). Never raises."""
        timeout = self.backend.config.webhook_timeout
        mount = self._find_mount(url)
        try:
            if mount is not None:
                request = httpx.Request("POST", url, headers=headers, content=body)
                status, text = mount.send(request, timeout)
                return status, text, None, "mount"
            if is_loopback(url):
                with httpx.Client(trust_env=False, timeout=timeout) as client:
                    response = client.post(url, headers=headers, content=body)
                return response.status_code, response.text, None, "http"
        except Exception as exc:  # a failing receiver is a failed delivery, nothing more
            detail = str(exc) or f"no answer within {timeout} s"
            return None, "", f"{type(exc).__name__}: {detail}", "mount" if mount is not None else "http"
        return (
            None,
            "",
            f"not contacted: {url} is neither mounted (stripe_fake.mount) nor a loopback address",
            "undeliverable",
        )


def assert_delivered(
    log: DeliveryLog,
    event_type: str | None = None,
    *,
    endpoint: str | None = None,
    url: str | None = None,
    status: int | None = None,
    succeeded: bool | None = None,
    count: int | None = None,
) -> list[Delivery]:
    """The deliveries in ``log`` matching every given filter; ``AssertionError`` listing the whole log
    unless there are exactly ``count`` of them (at least one when ``count`` is None)."""
    __tracebackhide__ = True
    found = list(log.of_type(event_type)) if event_type is not None else list(log)
    if endpoint is not None:
        found = [d for d in found if d.endpoint_id == endpoint]
    if url is not None:
        found = [d for d in found if d.url == url]
    if status is not None:
        found = [d for d in found if d.status == status]
    if succeeded is not None:
        found = [d for d in found if d.succeeded == succeeded]
    if (count is None and found) or len(found) == count:
        return found
    wanted = ", ".join(
        f"{name}={value!r}"
        for name, value in (
            ("event_type", event_type),
            ("endpoint", endpoint),
            ("url", url),
            ("status", status),
            ("succeeded", succeeded),
        )
        if value is not None
    )
    expected = "at least one delivery" if count is None else f"{count} deliveries"
    raise AssertionError(
        f"expected {expected} matching ({wanted or 'anything'}), found {len(found)}. "
        f"Deliveries that happened:\n{log.describe()}"
    )


# -- server mode: delivery off the request path (owned by the server stream) --------------------------


class BackgroundDelivery:
    """Runs a :class:`Deliverer`'s jobs on worker threads, one per endpoint (so each endpoint gets its
    events in order) and never on the thread that answered the API request."""

    def __init__(self, deliverer: Deliverer) -> None:
        self.deliverer = deliverer
        self._queues: dict[str, queue.Queue[_Job | None]] = {}
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._closed = False
        deliverer.dispatch = self.put

    def put(self, jobs: list[_Job]) -> None:
        """Queue ``jobs`` on their endpoints' workers (started on first use)."""
        with self._lock:
            for job in jobs:
                found = self._queues.get(job.target.id)
                if found is None:
                    found = self._queues[job.target.id] = queue.Queue()
                    thread = threading.Thread(
                        target=self._work,
                        args=(found,),
                        name=f"stripe-fake-delivery-{job.target.id}",
                        daemon=True,
                    )
                    self._threads.append(thread)
                    thread.start()
                found.put(job)

    def _work(self, jobs: queue.Queue[_Job | None]) -> None:
        while True:
            job = jobs.get()
            try:
                if job is None:
                    return
                with self.deliverer._state_lock:
                    current = self.deliverer._jobs.get(job.key) is job  # not forgotten by a reset
                if current and not job.done:
                    self.deliverer._attempt(job)
            except Exception as exc:  # recorded like deferred work: never kills the worker
                self.deliverer.backend.internal_errors.append(exc)
            finally:
                jobs.task_done()

    def pending(self) -> int:
        with self._lock:
            return sum(q.unfinished_tasks for q in self._queues.values())

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued job was attempted (``False`` on timeout)."""
        deadline = time.monotonic() + timeout
        while self.pending():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def close(self, timeout: float = 10.0) -> None:
        """Attempt what is queued (up to ``timeout`` seconds), then stop the workers."""
        self.flush(timeout)
        with self._lock:
            self.deliverer.dispatch = None
            for found in self._queues.values():
                found.put(None)
            threads = list(self._threads)
        for thread in threads:
            thread.join(max(0.0, timeout))
