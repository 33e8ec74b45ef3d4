"""Webhook endpoints over HTTP: ``/v1/webhook_endpoints``. Endpoint CRUD emits no events (as on Stripe)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from ...context import RequestContext
from ...http.errors import StripeError
from ...http.pagination import LIST_PARAMS, paginate
from ...http.schema import UNSET, Arr, Bool, Field, Metadata, Str, validate
from ..common import apply_metadata
from .event_types import KNOWN_EVENT_TYPES
from .models import WebhookEndpoint, WebhookEndpointStore

_API_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$")

CREATE: dict[str, Field] = {
    "url": Str(required=True),
    "enabled_events": Arr(Str(), required=True),
    "api_version": Str(),
    "connect": Bool(),
    "description": Str(unsettable=True),
    "metadata": Metadata(),
}
UPDATE: dict[str, Field] = {
    "url": Str(),
    "enabled_events": Arr(Str()),
    "disabled": Bool(),
    "description": Str(unsettable=True),
    "metadata": Metadata(),
}


def check_url(url: str, param: str = "url") -> str:
    """An absolute ``http(s)://host/...`` URL, or Stripe's 400."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in url:
        raise StripeError(f"Invalid URL: {url}. URLs must begin with http:// or https://", param=param)
    return url


def check_enabled_events(events: list[str]) -> list[str]:
    """Every entry must be a known event type or ``*``; the list must not be empty."""
    if not events:
        raise StripeError(
            "Invalid enabled_events: must contain at least one event type (or '*' for all events).",
            param="enabled_events",
        )
    for index, event_type in enumerate(events):
        if event_type not in KNOWN_EVENT_TYPES:
            raise StripeError(
                f"Invalid enabled_events[{index}]: '{event_type}' is not a valid event type. Use '*' or one "
                "of the types listed at https://docs.stripe.com/api/events/types.",
                param=f"enabled_events[{index}]",
            )
    return list(dict.fromkeys(events))


def _endpoint(ctx: RequestContext) -> WebhookEndpoint:
    return ctx.store(WebhookEndpointStore).table.require(ctx.path["id"])


def create_endpoint(ctx: RequestContext) -> dict[str, Any]:
    params = validate(CREATE, ctx.params)
    url = check_url(params["url"])
    events = check_enabled_events(params["enabled_events"])
    version = params.get("api_version")
    if version is not None and not _API_VERSION.match(version):
        raise StripeError(f"Invalid api_version: {version}", param="api_version")
    description = params.get("description")
    endpoint = ctx.store(WebhookEndpointStore).create(
        url=url,
        enabled_events=events,
        now=ctx.now,
        api_version=version,
        description=None if description is UNSET else description,
        connect=params.get("connect", False),
        metadata=apply_metadata({}, params.get("metadata", {})),
    )
    return endpoint.render(with_secret=True)


def retrieve_endpoint(ctx: RequestContext) -> dict[str, Any]:
    validate({}, ctx.params)
    return _endpoint(ctx).render()


def update_endpoint(ctx: RequestContext) -> dict[str, Any]:
    params = validate(UPDATE, ctx.params)
    endpoint = _endpoint(ctx)
    url = check_url(params["url"]) if "url" in params else endpoint.url
    events = (
        check_enabled_events(params["enabled_events"])
        if "enabled_events" in params
        else endpoint.enabled_events
    )
    metadata = (
        apply_metadata(endpoint.metadata, params["metadata"]) if "metadata" in params else endpoint.metadata
    )
    endpoint.url = url
    endpoint.enabled_events = events
    endpoint.metadata = metadata
    if "description" in params:
        endpoint.description = None if params["description"] is UNSET else params["description"]
    if "disabled" in params:
        endpoint.status = "disabled" if params["disabled"] else "enabled"
    return endpoint.render()


def delete_endpoint(ctx: RequestContext) -> dict[str, Any]:
    validate({}, ctx.params, expand=False)
    endpoint = _endpoint(ctx)
    ctx.store(WebhookEndpointStore).table.remove(endpoint.id)
    return {"id": endpoint.id, "object": "webhook_endpoint", "deleted": True}


def list_endpoints(ctx: RequestContext) -> dict[str, Any]:
    params = validate(LIST_PARAMS, ctx.params)
    items = ctx.store(WebhookEndpointStore).table.newest_first()
    return paginate(
        items,
        params,
        "/v1/webhook_endpoints",
        key=lambda e: e.id,
        render=WebhookEndpoint.render,
        kind="webhook endpoint",
    )
