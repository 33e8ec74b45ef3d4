"""Fault injection: make the next N matching requests fail the way Stripe (or the network) can.

``fake.fail_next("meter_events.create", error="rate_limit", times=2)`` answers the next two meter
event requests with a 429. A rule matches by route name (``meter_events.create``, ``meters.*``) or by
path (``/v1/billing/meters/*``, optionally prefixed with a method: ``POST /v1/customers``).

Faults are injected before the endpoint runs and are never saved as idempotent results, so a request
the SDK retries with the same ``Idempotency-Key`` executes exactly once when it finally succeeds.
"""

from __future__ import annotations

import fnmatch
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .http.errors import StripeError
from .http.messages import FakeResponse

if TYPE_CHECKING:
    from .context import RequestContext
    from .http.routing import Route

#: The named failures ``fail_next(error=...)`` knows: (status, type, code, message).
PRESETS: dict[str, tuple[int, str, str | None, str]] = {
    "rate_limit": (
        429,
        "invalid_request_error",
        "rate_limit",
        "Request rate limit exceeded. You can learn more about rate limits here https://stripe.com/docs/rate-limits.",
    ),
    "api_error": (500, "api_error", None, "An unknown error occurred while processing your request."),
    "lock_timeout": (
        409,
        "invalid_request_error",
        "lock_timeout",
        "This object cannot be accessed right now because another API request or Stripe process is currently "
        "accessing it. If you see this error intermittently, retry the request. If you see this error "
        "frequently and are making multiple concurrent requests to a single object, make your requests "
        "serially or at a lower rate.",
    ),
    "idempotency_key_in_use": (
        409,
        "invalid_request_error",
        "idempotency_key_in_use",
        "The idempotency key provided is currently being used in another request. This occurs if your "
        "integration is making duplicate requests simultaneously.",
    ),
}
PRESETS["server_error"] = PRESETS["api_error"]
NETWORK = "network"


@dataclass
class Fault:
    """One armed failure rule. ``remaining`` counts down; ``hits`` lists the request ids it failed."""

    target: str | None
    error: str
    times: int
    status: int
    type: str
    code: str | None
    message: str
    param: str | None = None
    should_retry: bool | None = None
    hits: list[str] = field(default_factory=list)

    @property
    def remaining(self) -> int:
        return self.times - len(self.hits)

    def matches(self, method: str, path: str, route: Route) -> bool:
        if self.target is None:
            return True
        target = self.target
        if "/" not in target:
            return fnmatch.fnmatchcase(route.name, target)
        want_method, _, want_path = target.rpartition(" ")
        if want_method and want_method.upper() != method:
            return False
        return fnmatch.fnmatchcase(path, want_path) or want_path == route.pattern

    def response(self, request_id: str, api_mode: str) -> FakeResponse:
        headers = {"Request-Id": request_id}
        if self.should_retry is not None:
            headers["Stripe-Should-Retry"] = "true" if self.should_retry else "false"
        if self.error == NETWORK:
            note = "stripe-fake: injected network failure (fail_next)"
            return FakeResponse(0, b"", headers, network_error=note)
        err = StripeError(self.message, status=self.status, type=self.type, code=self.code, param=self.param)
        body = err.v2_body() if api_mode == "v2" else err.v1_body(request_id)
        return FakeResponse.json(self.status, body, headers)


class FaultInjector:
    """The armed :class:`Fault` rules of one backend, consumed in the order they were added."""

    def __init__(self, routes: Iterable[Route] = ()) -> None:
        self._lock = threading.Lock()
        self.faults: list[Fault] = []
        #: The routes ``target`` names are checked against (the router's live list).
        self.routes = routes

    def add(
        self,
        target: str | None = None,
        *,
        error: str = "api_error",
        times: int = 1,
        status: int | None = None,
        type: str | None = None,
        code: str | None = None,
        message: str | None = None,
        param: str | None = None,
        should_retry: bool | None = None,
    ) -> Fault:
        """Arm a rule; see :meth:`stripe_fake.StripeFake.fail_next` for the arguments."""
        if times < 1:
            raise ValueError("fail_next(times=...) must be at least 1")
        known = {route.name for route in self.routes}
        named = target is not None and "/" not in target
        if named and not any(fnmatch.fnmatchcase(name, str(target)) for name in known):
            names = ", ".join(sorted(known))
            raise ValueError(f"fail_next: no route is named {target!r}. Known routes: {names}")
        if error == NETWORK:
            preset: tuple[int, str, str | None, str] = (0, "", None, "")
        elif error in PRESETS:
            preset = PRESETS[error]
        elif error == "custom":
            preset = (400, "invalid_request_error", None, "Injected failure (stripe-fake fail_next).")
        else:
            choices = ", ".join([*sorted(PRESETS), NETWORK, "custom"])
            raise ValueError(f"fail_next: unknown error {error!r}; use one of {choices}")
        fault = Fault(
            target=target,
            error=error,
            times=times,
            status=status if status is not None else preset[0],
            type=type if type is not None else preset[1],
            code=code if code is not None else preset[2],
            message=message if message is not None else preset[3],
            param=param,
            should_retry=should_retry,
        )
        if fault.error != NETWORK and not 400 <= fault.status <= 599:
            raise ValueError("fail_next: status must be an HTTP error status (400-599)")
        with self._lock:
            self.faults.append(fault)
        return fault

    def add_many(self, specs: Iterable[Mapping[str, Any]]) -> None:
        """Arm rules given as dicts (the ``fail_next`` option of the pytest marker)."""
        for spec in specs:
            options = dict(spec)
            targets = [options.pop(name, None) for name in ("target", "route", "path")]
            self.add(next((t for t in targets if t is not None), None), **options)

    def take(self, ctx: RequestContext) -> FakeResponse | None:
        """The injected response for this request, consuming one use of the first matching rule."""
        with self._lock:
            for fault in self.faults:
                if fault.remaining > 0 and fault.matches(ctx.request.method, ctx.request.path, ctx.route):
                    fault.hits.append(ctx.request_id)
                    if fault.remaining == 0:
                        self.faults.remove(fault)
                    return fault.response(ctx.request_id, ctx.route.api_mode)
        return None

    def clear(self) -> None:
        """Disarm every rule."""
        with self._lock:
            self.faults.clear()

    @property
    def pending(self) -> list[Fault]:
        """Rules with uses left."""
        with self._lock:
            return [f for f in self.faults if f.remaining > 0]
