"""v1 events over HTTP: ``GET /v1/events`` and ``GET /v1/events/{id}``."""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from typing import Any

from ...context import RequestContext
from ...http.errors import StripeError
from ...http.pagination import LIST_PARAMS, Subset, merged_ids, paginate
from ...http.schema import Arr, Bool, Range, Str, in_range, validate
from ..v2_events.models import EVENT_RETENTION
from .models import EventStore

MAX_TYPES = 20

LIST = {
    **LIST_PARAMS,
    "type": Str(),
    "types": Arr(Str()),
    "created": Range(),
    "delivery_success": Bool(),
}


def type_matcher(pattern: str) -> re.Pattern[str]:
    """``type`` filter: an event name where ``*`` matches any run of characters (``customer.*``)."""
    return re.compile("^" + ".*".join(re.escape(part) for part in pattern.split("*")) + "$")


def retrieve_event(ctx: RequestContext) -> dict[str, Any]:
    validate({}, ctx.params)
    event = ctx.store(EventStore).table.require(ctx.path["id"])
    return copy.deepcopy(event)


def list_events(ctx: RequestContext) -> dict[str, Any]:
    params = validate(LIST, ctx.params)
    if "type" in params and "types" in params:
        raise StripeError("You may pass either `type` or `types`, but not both.", param="types")
    types = params.get("types")
    if types is not None and len(types) > MAX_TYPES:
        raise StripeError(
            f"Invalid types: you can pass at most {MAX_TYPES} event types, but {len(types)} were given.",
            param="types",
        )
    matcher = type_matcher(params["type"]) if "type" in params else None
    wanted = set(types) if types is not None else None
    created = params.get("created")
    delivered = params.get("delivery_success")
    oldest = ctx.now - EVENT_RETENTION  # "List events, going back up to 30 days."

    def keep(event: dict[str, Any]) -> bool:
        if event["created"] < oldest or not in_range(event["created"], created):
            return False
        return delivered is None or (event["pending_webhooks"] == 0) == delivered

    store = ctx.store(EventStore)
    items: Sequence[dict[str, Any]]
    if matcher is None and wanted is None:
        items = store.table.newest_first(keep)
    else:  # from the type index: O(events of the wanted types), not O(events)
        if wanted is not None:
            names = [name for name in wanted if name in store.by_type]
        else:
            assert matcher is not None
            names = [name for name in store.by_type if matcher.match(name)]
        items = Subset(store.table, merged_ids(store.table, [store.by_type[t] for t in names]), keep)
    return paginate(
        items, params, "/v1/events", key=lambda e: str(e["id"]), render=copy.deepcopy, kind="event"
    )
