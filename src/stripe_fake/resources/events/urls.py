"""Routes for ``/v1/events`` (the list and retrieve endpoints)."""

from __future__ import annotations

from ...http.routing import Route
from . import responses as r

ROUTES: list[Route] = [
    Route("GET", "/v1/events", r.list_events, "events.list"),
    Route("GET", "/v1/events/{id}", r.retrieve_event, "events.retrieve"),
]
