"""v1 ``event`` objects: creation (``emit_event``) and the per-account event store."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...config import DEFAULT_API_VERSION
from ...ids import new_id
from ..base import ResourceStore

if TYPE_CHECKING:
    from ...context import RequestCause, RequestContext
    from ...state import AccountState


@dataclass(frozen=True)
class EventEmitted:
    """Bus topic: a v1 event was recorded (the recorder, webhook delivery and forwarding subscribe)."""

    event: dict[str, Any]


class EventStore(ResourceStore[dict[str, Any]]):
    """The account's events, oldest first (stored as rendered: each read gets a copy)."""

    kind = "event"
    id_prefixes = ("evt",)

    def __init__(self, account: AccountState) -> None:
        super().__init__(account)
        #: Event ids by type, in creation order (``GET /v1/events?type=`` reads them, not the table).
        self.by_type: dict[str, list[str]] = {}

    def add(self, event: dict[str, Any]) -> None:
        self.table.add(event["id"], event)
        self.by_type.setdefault(event["type"], []).append(event["id"])

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Stores pickled before the type index existed get one on load."""
        self.__dict__.update(state)
        if "by_type" not in state:
            self.by_type = {}
            for event in self.table:
                self.by_type.setdefault(event["type"], []).append(event["id"])

    def render_object(self, obj: dict[str, Any]) -> dict[str, Any]:
        return copy.deepcopy(obj)


def emit_event(
    account: AccountState,
    event_type: str,
    data_object: dict[str, Any],
    *,
    now: int,
    cause: RequestCause | None = None,
    previous_attributes: dict[str, Any] | None = None,
    api_version: str | None = None,
    request_id: str | None = None,
    idempotency_key: str | None = None,
    fresh: bool = False,
) -> dict[str, Any]:
    """Record a v1 event for ``account`` and publish :class:`EventEmitted` on the account's bus.

    ``cause`` is the request that caused it (``ctx.cause``); ``None`` is scheduled work (the event's
    ``request.id`` is null), unless the older ``request_id``/``idempotency_key`` are given.
    ``data_object`` and ``previous_attributes`` are copied, unless ``fresh`` says the caller built
    both for this event alone (new renders nobody else holds), which saves the deep copies.
    """
    if cause is not None:
        request_id, idempotency_key = cause.request_id, cause.idempotency_key
    data: dict[str, Any] = {"object": data_object if fresh else copy.deepcopy(data_object)}
    if previous_attributes is not None:
        data["previous_attributes"] = previous_attributes if fresh else copy.deepcopy(previous_attributes)
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
    account.store(EventStore).add(event)
    account.bus.publish(account, EventEmitted(event))
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
        cause=ctx.cause,
        previous_attributes=previous_attributes,
    )
