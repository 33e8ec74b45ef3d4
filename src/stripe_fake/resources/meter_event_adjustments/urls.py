"""Routes for ``/v1/billing/meter_event_adjustments``."""

from __future__ import annotations

from ...http.routing import Route
from . import responses as r

ROUTES = [
    Route(
        "POST",
        "/v1/billing/meter_event_adjustments",
        r.create_adjustment,
        "meter_event_adjustments.create",
        object_type="billing.meter_event_adjustment",
    ),
]
