"""v1 ``event`` objects: creation (``emit_event``) and the per-account event store."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from ...backend import DEFAULT_API_VERSION
from ...ids import new_id
from ..common import ObjectTable

if TYPE_CHECKING:
    from ...context import RequestContext
    from ...state import AccountState


class EventStore:
    """The account's events, oldest first."""

    def __init__(self, account: AccountState) -> None:
        self.account = account
        self.table: ObjectTable[dict[str, Any]] = ObjectTable("event")

    def render_by_id(self, object_id: str) -> dict[str, Any] | None:
        found = self.table.get(object_id)
        return copy.deepcopy(found) if found is not None else None


def emit_event(
    account: AccountState,
    event_type: str,
    data_object: dict[str, Any],
    *,
    now: int,
    api_version: str | None = None,
    request_id: str | None = None,
    idempotency_key: str | None = None,
    previous_attributes: dict[str, Any] | None = None,
    fresh: bool = False,
) -> dict[str, Any]:
    """Record a v1 event for ``account`` and hand it to the backend's event listeners.

    ``data_object`` is copied, unless ``fresh`` says the caller built it for this event alone (a new
    render nobody else holds), which saves a deep copy.
    """
    data: dict[str, Any] = {"object": data_object if fresh else copy.deepcopy(data_object)}
    if previous_attributes is not None:
        data["previous_attributes"] = copy.deepcopy(previous_attributes)
    event: dict[str, Any] = {
        "id": new_id("evt"),
        "object": "event",
        "api_version": api_version or DEFAULT_API_VERSION,
        "created": now,
        "data": data,
        "livemode": account.livemode,
        "pending_webhooks": 0,
        "request": {"id": request_id, "idempotency_key": idempotency_key},
        "type": event_type,
    }
    if account.id is not None:
        event["account"] = account.id
    account.store(EventStore).table.add(event["id"], event)
    backend = account.backend
    backend.events.append(event)
    for listener in list(backend.event_listeners):
        listener(account, event)
    return event


def emit_from_request(
    ctx: RequestContext,
    event_type: str,
    data_object: dict[str, Any],
    previous_attributes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Emit an event caused by the current API request (``request.id`` and idempotency key set)."""
    return emit_event(
        ctx.account,
        event_type,
        data_object,
        now=ctx.now,
        request_id=ctx.request_id,
        idempotency_key=ctx.idempotency_key,
        previous_attributes=previous_attributes,
    )
