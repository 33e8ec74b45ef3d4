"""Routes for ``/v1/test_helpers/test_clocks``."""

from __future__ import annotations

from ...http.routing import Route
from . import responses as r

_BASE = "/v1/test_helpers/test_clocks"
_OBJ = "test_helpers.test_clock"

ROUTES = [
    Route("POST", _BASE, r.create_clock, "test_clocks.create", object_type=_OBJ),
    Route("GET", _BASE, r.list_clocks, "test_clocks.list"),
    Route("GET", _BASE + "/{id}", r.retrieve_clock, "test_clocks.retrieve"),
    Route("DELETE", _BASE + "/{id}", r.delete_clock, "test_clocks.delete", object_type=_OBJ),
    Route("POST", _BASE + "/{id}/advance", r.advance_clock, "test_clocks.advance", object_type=_OBJ),
]
