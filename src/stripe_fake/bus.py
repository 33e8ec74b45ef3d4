"""The event bus: how a resource tells whoever cares that something happened, without knowing them.

Topics are small frozen dataclasses owned by the package that publishes them (``UsageCounted`` in
``meter_events``, ``EventEmitted`` in ``events``, ``ThinEventEmitted`` in ``v2_events``, later
``InvoicePaid`` in ``invoices``...). Subscribers register in their package's ``install(bus,
scheduler)`` (or, for the dispatcher side, when the backend starts), never in a store's constructor.

Rule of thumb: direct calls downward (an invoice calls the meter aggregation itself), the bus
outward (alerts, webhook delivery, the server's forwarder subscribe). A subscriber's exception is
not swallowed: it propagates to the operation that published, so the request answers a 500 and the
test fails with its traceback (``Backend.internal_errors``).

Hot topics (one message per streamed meter event) let a subscriber say which accounts it cares
about (``interested``): a publisher asks :meth:`Bus.handlers` once per batch and skips building
messages when the list is empty, so an idle subscription costs nothing per event.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from .state import AccountState

T = TypeVar("T")

Handler = Callable[["AccountState", Any], None]
Interest = Callable[["AccountState"], bool]


class Bus:
    """Subscribers per topic type; :meth:`publish` calls them in subscription order."""

    def __init__(self) -> None:
        self._subscribers: dict[type[Any], list[tuple[Handler, Interest | None]]] = {}

    def subscribe(
        self,
        topic: type[T],
        handler: Callable[[AccountState, T], None],
        *,
        interested: Callable[[AccountState], bool] | None = None,
    ) -> None:
        """Call ``handler(account, message)`` for every ``topic`` message published (for accounts where
        ``interested(account)`` holds, if given). Subscribing the same handler twice is a no-op."""
        entries = self._subscribers.setdefault(topic, [])
        if any(existing == handler for existing, _ in entries):
            return
        entries.append((handler, interested))

    def unsubscribe(self, topic: type[Any], handler: Callable[[AccountState, Any], None]) -> None:
        entries = self._subscribers.get(topic, [])
        self._subscribers[topic] = [(h, i) for h, i in entries if h != handler]

    def handlers(self, topic: type[T], account: AccountState) -> list[Callable[[AccountState, T], None]]:
        """The handlers a ``topic`` message for ``account`` would reach now (ask once per batch)."""
        entries = self._subscribers.get(topic)
        if not entries:
            return []
        return [handler for handler, interested in entries if interested is None or interested(account)]

    def publish(self, account: AccountState, message: object) -> None:
        """Hand ``message`` to every subscriber of its type (exceptions propagate)."""
        entries = self._subscribers.get(type(message))
        if not entries:
            return
        for handler, interested in list(entries):
            if interested is None or interested(account):
                handler(account, message)
