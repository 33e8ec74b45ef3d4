"""Routes for ``/v2/core/events``."""

from __future__ import annotations

from ...http.routing import Route
from . import responses as r

ROUTES = [
    Route("GET", "/v2/core/events", r.list_events, "v2.core.events.list"),
    Route("GET", "/v2/core/events/{id}", r.retrieve_event, "v2.core.events.retrieve"),
]
