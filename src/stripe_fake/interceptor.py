"""Routing every request of the ``stripe`` SDK, and plain httpx calls to Stripe hosts, to a backend.

One patch catches every SDK call: ``_APIRequestor._get_http_client`` (stable from stripe 8 to 16) is
made to return :class:`FakeHTTPClient`, an ``HTTPXClient`` whose httpx clients sit on an
``httpx.MockTransport``. Global resources, ``StripeClient``, ``*_async`` methods, ``raw_request``,
auto-paging and any app-chosen HTTP client all go through it. respx routes ``api.stripe.com`` and
``meter-events.stripe.com`` for apps that call Stripe with httpx directly.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from typing import Any

import anyio
import httpx
import stripe

from .http.messages import FakeRequest, FakeResponse

Dispatch = Callable[[FakeRequest], FakeResponse]


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
    # From the raw bytes (what ``multi_items`` decodes, without its per-item overhead).
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
            raise RuntimeError(
                "stripe-fake is no longer active: this Stripe client was created while a StripeFake was "
                "running and is used after it stopped. Create the client inside the test (or the fake's "
                "context)."
            )
        return to_httpx_response(self.dispatch(to_fake_request(request)), request)


class FakeHTTPClient(stripe.HTTPXClient):
    """The SDK client every request is routed to: in-process, no SSL setup, no retry sleeps."""

    name = "httpx"

    def __init__(self, handler: HttpxHandler) -> None:
        # Skip HTTPXClient.__init__: it builds an SSL context (milliseconds) that is never used.
        stripe.HTTPClient.__init__(self)
        self.httpx = httpx
        self.anyio = anyio
        self.handler = handler
        transport = httpx.MockTransport(handler)
        self._sync = httpx.Client(transport=transport)
        self._async = httpx.AsyncClient(transport=transport)
        self._client = self._sync
        self._client_async = self._async
        self._timeout = None

    def _sleep_time_seconds(self, num_retries: int, *args: Any) -> float:
        return 0.0  # retries keep their semantics (same Idempotency-Key) without really sleeping

    def sleep_async(self, secs: float) -> Any:
        return anyio.sleep(0)

    @staticmethod
    def _connection_error(exc: Exception) -> stripe.APIConnectionError:
        message = textwrap.fill(
            "Unexpected error communicating with Stripe. If this problem persists, let us know at "
            "support@stripe.com."
        )
        error_class: Any = stripe.APIConnectionError  # untyped constructor on some SDK versions
        return error_class(  # type: ignore[no-any-return]
            message + f"\n\n(Network error: A {type(exc).__name__} was raised: {exc})", should_retry=True
        )

    def request(
        self, method: str, url: str, headers: Mapping[str, str] | None, post_data: Any = None, **_: Any
    ) -> tuple[Any, int, Mapping[str, str]]:
        try:
            response = self._sync.request(method, url, headers=headers, content=post_data or None)
        except Exception as exc:
            raise self._connection_error(exc) from exc
        return response.content, response.status_code, response.headers

    async def request_async(
        self, method: str, url: str, headers: Mapping[str, str] | None, post_data: Any = None, **_: Any
    ) -> tuple[Any, int, Mapping[str, str]]:
        try:
            response = await self._async.request(method, url, headers=headers, content=post_data or None)
        except Exception as exc:
            raise self._connection_error(exc) from exc
        return response.content, response.status_code, response.headers

    def request_stream(
        self, method: str, url: str, headers: Mapping[str, str] | None, post_data: Any = None, **_: Any
    ) -> tuple[Any, int, Mapping[str, str]]:
        content, status, response_headers = self.request(method, url, headers, post_data)
        return iter([content]), status, response_headers

    async def request_stream_async(
        self, method: str, url: str, headers: Mapping[str, str] | None, post_data: Any = None, **_: Any
    ) -> tuple[Any, int, Mapping[str, str]]:
        content, status, response_headers = await self.request_async(method, url, headers, post_data)

        async def chunks() -> Any:
            yield content

        return chunks(), status, response_headers

    def close(self) -> None:
        pass

    async def close_async(self) -> None:
        pass
