"""Routes for ``/v2/core/event_destinations``."""

from __future__ import annotations

from ...http.routing import Route
from . import responses as r

_BASE = "/v2/core/event_destinations"
ROUTES = [
    Route("POST", _BASE, r.create_destination, "event_destinations.create"),
    Route("GET", _BASE, r.list_destinations, "event_destinations.list"),
    Route("GET", _BASE + "/{id}", r.retrieve_destination, "event_destinations.retrieve"),
    Route("POST", _BASE + "/{id}", r.update_destination, "event_destinations.update"),
    Route("DELETE", _BASE + "/{id}", r.delete_destination, "event_destinations.delete"),
    Route("POST", _BASE + "/{id}/enable", r.enable_destination, "event_destinations.enable"),
    Route("POST", _BASE + "/{id}/disable", r.disable_destination, "event_destinations.disable"),
    Route("POST", _BASE + "/{id}/ping", r.ping_destination, "event_destinations.ping"),
]
