"""Routes for ``/v1/billing/alerts``."""

from __future__ import annotations

from ...http.routing import Route
from . import responses as r

ROUTES = [
    Route("POST", "/v1/billing/alerts", r.create_alert, "alerts.create", object_type="billing.alert"),
    Route("GET", "/v1/billing/alerts", r.list_alerts, "alerts.list"),
    Route("GET", "/v1/billing/alerts/{id}", r.retrieve_alert, "alerts.retrieve"),
    Route(
        "POST",
        "/v1/billing/alerts/{id}/activate",
        r.activate_alert,
        "alerts.activate",
        object_type="billing.alert",
    ),
    Route(
        "POST",
        "/v1/billing/alerts/{id}/deactivate",
        r.deactivate_alert,
        "alerts.deactivate",
        object_type="billing.alert",
    ),
    Route(
        "POST",
        "/v1/billing/alerts/{id}/archive",
        r.archive_alert,
        "alerts.archive",
        object_type="billing.alert",
    ),
]
