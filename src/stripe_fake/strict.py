"""``strict_http_client``: fail where the app's own SDK HTTP client would fail in production.

The fake answers every request through its own client, whichever client the app chose. Some app
choices cannot work in production, though: ``HTTPXClient()`` without ``allow_sync_methods=True``
raises ``RuntimeError`` on synchronous calls, ``AIOHTTPClient()`` (async only) raises ``TypeError``
on them, and ``RequestsClient()`` / ``UrllibClient()`` passed
without an async fallback raise ``NotImplementedError`` on ``*_async`` calls. With the option on
(default) the fake raises the same exception at the same place, so the test sees the production bug.
"""

from __future__ import annotations

import inspect
from typing import Any

import stripe
from stripe import _http_client

_HINT = (
    "\n(stripe-fake raised this because the app's HTTP client {client!r} raises it in production; "
    "StripeFake(strict_http_client=False) answers the request anyway.)"
)

#: An error to raise: the exception class and its message.
Problem = tuple[type[BaseException], str]


def sync_problem(client: Any) -> Problem | None:
    """What ``client`` raises for a synchronous request in production, or ``None`` if it works."""
    if isinstance(client, stripe.HTTPXClient) and getattr(client, "_client", True) is None:
        return RuntimeError, (
            "Stripe: HTTPXClient was initialized with allow_sync_methods=False, "
            "so it cannot be used for synchronous requests."
        )
    if isinstance(client, stripe.HTTPClient):
        # ``AIOHTTPClient.request`` takes no arguments: the SDK's call to it raises a TypeError before
        # the method's own NotImplementedError could run.
        refused = _call_refused(client, "request", ("POST", "https://api.stripe.com", {}, None))
        if refused is not None:
            return TypeError, refused
    if isinstance(client, stripe.HTTPClient) and type(client).request is stripe.HTTPClient.request:
        return NotImplementedError, "HTTPClient subclasses must implement `request`"
    return None


def _call_refused(client: Any, name: str, args: tuple[Any, ...]) -> str | None:
    """Python's ``TypeError`` message if ``client.<name>(*args)`` cannot bind its arguments, else ``None``.

    Only a plain function is called (its binding fails before its body runs, so nothing is sent).
    """
    function = getattr(type(client), name, None)
    if not inspect.isfunction(function) or hasattr(function, "__wrapped__"):
        return None
    try:
        inspect.signature(function).bind(client, *args)
    except TypeError:
        try:
            getattr(client, name)(*args)
        except TypeError as exc:
            return str(exc)
    return None


def async_problem(client: Any) -> Problem | None:
    """What ``client`` raises for an ``*_async`` request in production, or ``None`` if it works.

    A client without its own ``request_async`` forwards to its async fallback client, if it has one.
    """
    base = getattr(stripe.HTTPClient, "request_async", None)
    no_import = getattr(_http_client, "NoImportFoundAsyncClient", None)
    seen: set[int] = set()
    while isinstance(client, stripe.HTTPClient) and base is not None and id(client) not in seen:
        seen.add(id(client))
        if no_import is not None and isinstance(client, no_import):
            return ImportError, (
                "Import httpx not found. To make async http requests, you must either install httpx or "
                "define your own async http client by subclassing stripe.HTTPClient and setting "
                "stripe.default_http_client to an instance of it."
            )
        if type(client).request_async is not base:
            return None
        fallback = getattr(client, "_async_fallback_client", None)
        if fallback is None:
            return NotImplementedError, "HTTPClient subclasses must implement `request_async`"
        client = fallback
    return None


class StrictClient:
    """Stands in for an app-chosen client: answers from the fake, fails where the app's client would."""

    def __init__(self, fake_client: Any, app_client: Any, sync: Problem | None, async_: Problem | None):
        self._fake = fake_client
        self._app_client = app_client
        self._sync = sync
        self._async = async_
        self.name = getattr(app_client, "name", fake_client.name)

    def _raise(self, problem: Problem) -> None:
        error_class, message = problem
        raise error_class(message + _HINT.format(client=self._app_client))

    def request_with_retries(self, *args: Any, **kwargs: Any) -> Any:
        if self._sync is not None:
            self._raise(self._sync)
        return self._fake.request_with_retries(*args, **kwargs)

    def request_stream_with_retries(self, *args: Any, **kwargs: Any) -> Any:
        if self._sync is not None:
            self._raise(self._sync)
        return self._fake.request_stream_with_retries(*args, **kwargs)

    async def request_with_retries_async(self, *args: Any, **kwargs: Any) -> Any:
        if self._async is not None:
            self._raise(self._async)
        return await self._fake.request_with_retries_async(*args, **kwargs)

    async def request_stream_with_retries_async(self, *args: Any, **kwargs: Any) -> Any:
        if self._async is not None:
            self._raise(self._async)
        return await self._fake.request_stream_with_retries_async(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fake, name)


def client_for(fake_client: Any, app_client: Any) -> Any:
    """``fake_client``, or a :class:`StrictClient` if ``app_client`` would fail some calls."""
    sync = sync_problem(app_client)
    async_ = async_problem(app_client)
    if sync is None and async_ is None:
        return fake_client
    return StrictClient(fake_client, app_client, sync, async_)
