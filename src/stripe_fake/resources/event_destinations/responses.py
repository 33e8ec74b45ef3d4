"""Event destinations over HTTP: ``/v2/core/event_destinations`` (v2 JSON)."""

from __future__ import annotations

import re
from typing import Any

from ...config import DEFAULT_API_VERSION
from ...context import RequestContext
from ...http.errors import StripeError
from ...http.schema import Arr, Enum, Field, Int, Metadata, Obj, Str
from ...http.v2 import Text, invalid_fields, invalid_page, page_token, page_token_text, v2_validate
from ..common import apply_metadata
from ..v2_events.models import emit_thin_event
from ..webhook_endpoints.event_types import KNOWN_EVENT_TYPES
from ..webhook_endpoints.responses import check_url
from .models import EventDestination, EventDestinationStore

PING = "v2.core.event_destination.ping"
_THIN_TYPE = re.compile(r"^v\d+\.[a-z0-9_]+(\.[a-z0-9_]+)+$")
_INCLUDE_CREATE = Arr(Enum(["webhook_endpoint.signing_secret", "webhook_endpoint.url"]))
_INCLUDE = Arr(Enum(["webhook_endpoint.url"]))
_WEBHOOK = Obj({"url": Str(required=True)})

CREATE: dict[str, Field] = {
    "name": Str(required=True),
    "type": Enum(["amazon_eventbridge", "webhook_endpoint"], required=True),
    "event_payload": Enum(["snapshot", "thin"], required=True),
    "enabled_events": Arr(Str(), required=True),
    "description": Text(),
    "events_from": Arr(Enum(["other_accounts", "self"])),
    "include": _INCLUDE_CREATE,
    "metadata": Metadata(),
    "snapshot_api_version": Str(),
    "amazon_eventbridge": Obj({"aws_account_id": Str(required=True), "aws_region": Str(required=True)}),
    "webhook_endpoint": _WEBHOOK,
}
UPDATE: dict[str, Field] = {
    "name": Str(),
    "description": Text(),
    "enabled_events": Arr(Str()),
    "include": _INCLUDE,
    "metadata": Metadata(),
    "webhook_endpoint": _WEBHOOK,
}
RETRIEVE: dict[str, Field] = {"include": _INCLUDE}
LIST: dict[str, Field] = {"include": _INCLUDE, "limit": Int(minimum=1, maximum=100), "page": Str()}
DEFAULT_LIMIT = 20


def _check_events(events: list[str], payload: str) -> list[str]:
    if not events:
        raise invalid_fields("Invalid enabled_events: must contain at least one event type.")
    for index, event_type in enumerate(events):
        valid = _THIN_TYPE.match(event_type) if payload == "thin" else event_type in KNOWN_EVENT_TYPES
        if not valid:
            kind = "thin" if payload == "thin" else "snapshot"
            raise invalid_fields(
                f"Invalid enabled_events[{index}]: '{event_type}' is not a valid {kind} event type."
            )
    return list(dict.fromkeys(events))


def _url(params: dict[str, Any]) -> str:
    try:
        return check_url(params["webhook_endpoint"]["url"], "webhook_endpoint.url")
    except StripeError as err:
        raise invalid_fields(err.message) from None


def _destination(ctx: RequestContext) -> EventDestination:
    return ctx.store(EventDestinationStore).require(ctx.path["id"])


def create_destination(ctx: RequestContext) -> dict[str, Any]:
    params = v2_validate(CREATE, ctx.params)
    kind, payload = params["type"], params["event_payload"]
    events = _check_events(params["enabled_events"], payload)
    url = None
    if kind == "webhook_endpoint":
        if "webhook_endpoint" not in params:
            raise invalid_fields("Missing webhook_endpoint: required when type is webhook_endpoint.")
        if "amazon_eventbridge" in params:
            raise invalid_fields("amazon_eventbridge can only be given when type is amazon_eventbridge.")
        url = _url(params)
    else:
        if "amazon_eventbridge" not in params:
            raise invalid_fields("Missing amazon_eventbridge: required when type is amazon_eventbridge.")
        if "webhook_endpoint" in params:
            raise invalid_fields("webhook_endpoint can only be given when type is webhook_endpoint.")
    version = params.get("snapshot_api_version")
    if payload == "thin" and version is not None:
        raise invalid_fields("snapshot_api_version can only be given when event_payload is snapshot.")
    if payload == "snapshot" and version is None:
        version = DEFAULT_API_VERSION
    aws = params.get("amazon_eventbridge", {})
    destination = ctx.store(EventDestinationStore).add(
        created=ctx.now,
        updated=ctx.now,
        name=params["name"],
        type=kind,
        event_payload=payload,
        enabled_events=events,
        events_from=list(dict.fromkeys(params.get("events_from") or ["self"])),
        description=params.get("description", ""),
        metadata=apply_metadata({}, params.get("metadata", {})),
        snapshot_api_version=version,
        url=url,
        aws_account_id=aws.get("aws_account_id"),
        aws_region=aws.get("aws_region"),
    )
    return destination.render(params.get("include"))


def retrieve_destination(ctx: RequestContext) -> dict[str, Any]:
    params = v2_validate(RETRIEVE, ctx.params)
    return _destination(ctx).render(params.get("include"))


def update_destination(ctx: RequestContext) -> dict[str, Any]:
    params = v2_validate(UPDATE, ctx.params)
    destination = _destination(ctx)
    events = (
        _check_events(params["enabled_events"], destination.event_payload)
        if "enabled_events" in params
        else destination.enabled_events
    )
    url = destination.url
    if "webhook_endpoint" in params:
        if destination.type != "webhook_endpoint":
            raise invalid_fields("webhook_endpoint can only be given when type is webhook_endpoint.")
        url = _url(params)
    metadata = (
        apply_metadata(destination.metadata, params["metadata"])
        if "metadata" in params
        else destination.metadata
    )
    destination.enabled_events = events
    destination.url = url
    destination.metadata = metadata
    destination.name = params.get("name", destination.name)
    destination.description = params.get("description", destination.description)
    destination.updated = ctx.now
    return destination.render(params.get("include"))


def delete_destination(ctx: RequestContext) -> dict[str, Any]:
    v2_validate({}, ctx.params)
    destination = _destination(ctx)
    ctx.store(EventDestinationStore).table.remove(destination.id)
    return {"id": destination.id, "object": "v2.core.event_destination"}


def _set_status(ctx: RequestContext, status: str) -> dict[str, Any]:
    v2_validate({}, ctx.params)
    destination = _destination(ctx)
    if destination.status != status:
        destination.status = status
        destination.updated = ctx.now
    return destination.render()


def enable_destination(ctx: RequestContext) -> dict[str, Any]:
    return _set_status(ctx, "enabled")


def disable_destination(ctx: RequestContext) -> dict[str, Any]:
    return _set_status(ctx, "disabled")


def ping_destination(ctx: RequestContext) -> dict[str, Any]:
    """Emit a ``v2.core.event_destination.ping`` thin event and send it to this destination only."""
    v2_validate({}, ctx.params)
    destination = _destination(ctx)
    event = emit_thin_event(
        ctx.account,
        PING,
        now=ctx.now,
        data={},
        related_object={
            "id": destination.id,
            "type": "v2.core.event_destination",
            "url": f"/v2/core/event_destinations/{destination.id}",
        },
        cause=ctx.cause,
        only=destination.id,
    )
    return dict(event)


def _page_token(offset: int) -> str:
    return page_token(f"ed:{offset}")


def _page_offset(token: str) -> int:
    prefix, _, number = page_token_text(token).partition(":")
    try:
        if prefix != "ed" or not number.isdigit():
            raise ValueError(token)
        return int(number)
    except ValueError:
        raise invalid_page(token) from None


def list_destinations(ctx: RequestContext) -> dict[str, Any]:
    params = v2_validate(LIST, ctx.params)
    limit: int = params.get("limit", DEFAULT_LIMIT)
    start = _page_offset(params["page"]) if "page" in params else 0
    items = ctx.store(EventDestinationStore).table.newest_first()
    page = items[start : start + limit]
    include = params.get("include")
    extra = "".join(f"&include[{i}]={value}" for i, value in enumerate(include or []))

    def url(offset: int) -> str:
        return f"/v2/core/event_destinations?limit={limit}&page={_page_token(offset)}{extra}"

    return {
        "data": [d.render(include) for d in page],
        "next_page_url": url(start + limit) if start + limit < len(items) else None,
        "previous_page_url": url(max(0, start - limit)) if start > 0 else None,
    }
