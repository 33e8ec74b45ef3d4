"""The core: one :class:`Backend` answers Stripe HTTP requests from in-memory state.

Both the in-process interceptor and the standalone server hand it a :class:`FakeRequest` and send
back the :class:`FakeResponse` it returns. It never raises: a bug in the fake becomes a Stripe-shaped
500 with ``Stripe-Should-Retry: false`` and is kept in :attr:`Backend.internal_errors`.
"""

from __future__ import annotations

import base64
import copy
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from .bus import Bus
from .clock import Clock, SystemClock
from .config import DEFAULT_API_VERSION, FakeConfig
from .context import RequestContext
from .faults import FaultInjector
from .http import idempotency
from .http.decoding import check_depth, decode, decode_params
from .http.errors import (
    StripeError,
    authentication_invalid,
    authentication_missing,
    invalid_request,
    unrecognized_url,
)
from .http.expand import apply_expand, check_expand_paths
from .http.messages import FakeRequest, FakeResponse
from .http.routing import Route, Router
from .ids import new_id
from .ratelimit import RATE_LIMIT_MESSAGE, RateLimiter
from .recording import EventRecorder, RecordedRequest, RequestLog, ThinEventLog
from .scheduler import Scheduler
from .state import PLATFORM, AccountState

API_HOST = "api.stripe.com"
METER_EVENTS_HOST = "meter-events.stripe.com"
__all__ = [
    "API_HOST",
    "DEFAULT_API_VERSION",
    "METER_EVENTS_HOST",
    "Backend",
    "RecordedRequest",
    "check_depth",
]
_KEY_PREFIXES = ("sk_test_", "rk_test_")


class Backend:
    """Routing, auth, decoding, errors and expansion around the resource handlers."""

    def __init__(self, clock: Clock | None = None, config: FakeConfig | None = None) -> None:
        from .resources import EventEmitted, ThinEventEmitted, all_routes, install_all, lookup_stores

        self.clock: Clock = clock or SystemClock()
        self._now = 0
        self.config = config or FakeConfig()
        self.router = Router(all_routes())
        self.lock = threading.RLock()
        self.accounts: dict[str, AccountState] = {}
        self.requests = RequestLog()
        # Requests to URLs no route answers (kept even with ``record_requests=False``).
        self.unimplemented = RequestLog()
        self.internal_errors: list[BaseException] = []
        self.events = EventRecorder()
        # v2 thin events (``v2.core.event``), oldest first.
        self.thin_events = ThinEventLog()
        # What resources publish (events, usage...) and who listens; the recorder hears first.
        self.bus = Bus()
        self.bus.subscribe(EventEmitted, self._record_event)
        self.bus.subscribe(ThinEventEmitted, self._record_thin_event)
        # Due work (delayed usage, error reports, later renewals...): run before and after each request.
        self.scheduler = Scheduler(self.account, self.internal_errors.append)
        install_all(self.bus, self.scheduler)
        #: The store classes that may hold an object id (by its prefix), for ``expand``.
        self.stores_for = lookup_stores
        # ``fail_next`` rules, checked before the idempotency layer and the handler.
        #: ``rate_limit`` option: Stripe's 429 past that many operations per second (None: off).
        self.rate_limiter = RateLimiter(self.config.rate_limit) if self.config.rate_limit else None
        self.faults = FaultInjector(self.router.routes)
        self.faults.add_many(self.config.fail_next)
        # Work queued with ``defer`` while this thread is inside ``locked()`` (webhook deliveries),
        # run once the lock is released so receivers may call the API back from any thread.
        self._local = threading.local()
        from .delivery import Deliverer

        self.delivery = Deliverer(self)

    # -- state -------------------------------------------------------------------------------------

    def _record_event(self, account: AccountState, message: Any) -> None:
        self.events.append(message.event)

    def _record_thin_event(self, account: AccountState, message: Any) -> None:
        self.thin_events.append(message.event)

    def run_due(self, now: int | None = None) -> int:
        """Run the account clock's due work (at ``now``, default the clock's time); how many jobs ran.

        Call it inside :meth:`locked` (deliveries it causes run once the lock is released).
        """
        return self.scheduler.run_due(self.now() if now is None else now)

    def now(self) -> int:
        now = int(self.clock.now())
        # Hand out one int object per second: every record stamped in that second shares it (memory).
        if now == self._now:
            return self._now
        self._now = now
        return now

    def account(self, account_id: str | None = None) -> AccountState:
        key = account_id or PLATFORM
        state = self.accounts.get(key)
        if state is None:
            state = AccountState(account_id, self)
            self.accounts[key] = state
        return state

    def reset(self) -> None:
        """Forget every object, event and logged request."""
        with self.lock:
            self.accounts.clear()
            self.requests.clear()
            self.unimplemented.clear()
            self.internal_errors.clear()
            self.events.clear()
            self.thin_events.clear()
            self.scheduler.clear()
            self.faults.clear()
            self.faults.add_many(self.config.fail_next)
            if self.rate_limiter is not None:
                self.rate_limiter = RateLimiter(self.rate_limiter.rate_per_second)
            self.delivery.clear()

    # -- deferred work -----------------------------------------------------------------------------

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold :attr:`lock`; callbacks queued with :meth:`defer` meanwhile run after it is released."""
        local = self._local
        local.depth = getattr(local, "depth", 0) + 1
        try:
            with self.lock:
                yield
        finally:
            local.depth -= 1
            if local.depth == 0:
                self.run_deferred()

    def defer(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` once this thread leaves :meth:`locked` (at once if it is not inside it)."""
        local = self._local
        if getattr(local, "depth", 0) == 0:
            self._run_callback(callback)
            return
        if not hasattr(local, "pending"):
            local.pending = []
        local.pending.append(callback)

    def run_deferred(self) -> None:
        """Run this thread's queued callbacks, oldest first (errors go to :attr:`internal_errors`)."""
        pending: list[Callable[[], object]] = getattr(self._local, "pending", [])
        while pending:
            self._run_callback(pending.pop(0))

    def _run_callback(self, callback: Callable[[], object]) -> None:
        try:
            callback()
        except Exception as exc:  # deferred work must never break the request that queued it
            self.internal_errors.append(exc)

    # -- dispatch ----------------------------------------------------------------------------------

    def handle(self, request: FakeRequest) -> FakeResponse:
        """Answer one request. Never raises."""
        request_id = new_id("req", 14)
        # ``locked()`` inlined (this is the hottest path): hold the lock, run deferred work after it.
        local = self._local
        local.depth = getattr(local, "depth", 0) + 1
        try:
            with self.lock:
                try:
                    return self._handle(request, request_id)
                except Exception as exc:  # a bug in the fake must not look like a network error
                    self.internal_errors.append(exc)
                    message = f"stripe-fake internal error: {type(exc).__name__}: {exc}"
                    error = StripeError(message, status=500, type="api_error")
                    body = error.v2_body() if request.path.startswith("/v2/") else error.v1_body(request_id)
                    body["error"]["stripe_fake_traceback"] = traceback.format_exc()
                    response = FakeResponse.json(
                        500, body, {"Request-Id": request_id, "Stripe-Should-Retry": "false"}
                    )
                    self._log(request, response, None, request_id)
                    return response
        finally:
            local.depth -= 1
            if local.depth == 0 and getattr(local, "pending", None):
                self.run_deferred()

    def _handle(self, request: FakeRequest, request_id: str) -> FakeResponse:
        api_mode = "v2" if request.path.startswith("/v2/") else "v1"
        found = self.router.match(request.method, request.path)
        route = found[0] if found else None
        try:
            if found is None or not self._host_allowed(request.host, found[0]):
                raise unrecognized_url(request.method, request.path)
            route, path_params = found
            api_key = self._authenticate(request, route)
            params = decode(request, api_mode, route.checks_depth)
            headers = request.headers  # names are lower-cased
            now = self.now()
            self.scheduler.run_due(now)  # what the clock made due happens before the request is seen
            ctx = RequestContext(
                backend=self,
                # v2 calls name the account in Stripe-Context (e.g. a thin event's fetch_event()).
                account=self.account(headers.get("stripe-account") or headers.get("stripe-context")),
                request=request,
                route=route,
                params=params,
                path=path_params,
                now=now,
                request_id=request_id,
                idempotency_key=headers.get("idempotency-key"),
                api_key=api_key,
                api_version=headers.get("stripe-version") or DEFAULT_API_VERSION,
            )
            if self.rate_limiter is not None and not self.rate_limiter.allow(
                ctx.account.id or "", write=request.method not in ("GET", "HEAD")
            ):
                raise StripeError(RATE_LIMIT_MESSAGE, status=429, code="rate_limit")
            injected = self.faults.take(ctx) if self.faults.faults else None
            if injected is not None:
                self._log(request, injected, route, request_id)
                return injected
            response = idempotency.run(ctx, self._execute, lambda err: self._error(err, api_mode, request_id))
            self.scheduler.run_due(now)  # and what the request made due at once (e.g. error reports)
        except StripeError as err:
            response = self._error(err, api_mode, request_id)
        self._log(request, response, route, request_id)
        return response

    def _execute(self, ctx: RequestContext) -> FakeResponse:
        """Run the handler; raises :class:`StripeError` for Stripe errors."""
        if ctx.route.api_mode == "v1" and ctx.request.method != "GET" and "expand" in ctx.params:
            check_expand_paths(ctx.params["expand"], ctx.route.object_type)
        return self._render(ctx, ctx.route.handler(ctx))

    @staticmethod
    def _error(err: StripeError, api_mode: str, request_id: str) -> FakeResponse:
        body = err.v2_body() if api_mode == "v2" else err.v1_body(request_id)
        response = FakeResponse.json(err.status, body, {"Request-Id": request_id, **err.headers})
        response.unimplemented = err.unimplemented
        return response

    def _render(self, ctx: RequestContext, result: Any) -> FakeResponse:
        body, status = result, 200
        expand = ctx.params.get("expand") if ctx.route.api_mode == "v1" else None
        if expand and isinstance(body, dict) and status < 300:
            if not isinstance(expand, list) or not all(isinstance(p, str) for p in expand):
                raise invalid_request("Invalid array", param="expand")
            # Expansion edits in place: work on a copy, as a handler's result may also be the
            # ``data.object`` of an event it emitted (``emit_event(..., fresh=True)``).
            body = apply_expand(copy.deepcopy(body), expand, ctx.account.lookup)
        headers = {"Request-Id": ctx.request_id, "Stripe-Version": ctx.api_version}
        if ctx.idempotency_key is not None:
            headers["Idempotency-Key"] = ctx.idempotency_key
        return FakeResponse.json(status, body, headers)

    @staticmethod
    def _host_allowed(host: str, route: Route) -> bool:
        if host == API_HOST:
            return route.host == "api"
        if host == METER_EVENTS_HOST:
            return route.host == "meter_events"
        return True  # the standalone server serves every route on one host

    def _authenticate(self, request: FakeRequest, route: Route) -> str:
        header = request.headers.get("authorization") or ""
        key = ""
        if header.startswith("Bearer "):
            key = header[7:].strip()
        elif header.startswith("Basic "):
            try:
                key = base64.b64decode(header[6:]).decode().split(":", 1)[0]
            except ValueError:
                key = ""
        if not key:
            raise authentication_missing()
        if route.auth == "session":  # a meter event session token, checked by the handler
            return key
        if not key.startswith(_KEY_PREFIXES) or len(key) <= len("sk_test_"):
            raise authentication_invalid(key)
        if route.api_mode == "v2" and not key.startswith("sk_"):
            raise StripeError(
                "You can only access APIs in the /v2 namespace with secret keys.",
                status=401,
                type="invalid_request_error",
            )
        return key

    @staticmethod
    def decode_params(request: FakeRequest) -> dict[str, Any]:
        """The parameters of ``request`` as a handler sees them (raises :class:`StripeError`)."""
        return decode_params(request)

    def _log(
        self,
        request: FakeRequest,
        response: FakeResponse,
        route: Route | None,
        request_id: str,
    ) -> None:
        # An unrecognized URL is a 404 with no route, a route on the other Stripe host, or a route whose
        # handler the fake does not implement (``unrecognized_url``).
        unrecognized = response.unimplemented or (
            response.status == 404 and (route is None or not self._host_allowed(request.host, route))
        )
        if not self.config.record_requests and not unrecognized:
            return
        record = RecordedRequest(
            method=request.method,
            host=request.host,
            path=request.path,
            headers=request.headers,  # built for this request by the transport: no copy needed
            status=response.status,
            route=route.name if route is not None and not unrecognized else None,
            request_id=request_id,
            body=response.body,
            query=request.query,
            request_body=request.body,
        )
        if self.config.record_requests:
            self.requests.append(record)
        if unrecognized:
            self.unimplemented.append(record)
