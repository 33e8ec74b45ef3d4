"""v2 thin events (``v2.core.event``): creation (``emit_thin_event``) and the per-account store.

A thin event is stored whole (with ``data``); what an event destination receives is its
notification form (:func:`notification_of`: the event without ``data``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...http.timefmt import rfc3339
from ...ids import new_id

if TYPE_CHECKING:
    from ...context import RequestCause
    from ...state import AccountState


@dataclass(frozen=True)
class ThinEventEmitted:
    """Bus topic: a thin event was recorded. ``only`` names the one event destination it goes to
    (a ping), ``None`` for every destination that selects it."""

    event: dict[str, Any]
    only: str | None = None


#: "You can access events through the Retrieve Event API for 30 days" (v1 lists go back as far).
EVENT_RETENTION = RETENTION = 30 * 86400


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
    cause: RequestCause | None = None,
    request_id: str | None = None,
    idempotency_key: str | None = None,
    only: str | None = None,
) -> dict[str, Any]:
    """Record a ``v2.core.event`` for ``account`` and publish :class:`ThinEventEmitted`.

    ``related_object`` is ``{id, type, url}``; ``reason`` is set when the event has a request as its
    ``cause`` (or the older ``request_id``). ``only`` sends it to that one event destination,
    whatever it selects (a ping). Returns the full event (with ``data``).
    """
    if cause is not None:
        request_id, idempotency_key = cause.request_id, cause.idempotency_key
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
    account.bus.publish(account, ThinEventEmitted(event, only))
    return event


#: Keys of a thin event that its push notification carries (``data`` is fetched separately).
NOTIFICATION_KEYS = ("id", "object", "type", "created", "livemode", "context", "reason", "related_object")


def notification_of(event: dict[str, Any]) -> dict[str, Any]:
    """What a thin event destination receives: the event's envelope without ``data`` (or ``changes``)."""
    return {key: event[key] for key in NOTIFICATION_KEYS if key in event}


#: The older name of :func:`notification_of`.
notification_payload = notification_of
