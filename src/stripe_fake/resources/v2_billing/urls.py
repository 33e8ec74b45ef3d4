"""Routes for ``/v2/billing/meter_events``, adjustments, sessions and the meter event stream."""

from __future__ import annotations

from ...http.routing import Route
from . import responses as r

ROUTES = [
    Route("POST", "/v2/billing/meter_events", r.create_meter_event, "v2.billing.meter_events.create"),
    Route(
        "POST",
        "/v2/billing/meter_event_adjustments",
        r.create_adjustment,
        "v2.billing.meter_event_adjustments.create",
    ),
    Route(
        "POST", "/v2/billing/meter_event_session", r.create_session, "v2.billing.meter_event_session.create"
    ),
    Route(
        "POST",
        "/v2/billing/meter_event_stream",
        r.create_stream_events,
        "v2.billing.meter_event_stream.create",
        auth="session",
        host="meter_events",
        checks_depth=True,
    ),
]
