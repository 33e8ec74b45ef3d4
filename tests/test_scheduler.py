"""The scheduler (due work at its own due time), the bus, and the one usage aggregation."""

from __future__ import annotations

import pickle
import time
from datetime import datetime, timezone
from typing import Any

import pytest
import stripe
from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st

from stripe_fake import StripeFake
from stripe_fake.bus import Bus
from stripe_fake.resources.events.models import emit_event
from stripe_fake.resources.meter_events.models import MeterEventStore
from stripe_fake.resources.meters.models import MeterStore
from stripe_fake.scheduler import Job, Scheduler, UnknownJobKind
from stripe_fake.state import AccountState

T0 = int(time.time()) // 3600 * 3600  # the start of this hour (events stay within retention)


class _Accounts:
    """A stand-in for the backend's account lookup (the scheduler only needs ids resolved)."""

    def __init__(self) -> None:
        self.made: dict[str | None, Any] = {}

    def __call__(self, account_id: str | None) -> Any:
        return self.made.setdefault(account_id, type("A", (), {"id": account_id})())


def test_jobs_run_in_due_order_each_at_its_own_due_time_and_may_schedule_more() -> None:
    accounts = _Accounts()
    scheduler = Scheduler(accounts)
    ran: list[tuple[str, int]] = []

    def renew(account: AccountState, job: Job) -> None:
        ran.append((job.ref, job.due))
        if job.data["left"] > 1:  # one period end schedules the next
            scheduler.at(job.due + 100, "t.renew", account, job.ref, data={"left": job.data["left"] - 1})

    scheduler.register("t.renew", renew)
    platform = accounts(None)
    scheduler.at(T0 + 50, "t.renew", platform, "b", data={"left": 1})
    scheduler.at(T0 + 10, "t.renew", platform, "a", data={"left": 3})
    assert scheduler.run_due(T0 + 9) == 0
    assert scheduler.run_due(T0 + 250) == 4
    assert ran == [("a", T0 + 10), ("b", T0 + 50), ("a", T0 + 110), ("a", T0 + 210)]
    assert scheduler.next_due() is None


def test_cancelled_jobs_are_skipped_and_test_clock_jobs_wait_for_their_clock() -> None:
    accounts = _Accounts()
    scheduler = Scheduler(accounts)
    ran: list[str] = []
    scheduler.register("t.x", lambda account, job: ran.append(job.ref))
    platform = accounts(None)
    cancelled = scheduler.at(T0, "t.x", platform, "cancelled")
    scheduler.at(T0, "t.x", platform, "kept")
    scheduler.at(T0, "t.x", platform, "on_clock", clock="clock_1")
    scheduler.cancel(cancelled)
    scheduler.run_due(T0 + 1)
    assert ran == ["kept"]
    scheduler.run_due(T0 + 1, clock="clock_1")
    assert ran == ["kept", "on_clock"]


def test_unknown_kinds_are_refused_and_failing_jobs_are_reported_without_stopping_the_run() -> None:
    errors: list[BaseException] = []
    accounts = _Accounts()
    scheduler = Scheduler(accounts, errors.append)
    with pytest.raises(UnknownJobKind):
        scheduler.at(T0, "t.nobody", accounts(None), "x")

    def boom(account: AccountState, job: Job) -> None:
        raise RuntimeError("job failed")

    ran: list[str] = []
    scheduler.register("t.boom", boom)
    scheduler.register("t.ok", lambda account, job: ran.append(job.ref))
    scheduler.at(T0, "t.boom", accounts(None), "x")
    scheduler.at(T0 + 1, "t.ok", accounts(None), "y")
    assert scheduler.run_due(T0 + 5) == 2
    assert [str(e) for e in errors] == ["job failed"] and ran == ["y"]


def test_pending_jobs_pickle_and_load_into_a_new_scheduler() -> None:
    accounts = _Accounts()
    first = Scheduler(accounts)
    first.register("t.x", lambda account, job: None)
    first.at(T0 + 5, "t.x", accounts("acct_1"), "obj_1", data={"n": 1})
    first.at(T0 + 1, "t.x", accounts(None), "obj_0", clock="clock_9")
    saved = pickle.loads(pickle.dumps(first.dump()))
    ran: list[tuple[str | None, str, int, dict[str, Any]]] = []
    second = Scheduler(accounts)
    second.register("t.x", lambda account, job: ran.append((account.id, job.ref, job.due, job.data)))
    second.load(saved)
    second.run_due(T0 + 10)
    second.run_due(T0 + 10, clock="clock_9")
    assert ran == [("acct_1", "obj_1", T0 + 5, {"n": 1}), (None, "obj_0", T0 + 1, {})]
    assert second.at(T0, "t.x", accounts(None), "later").seq > 2  # sequence numbers continue


def test_bus_interest_filters_accounts_and_handlers_are_asked_once() -> None:
    bus = Bus()
    heard: list[tuple[str | None, int]] = []
    accounts = _Accounts()
    bus.subscribe(int, lambda account, message: heard.append((account.id, message)))
    bus.subscribe(
        int, lambda account, message: heard.append(("only-acct", message)), interested=lambda a: a.id
    )
    bus.publish(accounts(None), 1)
    bus.publish(accounts("acct_1"), 2)
    assert heard == [(None, 1), ("acct_1", 2), ("only-acct", 2)]
    assert len(bus.handlers(int, accounts(None))) == 1
    assert bus.handlers(str, accounts(None)) == []


# -- through the SDK ---------------------------------------------------------------------------------


def _emit_job(account: AccountState, job: Job) -> None:
    """A scheduled job emitting an event with no request as its cause, stamped at its due time."""
    meter = account.store(MeterStore).table.require(job.ref)
    emit_event(account, "billing.meter.updated", meter.render(), now=job.due)


def test_a_freezegun_jump_runs_due_jobs_in_order_at_their_own_times(
    stripe_fake: StripeFake, meter: stripe.billing.Meter
) -> None:
    scheduler = stripe_fake.backend.scheduler
    scheduler.register("tests.emit", _emit_job)
    account = stripe_fake.account()
    with freeze_time(datetime.fromtimestamp(T0, timezone.utc)) as frozen:
        for offset in (300, 100, 200):
            scheduler.at(T0 + offset, "tests.emit", account, meter.id)
        frozen.tick(250)
        stripe.billing.Meter.retrieve(meter.id)  # any request runs what became due
        assert [e["created"] for e in stripe_fake.events.of_type("billing.meter.updated")] == [
            T0 + 100,
            T0 + 200,
        ]
        frozen.tick(100)
        assert stripe_fake.run_due() == 1  # no request needed
    events = stripe.Event.list(type="billing.meter.updated").data
    assert [e.created for e in events] == [T0 + 300, T0 + 200, T0 + 100]
    assert all(e.request.id is None and e.request.idempotency_key is None for e in events)


def test_reading_events_runs_due_work_first(stripe_fake: StripeFake, meter: stripe.billing.Meter) -> None:
    stripe_fake.backend.scheduler.register("tests.emit", _emit_job)
    with freeze_time(datetime.fromtimestamp(T0, timezone.utc)) as frozen:
        stripe_fake.backend.scheduler.at(T0 + 60, "tests.emit", stripe_fake.account(), meter.id)
        assert stripe_fake.events.of_type("billing.meter.updated") == []
        frozen.tick(60)
        [event] = stripe_fake.assert_event("billing.meter.updated", id=meter.id)
        assert event["created"] == T0 + 60


def test_expand_finds_objects_by_id_prefix(stripe_fake: StripeFake, customer: stripe.Customer) -> None:
    meter = stripe.billing.Meter.create(
        display_name="m", event_name="e", default_aggregation={"formula": "sum"}
    )
    alert = stripe.billing.Alert.create(
        title="t",
        alert_type="usage_threshold",
        usage_threshold={"gte": 1, "meter": meter.id, "recurrence": "one_time"},
        expand=["usage_threshold.meter"],
    )
    assert alert.usage_threshold.meter.id == meter.id
    assert alert.usage_threshold.meter.object == "billing.meter"


# -- the one aggregation -----------------------------------------------------------------------------

EVENTS = st.lists(
    st.tuples(st.integers(0, 400), st.integers(-5, 50)),  # (seconds after T0, value)
    min_size=0,
    max_size=25,
)


@pytest.mark.parametrize("formula", ["sum", "count", "last"])
@settings(max_examples=25, deadline=None)
@given(events=EVENTS, start=st.integers(-10, 420), length=st.integers(0, 420))
def test_aggregate_is_the_formula_over_usage_in_the_half_open_range(
    formula: str, events: list[tuple[int, int]], start: int, length: int
) -> None:
    with freeze_time(datetime.fromtimestamp(T0 + 500, timezone.utc)), StripeFake() as fake:
        stripe.api_key = "sk_test_fake_123"
        cus = stripe.Customer.create()
        meter = stripe.billing.Meter.create(
            display_name="m", event_name="e", default_aggregation={"formula": formula}
        )
        for offset, value in events:
            stripe.billing.MeterEvent.create(
                event_name="e",
                timestamp=T0 + offset,
                payload={"stripe_customer_id": cus.id, "value": str(value)},
            )
        lo, hi = T0 + start, T0 + start + length
        inside = [value for offset, value in events if lo <= T0 + offset < hi]
        if formula == "sum":
            expected = sum(inside)
        elif formula == "count":
            expected = len(inside)
        else:  # the latest by timestamp, then arrival
            latest = [(T0 + o, i, v) for i, (o, v) in enumerate(events) if lo <= T0 + o < hi]
            expected = max(latest)[2] if latest else 0
        account = fake.account()
        found = account.store(MeterEventStore).aggregate(
            account.store(MeterStore).table.require(meter.id), cus.id, lo, hi
        )
        assert found == expected


# -- delayed meter events through the SDK ------------------------------------------------------------


def _alert(meter_id: str, gte: int) -> stripe.billing.Alert:
    return stripe.billing.Alert.create(
        title=f"at {gte}",
        alert_type="usage_threshold",
        usage_threshold={"gte": gte, "meter": meter_id, "recurrence": "one_time"},
    )


def _report(customer_id: str, value: str = "1") -> None:
    stripe.billing.MeterEvent.create(
        event_name="api_call", payload={"stripe_customer_id": customer_id, "value": value}
    )


@pytest.mark.stripe_fake(processing_delay=60)
def test_one_jump_over_several_delays_counts_each_event_at_its_own_due_time(
    stripe_fake: StripeFake, meter: stripe.billing.Meter, customer: stripe.Customer
) -> None:
    alerts = [_alert(meter.id, gte) for gte in (1, 2, 3)]
    with freeze_time(datetime.fromtimestamp(T0, timezone.utc)) as frozen:
        for _ in range(3):
            _report(customer.id)
            frozen.tick(10)  # received at T0, T0 + 10, T0 + 20
        assert stripe_fake.backend.events.of_type("billing.alert.triggered") == []
        frozen.tick(200)  # one jump past all three due times
        stripe.Customer.retrieve(customer.id)
    triggered = stripe_fake.backend.events.of_type("billing.alert.triggered")
    assert [(e["data"]["object"]["alert"]["id"], e["created"]) for e in triggered] == [
        (alerts[0].id, T0 + 60),
        (alerts[1].id, T0 + 70),
        (alerts[2].id, T0 + 80),
    ]


@pytest.mark.stripe_fake(processing_delay=30, error_report_window=60)
def test_run_due_settles_delayed_usage_and_error_reports_without_a_request(
    stripe_fake: StripeFake, meter: stripe.billing.Meter, customer: stripe.Customer
) -> None:
    _alert(meter.id, 5)
    with freeze_time(datetime.fromtimestamp(T0, timezone.utc)) as frozen:
        _report(customer.id, "5")
        _report("cus_missing", "1")  # accepted, reported asynchronously
        frozen.tick(30)
        assert stripe_fake.run_due() == 1  # the delayed event counts; the report waits for its window
        assert [e["created"] for e in stripe_fake.backend.events.of_type("billing.alert.triggered")] == [
            T0 + 30
        ]
        assert stripe_fake.backend.thin_events == []
        frozen.tick(60)
        assert stripe_fake.run_due() == 1
    [report] = stripe_fake.thin_events.of_type("v1.billing.meter.error_report_triggered")
    assert report["created"] == _rfc3339(T0 - T0 % 60 + 60 + 30)  # window end + processing delay
    stripe_fake.assert_thin_event(
        "v1.billing.meter.error_report_triggered", related_object__id=meter.id, data__reason__error_count=1
    )


def _rfc3339(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def test_pending_jobs_saved_with_the_state_run_in_a_new_server(tmp_path: Any) -> None:
    from stripe_fake.config import FakeConfig
    from stripe_fake.server import StripeFakeServer

    state = tmp_path / "state.pickle"

    def server() -> StripeFakeServer:
        config = FakeConfig(processing_delay=60, record_requests=False)
        return StripeFakeServer(port=0, state_path=state, config=config).start()

    first = server()
    client = stripe.StripeClient("sk_test_123", base_addresses={"api": first.url})
    first.clock.freeze(at=T0)
    cus = client.v1.customers.create()
    mtr = client.v1.billing.meters.create(
        {"display_name": "m", "event_name": "api_call", "default_aggregation": {"formula": "sum"}}
    )
    client.v1.billing.alerts.create(
        {
            "title": "t",
            "alert_type": "usage_threshold",
            "usage_threshold": {"gte": 3, "meter": mtr.id, "recurrence": "one_time"},
        }
    )
    client.v1.billing.meter_events.create(
        {"event_name": "api_call", "payload": {"stripe_customer_id": cus.id, "value": "3"}}
    )
    assert len(first.backend.scheduler.pending()) == 1
    first.stop()  # saves the state, with the pending job

    second = server()
    try:
        assert second.loaded_state
        assert [job.kind for job in second.backend.scheduler.pending()] == ["meter_events.release"]
        second.clock.advance(60)
        client = stripe.StripeClient("sk_test_123", base_addresses={"api": second.url})
        client.v1.customers.retrieve(cus.id)  # the first request after the due time runs the job
        [event] = second.backend.events.of_type("billing.alert.triggered")
        assert event["created"] == T0 + 60
    finally:
        second.stop()
