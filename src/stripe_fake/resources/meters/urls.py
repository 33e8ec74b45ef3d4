"""Routes for ``/v1/billing/meters``."""

from __future__ import annotations

from ...http.routing import Route
from . import responses as r

ROUTES = [
    Route("POST", "/v1/billing/meters", r.create_meter, "meters.create", object_type="billing.meter"),
    Route("GET", "/v1/billing/meters", r.list_meters, "meters.list"),
    Route("GET", "/v1/billing/meters/{id}", r.retrieve_meter, "meters.retrieve"),
    Route("POST", "/v1/billing/meters/{id}", r.update_meter, "meters.update", object_type="billing.meter"),
    Route(
        "POST",
        "/v1/billing/meters/{id}/deactivate",
        r.deactivate_meter,
        "meters.deactivate",
        object_type="billing.meter",
    ),
    Route(
        "POST",
        "/v1/billing/meters/{id}/reactivate",
        r.reactivate_meter,
        "meters.reactivate",
        object_type="billing.meter",
    ),
    Route("GET", "/v1/billing/meters/{id}/event_summaries", r.list_event_summaries, "meters.event_summaries"),
]
