"""Routes for ``/v1/webhook_endpoints``."""

from __future__ import annotations

from ...http.routing import Route
from . import responses as r

ROUTES = [
    Route(
        "POST",
        "/v1/webhook_endpoints",
        r.create_endpoint,
        "webhook_endpoints.create",
        object_type="webhook_endpoint",
    ),
    Route("GET", "/v1/webhook_endpoints", r.list_endpoints, "webhook_endpoints.list"),
    Route("GET", "/v1/webhook_endpoints/{id}", r.retrieve_endpoint, "webhook_endpoints.retrieve"),
    Route(
        "POST",
        "/v1/webhook_endpoints/{id}",
        r.update_endpoint,
        "webhook_endpoints.update",
        object_type="webhook_endpoint",
    ),
    Route(
        "DELETE",
        "/v1/webhook_endpoints/{id}",
        r.delete_endpoint,
        "webhook_endpoints.delete",
        object_type="webhook_endpoint",
    ),
]
