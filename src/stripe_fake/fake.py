"""``StripeFake``: the public object. A context manager, a decorator, and what the fixture returns."""

from __future__ import annotations

import dataclasses
import functools
import inspect
import json
import threading
import traceback
from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Any, TypeVar

import stripe

from . import interceptor
from .backend import API_HOST, Backend
from .clock import Clock
from .config import FakeConfig
from .delivery import Delivery, DeliveryLog, MountKind, assert_delivered, sign
from .faults import Fault
from .http.errors import StripeError
from .http.messages import FakeRequest
from .interceptor import FakeHTTPClient
from .recording import EventRecorder, RequestLog, ThinEventLog
from .state import AccountState
from .strict import client_for

F = TypeVar("F", bound=Callable[..., Any])

_ACTIVE: list[StripeFake] = []
_ACTIVE_LOCK = threading.Lock()
_MISSING = object()


class StripeFakeInternalError(AssertionError):
    """A bug in stripe-fake surfaced during the test (reported at teardown with its traceback)."""


class UnimplementedEndpointError(AssertionError):
    """The app called endpoints stripe-fake does not implement (``unimplemented="fail"``, at teardown)."""


def active() -> StripeFake | None:
    """The running :class:`StripeFake`, if any."""
    return _ACTIVE[-1] if _ACTIVE else None


class StripeFake:
    """An in-memory Stripe that answers every request of the ``stripe`` SDK while started.

    Use it as ``with StripeFake() as fake: ...``, as a decorator, or through the ``stripe_fake``
    pytest fixture. Options are the fields of :class:`FakeConfig` (``StripeFake(processing_delay=60)``).
    """

    def __init__(self, *, clock: Clock | None = None, **options: Any) -> None:
        self.config = _build_config(options)
        self.backend = Backend(clock=clock, config=self.config)
        self._dispatch = self.backend.handle
        self._client = FakeHTTPClient(self._dispatch)
        self._client.active = False
        self._saved: list[tuple[Any, str, Any]] = []

    # -- what tests read -----------------------------------------------------------------------------

    @property
    def requests(self) -> RequestLog:
        """Every request the app sent while the fake was active, oldest first.

        ``fake.requests.filter(method="POST", path="/v1/customers*", route=..., status=...)``,
        ``fake.requests.last(...)`` and ``fake.requests.describe()`` help to find and show them.
        """
        return self.backend.requests

    @property
    def events(self) -> EventRecorder:
        """Every event the fake emitted, oldest first (``fake.events.of_type("billing.meter.created")``).

        Reading it first runs the work the clock made due (see :meth:`run_due`), so after
        ``frozen.tick(...)`` it already holds the events that became due.
        """
        self.run_due()
        return self.backend.events

    def run_due(self) -> int:
        """Run the work that is due at the fake's clock now (delayed meter events, error reports,
        renewals...), as the next API request would; returns how many jobs ran.

        For tests that moved freezegun / time-machine and want to assert without making a request.
        Deliveries it causes happen before it returns.
        """
        with self.backend.locked():
            return self.backend.run_due()

    def assert_event(
        self, event_type: str, *, count: int | None = None, **filters: Any
    ) -> list[dict[str, Any]]:
        """Assert that events of ``event_type`` were emitted whose ``data.object`` matches ``filters``.

        ``stripe_fake.assert_event("billing.alert.triggered", customer=customer, count=1)``: a filter
        value may be an SDK object (matched by its ``id``); nested fields use ``__`` (``alert__id=...``)
        or a dotted key (``**{"alert.id": ...}``). Without ``count`` at least one must match. Returns the
        matching events; the failure message lists every event that was emitted.
        """
        __tracebackhide__ = True
        self.run_due()
        return self.backend.events.assert_event(event_type, count=count, **filters)

    @property
    def thin_events(self) -> ThinEventLog:
        """Every thin v2 event (``v2.core.event``) the fake emitted, oldest first, with ``of_type`` and
        ``last`` (reading it first runs the work that is due, as :attr:`events` does)."""
        self.run_due()
        return self.backend.thin_events

    def assert_thin_event(
        self, event_type: str, *, count: int | None = None, **filters: Any
    ) -> list[dict[str, Any]]:
        """Assert that thin events of ``event_type`` matching ``filters`` were emitted.

        ``stripe_fake.assert_thin_event("v1.billing.meter.error_report_triggered",
        related_object__id=meter.id, count=1)``: filters match the event itself (``__`` or dotted
        paths); without ``count`` at least one must match. Returns the matching events.
        """
        __tracebackhide__ = True
        self.run_due()
        return self.backend.thin_events.assert_thin_event(event_type, count=count, **filters)

    @property
    def http_client(self) -> FakeHTTPClient:
        """The SDK HTTP client that answers from this fake (for ``StripeClient(http_client=...)``)."""
        return self._client

    def account(self, account_id: str | None = None) -> AccountState:
        """The state of the platform account, or of a connected account (``acct_...``)."""
        with self.backend.lock:  # may create it: not while a request on another thread does too
            return self.backend.account(account_id)

    def reset(self) -> None:
        """Forget every object, event and logged request."""
        self.backend.reset()

    # -- payments (payments stream) -------------------------------------------------------------------

    def set_payment_outcome(self, customer: Any, outcome: str | None, *, account: str | None = None) -> None:
        """Force every payment of ``customer`` (an id or object) to ``"succeed"``, ``"decline"`` or
        ``"authenticate"`` whatever its card (``None``: the card decides again).

        For tests that do not care which test card pays; a declined payment reads as a
        ``card_declined`` / ``generic_decline``, an authentication as ``authentication_required``.
        """
        from .resources import PaymentMethodStore

        customer_id = customer if isinstance(customer, str) else customer["id"]
        with self.backend.lock:
            self.account(account).store(PaymentMethodStore).set_outcome(customer_id, outcome)

    # -- subscriptions stream: advance_to_period_end ------------------------------------------------
    def advance_to_period_end(
        self, subscription: Any, *, finalize: bool = True, account: str | None = None
    ) -> dict[str, Any] | None:
        """Move the fake's own clock to ``subscription``'s next period end (an id or object) and run
        the renewal; with ``finalize`` also past the draft's finalization delay, so the invoice is
        finalized and paid. Returns the subscription's latest invoice (rendered), or ``None``.

        For tests that do not freeze time: the fake switches to its own clock (real time plus an
        offset) from then on. Under freezegun / time-machine, move the frozen time instead.
        """
        from .clock import ManualClock

        subscription_id = subscription if isinstance(subscription, str) else subscription["id"]
        with self.backend.locked():
            state = self.account(account)
            if state.lookup(subscription_id) is None:
                raise LookupError(f"No such subscription: {subscription_id!r}")
            # The subscription's next period end is its pending "subscriptions.period_end" job.
            jobs = self.backend.scheduler.pending_for("subscriptions.period_end", subscription_id)
            if not jobs:
                return None  # ended, paused or incomplete: no renewal to reach
            target = jobs[0].due + (self.config.invoice_finalization_delay if finalize else 0)
            clock = self.backend.clock
            if not isinstance(clock, ManualClock):
                clock = ManualClock()
                self.backend.clock = clock
            if clock.now() < target:
                clock.set(target)
            self.backend.run_due()
            rendered = state.lookup(subscription_id) or {}
            latest = rendered.get("latest_invoice")
            return state.lookup(latest) if isinstance(latest, str) else None

    def advance(self, clock: str, to: int | datetime, *, account: str | None = None) -> dict[str, Any]:
        """Advance test clock ``clock`` to ``to`` (unix seconds or an aware ``datetime``), exactly as
        ``POST /v1/test_helpers/test_clocks/{clock}/advance`` does; returns the clock, now ``ready``.

        Raises :class:`~stripe_fake.StripeError` with Stripe's error (an unknown clock, a time before
        the clock's, beyond the advance limit).
        """
        frozen = int(to.timestamp()) if isinstance(to, datetime) else int(to)
        headers = {
            "authorization": "Bearer sk_test_stripe_fake_advance",
            "content-type": "application/x-www-form-urlencoded",
        }
        if account is not None:
            headers["stripe-account"] = account
        path = f"/v1/test_helpers/test_clocks/{clock}/advance"
        request = FakeRequest("POST", API_HOST, path, "", headers, f"frozen_time={frozen}".encode())
        response = self.backend.handle(request)
        body: dict[str, Any] = json.loads(response.body)
        if response.status >= 400:
            error = body.get("error", {})
            raise StripeError(
                str(error.get("message")),
                status=response.status,
                code=error.get("code"),
                param=error.get("param"),
            )
        return self.account(account).lookup(clock) or body

    def flush_error_reports(self) -> list[dict[str, Any]]:
        """Send every pending asynchronous meter-event error report now (as thin events); returns them.

        Without it a report goes out when its ``error_report_window`` (and ``processing_delay``) has
        passed, at the next request.
        """
        from .resources import flush_error_reports

        with self.backend.locked():  # deliveries of the reports run after the lock is released
            now = self.backend.now()
            sent: list[dict[str, Any]] = []
            for account in list(self.backend.accounts.values()):
                sent.extend(flush_error_reports(account, now, force=True))
            return sent

    def fail_next(
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
        """Make the next ``times`` requests matching ``target`` fail (before the endpoint runs).

        ``target`` is a route name (``"meter_events.create"``, ``"meters.*"``), a path glob
        (``"/v1/customers/*"``, ``"POST /v1/billing/meter_events"``) or ``None`` for any request.
        ``error`` is ``"rate_limit"`` (429), ``"api_error"`` (500), ``"lock_timeout"`` (409),
        ``"idempotency_key_in_use"`` (409), ``"network"`` (the SDK raises ``APIConnectionError``) or
        ``"custom"``; ``status``/``type``/``code``/``message``/``param`` override the preset.
        ``should_retry`` sends ``Stripe-Should-Retry: true|false`` (``None``: no header).
        Injected failures are never saved as idempotent results.
        """
        return self.backend.faults.add(
            target,
            error=error,
            times=times,
            status=status,
            type=type,
            code=code,
            message=message,
            param=param,
            should_retry=should_retry,
        )

    @property
    def unimplemented_requests(self) -> RequestLog:
        """Requests to endpoints the fake does not implement (each answered with Stripe's 404).

        Kept even with ``record_requests=False``; with ``unimplemented="fail"`` (the default) any of
        them fails the test at teardown.
        """
        return self.backend.unimplemented

    # -- webhooks ------------------------------------------------------------------------------------

    @property
    def deliveries(self) -> DeliveryLog:
        """Every webhook delivery attempt (v1 events and thin event notifications), oldest first
        (reading it first runs the work that is due, as :attr:`events` does)."""
        self.run_due()
        return self.backend.delivery.deliveries

    def mount(self, base_url: str, app: Any, kind: MountKind | None = None) -> None:
        """Deliver webhooks for endpoint URLs under ``base_url`` to ``app`` in-process.

        ``app`` is a WSGI app (Flask, Django), an ASGI app (Starlette, FastAPI) or a callable taking
        an ``httpx.Request`` and returning an ``httpx.Response``, a status code or ``None`` (200);
        ``kind`` overrides the detection.
        """
        self.backend.delivery.mount(base_url, app, kind)

    def unmount(self, base_url: str) -> None:
        """Stop delivering to the app mounted at ``base_url``."""
        self.backend.delivery.unmount(base_url)

    def sign(self, payload: str | bytes, secret: str, timestamp: int | None = None) -> str:
        """A ``Stripe-Signature`` header value for ``payload`` (at the fake's clock unless ``timestamp``)."""
        return sign(payload, secret, self.backend.now() if timestamp is None else timestamp)

    def retry_failed_deliveries(self) -> list[Delivery]:
        """Deliver again every (event, endpoint) whose last attempt failed; returns the new attempts."""
        return self.backend.delivery.retry_failed()

    def secret_for(self, endpoint_id: str, account: str | None = None) -> str:
        """The signing secret of a webhook endpoint (``we_...``) or event destination (``ed_...``), for
        ``stripe.Webhook.construct_event`` / ``parse_event_notification`` in the app under test."""
        return self.backend.delivery.secret_of(endpoint_id, account)

    #: Older names of :meth:`secret_for`.
    endpoint_secret = secret_for
    event_destination_secret = secret_for

    def assert_delivered(
        self,
        event_type: str | None = None,
        *,
        endpoint: str | None = None,
        url: str | None = None,
        status: int | None = None,
        succeeded: bool | None = None,
        count: int | None = None,
    ) -> list[Delivery]:
        """Assert deliveries matching every given filter happened (exactly ``count`` if given, else at
        least one) and return them; the failure message lists every delivery that did happen."""
        return assert_delivered(
            self.deliveries,
            event_type,
            endpoint=endpoint,
            url=url,
            status=status,
            succeeded=succeeded,
            count=count,
        )

    # -- lifecycle -----------------------------------------------------------------------------------

    @property
    def is_active(self) -> bool:
        return self._client.active

    def start(self) -> StripeFake:
        """Route every Stripe request to this fake until :meth:`stop`."""
        with _ACTIVE_LOCK:
            if _ACTIVE:
                raise RuntimeError(
                    "Another StripeFake is already active (the stripe_fake fixture, a `with StripeFake()` "
                    "block or a @StripeFake() function); stop it before starting a new one, or use the "
                    "running one: stripe_fake.active()."
                )
            _ACTIVE.append(self)
        try:
            self._install()
        except BaseException:
            self._client.active = True
            self.stop()
            raise
        return self

    def _install(self) -> None:
        from stripe import _http_client as http_module
        from stripe._api_requestor import _APIRequestor as requestor

        client = self._client
        strict = self.config.strict_http_client

        def _get_http_client(_self: Any) -> Any:
            app_client = getattr(_self, "_client", None) or stripe.default_http_client
            if not strict or app_client is None or app_client is client:
                return client
            return client_for(client, app_client)  # what the app's own client would raise, if anything

        self._patch(requestor, "_get_http_client", _get_http_client)
        for name in ("_default_sync_client", "_default_async_client"):
            if hasattr(http_module, name):
                self._patch(http_module, name, lambda *args, **kwargs: client)
        # stripe < 16 resolves the default client inside new_default_http_client, which StripeClient
        # imports by name: a client built while the fake runs must not reach the network after it stops.
        from stripe import _stripe_client as client_module

        resolves_inline = not hasattr(http_module, "_default_sync_client")
        if resolves_inline and hasattr(client_module, "new_default_http_client"):
            self._patch(client_module, "new_default_http_client", lambda *args, **kwargs: client)
        self._patch(stripe, "enable_telemetry", False)
        self._patch(stripe, "default_http_client", getattr(stripe, "default_http_client", None))
        self._client.active = True
        interceptor.activate(self._dispatch)  # plain httpx calls to Stripe hosts (respx, once per process)

    def stop(self, *, verify: bool = True) -> None:
        """Restore everything :meth:`start` changed, then :meth:`verify` (unless ``verify=False``)."""
        if not self._client.active:
            return
        self._client.active = False
        interceptor.deactivate(self._dispatch)
        while self._saved:
            target, name, old = self._saved.pop()
            if old is _MISSING:
                delattr(target, name)
            else:
                setattr(target, name, old)
        with _ACTIVE_LOCK:
            if self in _ACTIVE:
                _ACTIVE.remove(self)
        if verify:
            self.verify()
        else:
            self.raise_internal_errors()

    def verify(self) -> None:
        """Fail on what the test must hear about, each reported once: internal errors of the fake
        (:class:`StripeFakeInternalError`), then, with ``unimplemented="fail"``, requests to endpoints
        the fake does not implement (:class:`UnimplementedEndpointError`).

        :meth:`stop` calls it; call it yourself after each test when one fake serves many tests.
        """
        __tracebackhide__ = True
        self.raise_internal_errors()
        missing = list(self.backend.unimplemented)
        if not missing or self.config.unimplemented != "fail":
            return
        self.backend.unimplemented.clear()
        listing = RequestLog(missing).describe()
        raise UnimplementedEndpointError(
            f"The app called {len(missing)} Stripe endpoint(s) that stripe-fake does not implement; each "
            f'was answered with Stripe\'s 404 "Unrecognized request URL" (InvalidRequestError):\n{listing}\n'
            'If the test expects that 404, use @pytest.mark.stripe_fake(unimplemented="error") '
            '(or StripeFake(unimplemented="error")). Implemented endpoints: docs/fidelity.md.'
        )

    def raise_internal_errors(self) -> None:
        """Raise :class:`StripeFakeInternalError` if any request crashed inside the fake."""
        errors = list(self.backend.internal_errors)
        if not errors:
            return
        self.backend.internal_errors.clear()
        details = "\n".join("".join(traceback.format_exception(e)) for e in errors)
        raise StripeFakeInternalError(
            f"stripe-fake hit {len(errors)} internal error(s) while answering requests (the SDK saw a 500). "
            f"This is a bug in stripe-fake; please report it.\n{details}"
        ) from errors[0]

    def _patch(self, target: Any, name: str, value: Any) -> None:
        # For classes, save only what the class itself defines (restoring it must not copy an inherited
        # attribute onto the class).
        if isinstance(target, type):
            old = target.__dict__.get(name, _MISSING)
        else:
            old = getattr(target, name, _MISSING)
        self._saved.append((target, name, old))
        setattr(target, name, value)

    def __enter__(self) -> StripeFake:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # When the block already failed, report only internal errors (they may explain the failure).
        self.stop(verify=exc is None)

    def __call__(self, func: F) -> F:
        """Use as a decorator: the fake runs (fresh) for each call of ``func``."""
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                self.reset()
                with self:
                    return await func(*args, **kwargs)

            return async_wrapper  # type: ignore[return-value]

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            self.reset()
            with self:
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


def _build_config(options: dict[str, Any]) -> FakeConfig:
    names = {f.name for f in dataclasses.fields(FakeConfig)}
    unknown = sorted(set(options) - names)
    if unknown:
        raise TypeError(
            f"Unknown StripeFake option(s): {', '.join(unknown)}. Valid options: {', '.join(sorted(names))}."
        )
    return FakeConfig(**options)
