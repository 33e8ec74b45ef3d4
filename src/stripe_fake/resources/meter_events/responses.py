"""v1 meter events over HTTP: `POST /v1/billing/meter_events` and `/v1/billing/meter_event_adjustments`."""

from __future__ import annotations

from typing import Any

from ...context import RequestContext
from ...http.errors import StripeError, parameter_missing
from ...http.schema import Enum, Int, Obj, Str, StrMap, is_int_string, validate
from .adjustments import CancelRejected, cancel, find_cancellable
from .clocks import event_now, recorded_now
from .models import MeterEventStore, render_meter_event

CREATE = {
    "event_name": Str(max_length=100, required=True),
    "payload": StrMap(required=True, max_value_length=100),
    "identifier": Str(max_length=100),
    "timestamp": Int(),
}
_CREATE_KEYS = frozenset(CREATE)


def plain_params(params: dict[str, Any]) -> dict[str, Any] | None:
    """``validate(CREATE, params)`` for the common, valid shape; ``None`` means "use ``validate``".

    Only accepts what the schema accepts unchanged (a non-empty ``event_name`` and ``identifier`` of at
    most 100 characters, a ``payload`` of strings of at most 100, a decimal-string ``timestamp``), so
    every error still comes from :func:`validate`, with the same wording and order.
    """
    if not _CREATE_KEYS.issuperset(params):
        return None
    name = params.get("event_name")
    payload = params.get("payload")
    if type(name) is not str or not 0 < len(name) <= 100 or type(payload) is not dict:
        return None
    for value in payload.values():
        if type(value) is not str or len(value) > 100:
            return None
    result: dict[str, Any] = {"event_name": name, "payload": payload}
    identifier = params.get("identifier")
    if identifier is not None:
        if type(identifier) is not str or not 0 < len(identifier) <= 100:
            return None
        result["identifier"] = identifier
    timestamp = params.get("timestamp")
    if timestamp is not None:
        if type(timestamp) is not str or not is_int_string(timestamp):
            return None
        result["timestamp"] = int(timestamp)
    return result


def create_meter_event(ctx: RequestContext) -> dict[str, Any]:
    params = plain_params(ctx.params) or validate(CREATE, ctx.params)
    store = ctx.store(MeterEventStore)
    now = event_now(ctx.account, params["event_name"], params["payload"], ctx.now)
    timestamp = params.get("timestamp", now)
    store.check_timestamp(timestamp, now)
    identifier = params.get("identifier")
    if identifier is not None:
        store.check_identifier(identifier, now)
    identifier = store.ingest(
        event_name=params["event_name"],
        payload=params["payload"],
        identifier=identifier,
        timestamp=timestamp,
        now=now,
    )
    return render_meter_event(
        params["event_name"], identifier, params["payload"], timestamp, now, ctx.account.livemode
    )


ADJUSTMENT = {
    "event_name": Str(max_length=100, required=True),
    "type": Enum(["cancel"], required=True),
    "cancel": Obj({"identifier": Str(max_length=100, required=True)}),
}


def create_adjustment(ctx: RequestContext) -> dict[str, Any]:
    params = validate(ADJUSTMENT, ctx.params)
    if "cancel" not in params:
        error = parameter_missing("cancel")
        error.validation = True
        raise error
    event_name = params["event_name"]
    identifier = params["cancel"]["identifier"]
    try:
        now = recorded_now(ctx.account, identifier, ctx.now)
        index = find_cancellable(ctx.account, event_name, identifier, now)
    except CancelRejected as rejected:
        raise StripeError(rejected.message, code=rejected.code, param="cancel[identifier]") from None
    cancel(ctx.account, index)
    return {
        "object": "billing.meter_event_adjustment",
        "cancel": {"identifier": identifier},
        "event_name": event_name,
        "livemode": ctx.account.livemode,
        "status": "pending",
        "type": "cancel",
    }
