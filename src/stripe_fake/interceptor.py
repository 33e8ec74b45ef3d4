"""Routing every request of the ``stripe`` SDK, and plain httpx calls to Stripe hosts, to a backend.

The SDK is answered at its ``HTTPClient`` seam: ``_APIRequestor._get_http_client`` (stable from
stripe 8 to 16) is made to return :class:`FakeHTTPClient`, a ``stripe.HTTPClient`` whose ``request``
(and ``request_async``, ``request_stream``...) hands the SDK's method, URL, headers and body to the
backend and returns the body, status and headers the SDK expects. The SDK's own retry loop, error
mapping and response parsing run unchanged; no httpx request or response is built. Global resources,
``StripeClient``, ``*_async`` methods, ``raw_request``, streaming, auto-paging and any app-chosen HTTP
client all go through it.

Apps that call Stripe with httpx directly are answered through one respx router, installed the
first time a fake starts and kept for the process: it answers ``api.stripe.com`` and
``meter-events.stripe.com`` from whichever fake is active and lets every other request (and every
request while no fake is active) through, or to the app's own respx routers.
"""

from __future__ import annotations

import io
import textwrap
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import Any
from urllib.parse import unquote

import anyio
import httpx
import stripe

from .http.messages import FakeRequest, FakeResponse

Dispatch = Callable[[FakeRequest], FakeResponse]

#: The hosts plain httpx calls are answered for (the SDK's calls are answered whatever their host).
STRIPE_HOSTS = frozenset(("api.stripe.com", "meter-events.stripe.com"))

_NO_LONGER_ACTIVE = (
    "stripe-fake is no longer active: this Stripe client was created while a StripeFake was "
    "running and is used after it stopped. Create the client inside the test (or the fake's "
    "context)."
)
_CONNECTION_MESSAGE = textwrap.fill(
    "Unexpected error communicating with Stripe. If this problem persists, let us know at support@stripe.com."
)


# -- the SDK seam ------------------------------------------------------------------------------------


class ResponseHeaders(Mapping[str, str]):
    """Response headers as the SDK reads them: case-insensitive names (``rheaders["Request-Id"]``,
    ``"stripe-should-retry" in rheaders``), iterated lower-cased like ``httpx.Headers``."""

    __slots__ = ("_items",)

    def __init__(self, items: dict[str, str]) -> None:
        self._items = items  # lower-cased names

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def get(self, name: str, default: Any = None) -> Any:
        return self._items.get(name.lower(), default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"ResponseHeaders({self._items!r})"


def response_headers(response: FakeResponse) -> ResponseHeaders:
    """The headers an HTTP client would hand the SDK for ``response`` (as httpx reports them)."""
    items = {"content-type": "application/json"}
    for name, value in response.headers.items():
        items[name.lower()] = value
    items["content-length"] = str(len(response.body))
    return ResponseHeaders(items)


def split_url(url: str) -> tuple[str, str, str]:
    """``(host, path, query)`` of an absolute URL, as httpx reports them: host lower-cased without
    port or user info, path percent-decoded, query as sent, fragment dropped."""
    start = url.find("://")
    rest = url[start + 3 :] if start >= 0 else url
    slash = rest.find("/")
    cut = len(rest) if slash < 0 else slash
    for mark in "?#":  # an authority may end at a query or fragment without a path
        found = rest.find(mark, 0, cut)
        if found >= 0:
            cut = found
    netloc, target = rest[:cut], rest[cut:]
    host = netloc.rpartition("@")[2]
    host = host[1 : host.find("]")] if host.startswith("[") else host.partition(":")[0]
    target = target.partition("#")[0]
    path, _, query = target.partition("?")
    if "%" in path:
        path = unquote(path)
    return host.lower(), path or "/", query


def fake_request(method: str, url: str, headers: Mapping[str, str] | None, post_data: Any) -> FakeRequest:
    """The :class:`FakeRequest` for one call of the SDK's ``HTTPClient.request``."""
    host, path, query = split_url(url)
    if post_data is None:
        body = b""
    elif isinstance(post_data, str):
        body = post_data.encode()
    else:
        body = bytes(post_data)
    return FakeRequest(
        method=method.upper(),
        host=host,
        path=path,
        query=query,
        headers={name.lower(): str(value) for name, value in (headers or {}).items()},
        body=body,
    )


def _connection_error(kind: str, message: str) -> stripe.APIConnectionError:
    """The ``APIConnectionError`` the SDK's httpx client raises for a transport error ``kind``."""
    error_class: Any = stripe.APIConnectionError  # untyped constructor on some SDK versions
    return error_class(  # type: ignore[no-any-return]
        _CONNECTION_MESSAGE + f"\n\n(Network error: A {kind} was raised: {message})", should_retry=True
    )


class FakeHTTPClient(stripe.HTTPClient):
    """The SDK client every request is routed to: answers from ``dispatch`` in-process, no retry sleeps.

    ``name`` stays ``"httpx"`` (the client the SDK would pick), so ``X-Stripe-Client-User-Agent`` reads
    as it would in production.
    """

    name = "httpx"

    def __init__(self, dispatch: Dispatch) -> None:
        super().__init__()
        self.dispatch = dispatch
        #: Whether the owning fake is running; a client kept past its fake's stop refuses requests.
        self.active = True

    def _answer(
        self, method: str, url: str, headers: Mapping[str, str] | None, post_data: Any
    ) -> tuple[bytes, int, ResponseHeaders]:
        if not self.active:
            raise _connection_error("RuntimeError", _NO_LONGER_ACTIVE)
        response = self.dispatch(fake_request(method, url, headers, post_data))
        if response.network_error is not None:
            raise _connection_error("ConnectError", response.network_error)
        return response.body, response.status, response_headers(response)

    def _sleep_time_seconds(self, num_retries: int, *args: Any) -> float:
        return 0.0  # retries keep their semantics (same Idempotency-Key) without really sleeping

    def sleep_async(self, secs: float) -> Any:
        return anyio.sleep(0)

    def request(
        self, method: str, url: str, headers: Mapping[str, str] | None, post_data: Any = None, **_: Any
    ) -> tuple[Any, int, Mapping[str, str]]:
        return self._answer(method, url, headers, post_data)

    async def request_async(
        self, method: str, url: str, headers: Mapping[str, str] | None, post_data: Any = None, **_: Any
    ) -> tuple[Any, int, Mapping[str, str]]:
        return self._answer(method, url, headers, post_data)

    def request_stream(
        self, method: str, url: str, headers: Mapping[str, str] | None, post_data: Any = None, **_: Any
    ) -> tuple[Any, int, Mapping[str, str]]:
        # A readable stream: the SDK reads an error body with ``read()``/``getvalue()``.
        body, status, response_headers_ = self._answer(method, url, headers, post_data)
        return io.BytesIO(body), status, response_headers_

    async def request_stream_async(
        self, method: str, url: str, headers: Mapping[str, str] | None, post_data: Any = None, **_: Any
    ) -> tuple[Any, int, Mapping[str, str]]:
        body, status, response_headers_ = self._answer(method, url, headers, post_data)

        async def chunks() -> AsyncIterator[bytes]:
            yield body

        return chunks(), status, response_headers_

    def close(self) -> None:
        pass

    async def close_async(self) -> None:
        pass


# -- plain httpx, through respx ----------------------------------------------------------------------


def to_fake_request(request: httpx.Request) -> FakeRequest:
    return FakeRequest(
        method=request.method,
        host=request.url.host,
        path=request.url.path,
        query=request.url.query.decode("ascii", "replace"),
        headers=_headers(request.headers),
        body=request.read(),
    )


def _headers(headers: httpx.Headers) -> dict[str, str]:
    """Lower-cased header names (httpx keeps them lower-cased already); repeated headers joined."""
    raw = headers.raw
    encoding = headers.encoding
    found = {key.lower().decode(encoding): value.decode(encoding) for key, value in raw}
    if len(found) != len(raw):  # a repeated header: let httpx join the values
        found = {key.lower(): value for key, value in headers.items()}
    return found


def to_httpx_response(response: FakeResponse, request: httpx.Request) -> httpx.Response:
    if response.network_error is not None:
        raise httpx.ConnectError(response.network_error, request=request)
    headers = {"Content-Type": "application/json", **response.headers}
    return httpx.Response(response.status, headers=headers, content=response.body, request=request)


class HttpxHandler:
    """An httpx transport handler that answers from ``dispatch`` while ``active``."""

    def __init__(self, dispatch: Dispatch) -> None:
        self.dispatch = dispatch
        self.active = True

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if not self.active:
            raise RuntimeError(_NO_LONGER_ACTIVE)
        return to_httpx_response(self.dispatch(to_fake_request(request)), request)


#: The dispatch of the running fake, read by the process-wide respx router (``None``: no fake runs).
_active_dispatch: Dispatch | None = None
_router: Any = None
_router_lock = threading.Lock()


def activate(dispatch: Dispatch) -> None:
    """Answer plain httpx calls to Stripe hosts from ``dispatch`` (installs the respx router once)."""
    global _active_dispatch
    if _router is None:
        _install_router()
    _active_dispatch = dispatch


def deactivate(dispatch: Dispatch) -> None:
    """Stop answering plain httpx calls from ``dispatch`` (the router stays, passing requests through)."""
    global _active_dispatch
    if _active_dispatch is dispatch:
        _active_dispatch = None


def _install_router() -> None:
    global _router
    import respx
    from respx.models import AllMockedAssertionError

    class Router(respx.MockRouter):
        """respx router kept for the whole process: records nothing (its calls would pile up)."""

        def record(self, request: httpx.Request, **_: Any) -> None:
            pass

    with _router_lock:
        if _router is not None:
            return
        router = Router(assert_all_called=False, assert_all_mocked=False)

        def answer(request: httpx.Request) -> Any:
            dispatch = _active_dispatch
            if dispatch is not None and request.url.host in STRIPE_HOSTS:
                return to_httpx_response(dispatch(to_fake_request(request)), request)
            mocker = router.Mocker
            if mocker is not None and len(mocker.routers) > 1:
                # The app's own respx routers decide (as they would without stripe-fake).
                raise AllMockedAssertionError(f"RESPX: {request!r} not mocked!")
            return request  # let it through to the network

        router.route().mock(side_effect=answer)
        router.start()
        _router = router
