"""A nightly job that reports the app's usage ledger to Stripe and repairs mistakes.

Run it once a night (e.g. at 02:00 UTC) for the previous day's ledger rows:

* every ledger row becomes one meter event whose ``identifier`` is derived from the row id, so a
  rerun of the job (after a crash, or twice by mistake) never double-bills: Stripe answers
  "An event already exists with identifier ..." and the job skips the row;
* rows later found to be wrong are cancelled with a meter event adjustment, which Stripe only
  accepts within 24 hours of receiving the event; after that, the job records a negative
  correction event instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import stripe

EVENT_NAME = "api_call"


@dataclass(frozen=True)
class LedgerRow:
    """One billable action recorded by the app."""

    row_id: str
    stripe_customer: str
    quantity: int
    occurred_at: int  # unix seconds


def identifier_for(row: LedgerRow) -> str:
    return f"ledger-{row.row_id}"


@dataclass
class SyncResult:
    reported: int = 0
    already_reported: int = 0


def sync_usage(
    client: stripe.StripeClient, rows: list[LedgerRow], event_name: str = EVENT_NAME
) -> SyncResult:
    """Report each row once; rows Stripe already has (same identifier) are skipped."""
    result = SyncResult()
    for row in rows:
        try:
            client.v1.billing.meter_events.create(
                {
                    "event_name": event_name,
                    "identifier": identifier_for(row),
                    "timestamp": row.occurred_at,
                    "payload": {"stripe_customer_id": row.stripe_customer, "value": str(row.quantity)},
                }
            )
        except stripe.InvalidRequestError as err:
            if "already exists with identifier" not in str(err.user_message):
                raise
            result.already_reported += 1
        else:
            result.reported += 1
    return result


def correct_usage(client: stripe.StripeClient, row: LedgerRow, event_name: str = EVENT_NAME) -> str:
    """Undo a row reported by mistake: cancel it, or (older than 24 h) report a negative correction.

    Returns ``"cancelled"`` or ``"negated"``.
    """
    try:
        client.v1.billing.meter_event_adjustments.create(
            {"event_name": event_name, "type": "cancel", "cancel": {"identifier": identifier_for(row)}}
        )
        return "cancelled"
    except stripe.InvalidRequestError as err:
        if err.param != "cancel[identifier]":
            raise
    client.v1.billing.meter_events.create(
        {
            "event_name": event_name,
            "identifier": identifier_for(row) + "-correction",
            "timestamp": row.occurred_at,
            "payload": {"stripe_customer_id": row.stripe_customer, "value": str(-row.quantity)},
        }
    )
    return "negated"


def usage_by_day(
    client: stripe.StripeClient, meter_id: str, customer: str, start: int, end: int
) -> dict[int, float]:
    """The customer's usage per UTC day in ``[start, end)`` (day-aligned), as Stripe aggregates it."""
    page = client.v1.billing.meters.event_summaries.list(
        meter_id, {"customer": customer, "start_time": start, "end_time": end, "value_grouping_window": "day"}
    )
    return {summary.start_time: summary.aggregated_value for summary in page.auto_paging_iter()}
