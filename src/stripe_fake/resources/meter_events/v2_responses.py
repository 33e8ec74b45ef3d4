"""The v2 billing meter APIs: synchronous meter events, adjustments, sessions and the event stream."""

from __future__ import annotations

from typing import Any

from ...context import RequestContext
from ...http.decoding import check_depth
from ...http.errors import StripeError, v2_error
from ...http.schema import Arr, Enum, Obj, Str
from ...http.timefmt import rfc3339
from ...http.v2 import JsonStrMap, invalid_fields, v2_time, v2_validate
from ...ids import new_id, new_uuids
from ..meters.models import MeterStore
from .adjustments import CancelRejected, cancel, find_cancellable
from .clocks import event_now, recorded_now
from .models import FUTURE_WINDOW, PAST_WINDOW, MeterEventStore
from .sessions import MeterEventSessionStore, find_session
from .usage import parse_value

MAX_STREAM_EVENTS = 100
EVENT = {
    "event_name": Str(max_length=100, required=True),
    "payload": JsonStrMap(required=True, max_value_length=100),
    "identifier": Str(max_length=100),
    "timestamp": Str(max_length=100),
}
ADJUSTMENT = {
    "event_name": Str(max_length=100, required=True),
    "type": Enum(["cancel"], required=True),
    "cancel": Obj({"identifier": Str(max_length=100, required=True)}, required=True),
}
STREAM = {"events": Arr(Obj(EVENT), required=True, max_items=MAX_STREAM_EVENTS)}
SESSION_EXPIRED_DOC = "https://docs.stripe.com/api/v2/billing-meter-stream#authentication"


def _timestamp_problem(timestamp: int, now: int) -> tuple[str, str] | None:
    if timestamp < now - PAST_WINDOW:
        return (
            "timestamp_too_far_in_past",
            "The event timestamp cannot be more than 35 days in past. Expected a timestamp greater than or "
            f"equal to {rfc3339(now - PAST_WINDOW)}.",
        )
    if timestamp > now + FUTURE_WINDOW:
        return (
            "timestamp_in_future",
            "The event timestamp cannot be more than 5 minutes in the future. Expected a timestamp less than "
            f"or equal to {rfc3339(now + FUTURE_WINDOW)}.",
        )
    return None


def create_meter_event(ctx: RequestContext) -> dict[str, Any]:
    """``POST /v2/billing/meter_events``: every check Stripe documents for it is synchronous."""
    params = v2_validate(EVENT, ctx.params)
    now = event_now(ctx.account, params["event_name"], params["payload"], ctx.now)
    timestamp = v2_time(params["timestamp"], "timestamp") if "timestamp" in params else now
    problem = _timestamp_problem(timestamp, now)
    if problem is not None:
        raise v2_error(*problem)
    store = ctx.store(MeterEventStore)
    identifier = params.get("identifier")
    if identifier is not None and store.identifier_taken(identifier, now):
        raise v2_error("duplicate_meter_event", f"An event already exists with identifier {identifier}.")
    event_name, payload = params["event_name"], params["payload"]
    meter = ctx.store(MeterStore).by_event_name.get(event_name)
    if meter is None:
        raise v2_error("no_meter", f"No meter was found matching event_name {event_name}.")
    if not meter.active:
        raise v2_error("archived_meter", "The meter must be Active to submit events.")
    if not payload.get(meter.customer_key):
        raise v2_error(
            "payload_no_customer_defined",
            f"The payload must have a reference to the customer: key {meter.customer_key} is missing.",
        )
    raw = payload.get(meter.value_key)
    if raw is None and meter.formula != "count":
        raise v2_error(
            "payload_no_value_defined", f"The payload must have a value: key {meter.value_key} not found."
        )
    if raw is not None and parse_value(raw) is None:
        raise v2_error(
            "payload_invalid_value", f"Value {raw[:100]} for key {meter.value_key} is not a valid number."
        )
    # An unknown customer is still found asynchronously (error report), as on v1.
    identifier = store.ingest(
        event_name=event_name, payload=payload, identifier=identifier, timestamp=timestamp, now=now
    )
    return {
        "object": "v2.billing.meter_event",
        "created": rfc3339(now),
        "event_name": event_name,
        "identifier": identifier,
        "livemode": ctx.account.livemode,
        "payload": dict(payload),
        "timestamp": rfc3339(timestamp),
    }


def create_adjustment(ctx: RequestContext) -> dict[str, Any]:
    """``POST /v2/billing/meter_event_adjustments``: same rules as v1, object with ``id`` and ``created``."""
    params = v2_validate(ADJUSTMENT, ctx.params)
    event_name = params["event_name"]
    identifier = params["cancel"]["identifier"]
    try:
        index = find_cancellable(
            ctx.account, event_name, identifier, recorded_now(ctx.account, identifier, ctx.now)
        )
    except CancelRejected as rejected:
        raise v2_error("invalid_cancel_configuration", rejected.message) from None
    cancel(ctx.account, index)
    return {
        "id": new_id("mtr_event_adj", 24),
        "object": "v2.billing.meter_event_adjustment",
        "cancel": {"identifier": identifier},
        "created": rfc3339(ctx.now),
        "event_name": event_name,
        "livemode": ctx.account.livemode,
        "status": "pending",
        "type": "cancel",
    }


def create_session(ctx: RequestContext) -> dict[str, Any]:
    """``POST /v2/billing/meter_event_session``: a token valid for 15 minutes, for this account."""
    v2_validate({}, ctx.params)
    return ctx.store(MeterEventSessionStore).create(ctx.now).render()


def create_stream_events(ctx: RequestContext) -> dict[str, Any]:
    """``POST meter-events.stripe.com/v2/billing/meter_event_stream``: accept up to 100 events.

    Authenticated by a session token. Only the request's shape is checked synchronously; every
    per-event problem is reported later as a thin event, and duplicate identifiers are dropped.
    """
    # The route skips the generic nesting-depth check (``checks_depth``): a body _plain_events
    # accepts nests 5 levels at most; any other body gets the generic check, first, as it would have.
    events, simple = _plain_events(ctx.params)
    if events is None:
        check_depth(ctx.params)
    token = ctx.api_key
    found = find_session(ctx.account, token)
    if found is None:
        what = "an API key" if token.startswith(("sk_", "rk_")) else "an unknown token"
        raise StripeError(
            f"Invalid meter event session token: the meter event stream needs the authentication_token of a "
            f"meter event session, not {what}. Create one with POST /v2/billing/meter_event_session.",
            status=401,
            code="unauthorized",
        )
    account, session = found
    if ctx.now >= session.expires_at:
        raise StripeError(
            f"The meter event session token expired at {rfc3339(session.expires_at)}. Create a new session "
            "with POST /v2/billing/meter_event_session.",
            status=401,
            type="temporary_session_expired",
            code="billing_meter_event_session_expired",
            extra={"doc_url": SESSION_EXPIRED_DOC},
        )
    now = ctx.now
    store = account.store(MeterEventStore)
    if events is not None and simple:
        # Only event_name and payload: every timestamp is now and every identifier is generated.
        generated = new_uuids(len(events))
        pairs = zip(events, generated, strict=True)
        plain = [(item["event_name"], item["payload"], identifier, now, None) for item, identifier in pairs]
        store.ingest_many(plain, now)
        return {}
    if events is None:
        events = v2_validate(STREAM, ctx.params)["events"]
        if not events:
            raise invalid_fields("Invalid events: must contain at least 1 event.")
    timestamps = [
        v2_time(item["timestamp"], f"events[{index}][timestamp]") if "timestamp" in item else now
        for index, item in enumerate(events)
    ]
    # In order: a duplicate identifier (stored before, or earlier in this request) is dropped; a bad
    # timestamp is reported, not stored; the rest is ingested.
    batch: list[tuple[str, dict[str, str], str, int, tuple[str, str] | None]] = []
    stored: set[str] = set()
    fresh = iter(new_uuids(len(events)))
    for item, timestamp in zip(events, timestamps, strict=True):
        identifier = item.get("identifier")
        problem = None if timestamp == now else _timestamp_problem(timestamp, now)
        if identifier is None:
            identifier = next(fresh)  # generated: cannot be taken
        elif identifier in stored or store.identifier_taken(identifier, now):
            continue
        elif problem is None:
            stored.add(identifier)
        batch.append((item["event_name"], item["payload"], identifier, timestamp, problem))
    store.ingest_many(batch, now)  # one meter / customer / usage lookup per request
    return {}


_EVENT_KEYS = frozenset(EVENT)


def _plain_events(params: dict[str, Any]) -> tuple[list[dict[str, Any]] | None, bool]:
    """The events of a stream body whose shape ``STREAM`` accepts unchanged (the common case), and
    whether they are *simple* (only ``event_name`` and ``payload``).

    ``None`` means "validate with the schema": anything unusual (a missing or empty field, a value of
    another type, a string too long, a null, too few or too many events) takes the generic path, so
    every error keeps its wording and order. Accepted events are used as sent (only read, never kept).
    """
    events = params.get("events")
    if len(params) != 1 or type(events) is not list or not 0 < len(events) <= MAX_STREAM_EVENTS:
        return None, False
    simple = True
    for item in events:
        if type(item) is not dict or not _EVENT_KEYS.issuperset(item):
            return None, False
        name = item.get("event_name")
        payload = item.get("payload")
        if type(name) is not str or not 0 < len(name) <= 100 or type(payload) is not dict:
            return None, False
        for value in payload.values():
            if type(value) is not str or len(value) > 100:
                return None, False
        if len(item) > 2:
            simple = False
            for key in ("identifier", "timestamp"):
                if key in item:
                    value = item[key]
                    if type(value) is not str or not 0 < len(value) <= 100:
                        return None, False
    return events, simple
