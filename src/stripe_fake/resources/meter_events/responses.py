"""Meter events over HTTP: ``POST /v1/billing/meter_events``."""

from __future__ import annotations

from typing import Any

from ...context import RequestContext
from ...http.schema import Int, Str, StrMap, validate
from .models import MeterEventStore, render_meter_event

CREATE = {
    "event_name": Str(max_length=100, required=True),
    "payload": StrMap(required=True, max_value_length=100),
    "identifier": Str(max_length=100),
    "timestamp": Int(),
}


def create_meter_event(ctx: RequestContext) -> dict[str, Any]:
    params = validate(CREATE, ctx.params)
    store = ctx.store(MeterEventStore)
    timestamp = params.get("timestamp", ctx.now)
    store.check_timestamp(timestamp, ctx.now)
    identifier = params.get("identifier")
    if identifier is not None:
        store.check_identifier(identifier, ctx.now)
    record = store.ingest(
        event_name=params["event_name"],
        payload=params["payload"],
        identifier=identifier,
        timestamp=timestamp,
        now=ctx.now,
    )
    return render_meter_event(
        params["event_name"], record.identifier, params["payload"], timestamp, ctx.now, ctx.account.livemode
    )
