"""Many threads and asyncio tasks reporting usage at once: nothing lost, nothing counted twice."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import stripe
from compat import v1

from stripe_fake import StripeFake

THREADS = 8
PER_THREAD = 25


def _total(meter: Any, customer: Any) -> float:
    summaries = stripe.billing.Meter.list_event_summaries(
        meter.id, customer=customer.id, start_time=0, end_time=3_999_999_960
    )
    return float(sum(s.aggregated_value for s in summaries.data))


def _payload(customer: Any, value: int) -> dict[str, str]:
    return {"stripe_customer_id": customer.id, "value": str(value)}


def test_threads_lose_no_usage(stripe_fake: StripeFake, meter: Any, customer: Any) -> None:
    client = stripe.StripeClient("sk_test_fake_123")
    start = threading.Barrier(THREADS)

    def report(worker: int) -> int:
        start.wait()
        sent = 0
        for i in range(PER_THREAD):
            value = worker * 100 + i
            if i % 2:
                stripe.billing.MeterEvent.create(event_name="api_call", payload=_payload(customer, value))
            else:
                v1(client).billing.meter_events.create(
                    {"event_name": "api_call", "payload": _payload(customer, value)}
                )
            sent += value
        return sent

    with ThreadPoolExecutor(THREADS) as pool:
        expected = sum(pool.map(report, range(THREADS)))
    assert _total(meter, customer) == expected
    created = [r for r in stripe_fake.requests if r.route == "meter_events.create"]
    assert len(created) == THREADS * PER_THREAD
    assert all(r.status == 200 for r in created)
    assert stripe_fake.backend.internal_errors == []


def test_threads_racing_on_one_idempotency_key_count_once(
    stripe_fake: StripeFake, meter: Any, customer: Any
) -> None:
    start = threading.Barrier(THREADS)

    def report(_: int) -> str:
        start.wait()
        event = stripe.billing.MeterEvent.create(
            event_name="api_call", payload=_payload(customer, 5), idempotency_key="one-key"
        )
        return str(event.identifier)

    with ThreadPoolExecutor(THREADS) as pool:
        identifiers = set(pool.map(report, range(THREADS)))
    assert len(identifiers) == 1
    assert _total(meter, customer) == 5


def test_threads_with_unique_identifiers_and_duplicates(
    stripe_fake: StripeFake, meter: Any, customer: Any
) -> None:
    """Every identifier is sent by two threads: exactly one of each pair is counted."""
    start = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def report(worker: int) -> None:
        start.wait()
        for i in range(PER_THREAD):
            try:
                stripe.billing.MeterEvent.create(
                    event_name="api_call", identifier=f"evt-{worker // 2}-{i}", payload=_payload(customer, 1)
                )
                result = "ok"
            except stripe.InvalidRequestError:
                result = "duplicate"
            with lock:
                outcomes.append(result)

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(report, range(THREADS)))
    assert outcomes.count("ok") == THREADS // 2 * PER_THREAD
    assert outcomes.count("duplicate") == THREADS // 2 * PER_THREAD
    assert _total(meter, customer) == THREADS // 2 * PER_THREAD


async def test_asyncio_tasks_lose_no_usage(stripe_fake: StripeFake, meter: Any, customer: Any) -> None:
    client = stripe.StripeClient("sk_test_fake_123")

    async def report(value: int) -> int:
        if value % 2:
            await stripe.billing.MeterEvent.create_async(
                event_name="api_call", payload=_payload(customer, value)
            )
        else:
            await v1(client).billing.meter_events.create_async(
                {"event_name": "api_call", "payload": _payload(customer, value)}
            )
        return value

    values = await asyncio.gather(*(report(v) for v in range(1, 201)))
    assert _total(meter, customer) == sum(values)


async def test_asyncio_with_retries_and_faults_counts_once(
    stripe_fake: StripeFake, meter: Any, customer: Any
) -> None:
    """Injected 500s and network errors interleaved with concurrent tasks: each event counts once."""
    client = stripe.StripeClient("sk_test_fake_123", max_network_retries=3)
    stripe_fake.fail_next("meter_events.create", error="api_error", times=20)
    stripe_fake.fail_next("meter_events.create", error="network", times=20)

    async def report(value: int) -> None:
        await v1(client).billing.meter_events.create_async(
            {"event_name": "api_call", "payload": _payload(customer, value)}
        )

    await asyncio.gather(*(report(1) for _ in range(50)))
    assert _total(meter, customer) == 50


def test_threads_and_asyncio_together(stripe_fake: StripeFake, meter: Any, customer: Any) -> None:
    def thread_work() -> None:
        for _ in range(PER_THREAD):
            stripe.billing.MeterEvent.create(event_name="api_call", payload=_payload(customer, 2))

    async def async_work() -> None:
        await asyncio.gather(
            *(
                stripe.billing.MeterEvent.create_async(event_name="api_call", payload=_payload(customer, 3))
                for _ in range(PER_THREAD)
            )
        )

    threads = [threading.Thread(target=thread_work) for _ in range(4)]
    loops = [threading.Thread(target=lambda: asyncio.run(async_work())) for _ in range(2)]
    for t in threads + loops:
        t.start()
    for t in threads + loops:
        t.join()
    assert _total(meter, customer) == 4 * PER_THREAD * 2 + 2 * PER_THREAD * 3


def test_alert_fires_exactly_once_under_concurrency(
    stripe_fake: StripeFake, meter: Any, customer: Any
) -> None:
    if stripe_fake.backend.router.match("POST", "/v1/billing/alerts") is None:
        pytest.skip("billing alerts are not implemented yet")
    stripe.billing.Alert.create(
        alert_type="usage_threshold",
        title="100 calls",
        usage_threshold={
            "gte": 100,
            "meter": meter.id,
            "recurrence": "one_time",
            "filters": [{"type": "customer", "customer": customer.id}],
        },
    )
    start = threading.Barrier(THREADS)

    def report(_: int) -> None:
        start.wait()
        for _ in range(PER_THREAD):
            stripe.billing.MeterEvent.create(event_name="api_call", payload=_payload(customer, 1))

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(report, range(THREADS)))
    assert _total(meter, customer) == THREADS * PER_THREAD
    assert len(stripe_fake.events.of_type("billing.alert.triggered")) == 1


def test_v2_meter_events_from_threads(stripe_fake: StripeFake, meter: Any, customer: Any) -> None:
    if stripe_fake.backend.router.match("POST", "/v2/billing/meter_events") is None:
        pytest.skip("POST /v2/billing/meter_events is not implemented yet")
    client = stripe.StripeClient("sk_test_fake_123")

    def report(_: int) -> None:
        for _ in range(PER_THREAD):
            client.v2.billing.meter_events.create(
                {"event_name": "api_call", "payload": _payload(customer, 1)}  # type: ignore[typeddict-item]
            )

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(report, range(THREADS)))
    assert _total(meter, customer) == THREADS * PER_THREAD
