"""Routes for meter events, v1 and v2 side by side: events, adjustments, sessions and the stream."""

from __future__ import annotations

from ...http.routing import Route
from . import responses as r
from . import v2_responses as v2

ROUTES = [
    # v1
    Route(
        "POST",
        "/v1/billing/meter_events",
        r.create_meter_event,
        "meter_events.create",
        object_type="billing.meter_event",
    ),
    Route(
        "POST",
        "/v1/billing/meter_event_adjustments",
        r.create_adjustment,
        "meter_event_adjustments.create",
        object_type="billing.meter_event_adjustment",
    ),
    # v2
    Route("POST", "/v2/billing/meter_events", v2.create_meter_event, "v2.billing.meter_events.create"),
    Route(
        "POST",
        "/v2/billing/meter_event_adjustments",
        v2.create_adjustment,
        "v2.billing.meter_event_adjustments.create",
    ),
    Route(
        "POST", "/v2/billing/meter_event_session", v2.create_session, "v2.billing.meter_event_session.create"
    ),
    Route(
        "POST",
        "/v2/billing/meter_event_stream",
        v2.create_stream_events,
        "v2.billing.meter_event_stream.create",
        auth="session",
        host="meter_events",
        checks_depth=True,
    ),
]
