"""Routes for ``/v1/billing/meter_events``."""

from __future__ import annotations

from ...http.routing import Route
from . import responses as r

ROUTES = [
    Route(
        "POST",
        "/v1/billing/meter_events",
        r.create_meter_event,
        "meter_events.create",
        object_type="billing.meter_event",
    ),
]
