"""Routes for ``/v1/billing/meters``."""

from __future__ import annotations

from ...http.routing import Route
from . import responses as r

ROUTES = [
    Route("POST", "/v1/billing/meters", r.create_meter, "meters.create"),
    Route("GET", "/v1/billing/meters", r.list_meters, "meters.list"),
    Route("GET", "/v1/billing/meters/{id}", r.retrieve_meter, "meters.retrieve"),
    Route("POST", "/v1/billing/meters/{id}", r.update_meter, "meters.update"),
    Route("POST", "/v1/billing/meters/{id}/deactivate", r.deactivate_meter, "meters.deactivate"),
    Route("POST", "/v1/billing/meters/{id}/reactivate", r.reactivate_meter, "meters.reactivate"),
    Route("GET", "/v1/billing/meters/{id}/event_summaries", r.list_event_summaries, "meters.event_summaries"),
]
