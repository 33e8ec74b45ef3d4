"""Cancelling a meter event (shared by ``/v1`` and ``/v2`` meter event adjustments).

Only events the fake received in the last 24 hours (``record.created``) can be cancelled. A
cancelled event stops counting in summaries and alert checks; alerts that already fired stay fired.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..meter_events.models import IDENTIFIER_WINDOW, MeterEventStore
from ..meter_events.usage import UsageRecord
from ..meters.models import MeterStore

if TYPE_CHECKING:
    from ...state import AccountState

CANCEL_WINDOW = IDENTIFIER_WINDOW


class CancelRejected(Exception):
    """Why an event cannot be cancelled; ``code`` is ``resource_missing`` for an unknown event."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def find_cancellable(account: AccountState, event_name: str, identifier: str, now: int) -> UsageRecord:
    """The event ``identifier`` of ``event_name`` if it can be cancelled now, else :class:`CancelRejected`."""
    record = account.store(MeterEventStore).by_identifier.get(identifier)
    if record is None or record.event_name != event_name:
        raise CancelRejected(
            f"No meter event with identifier '{identifier}' was found for event_name '{event_name}'.",
            "resource_missing",
        )
    if record.cancelled:
        raise CancelRejected(f"The meter event with identifier '{identifier}' has already been cancelled.")
    if now >= record.created + CANCEL_WINDOW:
        raise CancelRejected(
            f"The meter event with identifier '{identifier}' cannot be cancelled: events can only be "
            "cancelled within 24 hours of Stripe receiving them."
        )
    return record


def cancel(account: AccountState, record: UsageRecord) -> None:
    """Mark ``record`` cancelled and take it out of the usage aggregates (if it was counted)."""
    record.cancelled = True
    meter = account.store(MeterStore).table.get(record.meter_id) if record.meter_id else None
    if meter is not None:
        account.store(MeterEventStore).uncount(meter, record)
