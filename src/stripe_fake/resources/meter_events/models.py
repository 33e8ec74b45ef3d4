"""Meter events: ingestion rules, identifier uniqueness and the per-account usage aggregates."""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from ...http.errors import StripeError
from ...ids import new_uuid
from ..customers.models import Customer, CustomerStore
from ..meters.models import Meter, MeterStore
from .usage import (
    CANCELLED,
    COUNTED,
    DAY,
    HOUR,
    MINUTE,
    Agg,
    CustomerUsage,
    Number,
    RecordTable,
    parse_value,
)

if TYPE_CHECKING:
    from ...state import AccountState

IDENTIFIER_WINDOW = 24 * 3600
PAST_WINDOW = 35 * 86400
FUTURE_WINDOW = 5 * 60

#: Scheduler job kinds of this package (handlers registered in ``meter_events.install``).
RELEASE_JOB = "meter_events.release"  # delayed events (``processing_delay``) count
ERROR_REPORT_JOB = "meter_events.error_report"  # batched asynchronous errors go out as thin events


class UsageCounted(NamedTuple):
    """Bus topic: a meter event was counted for ``customer`` at ``now`` (``record``: its index).

    ``usage.total`` is current; during a stream request the day/hour/minute buckets may lag until
    its end. Publishers ask ``bus.handlers`` first and build no message when nobody listens. (A
    named tuple rather than a frozen dataclass: one is built per counted event, and this is cheaper.)
    """

    meter: Meter
    customer: str
    usage: CustomerUsage
    record: int
    now: int


@dataclass
class AsyncError:
    """A meter event Stripe accepted but could not count (reported later as a thin event)."""

    code: str
    message: str
    identifier: str
    event_name: str
    meter_id: str | None
    created: int


class IngestBatch:
    """Lookups shared by the events of one request (a stream of up to 100): each event name's meter
    is found once, and the customer store once. Live objects are cached, not answers: a meter archived
    or a customer deleted meanwhile is still seen."""

    __slots__ = ("customers", "meters")

    def __init__(self) -> None:
        self.meters: dict[str, Meter | None] = {}
        self.customers: CustomerStore | None = None


class MeterEventStore:
    """Accepted meter events, identifiers seen in the last 24 hours, and usage per (meter, customer)."""

    # class-level defaults: stores pickled before these existed load without them
    _release_job_at: int | None = None
    _report_job_at: int | None = None

    def __init__(self, account: AccountState) -> None:
        self.account = account
        self.records = RecordTable()
        self.by_identifier: dict[str, int] = {}  # -> index in records
        self.usage: dict[tuple[str, str], CustomerUsage] = {}
        self.async_errors: list[AsyncError] = []
        self._seq = 0
        # processing_delay: accepted events waiting to count, as (due time, index), a heap; one
        # scheduler job per distinct due time releases them (``_release_job_at``: the latest one).
        self._due: list[tuple[int, int]] = []
        self._release_job_at: int | None = None
        self._report_job_at: int | None = None  # the latest error report job scheduled

    # -- validation shared by v1 and v2 --------------------------------------------------------------

    @staticmethod
    def check_timestamp(timestamp: int, now: int, param: str = "timestamp") -> None:
        if timestamp < now - PAST_WINDOW:
            raise StripeError(
                "The event timestamp cannot be more than 35 days in past. Expected a timestamp greater "
                f"than or equal to {now - PAST_WINDOW}.",
                param=param,
            )
        if timestamp > now + FUTURE_WINDOW:
            raise StripeError(
                "The event timestamp cannot be more than 5 minutes in the future. Expected a timestamp "
                f"less than or equal to {now + FUTURE_WINDOW}.",
                param=param,
            )

    def identifier_taken(self, identifier: str, now: int) -> bool:
        found = self.by_identifier.get(identifier)
        return found is not None and self.records.created[found] > now - IDENTIFIER_WINDOW

    def check_identifier(self, identifier: str, now: int) -> None:
        if self.identifier_taken(identifier, now):
            raise StripeError(
                f"An event already exists with identifier {identifier}.",
                param="identifier",
                headers={"Stripe-Should-Retry": "false"},
            )

    # -- ingestion ----------------------------------------------------------------------------------

    def ingest(
        self,
        *,
        event_name: str,
        payload: dict[str, str],
        identifier: str | None,
        timestamp: int,
        now: int,
        batch: IngestBatch | None = None,
    ) -> str:
        """Accept a validated meter event; count it, or record why it cannot be counted. Its identifier."""
        identifier = identifier or new_uuid()
        self._seq += 1
        if batch is None:
            meter = self.account.store(MeterStore).by_event_name.get(event_name)
        elif event_name in batch.meters:
            meter = batch.meters[event_name]
        else:
            meter = batch.meters[event_name] = self.account.store(MeterStore).by_event_name.get(event_name)
        # The arrival order only breaks timestamp ties for the "last" formula; other meters store 0
        # (a shared small int instead of one more int object per event).
        seq = self._seq if meter is not None and meter.formula == "last" else 0
        meter_id = meter.id if meter else None
        customer, value, problem = self._check(meter, event_name, payload, batch)
        index = self.records.append(event_name, meter_id, customer, value, timestamp, now, seq)
        self.by_identifier[identifier] = index
        if problem is not None:
            code, message = problem
            self._note_error(AsyncError(code, message, identifier, event_name, meter_id, now))
            return identifier
        assert meter is not None
        delay = self.account.config.processing_delay
        if delay > 0:
            due = now + delay
            heapq.heappush(self._due, (due, index))  # indexes grow in arrival order
            if self._release_job_at != due:
                self._release_job_at = due
                self.account.scheduler.at(due, RELEASE_JOB, self.account, "meter_events")
        else:
            self.count(meter, index, now)
        return identifier

    def ingest_many(
        self, events: Iterable[tuple[str, dict[str, str], str, int, tuple[str, str] | None]], now: int
    ) -> None:
        """Take the stream's ``(event_name, payload, identifier, timestamp, problem)`` in order.

        An event with a ``problem`` (code, message) is only reported (:meth:`record_async_error`).
        Others have the outcome of :meth:`ingest`, but one on the common path (active meter
        without an event time window, known customer, a value of plain digits, no processing delay) is
        counted inline, with the meter, customer store and usage of the request looked up once. Any
        other event goes through :meth:`ingest` itself.

        Inline events update the lifetime total (what listeners read) one by one, but the day, hour
        and minute buckets once per *run* (consecutive events of one usage and timestamp: a stream's
        events mostly share both), with the same result as one by one (:meth:`CustomerUsage.add_run`).
        """
        batch = IngestBatch()
        meters = batch.meters
        by_event_name = self.account.store(MeterStore).by_event_name
        customers = batch.customers = self.account.store(CustomerStore)
        inline = self.account.config.processing_delay <= 0
        usages: dict[tuple[str, str], CustomerUsage] = {}
        # Customer objects, not answers: a customer deleted meanwhile is still seen (``deleted``).
        known: dict[str | None, Customer | None] = {}
        by_identifier = self.by_identifier
        # the columns of self.records, appended to inline (see RecordTable.append)
        records = self.records
        flags = records.flags
        add_event_name, add_meter_id = records.event_name.append, records.meter_id.append
        add_customer, add_value = records.customer.append, records.value.append
        add_timestamp, add_created = records.timestamp.append, records.created.append
        add_seq = records.seq.append
        account = self.account
        listeners = account.bus.handlers(UsageCounted, account)  # asked once per batch
        # the pending run: its usage and timestamp, sum, count, latest (seq, value), indexes if tracked
        run_usage: CustomerUsage | None = None
        run_ts = run_count = run_seq = 0
        run_total: Number = 0
        run_value: Number = 0
        run_indexes: list[int] | None = None
        try:
            for event_name, payload, identifier, timestamp, problem in events:
                if problem is not None:
                    self.record_async_error(problem[0], problem[1], identifier, event_name, now)
                    continue
                meter = meters.get(event_name)
                if meter is None:
                    meter = meters[event_name] = by_event_name.get(event_name)
                customer = payload.get(meter.customer_key) if meter is not None else None
                raw = payload.get(meter.value_key) if customer and meter is not None else None
                found = None
                if raw is not None:  # so customer is a non-empty string
                    if customer in known:
                        found = known[customer]
                    else:
                        found = known[customer] = customers.table.get(customer)  # type: ignore[arg-type]
                if (
                    not inline
                    or raw is None
                    or meter is None
                    or meter.status != "active"
                    or meter.event_time_window is not None
                    or not raw.isdigit()
                    or not raw.isascii()
                    or found is None
                    or found.deleted
                ):
                    if run_usage is not None:  # the slow path counts on the buckets being current
                        run_usage.add_run(run_ts, run_total, run_count, run_seq, run_value, run_indexes)
                        run_usage = None
                    self.ingest(
                        event_name=event_name,
                        payload=payload,
                        identifier=identifier,
                        timestamp=timestamp,
                        now=now,
                        batch=batch,
                    )
                    continue
                assert customer is not None
                self._seq += 1
                seq = self._seq if meter.formula == "last" else 0
                value = int(raw)
                index = len(flags)
                # the meter's and the customer's own strings (equal to the decoded ones): stored events
                # share them instead of keeping two fresh strings each (about 120 B per event)
                add_event_name(meter.event_name)
                add_meter_id(meter.id)
                add_customer(found.id)
                add_value(value)
                add_timestamp(timestamp)
                add_created(now)
                add_seq(seq)
                flags.append(COUNTED)
                by_identifier[identifier] = index
                key = (meter.id, customer)
                usage = usages.get(key)
                if usage is None:
                    usage = usages[key] = self.usage_for(meter.id, customer)
                if usage is not run_usage or timestamp != run_ts:
                    if run_usage is not None:
                        run_usage.add_run(run_ts, run_total, run_count, run_seq, run_value, run_indexes)
                    run_usage, run_ts, run_total, run_count, run_seq, run_value = (
                        usage,
                        timestamp,
                        0,
                        0,
                        seq,
                        value,
                    )
                    run_indexes = [] if usage.track_last else None
                run_total += value
                run_count += 1
                if seq > run_seq:  # ties: the earliest stays the latest, as in Agg order
                    run_seq = seq
                    run_value = value
                if run_indexes is not None:
                    run_indexes.append(index)
                usage.total.add(value, 1, timestamp, seq, value)  # alerts read it per event
                if listeners:
                    counted = UsageCounted(meter, customer, usage, index, now)
                    for listener in listeners:
                        listener(account, counted)
        finally:
            if run_usage is not None:
                run_usage.add_run(run_ts, run_total, run_count, run_seq, run_value, run_indexes)

    def record_async_error(self, code: str, message: str, identifier: str, event_name: str, now: int) -> None:
        """Note an event rejected during (asynchronous) processing without storing it (stream timestamps)."""
        meter = self.account.store(MeterStore).by_event_name.get(event_name)
        if meter is None:
            code, message = "no_meter", f"No meter was found matching event_name {event_name}."
        meter_id = meter.id if meter else None
        self._note_error(AsyncError(code, message, identifier, event_name, meter_id, now))

    def _note_error(self, error: AsyncError) -> None:
        """Keep ``error`` for its report, and schedule the report's job (once per due time)."""
        self.async_errors.append(error)
        config = self.account.config
        size = config.error_report_window
        end = error.created - error.created % size + size if size > 0 else error.created
        due = end + config.processing_delay
        if self._report_job_at != due:
            self._report_job_at = due
            self.account.scheduler.at(due, ERROR_REPORT_JOB, self.account, "meter_events")

    def release_due(self, now: int) -> None:
        """Count the held-back events whose processing delay has passed (cancelled ones are dropped);
        each counts at ``now``, the due time of the job that releases it."""
        due = self._due
        meters = self.account.store(MeterStore).table
        records = self.records
        while due and due[0][0] <= now:
            index = heapq.heappop(due)[1]
            meter_id = records.meter_id[index]
            meter = meters.get(meter_id) if meter_id else None
            if meter is not None and not records.flags[index] & CANCELLED:
                self.count(meter, index, now)

    def _check(
        self,
        meter: Meter | None,
        event_name: str,
        payload: dict[str, str],
        batch: IngestBatch | None = None,
    ) -> tuple[str | None, Number, tuple[str, str] | None]:
        """The event's customer (once known to exist) and value, and the (code, message) of the problem
        that keeps it from counting (``None``: it counts)."""
        if meter is None:
            return None, 0, ("no_meter", f"No meter was found matching event_name {event_name}.")
        if not meter.active:
            return None, 0, ("archived_meter", "The meter must be Active to submit events.")
        customer = payload.get(meter.customer_key)
        if not customer:
            message = f"Customer mapping key {meter.customer_key} not found in payload."
            return None, 0, ("meter_event_no_customer_defined", message)
        if batch is None:
            customers = self.account.store(CustomerStore)
        else:
            customers = batch.customers or self.account.store(CustomerStore)
            batch.customers = customers
        if not customers.exists(customer):
            return None, 0, ("meter_event_customer_not_found", f"Customer {customer} not found.")
        raw = payload.get(meter.value_key)
        if raw is None:
            if meter.formula == "count":
                return customer, 1, None
            message = f"Value key {meter.value_key} not found in payload."
            return customer, 0, ("meter_event_value_not_found", message)
        # plain digits (the common case) are what parse_value would return, without the call
        value = int(raw) if raw.isdigit() and raw.isascii() else parse_value(raw)
        if value is None:
            message = f"Value {raw[:100]} for key {meter.value_key} is not a valid number."
            return customer, 0, ("meter_event_invalid_value", message)
        return customer, value, None

    # -- aggregation (summaries and invoices) --------------------------------------------------------

    def aggregate(self, meter: Meter, customer: str, start: int, end: int) -> Number:
        """The meter's formula over ``customer``'s counted usage with ``start <= timestamp < end``.

        ``sum`` adds values, ``count`` counts events, ``last`` is the latest value (by timestamp,
        then arrival). Event summaries and invoices both read usage through this one function.
        """
        return self.aggregate_agg(meter, customer, start, end).value(meter.formula)

    def aggregate_agg(self, meter: Meter, customer: str, start: int, end: int) -> Agg:
        """The running aggregate behind :meth:`aggregate` (sum, count and latest value).

        Whole minutes come from the buckets (no rescan of stored events). A range edge inside a
        minute that holds usage needs that minute's events: a ``last`` meter keeps them per minute;
        for others the stored events are scanned once for that minute (rare: summaries are always
        minute-aligned, billing periods only straddle a used minute at their edges).
        """
        usage = self.usage.get((meter.id, customer))
        if usage is None or start >= end:
            return Agg()
        first = -(-start // MINUTE) * MINUTE  # the first whole minute
        last = end - end % MINUTE  # the end of the last whole minute
        if first >= last:  # inside one minute (or two partial ones)
            result = Agg()
            self._add_partial(result, usage, meter.id, customer, start, end)
            return result
        result = usage.range(first, last)
        if start < first:
            self._add_partial(result, usage, meter.id, customer, start, first)
        if last < end:
            self._add_partial(result, usage, meter.id, customer, last, end)
        return result

    def _add_partial(
        self, result: Agg, usage: CustomerUsage, meter_id: str, customer: str, lo: int, hi: int
    ) -> None:
        """Add the counted events of ``[lo, hi)`` (within at most two minutes) to ``result``."""
        records = self.records
        for minute in {lo - lo % MINUTE, (hi - 1) - (hi - 1) % MINUTE}:
            bucket = usage.buckets[MINUTE].get(minute)
            if bucket is None or not bucket.count:
                continue
            if usage.track_last:
                indexes: list[int] = list(usage.minute_records.get(minute, []))
            else:
                indexes = [
                    index
                    for index in range(len(records.flags))
                    if records.meter_id[index] == meter_id
                    and records.customer[index] == customer
                    and minute <= records.timestamp[index] < minute + MINUTE
                ]
            for index in indexes:
                ts = records.timestamp[index]
                if lo <= ts < hi and records.flags[index] & COUNTED:
                    value = records.value[index]
                    result.add(value, 1, ts, records.seq[index], value)

    def usage_for(self, meter_id: str, customer: str) -> CustomerUsage:
        key = (meter_id, customer)
        found = self.usage.get(key)
        if found is None:
            meter = self.account.store(MeterStore).table.get(meter_id)
            # only a "last" meter needs the records of each minute (to recompute the latest value)
            track_last = meter is None or meter.formula == "last"
            found = self.usage[key] = CustomerUsage(self.records, track_last=track_last)
        return found

    def count(self, meter: Meter, index: int, now: int) -> None:
        """Add stored event ``index`` to the aggregates (pre-aggregated meters keep the latest per window)
        at ``now``, and tell the bus (:class:`UsageCounted`)."""
        records = self.records
        customer = records.customer[index]
        assert customer is not None
        usage = self.usage_for(meter.id, customer)
        if meter.event_time_window is not None:
            size = HOUR if meter.event_time_window == "hour" else DAY
            ts = records.timestamp[index]
            stack = usage.windows.setdefault(ts - ts % size, [])
            if stack and records.flags[stack[-1]] & COUNTED:
                usage.remove(stack[-1])
            stack.append(index)
        usage.add_stored(index)
        account = self.account
        listeners = account.bus.handlers(UsageCounted, account)
        if listeners:
            counted = UsageCounted(meter, customer, usage, index, now)
            for listener in listeners:
                listener(account, counted)

    def uncount(self, meter: Meter, index: int) -> None:
        """Take cancelled event ``index`` out of the aggregates (restoring the previous one of its window)."""
        records = self.records
        customer = records.customer[index]
        if customer is None:
            return
        usage = self.usage_for(meter.id, customer)
        counted = records.flags[index] & COUNTED
        if meter.event_time_window is not None:
            size = HOUR if meter.event_time_window == "hour" else DAY
            ts = records.timestamp[index]
            stack = usage.windows.get(ts - ts % size, [])
            was_top = bool(stack) and stack[-1] == index
            if index in stack:
                stack.remove(index)
            if counted:
                usage.remove(index)
            if was_top:
                for previous in reversed(stack):
                    if not records.flags[previous] & CANCELLED:
                        usage.add_stored(previous)
                        break
            return
        if counted:
            usage.remove(index)


def render_meter_event(
    event_name: str, identifier: str, payload: dict[str, str], timestamp: int, created: int, livemode: bool
) -> dict[str, Any]:
    return {
        "object": "billing.meter_event",
        "created": created,
        "event_name": event_name,
        "identifier": identifier,
        "livemode": livemode,
        "payload": dict(payload),
        "timestamp": timestamp,
    }
