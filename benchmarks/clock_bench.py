"""Benchmark: a test clock through 12 months in 6 advances of 2 months (the interval limit).

One clock, 3 customers x 3 monthly subscriptions (a licensed seat plus metered calls each), 10,000
meter events per customer recorded on clock time before the first advance. Goal: under 100 ms in
total for the six advances. Run ``python benchmarks/test_clocks.py`` (``--quick``: 1,000 events).
``bench.py`` imports :func:`run` for its billing section.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import datetime, timezone

import stripe

from stripe_fake import StripeFake
from stripe_fake.resources.meter_events.models import MeterEventStore

API_KEY = "sk_test_bench_123"
START = 1772323200  # 2026-03-01T00:00:00Z
GOAL_MS = 100.0


def months_after(start: int, months: int) -> int:
    moment = datetime.fromtimestamp(start, timezone.utc)
    year, month = divmod(moment.month - 1 + months, 12)
    return int(moment.replace(year=moment.year + year, month=month + 1).timestamp())


def one_run(events_per_customer: int) -> tuple[float, int]:
    """Milliseconds the six advances took, and how many invoices they produced."""
    stripe.api_key = API_KEY
    with StripeFake(record_requests=False) as fake:
        clock = stripe.test_helpers.TestClock.create(frozen_time=START)
        meter = stripe.billing.Meter.create(
            display_name="Calls", event_name="call", default_aggregation={"formula": "sum"}
        )
        prices = [
            stripe.Price.create(
                currency="usd",
                unit_amount=500 * (n + 1),
                recurring={"interval": "month"},
                product_data={"name": f"Seat {n}"},
            )
            for n in range(3)
        ]
        calls = stripe.Price.create(
            currency="usd",
            unit_amount=1,
            recurring={"interval": "month", "usage_type": "metered", "meter": meter.id},
            product_data={"name": "Calls"},
        )
        store = fake.backend.account().store(MeterEventStore)
        customers = []
        for _ in range(3):
            customer = stripe.Customer.create(test_clock=clock.id, payment_method="pm_card_visa")
            pm = stripe.Customer.list_payment_methods(customer.id).data[0].id
            stripe.Customer.modify(customer.id, invoice_settings={"default_payment_method": pm})
            for price in prices:
                stripe.Subscription.create(
                    customer=customer.id, items=[{"price": price.id}, {"price": calls.id}]
                )
            customers.append(customer.id)
            for i in range(events_per_customer):  # spread over the first month, on clock time
                store.ingest(
                    event_name="call",
                    payload={"stripe_customer_id": customer.id, "value": "1"},
                    identifier=None,
                    timestamp=START + (i * 2_419_200) // events_per_customer,
                    now=START,
                )
        began = time.perf_counter()
        for step in range(1, 7):
            stripe.test_helpers.TestClock.advance(clock.id, frozen_time=months_after(START, 2 * step))
        elapsed = (time.perf_counter() - began) * 1000
        invoices = sum(
            len(list(stripe.Invoice.list(customer=c, limit=100).auto_paging_iter())) for c in customers
        )
    return elapsed, invoices


def run(quick: bool = False) -> tuple[float, int]:
    """The median of three runs (ms) and the invoices one run produced."""
    events = 1_000 if quick else 10_000
    results = [one_run(events) for _ in range(1 if quick else 3)]
    return statistics.median(r[0] for r in results), results[0][1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    ms, invoices = run(args.quick)
    met = "met" if ms < GOAL_MS else "NOT met"
    print(
        f"test clock, 12 months in 6 advances, 9 subscriptions: {ms:.1f} ms ({invoices} invoices); "
        f"goal < {GOAL_MS:.0f} ms: {met}"
    )


if __name__ == "__main__":
    main()
