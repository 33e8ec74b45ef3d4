"""Incremental usage aggregates per (meter, customer).

Every counted meter event updates running totals in minute, hour and UTC-day buckets and a
lifetime total. A summary combines the fewest buckets that cover its range, and an alert check reads
the lifetime total: neither rescans stored events, however many there are.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from decimal import Decimal

Number = int | Decimal

MINUTE = 60
HOUR = 3600
DAY = 86400
LEVELS = (DAY, HOUR, MINUTE)


#: ``RecordTable.flags`` bits
COUNTED = 1  # currently contributing to the aggregates
CANCELLED = 2


class RecordTable:
    """Every accepted meter event, column-wise: event ``i`` is entry ``i`` of each column.

    A stored event is no object of its own: the columns hold shared strings and ints, so events kept
    for the fake's lifetime add nothing the garbage collector tracks (one object per event would be
    traversed by every full collection, and 100 per stream request trigger collections). ``seq``
    (arrival order, to break timestamp ties of the ``last`` formula) is 0 for other meters.
    """

    __slots__ = ("created", "customer", "event_name", "flags", "meter_id", "seq", "timestamp", "value")

    def __init__(self) -> None:
        self.event_name: list[str] = []
        self.meter_id: list[str | None] = []
        self.customer: list[str | None] = []
        self.value: list[Number] = []
        self.timestamp: list[int] = []
        self.created: list[int] = []
        self.seq: list[int] = []
        self.flags = bytearray()  # COUNTED | CANCELLED

    def append(
        self,
        event_name: str,
        meter_id: str | None,
        customer: str | None,
        value: Number,
        timestamp: int,
        created: int,
        seq: int,
        flags: int = 0,
    ) -> int:
        """Store one event; its index."""
        index = len(self.flags)
        self.event_name.append(event_name)
        self.meter_id.append(meter_id)
        self.customer.append(customer)
        self.value.append(value)
        self.timestamp.append(timestamp)
        self.created.append(created)
        self.seq.append(seq)
        self.flags.append(flags)
        return index

    def counted(self, index: int) -> bool:
        return bool(self.flags[index] & COUNTED)


class Agg:
    """Running sum, count and latest value of a set of events.

    The latest event is kept as its (timestamp, seq) order in two ints rather than a tuple: one Agg
    exists per non-empty minute, so this is most of the aggregates' memory.
    """

    __slots__ = ("count", "last_seq", "last_ts", "last_value", "total")

    def __init__(self) -> None:
        self.total: Number = 0
        self.count = 0
        self.last_ts: int | None = None  # None: empty
        self.last_seq = 0
        self.last_value: Number = 0

    def add(self, total: Number, count: int, ts: int, seq: int, value: Number) -> None:
        """Count ``count`` events summing to ``total``; ``(ts, seq, value)`` is the latest of them."""
        self.total += total
        self.count += count
        last = self.last_ts
        if last is None or ts > last or (ts == last and seq > self.last_seq):
            self.last_ts = ts
            self.last_seq = seq
            self.last_value = value

    def _is_later(self, ts: int, seq: int) -> bool:
        last = self.last_ts
        return last is None or ts > last or (ts == last and seq > self.last_seq)

    def remove(self, value: Number, ts: int, seq: int) -> bool:
        """Take an event out; ``True`` if it was the latest (the caller must recompute it)."""
        self.total -= value
        self.count -= 1
        if self.count == 0:
            self.clear_last()
            return False
        return self.last_ts == ts and self.last_seq == seq

    def clear_last(self) -> None:
        self.last_ts = None
        self.last_seq = 0
        self.last_value = 0

    def merge(self, other: Agg) -> None:
        if other.count == 0:
            return
        self.total += other.total
        self.count += other.count
        if other.last_ts is not None and self._is_later(other.last_ts, other.last_seq):
            self.last_ts = other.last_ts
            self.last_seq = other.last_seq
            self.last_value = other.last_value

    def value(self, formula: str) -> Number:
        if formula == "count":
            return self.count
        if formula == "last":
            return self.last_value
        return self.total


class CustomerUsage:
    """The buckets of one meter for one customer, over the events of ``table`` (referred to by index).

    ``track_last=False`` (meters whose formula is not ``last``) skips the per-minute event lists that
    only serve to recompute the latest value after a cancellation; the latest value of such a meter's
    buckets is then not maintained on removal (nothing reads it).
    """

    __slots__ = ("_hot", "buckets", "keys", "minute_records", "table", "total", "track_last", "windows")

    def __init__(self, table: RecordTable, track_last: bool = True) -> None:
        self.table = table
        self.buckets: dict[int, dict[int, Agg]] = {DAY: {}, HOUR: {}, MINUTE: {}}  # LEVELS
        self.keys: dict[int, list[int]] = {DAY: [], HOUR: [], MINUTE: []}
        self.total = Agg()
        self.track_last = track_last
        # minute start -> the counted events in that minute (to recompute "last" after a removal)
        self.minute_records: dict[int, list[int]] = {}
        # pre-aggregated meters: window start -> events received in it, oldest first
        self.windows: dict[int, list[int]] = {}
        # (minute start, (day, hour, minute, total) aggregates) of the last minute added to: events
        # mostly arrive in the current minute, so the next one skips three bucket lookups.
        self._hot: tuple[int, tuple[Agg, ...]] | None = None

    def _aggs_for(self, ts: int) -> tuple[Agg, ...]:
        """The day, hour and minute buckets of ``ts`` (created if missing), then the lifetime total."""
        found: list[Agg] = []
        for size in LEVELS:
            start = ts - ts % size
            buckets = self.buckets[size]
            bucket = buckets.get(start)
            if bucket is None:
                bucket = buckets[start] = Agg()
                keys = self.keys[size]
                if not keys or start > keys[-1]:
                    keys.append(start)
                else:
                    insort(keys, start)
            found.append(bucket)
        found.append(self.total)
        return tuple(found)

    def _hot_aggs(self, ts: int, minute: int) -> tuple[Agg, ...]:
        """The day, hour, minute and lifetime aggregates of ``ts`` (cached for the latest minute)."""
        hot = self._hot
        if hot is not None and hot[0] == minute:
            return hot[1]
        aggs = self._aggs_for(ts)
        self._hot = (minute, aggs)
        return aggs

    def add(self, index: int, value: Number, ts: int, seq: int) -> None:
        """Count event ``index`` (its value, timestamp and seq passed along: callers have them at hand).

        Setting its ``COUNTED`` flag is the caller's job.
        """
        minute = ts - ts % MINUTE
        for agg in self._hot_aggs(ts, minute):
            agg.add(value, 1, ts, seq, value)
        if self.track_last:
            self.minute_records.setdefault(minute, []).append(index)

    def add_run(
        self, ts: int, total: Number, count: int, seq: int, value: Number, indexes: list[int] | None
    ) -> None:
        """Count ``count`` events of timestamp ``ts`` in the day, hour and minute buckets only (the
        caller keeps the lifetime total current event by event): ``total`` is their sum, ``seq`` and
        ``value`` those of the latest of them (highest seq, the earliest on ties), ``indexes`` their
        indexes if ``track_last``. The buckets end as if the events were added one by one."""
        minute = ts - ts % MINUTE
        for agg in self._hot_aggs(ts, minute)[:3]:
            agg.add(total, count, ts, seq, value)
        if indexes:
            self.minute_records.setdefault(minute, []).extend(indexes)

    def add_stored(self, index: int) -> None:
        """Count stored event ``index`` and flag it counted."""
        table = self.table
        self.add(index, table.value[index], table.timestamp[index], table.seq[index])
        table.flags[index] |= COUNTED

    def remove(self, index: int) -> None:
        """Take counted event ``index`` out of the aggregates and clear its ``COUNTED`` flag."""
        table = self.table
        value, ts, seq = table.value[index], table.timestamp[index], table.seq[index]
        minute = ts - ts % MINUTE
        records = self.minute_records.get(minute, [])
        if index in records:
            records.remove(index)
        stale = []
        for size in LEVELS:
            start = ts - ts % size
            if self.buckets[size][start].remove(value, ts, seq):
                stale.append((size, start))
        if self.total.remove(value, ts, seq):
            stale.append((0, 0))
        table.flags[index] &= ~COUNTED
        if not self.track_last:
            return
        # Recompute "last" from the finest level up: minute from its events, coarser from finer buckets.
        for size, start in sorted(stale, key=lambda item: item[0] or 10**12):
            if size == MINUTE:
                self._recompute_last(self.buckets[MINUTE][start], records)
            elif size == 0:
                self._recompute_from(self.total, DAY, None, None)
            else:
                finer = HOUR if size == DAY else MINUTE
                self._recompute_from(self.buckets[size][start], finer, start, start + size)

    def _recompute_last(self, agg: Agg, records: list[int]) -> None:
        table = self.table
        agg.clear_last()
        for index in records:
            ts, seq = table.timestamp[index], table.seq[index]
            if agg._is_later(ts, seq):
                agg.last_ts = ts
                agg.last_seq = seq
                agg.last_value = table.value[index]

    def _recompute_from(self, agg: Agg, finer: int, lo: int | None, hi: int | None) -> None:
        agg.clear_last()
        keys = self.keys[finer]
        first = 0 if lo is None else bisect_left(keys, lo)
        last = len(keys) if hi is None else bisect_left(keys, hi)
        for start in keys[first:last]:
            bucket = self.buckets[finer][start]
            if bucket.count and bucket.last_ts is not None and agg._is_later(bucket.last_ts, bucket.last_seq):
                agg.last_ts = bucket.last_ts
                agg.last_seq = bucket.last_seq
                agg.last_value = bucket.last_value

    # -- queries -----------------------------------------------------------------------------------

    def range(self, start: int, end: int) -> Agg:
        """Aggregate of every counted event with ``start <= timestamp < end`` (minute-aligned)."""
        result = Agg()
        self._cover(result, start, end, 0)
        return result

    def _cover(self, result: Agg, start: int, end: int, level: int) -> None:
        if start >= end:
            return
        size = LEVELS[level]
        if size == MINUTE:
            self._sum_level(result, MINUTE, start, end)
            return
        first = -(-start // size) * size
        last = end - end % size
        if first >= last:
            self._cover(result, start, end, level + 1)
            return
        self._cover(result, start, first, level + 1)
        self._sum_level(result, size, first, last)
        self._cover(result, last, end, level + 1)

    def _sum_level(self, result: Agg, size: int, lo: int, hi: int) -> None:
        keys = self.keys[size]
        buckets = self.buckets[size]
        for start in keys[bisect_left(keys, lo) : bisect_left(keys, hi)]:
            result.merge(buckets[start])

    def windows_in(self, size: int, start: int, end: int) -> list[tuple[int, Agg]]:
        """Non-empty buckets of ``size`` (HOUR or DAY) inside ``[start, end)``, oldest first."""
        keys = self.keys[size]
        buckets = self.buckets[size]
        selected = keys[bisect_left(keys, start) : bisect_left(keys, end)]
        return [(key, buckets[key]) for key in selected if buckets[key].count]


def as_json_number(value: Number) -> int | float:
    """Aggregated values are JSON numbers: integral values as ints."""
    if isinstance(value, int):
        return value
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def parse_value(raw: str) -> Number | None:
    """A meter event value: a (possibly signed) decimal string; ``None`` if it is not a number."""
    text = raw.strip()
    body = text[1:] if text[:1] in "+-" else text
    if body.isascii() and body.isdigit():
        return int(text)
    try:
        value = Decimal(text)
    except ArithmeticError:
        return None
    if not value.is_finite() or not text or "e" in text.lower() or text.lower() in ("nan", "inf"):
        return None
    return value
