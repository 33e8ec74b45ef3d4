"""v2 thin events (``v2.core.event``): creation (``emit_thin_event``) and the per-account store.

A thin event is stored whole (with ``data``); what an event destination receives is its
notification form (:func:`notification_payload`: the event without ``data``).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from ...ids import new_id
from .timefmt import rfc3339

if TYPE_CHECKING:
    from ...state import AccountState

#: "You can access events through the Retrieve Event API for 30 days."
RETENTION = 30 * 86400


class ThinEventStore:
    """The account's thin events, oldest first, with their unix creation times."""

    def __init__(self, account: AccountState) -> None:
        self.account = account
        self.events: list[dict[str, Any]] = []
        self.created: list[int] = []  # unix seconds, parallel to ``events``
        self.by_id: dict[str, int] = {}  # id -> index in ``events``

    def add(self, event: dict[str, Any], created: int) -> None:
        self.by_id[event["id"]] = len(self.events)
        self.events.append(event)
        self.created.append(created)

    def get(self, event_id: str, now: int) -> dict[str, Any] | None:
        """The event with this id, unless it is older than the 30-day retention."""
        index = self.by_id.get(event_id)
        if index is None or self.created[index] < now - RETENTION:
            return None
        return self.events[index]


def emit_thin_event(
    account: AccountState,
    event_type: str,
    *,
    now: int,
    data: dict[str, Any] | None = None,
    related_object: dict[str, Any] | None = None,
    request_id: str | None = None,
    idempotency_key: str | None = None,
) -> dict[str, Any]:
    """Record a ``v2.core.event`` for ``account`` and hand it to ``backend.thin_event_listeners``.

    ``related_object`` is ``{id, type, url}``; ``reason`` is set when ``request_id`` is given.
    Returns the full event (with ``data``).
    """
    event: dict[str, Any] = {
        "id": new_id("evt_test", 40),
        "object": "v2.core.event",
        "type": event_type,
        "created": rfc3339(now),
        "livemode": account.livemode,
    }
    # Always present, null for the platform account: Stripe's API reference lists `context` as a
    # nullable string, and the SDK's typed events read it (`event.fetch_related_object()`).
    event["context"] = account.id
    if request_id is not None:
        event["reason"] = {
            "type": "request",
            "request": {"id": request_id, "idempotency_key": idempotency_key or ""},
        }
    if related_object is not None:
        event["related_object"] = dict(related_object)
    if data is not None:
        event["data"] = copy.deepcopy(data)
    account.store(ThinEventStore).add(event, now)
    backend = account.backend
    backend.thin_events.append(event)
    for listener in list(backend.thin_event_listeners):
        listener(account, event)
    return event


def notification_payload(event: dict[str, Any]) -> dict[str, Any]:
    """What a thin event destination receives: the event without ``data`` (and without ``changes``)."""
    return {key: copy.deepcopy(value) for key, value in event.items() if key not in ("data", "changes")}
