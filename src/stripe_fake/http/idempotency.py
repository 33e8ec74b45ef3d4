"""Stripe's ``Idempotency-Key`` layer, applied to every POST (v1 and v2) and v2 DELETE.

The first response of a key (a success, or an error raised once the endpoint started executing) is
saved per account and API mode for 24 hours of the backend clock and replayed byte for byte with
``Idempotent-Replayed: true``. The same key with other parameters, or on another endpoint, is a 400
``idempotency_error``. Validation failures (errors raised by :func:`~stripe_fake.http.schema.validate`
or carrying a ``parameter_*`` code) are not saved, so the caller can fix the request and retry.
"""

from __future__ import annotations

import hashlib
import heapq
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from .decoding import decode_params
from .errors import StripeError
from .messages import FakeRequest, FakeResponse

if TYPE_CHECKING:
    from ..context import RequestContext
    from ..state import AccountState

#: How long a saved result is replayed (seconds of the backend clock).
KEY_TTL = 24 * 60 * 60
#: Longest key Stripe accepts.
MAX_KEY_LENGTH = 255
#: Error codes that mean "the parameters failed validation": such errors are never saved.
VALIDATION_CODES = frozenset({"string_too_long", "invalid_json"})

Execute = Callable[["RequestContext"], FakeResponse]


#: One saved result: ``(method, path, query, body, created, request_id, status, response body,
#: response header pairs)``. Plain tuples of strings, ints and bytes (no dict: a dict element keeps a
#: tuple tracked): the garbage collector stops tracking them after their first collections, so 300k
#: saved results add nothing to a full collection's pause (a dataclass would add two tracked objects
#: each). The request is kept as
#: sent (nothing a handler could have changed); its digest is only computed if the key comes again.
SavedResult = tuple[str, str, str, bytes, int, str, int, bytes, tuple[tuple[str, str], ...]]
_CREATED: Final = 4
_REQUEST_ID: Final = 5
_STATUS: Final = 6
_BODY: Final = 7
_HEADERS: Final = 8


#: Request bodies longer than this are saved as a digest of their bytes, not the bytes (a 100-event
#: stream call would keep ~17 kB for 24 hours); a retry of one matches only if it sends the same bytes.
LARGE_BODY = 2048
_DIGEST = b"sha256:"


def saved_body(body: bytes) -> bytes:
    """What the store keeps of a request body: the body, or the digest of a large one."""
    if len(body) <= LARGE_BODY:
        return body
    return _DIGEST + hashlib.sha256(body).digest()


def same_request(
    saved: SavedResult, ctx: RequestContext, fingerprints: dict[tuple[str, str], str], scope: tuple[str, str]
) -> bool:
    """Whether ``ctx`` repeats the saved request (same method, path and parameters)."""
    kept = saved[3]
    if kept.startswith(_DIGEST) and len(kept) == len(_DIGEST) + 32 and len(ctx.request.body) > LARGE_BODY:
        request = ctx.request
        return (request.method, request.path, request.query, saved_body(request.body)) == saved[:4]
    known = fingerprints.get(scope)
    if known is None:
        known = fingerprints[scope] = saved_fingerprint(saved)
    return known == fingerprint(ctx)


def saved_fingerprint(saved: SavedResult) -> str:
    """A digest of the saved request's method, path and decoded parameters (see :func:`fingerprint`)."""
    method, path, query, body = saved[0], saved[1], saved[2], saved[3]
    try:
        params = decode_params(FakeRequest(method, "", path, query, {}, body))
    except StripeError:
        params = {}
    return _digest(method, path, params)


class IdempotencyStore:
    """Saved results of one account, by (API mode, key). Not part of the account's objects."""

    #: Tells state snapshots (tests) to skip this store: it is a request cache, not Stripe objects.
    snapshot_exclude = True

    def __init__(self, account: AccountState) -> None:
        self.account = account
        self.results: dict[tuple[str, str], SavedResult] = {}
        self.in_flight: set[tuple[str, str]] = set()
        # Fingerprints of saved requests, computed the first time their key is used again.
        self.fingerprints: dict[tuple[str, str], str] = {}
        # (expiry, order, scope) of every saved result, soonest first: pruning pops only what is due
        # (O(due items)), whatever the clock did (freezegun may move it backwards between saves).
        self._expiries: list[tuple[int, int, tuple[str, str]]] = []
        self._saved_count = 0
        # No result expires before this time: ``prune`` does nothing until then (O(1) per request).
        self._next_expiry: int | None = None

    def save(self, scope: tuple[str, str], saved: SavedResult) -> None:
        self.results[scope] = saved
        self.fingerprints.pop(scope, None)
        expiry = saved[_CREATED] + KEY_TTL
        self._saved_count += 1
        heapq.heappush(self._expiries, (expiry, self._saved_count, scope))
        if self._next_expiry is None or expiry < self._next_expiry:
            self._next_expiry = expiry

    def prune(self, now: int) -> None:
        """Forget results older than :data:`KEY_TTL` (only the due ones are looked at)."""
        if self._next_expiry is not None and now < self._next_expiry:
            return
        expiries = self._expiries
        while expiries and expiries[0][0] <= now:
            _, _, scope = heapq.heappop(expiries)
            saved = self.results.get(scope)
            if saved is not None and now - saved[_CREATED] >= KEY_TTL:
                del self.results[scope]
                self.fingerprints.pop(scope, None)
        self._next_expiry = expiries[0][0] if expiries else None


def applies(ctx: RequestContext) -> bool:
    """Whether the request takes part in idempotency (POST, and DELETE on v2, with a key)."""
    if ctx.idempotency_key is None:
        return False
    method = ctx.request.method
    return method == "POST" or (method == "DELETE" and ctx.route.api_mode == "v2")


def fingerprint(ctx: RequestContext) -> str:
    """A digest of what makes two requests "the same": method, path and decoded parameters."""
    return _digest(ctx.request.method, ctx.request.path, ctx.params)


def _digest(method: str, path: str, params: dict[str, Any]) -> str:
    canonical = json.dumps([method, path, params], sort_keys=True, default=str, ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def is_validation_error(err: StripeError) -> bool:
    """Errors found before execution began: Stripe does not save these."""
    if getattr(err, "validation", False):
        return True
    code = err.code or ""
    return code.startswith("parameter_") or code in VALIDATION_CODES


def mismatch_error(ctx: RequestContext, key: str) -> StripeError:
    if ctx.route.api_mode == "v2":
        return StripeError(
            "An idempotent retry occurred with different request parameters.",
            type="idempotency_error",
            code="idempotency_error",
        )
    return StripeError(
        "Keys for idempotent requests can only be used with the same parameters they were first used with. "
        f"Try using a key other than '{key}' if you meant to execute a different request.",
        type="idempotency_error",
    )


def key_in_use_error() -> StripeError:
    return StripeError(
        "The idempotency key provided is currently being used in another request. This occurs if your "
        "integration is making duplicate requests simultaneously.",
        status=409,
        code="idempotency_key_in_use",
    )


def key_too_long_error(key: str) -> StripeError:
    return StripeError(
        f"Invalid Idempotency-Key: '{key[:40]}...' is {len(key)} characters long; keys can be at most "
        f"{MAX_KEY_LENGTH} characters.",
        param="idempotency_key",
    )


def replay(saved: SavedResult, request_id: str) -> FakeResponse:
    """The saved response again, marked as a replay (it gets a new ``Request-Id``)."""
    headers = {
        **dict(saved[_HEADERS]),
        "Request-Id": request_id,
        "Idempotent-Replayed": "true",
        "Original-Request": saved[_REQUEST_ID],
    }
    return FakeResponse(saved[_STATUS], saved[_BODY], headers)


def run(
    ctx: RequestContext, execute: Execute, render_error: Callable[[StripeError], FakeResponse]
) -> FakeResponse:
    """Answer ``ctx`` through the idempotency layer: replay, reject, or execute and save.

    ``execute`` runs the endpoint and raises :class:`StripeError` on failure; ``render_error`` turns
    such an error into the response Stripe would send.
    """
    if not applies(ctx):
        return execute(ctx)
    key = str(ctx.idempotency_key)
    if len(key) > MAX_KEY_LENGTH:
        raise key_too_long_error(key)
    store = ctx.account.store(IdempotencyStore)
    scope = ("live" if ctx.api_key.startswith(("sk_live_", "rk_live_")) else "test", key)
    if store._next_expiry is not None and ctx.now >= store._next_expiry:  # prune's own check, inlined
        store.prune(ctx.now)
    saved = store.results.get(scope)
    if saved is not None:
        if not same_request(saved, ctx, store.fingerprints, scope):
            raise mismatch_error(ctx, key)
        return replay(saved, ctx.request_id)
    if scope in store.in_flight:
        raise key_in_use_error()
    store.in_flight.add(scope)
    try:
        try:
            response = execute(ctx)
        except StripeError as err:
            if is_validation_error(err):
                raise
            response = render_error(err)
        request = ctx.request
        store.save(
            scope,
            (
                request.method,
                request.path,
                request.query,
                saved_body(request.body),
                ctx.now,
                ctx.request_id,
                response.status,
                response.body,
                tuple(response.headers.items()),
            ),
        )
        return response
    finally:
        store.in_flight.discard(scope)
