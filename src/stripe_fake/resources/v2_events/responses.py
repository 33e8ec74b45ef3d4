"""``GET /v2/core/events`` and ``GET /v2/core/events/{id}`` (thin events, newest first)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from ...context import RequestContext
from ...http.errors import v2_error
from ...http.schema import Arr, Int, Obj, Str
from ...http.v2 import invalid_fields, invalid_page, page_token, page_token_text, v2_instant, v2_validate
from .models import RETENTION, ThinEventStore

LIST = {
    "types": Arr(Str(max_length=200), max_items=20),
    "object_id": Str(),
    "created": Obj({"gt": Str(), "gte": Str(), "lt": Str(), "lte": Str()}),
    "limit": Int(minimum=1, maximum=100),
    "page": Str(),
}
DEFAULT_LIMIT = 20
_CHECKS = {
    "gt": lambda value, bound: value > bound,
    "gte": lambda value, bound: value >= bound,
    "lt": lambda value, bound: value < bound,
    "lte": lambda value, bound: value <= bound,
}


def retrieve_event(ctx: RequestContext) -> dict[str, Any]:
    v2_validate({}, ctx.params)
    event = ctx.store(ThinEventStore).get(ctx.path["id"], ctx.now)
    if event is None:
        raise v2_error("not_found", f"No such event: '{ctx.path['id']}'", status=404)
    return event


def _encode_page(direction: str, event_id: str) -> str:
    return page_token(f"{direction}:{event_id}")


def _decode_page(token: str) -> tuple[str, str]:
    direction, _, event_id = page_token_text(token).partition(":")
    if direction not in ("a", "b") or not event_id:
        raise invalid_page(token)
    return direction, event_id


def list_events(ctx: RequestContext) -> dict[str, Any]:
    params = v2_validate(LIST, ctx.params)
    # Bounds keep their milliseconds: an event created at 12:00:00.000 is before 12:00:00.500.
    bounds = {op: v2_instant(text, f"created[{op}]") for op, text in params.get("created", {}).items()}
    types = set(params.get("types", []))
    object_id = params.get("object_id")
    limit: int = params.get("limit", DEFAULT_LIMIT)
    store = ctx.store(ThinEventStore)
    oldest = ctx.now - RETENTION

    items: list[dict[str, Any]] = []  # newest first
    for index in range(len(store.events) - 1, -1, -1):
        created = store.created[index]
        event = store.events[index]
        if created < oldest:
            break
        if types and event["type"] not in types:
            continue
        if object_id is not None and (event.get("related_object") or {}).get("id") != object_id:
            continue
        if not all(_CHECKS[op](created, bound) for op, bound in bounds.items()):
            continue
        items.append(event)

    start = 0
    stop = limit
    if "page" in params:
        direction, event_id = _decode_page(params["page"])
        position = next((i for i, e in enumerate(items) if e["id"] == event_id), None)
        if position is None:
            raise invalid_fields("Invalid page: the page token no longer matches this list.")
        if direction == "a":
            start, stop = position + 1, position + 1 + limit
        else:
            start, stop = max(0, position - limit), position
    page = items[start:stop]

    def url(token: str) -> str:
        query = [f"types[{i}]={quote(t, safe='')}" for i, t in enumerate(params.get("types", []))]
        if object_id is not None:
            query.append(f"object_id={quote(object_id, safe='')}")
        for op, text in params.get("created", {}).items():
            query.append(f"created[{op}]={quote(text, safe='')}")
        query.append(f"limit={limit}")
        query.append(f"page={token}")
        return "/v2/core/events?" + "&".join(query)

    next_url = url(_encode_page("a", page[-1]["id"])) if page and stop < len(items) else None
    previous_url = url(_encode_page("b", page[0]["id"])) if page and start > 0 else None
    return {"data": page, "next_page_url": next_url, "previous_page_url": previous_url}
