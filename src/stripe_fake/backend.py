"""The core: one :class:`Backend` answers Stripe HTTP requests from in-memory state.

Both the in-process interceptor and the standalone server hand it a :class:`FakeRequest` and send
back the :class:`FakeResponse` it returns. It never raises: a bug in the fake becomes a Stripe-shaped
500 with ``Stripe-Should-Retry: false`` and is kept in :attr:`Backend.internal_errors`.
"""

from __future__ import annotations

import base64
import json
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .clock import Clock, SystemClock
from .config import FakeConfig
from .context import Reply, RequestContext
from .http.errors import (
    StripeError,
    authentication_invalid,
    authentication_missing,
    invalid_request,
    unrecognized_url,
)
from .http.expand import apply_expand
from .http.forms import decode_form
from .http.messages import FakeRequest, FakeResponse
from .http.routing import Route, Router
from .ids import new_id
from .recording import EventRecorder
from .state import PLATFORM, AccountState

API_HOST = "api.stripe.com"
METER_EVENTS_HOST = "meter-events.stripe.com"
STRIPE_HOSTS = (API_HOST, METER_EVENTS_HOST)
DEFAULT_API_VERSION = "2026-10-28.endive"
_KEY_PREFIXES = ("sk_test_", "rk_test_")


@dataclass
class RecordedRequest:
    """One request the app sent, as the fake answered it."""

    method: str
    host: str
    path: str
    params: dict[str, Any]
    headers: dict[str, str]
    status: int
    route: str | None
    request_id: str
    response: Any = None
    error: dict[str, Any] | None = field(default=None)

    @property
    def implemented(self) -> bool:
        return self.route is not None

    def __repr__(self) -> str:
        return f"<{self.method} {self.path} -> {self.status}>"


class Backend:
    """Routing, auth, decoding, errors and expansion around the resource handlers."""

    def __init__(self, clock: Clock | None = None, config: FakeConfig | None = None) -> None:
        from .resources import all_routes

        self.clock: Clock = clock or SystemClock()
        self.config = config or FakeConfig()
        self.router = Router(all_routes())
        self.lock = threading.RLock()
        self.accounts: dict[str, AccountState] = {}
        self.requests: list[RecordedRequest] = []
        self.internal_errors: list[BaseException] = []
        self.events = EventRecorder()
        # Called with (account, event) for every emitted event (webhook delivery hooks in here).
        self.event_listeners: list[Callable[[AccountState, dict[str, Any]], None]] = []
        # v2 thin events (``v2.core.event``), oldest first, and who wants to hear of each new one
        # (event destination delivery subscribes here).
        self.thin_events: list[dict[str, Any]] = []
        self.thin_event_listeners: list[Callable[[AccountState, dict[str, Any]], None]] = []
        # Extension points: called with the context before the handler / with the final response.
        self.before_handler: list[Callable[[RequestContext], FakeResponse | None]] = []
        self.after_handler: list[Callable[[RequestContext, FakeResponse], None]] = []

    # -- state -------------------------------------------------------------------------------------

    def now(self) -> int:
        return int(self.clock.now())

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
            self.internal_errors.clear()
            self.events.clear()
            self.thin_events.clear()

    # -- dispatch ----------------------------------------------------------------------------------

    def handle(self, request: FakeRequest) -> FakeResponse:
        """Answer one request. Never raises."""
        request_id = new_id("req", 14)
        with self.lock:
            try:
                return self._handle(request, request_id)
            except BaseException as exc:  # noqa: BLE001 - a fake bug must not look like a network error
                self.internal_errors.append(exc)
                message = f"stripe-fake internal error: {type(exc).__name__}: {exc}"
                error = StripeError(message, status=500, type="api_error")
                body = error.v2_body() if request.path.startswith("/v2/") else error.v1_body(request_id)
                body["error"]["stripe_fake_traceback"] = traceback.format_exc()
                response = FakeResponse.json(
                    500, body, {"Request-Id": request_id, "Stripe-Should-Retry": "false"}
                )
                self._log(request, {}, response, None, request_id)
                return response

    def _handle(self, request: FakeRequest, request_id: str) -> FakeResponse:
        api_mode = "v2" if request.path.startswith("/v2/") else "v1"
        params: dict[str, Any] = {}
        found = self.router.match(request.method, request.path)
        route = found[0] if found else None
        try:
            if found is None or not self._host_allowed(request.host, found[0]):
                raise unrecognized_url(request.method, request.path)
            route, path_params = found
            api_key = self._authenticate(request, route)
            params = self._decode(request, api_mode)
            ctx = RequestContext(
                backend=self,
                account=self.account(request.header("stripe-account")),
                request=request,
                route=route,
                params=params,
                path=path_params,
                now=self.now(),
                request_id=request_id,
                idempotency_key=request.header("idempotency-key"),
                api_key=api_key,
                api_version=request.header("stripe-version") or DEFAULT_API_VERSION,
            )
            for hook in self.before_handler:
                early = hook(ctx)
                if early is not None:
                    self._log(request, params, early, route, request_id)
                    return early
            result = route.handler(ctx)
            response = self._render(ctx, result)
            for after in self.after_handler:
                after(ctx, response)
        except StripeError as err:
            body = err.v2_body() if api_mode == "v2" else err.v1_body(request_id)
            headers = {"Request-Id": request_id, **err.headers}
            response = FakeResponse.json(err.status, body, headers)
        self._log(request, params, response, route, request_id)
        return response

    def _render(self, ctx: RequestContext, result: Any) -> FakeResponse:
        reply = result if isinstance(result, Reply) else Reply(result)
        body = reply.body
        expand = ctx.params.get("expand") if ctx.route.api_mode == "v1" else None
        if expand and isinstance(body, dict) and reply.status < 300:
            if not isinstance(expand, list) or not all(isinstance(p, str) for p in expand):
                raise invalid_request("Invalid array", param="expand")
            body = apply_expand(body, expand, ctx.account.lookup)
        headers = {"Request-Id": ctx.request_id, "Stripe-Version": ctx.api_version, **reply.headers}
        if ctx.idempotency_key is not None:
            headers["Idempotency-Key"] = ctx.idempotency_key
        return FakeResponse.json(reply.status, body, headers)

    @staticmethod
    def _host_allowed(host: str, route: Route) -> bool:
        if host == API_HOST:
            return route.host == "api"
        if host == METER_EVENTS_HOST:
            return route.host == "meter_events"
        return True  # the standalone server serves every route on one host

    def _authenticate(self, request: FakeRequest, route: Route) -> str:
        header = request.header("authorization") or ""
        key = ""
        if header.startswith("Bearer "):
            key = header[7:].strip()
        elif header.startswith("Basic "):
            try:
                key = base64.b64decode(header[6:]).decode().split(":", 1)[0]
            except ValueError:
                key = ""
        if route.auth == "session":
            if not key:
                raise authentication_missing()
            return key
        if not key:
            raise authentication_missing()
        if not key.startswith(_KEY_PREFIXES) or len(key) <= len("sk_test_"):
            raise authentication_invalid(key)
        if route.api_mode == "v2" and not key.startswith("sk_"):
            raise StripeError(
                "You can only access APIs in the /v2 namespace with secret keys.", status=401, type="invalid_request_error"
            )
        return key

    @staticmethod
    def _decode(request: FakeRequest, api_mode: str) -> dict[str, Any]:
        if request.method in ("GET", "DELETE") or (api_mode == "v1" and not request.body):
            return decode_form(request.query)
        if api_mode == "v1":
            try:
                return decode_form(request.body.decode("utf-8"))
            except UnicodeDecodeError:
                raise invalid_request("Invalid request body: it is not valid UTF-8.") from None
        if not request.body.strip():
            return {}
        try:
            decoded = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            raise StripeError("Invalid JSON body.", code="invalid_json") from None
        if not isinstance(decoded, dict):
            raise StripeError("The request body must be a JSON object.", code="invalid_json")
        return decoded

    def _log(
        self,
        request: FakeRequest,
        params: dict[str, Any],
        response: FakeResponse,
        route: Route | None,
        request_id: str,
    ) -> None:
        if not self.config.record_requests:
            return
        body: Any = None
        error = None
        try:
            body = json.loads(response.body)
        except ValueError:
            body = None
        if response.status >= 400 and isinstance(body, dict):
            error = body.get("error")
        self.requests.append(
            RecordedRequest(
                method=request.method,
                host=request.host,
                path=request.path,
                params=params,
                headers=dict(request.headers),
                status=response.status,
                route=route.name if route is not None else None,
                request_id=request_id,
                response=body,
                error=error,
            )
        )
