"""Billing meters over HTTP: ``/v1/billing/meters`` and its event summaries."""

from __future__ import annotations

import bisect
import string
from typing import Any

from ...context import RequestContext
from ...http.errors import StripeError, resource_missing
from ...http.pagination import LIST_PARAMS, paginate
from ...http.schema import Enum, Int, Obj, Str, validate
from ...ids import stable_id
from ..customers.models import CustomerStore
from ..events.models import emit_from_request
from ..meter_events.models import MeterEventStore
from ..meter_events.usage import DAY, HOUR, Agg, as_json_number
from .models import Meter, MeterStore

CREATE = {
    "default_aggregation": Obj({"formula": Enum(["count", "last", "sum"], required=True)}, required=True),
    "display_name": Str(max_length=250, required=True),
    "event_name": Str(max_length=100, required=True),
    "customer_mapping": Obj(
        {"event_payload_key": Str(max_length=100, required=True), "type": Enum(["by_id"], required=True)}
    ),
    "value_settings": Obj({"event_payload_key": Str(max_length=100, required=True)}),
    "event_time_window": Enum(["day", "hour"]),
}
UPDATE = {"display_name": Str(max_length=250)}
LIST = {**LIST_PARAMS, "status": Enum(["active", "inactive"])}
SUMMARIES = {
    **LIST_PARAMS,
    "customer": Str(required=True),
    "start_time": Int(required=True),
    "end_time": Int(required=True),
    "value_grouping_window": Enum(["day", "hour"]),
}


def _meter(ctx: RequestContext) -> Meter:
    return ctx.store(MeterStore).table.require(ctx.path["id"])


def create_meter(ctx: RequestContext) -> dict[str, Any]:
    params = validate(CREATE, ctx.params)
    meter = ctx.store(MeterStore).create(
        display_name=params["display_name"],
        event_name=params["event_name"],
        formula=params["default_aggregation"]["formula"],
        customer_key=params.get("customer_mapping", {}).get("event_payload_key", "stripe_customer_id"),
        value_key=params.get("value_settings", {}).get("event_payload_key", "value"),
        event_time_window=params.get("event_time_window"),
        now=ctx.now,
    )
    rendered = meter.render()
    emit_from_request(ctx, "billing.meter.created", rendered)
    return rendered


def retrieve_meter(ctx: RequestContext) -> dict[str, Any]:
    validate({}, ctx.params)
    return _meter(ctx).render()


def update_meter(ctx: RequestContext) -> dict[str, Any]:
    params = validate(UPDATE, ctx.params)
    meter = _meter(ctx)
    name = params.get("display_name")
    if name is None or name == meter.display_name:
        return meter.render()
    previous = {"display_name": meter.display_name, "updated": meter.updated}
    meter.display_name = name
    meter.updated = ctx.now
    rendered = meter.render()
    emit_from_request(ctx, "billing.meter.updated", rendered, previous)
    return rendered


def list_meters(ctx: RequestContext) -> dict[str, Any]:
    params = validate(LIST, ctx.params)
    status = params.get("status")
    items = ctx.store(MeterStore).table.newest_first(lambda m: status is None or m.status == status)
    return paginate(
        items, params, "/v1/billing/meters", key=lambda m: m.id, render=Meter.render, kind="billing meter"
    )


def deactivate_meter(ctx: RequestContext) -> dict[str, Any]:
    validate({}, ctx.params)
    meter = _meter(ctx)
    if meter.active:
        meter.status = "inactive"
        meter.deactivated_at = ctx.now
        meter.updated = ctx.now
        emit_from_request(ctx, "billing.meter.deactivated", meter.render())
    return meter.render()


def reactivate_meter(ctx: RequestContext) -> dict[str, Any]:
    validate({}, ctx.params)
    meter = _meter(ctx)
    if not meter.active:
        meter.status = "active"
        meter.deactivated_at = None
        meter.updated = ctx.now
        emit_from_request(ctx, "billing.meter.reactivated", meter.render())
    return meter.render()


def _check_alignment(params: dict[str, Any]) -> None:
    start, end = params["start_time"], params["end_time"]
    window = params.get("value_grouping_window")
    unit, size = ("minute", 60)
    if window == "hour":
        unit, size = ("hour", HOUR)
    elif window == "day":
        unit, size = ("day (00:00 UTC)", DAY)
    for name, value in (("start_time", start), ("end_time", end)):
        if value % size:
            raise StripeError(
                f"Invalid {name}: must be aligned with {unit} boundaries"
                + (f" when value_grouping_window is {window}." if window else "."),
                param=name,
            )
    if start >= end:
        raise StripeError("Invalid end_time: must be after start_time.", param="end_time")


_B62 = string.ascii_letters + string.digits
_B62_INDEX = {char: index for index, char in enumerate(_B62)}
_FIELD = 6  # base62 characters per time field: up to 62**6 s (about 1,800 years)
_LIMIT = len(_B62) ** _FIELD


def _b62(value: int) -> str:
    chars = []
    for _ in range(_FIELD):
        value, index = divmod(value, 62)
        chars.append(_B62[index])
    return "".join(chars)


def _unb62(text: str) -> int | None:
    value = 0
    for char in reversed(text):
        index = _B62_INDEX.get(char)
        if index is None:
            return None
        value = value * 62 + index
    return value


def summary_owner(meter_id: str, customer: str) -> str:
    """The first part of every summary id of one (meter, customer): 12 derived base62 characters."""
    return stable_id("mtrusg", f"{meter_id}|{customer}", 12)


def summary_id(meter_id: str, customer: str, start: int, end: int, owner: str | None = None) -> str:
    """A stable id for the summary of one window (so cursors work across requests).

    The (meter, customer) part is derived once per request (``owner``); the window is encoded in the
    rest, so rendering costs no hash per window and a cursor decodes back to its window in O(1).
    """
    head = owner or summary_owner(meter_id, customer)
    if 0 <= start < _LIMIT and 0 <= end - start < _LIMIT:
        return head + _b62(start) + _b62(end - start)
    return stable_id("mtrusg", f"{meter_id}|{customer}|{start}|{end}")  # out of the encodable range


def summary_window(summary: str, owner: str) -> tuple[int, int] | None:
    """The ``(start, end)`` an id of :func:`summary_id` names, if it has this ``owner``."""
    if len(summary) != len(owner) + 2 * _FIELD or not summary.startswith(owner):
        return None
    start = _unb62(summary[len(owner) : len(owner) + _FIELD])
    span = _unb62(summary[len(owner) + _FIELD :])
    return None if start is None or span is None else (start, start + span)


class _Windows(list[tuple[int, int, Agg]]):
    """Summary windows, newest first, paged with cursors decoded from their ids (no scan)."""

    def __init__(self, windows: list[tuple[int, int, Agg]], owner: str) -> None:
        super().__init__(windows)
        self.owner = owner

    def _index(self, cursor: str) -> int | None:
        window = summary_window(cursor, self.owner)
        if window is None:
            return None
        # newest first: bisect on the negated start times
        index = bisect.bisect_left(self, -window[0], key=lambda item: -item[0])
        if index < len(self) and (self[index][0], self[index][1]) == window:
            return index
        return None

    def page(self, limit: int, after: str | None, before: str | None) -> tuple[list[Any], bool] | None:
        """The page of ``limit`` windows (see :class:`~stripe_fake.http.pagination.Subset`)."""
        if after is not None:
            index = self._index(after)
            if index is None:
                return None
            return self[index + 1 : index + 1 + limit], index + 1 + limit < len(self)
        if before is not None:
            index = self._index(before)
            if index is None:
                return None
            start = max(0, index - limit)
            return self[start:index], start > 0
        return self[:limit], limit < len(self)


def list_event_summaries(ctx: RequestContext) -> dict[str, Any]:
    params = validate(SUMMARIES, ctx.params)
    meter = _meter(ctx)
    _check_alignment(params)
    customer = params["customer"]
    if customer not in ctx.store(CustomerStore).table:
        raise resource_missing("customer", customer, param="customer", status=400)
    start, end = params["start_time"], params["end_time"]
    meter_events = ctx.store(MeterEventStore)
    window = params.get("value_grouping_window")
    windows: list[tuple[int, int, Agg]]
    if window is None:
        windows = [(start, end, meter_events.aggregate_agg(meter, customer, start, end))]
    else:
        usage = meter_events.usage.get((meter.id, customer))
        size = HOUR if window == "hour" else DAY
        found = usage.windows_in(size, start, end) if usage is not None else []
        windows = [(key, key + size, agg) for key, agg in reversed(found)]
    livemode = ctx.account.livemode
    owner = summary_owner(meter.id, customer)

    def render(item: tuple[int, int, Agg]) -> dict[str, Any]:
        lo, hi, agg = item
        return {
            "id": summary_id(meter.id, customer, lo, hi, owner),
            "object": "billing.meter_event_summary",
            "aggregated_value": as_json_number(agg.value(meter.formula)),
            "end_time": hi,
            "livemode": livemode,
            "meter": meter.id,
            "start_time": lo,
        }

    return paginate(
        _Windows(windows, owner),
        params,
        f"/v1/billing/meters/{meter.id}/event_summaries",
        key=lambda item: summary_id(meter.id, customer, item[0], item[1], owner),
        render=render,
        kind="billing meter event summary",
    )
