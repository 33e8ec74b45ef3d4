"""Cancelling a meter event (shared by ``/v1`` and ``/v2`` meter event adjustments).

Only events the fake received in the last 24 hours (its ``created`` time) can be cancelled. A
cancelled event stops counting in summaries and alert checks; alerts that already fired stay fired.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..meters.models import MeterStore
from .models import IDENTIFIER_WINDOW, MeterEventStore
from .usage import CANCELLED

if TYPE_CHECKING:
    from ...state import AccountState

CANCEL_WINDOW = IDENTIFIER_WINDOW


class CancelRejected(Exception):
    """Why an event cannot be cancelled; ``code`` is ``resource_missing`` for an unknown event."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def find_cancellable(account: AccountState, event_name: str, identifier: str, now: int) -> int:
    """The event ``identifier`` of ``event_name`` (its index in the store's ``records``) if it can be
    cancelled now, else :class:`CancelRejected`."""
    store = account.store(MeterEventStore)
    records = store.records
    index = store.by_identifier.get(identifier)
    if index is None or records.event_name[index] != event_name:
        raise CancelRejected(
            f"No meter event with identifier '{identifier}' was found for event_name '{event_name}'.",
            "resource_missing",
        )
    if records.flags[index] & CANCELLED:
        raise CancelRejected(f"The meter event with identifier '{identifier}' has already been cancelled.")
    if now >= records.created[index] + CANCEL_WINDOW:
        raise CancelRejected(
            f"The meter event with identifier '{identifier}' cannot be cancelled: events can only be "
            "cancelled within 24 hours of Stripe receiving them."
        )
    return index


def cancel(account: AccountState, index: int) -> None:
    """Mark event ``index`` cancelled and take it out of the usage aggregates (if it was counted)."""
    store = account.store(MeterEventStore)
    store.records.flags[index] |= CANCELLED
    meter_id = store.records.meter_id[index]
    meter = account.store(MeterStore).table.get(meter_id) if meter_id else None
    if meter is not None:
        store.uncount(meter, index)
