"""Request bodies and query strings into the parameters a handler sees (v1 forms, v2 JSON)."""

from __future__ import annotations

import json
from typing import Any

from .errors import StripeError, invalid_request
from .forms import MAX_DEPTH, decode_form
from .messages import FakeRequest


def decode_params(request: FakeRequest) -> dict[str, Any]:
    """The parameters of ``request`` as a handler sees them (raises :class:`StripeError`)."""
    return decode(request, "v2" if request.path.startswith("/v2/") else "v1")


def decode(request: FakeRequest, api_mode: str, handler_checks_depth: bool = False) -> dict[str, Any]:
    """The request's parameters; a v2 JSON body nesting deeper than ``MAX_DEPTH`` is refused here
    unless ``handler_checks_depth`` (the route's handler checks it, see ``Route.checks_depth``)."""
    if request.method in ("GET", "DELETE") or (api_mode == "v1" and not request.body):
        return decode_form(request.query, exploded=api_mode == "v2")
    if api_mode == "v1":
        try:
            return decode_form(request.body.decode("utf-8"))
        except UnicodeDecodeError:
            raise invalid_request("Invalid request body: it is not valid UTF-8.") from None
    if not request.body or request.body.isspace():  # same as "strips to nothing", without a copy
        return {}
    try:
        decoded = json.loads(request.body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise StripeError("Invalid JSON body.", code="invalid_json") from None
    if not isinstance(decoded, dict):
        raise StripeError("The request body must be a JSON object.", code="invalid_json")
    # Depth <= 1 + the count of "{" and "[" bytes (strings can only add to it): most bodies need
    # no walk; others are walked, stopping at the first branch deeper than MAX_DEPTH.
    if not handler_checks_depth and request.body.count(b"{") + request.body.count(b"[") >= MAX_DEPTH:
        check_depth(decoded)
    return decoded


def check_depth(decoded: dict[str, Any]) -> None:
    """Refuse a decoded v2 JSON body nesting deeper than ``MAX_DEPTH`` levels (``invalid_json``)."""
    if _deeper_than(decoded, MAX_DEPTH):
        message = f"Invalid JSON body: nesting deeper than {MAX_DEPTH} levels."
        raise StripeError(message, code="invalid_json")


def _deeper_than(node: Any, limit: int) -> bool:
    """Whether decoded JSON ``node`` nests deeper than ``limit`` levels (a scalar value is one level).

    Level by level, stopping at ``limit``: deep bodies cannot exhaust the stack.
    """
    if limit < 1:
        return True
    level: list[Any] = [node]
    depth = 1
    while level:
        if depth == limit:  # any child at all, scalar or container, is one level too many
            return any(len(container) for container in level)
        level = [
            child
            for container in level
            for child in (container.values() if type(container) is dict else container)
            if type(child) is dict or type(child) is list
        ]
        depth += 1
    return False
