"""Asynchronous meter-event errors as thin events, batched per (meter, validation window).

Meter events Stripe accepts but cannot count are noted in ``MeterEventStore.async_errors``. Here
they become ``v1.billing.meter.error_report_triggered`` events (one per meter and window, related to
the meter) and ``v1.billing.meter.no_meter_found`` events (one per window for unknown event names).

The window is ``FakeConfig.error_report_window`` seconds of clock time (aligned to multiples of it).
With the default 0, every second is its own window and a report goes out as soon as the request
that caused the errors ends. A report is due once its window has ended and ``processing_delay`` has
passed; due reports are sent at the start or end of the next request, or by
``StripeFake.flush_error_reports()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...http.timefmt import rfc3339
from ..v2_events.models import emit_thin_event
from .models import AsyncError, MeterEventStore

if TYPE_CHECKING:
    from ...state import AccountState

ERROR_REPORT_TRIGGERED = "v1.billing.meter.error_report_triggered"
NO_METER_FOUND = "v1.billing.meter.no_meter_found"
#: How many ``sample_errors`` each error type carries at most.
MAX_SAMPLES = 5


class ErrorReportCursor:
    """How many of the account's async errors have already been reported."""

    def __init__(self, account: AccountState) -> None:
        self.account = account
        self.reported = 0


def _window(created: int, size: int) -> tuple[int, int]:
    if size <= 0:
        return created, created + 1
    start = created - created % size
    return start, start + size


def flush_error_reports(account: AccountState, now: int, *, force: bool = False) -> list[dict[str, Any]]:
    """Emit the reports that are due (all pending ones with ``force``); returns the new events."""
    errors = account.store(MeterEventStore).async_errors
    cursor = account.store(ErrorReportCursor)
    if cursor.reported >= len(errors):
        return []
    config = account.config
    size = config.error_report_window
    delay = config.processing_delay
    batches: dict[tuple[int, str | None], list[AsyncError]] = {}
    index = cursor.reported
    while index < len(errors):
        error = errors[index]
        start, end = _window(error.created, size)
        due = (end if size > 0 else error.created) + delay
        if due > now and not force:
            break  # errors are in receipt order, so every later one is due later too
        batches.setdefault((start, error.meter_id), []).append(error)
        index += 1
    cursor.reported = index
    events = []
    for (start, meter_id), batch in batches.items():
        end = _window(start, size)[1]
        # the moment Stripe would have sent it (earlier when flushed by hand)
        sent = min(now, (end if size > 0 else batch[-1].created) + delay)
        events.append(_emit(account, meter_id, batch, start, end, sent))
    return events


def _emit(
    account: AccountState, meter_id: str | None, batch: list[AsyncError], start: int, end: int, sent: int
) -> dict[str, Any]:
    by_code: dict[str, list[AsyncError]] = {}
    for error in batch:
        by_code.setdefault(error.code, []).append(error)
    count = len(batch)
    data = {
        "developer_message_summary": f"There is {count} invalid event"
        if count == 1
        else f"There are {count} invalid events",
        "reason": {
            "error_count": count,
            "error_types": [
                {
                    "code": code,
                    "error_count": len(items),
                    "sample_errors": [
                        {"error_message": item.message, "request": {"identifier": item.identifier}}
                        for item in items[:MAX_SAMPLES]
                    ],
                }
                for code, items in by_code.items()
            ],
        },
        "validation_start": rfc3339(start),
        "validation_end": rfc3339(end),
    }
    if meter_id is None:
        return emit_thin_event(account, NO_METER_FOUND, now=sent, data=data)
    related = {"id": meter_id, "type": "billing.meter", "url": f"/v1/billing/meters/{meter_id}"}
    return emit_thin_event(account, ERROR_REPORT_TRIGGERED, now=sent, data=data, related_object=related)
