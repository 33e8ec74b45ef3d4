"""``StripeFake``: the public object. A context manager, a decorator, and what the fixture returns."""

from __future__ import annotations

import dataclasses
import functools
import inspect
import threading
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

import respx
import stripe

from .backend import METER_EVENTS_HOST, API_HOST, Backend, RecordedRequest
from .clock import Clock
from .config import FakeConfig
from .interceptor import FakeHTTPClient, HttpxHandler
from .recording import EventRecorder
from .state import AccountState

F = TypeVar("F", bound=Callable[..., Any])

_ACTIVE: list[StripeFake] = []
_ACTIVE_LOCK = threading.Lock()
_MISSING = object()


class StripeFakeInternalError(AssertionError):
    """A bug in stripe-fake surfaced during the test (reported at teardown with its traceback)."""


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
        self._handler = HttpxHandler(self.backend.handle)
        self._handler.active = False
        self._client = FakeHTTPClient(self._handler)
        self._saved: list[tuple[Any, str, Any]] = []
        self._respx: respx.MockRouter | None = None

    # -- what tests read -----------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request the app sent while the fake was active, oldest first."""
        return self.backend.requests

    @property
    def events(self) -> EventRecorder:
        """Every event the fake emitted, oldest first (``fake.events.of_type("billing.meter.created")``)."""
        return self.backend.events

    @property
    def http_client(self) -> FakeHTTPClient:
        """The SDK HTTP client that answers from this fake (for ``StripeClient(http_client=...)``)."""
        return self._client

    def account(self, account_id: str | None = None) -> AccountState:
        """The state of the platform account, or of a connected account (``acct_...``)."""
        return self.backend.account(account_id)

    def reset(self) -> None:
        """Forget every object, event and logged request."""
        self.backend.reset()

    @property
    def unimplemented_requests(self) -> list[RecordedRequest]:
        """Requests to endpoints the fake does not implement (each answered with a 404)."""
        return [r for r in self.backend.requests if not r.implemented]

    # -- lifecycle -----------------------------------------------------------------------------------

    @property
    def is_active(self) -> bool:
        return self._handler.active

    def start(self) -> StripeFake:
        """Route every Stripe request to this fake until :meth:`stop`."""
        with _ACTIVE_LOCK:
            if _ACTIVE:
                raise RuntimeError("Another StripeFake is already active; stop it before starting a new one.")
            _ACTIVE.append(self)
        try:
            self._install()
        except BaseException:
            self._handler.active = True
            self.stop()
            raise
        return self

    def _install(self) -> None:
        from stripe import _http_client as http_module
        from stripe._api_requestor import _APIRequestor as requestor

        client = self._client

        def _get_http_client(_self: Any) -> FakeHTTPClient:
            return client

        self._patch(requestor, "_get_http_client", _get_http_client)
        for name in ("_default_sync_client", "_default_async_client"):
            if hasattr(http_module, name):
                self._patch(http_module, name, lambda *args, **kwargs: client)
        self._patch(stripe, "enable_telemetry", False)
        self._patch(stripe, "default_http_client", getattr(stripe, "default_http_client", None))
        self._handler.active = True
        self._respx = respx.mock(assert_all_called=False, assert_all_mocked=False)
        for host in (API_HOST, METER_EVENTS_HOST):
            self._respx.route(host=host).mock(side_effect=self._handler)
        self._respx.route().pass_through()
        self._respx.start()

    def stop(self) -> None:
        """Restore everything :meth:`start` changed; raise if the fake hit an internal error."""
        if not self._handler.active:
            return
        self._handler.active = False
        if self._respx is not None:
            self._respx.stop(quiet=True)
            self._respx = None
        while self._saved:
            target, name, old = self._saved.pop()
            if old is _MISSING:
                delattr(target, name)
            else:
                setattr(target, name, old)
        with _ACTIVE_LOCK:
            if self in _ACTIVE:
                _ACTIVE.remove(self)
        self.raise_internal_errors()

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
        self._saved.append((target, name, target.__dict__.get(name, _MISSING) if isinstance(target, type) else getattr(target, name, _MISSING)))
        setattr(target, name, value)

    def __enter__(self) -> StripeFake:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

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
        raise TypeError(f"Unknown StripeFake option(s): {', '.join(unknown)}. Valid options: {', '.join(sorted(names))}.")
    return FakeConfig(**options)
