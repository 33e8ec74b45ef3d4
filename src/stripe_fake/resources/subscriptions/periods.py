"""Billing-period calendar math (pure: plain ints in, plain ints out, all UTC).

A price bills every ``interval_count`` ``interval``s from a billing-cycle anchor ``A``. Boundaries are
``A + k * interval_count * interval`` for every integer ``k``. Days are 86,400 s and weeks 7 days
(plain UTC arithmetic, no DST). Months and years keep the anchor's day of month and time of day;
a day the target month lacks is clamped to its last day, always counted from the ORIGINAL anchor, so
a 31 January anchor bills 28/29 February, then 31 March, then 30 April (never drifting to the 28th).
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta, timezone

INTERVALS = ("day", "week", "month", "year")
DAY = 86_400
WEEK = 7 * DAY
TRIAL_WILL_END_NOTICE = 3 * DAY
#: Longest billing interval Stripe allows: three years (36 months, 156 weeks, 1,095 days).
MAX_INTERVAL = {"day": 1095, "week": 156, "month": 36, "year": 3}

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def days_in_month(year: int, month: int) -> int:
    """Number of days of ``month`` (1-12) in ``year`` (leap years included)."""
    return calendar.monthrange(year, month)[1]


def to_datetime(timestamp: int) -> datetime:
    """The aware UTC datetime of a unix timestamp."""
    return _EPOCH + timedelta(seconds=timestamp)


def to_timestamp(moment: datetime) -> int:
    """The unix timestamp of an aware datetime."""
    return int((moment - _EPOCH).total_seconds())


def add_months(anchor: int, months: int) -> int:
    """``anchor`` moved by ``months`` calendar months, its day clamped to the target month's end."""
    moment = to_datetime(anchor)
    year, month0 = divmod(moment.month - 1 + months, 12)
    year += moment.year
    day = min(moment.day, days_in_month(year, month0 + 1))
    return to_timestamp(moment.replace(year=year, month=month0 + 1, day=day))


def _months(interval: str, interval_count: int) -> int:
    return interval_count * (12 if interval == "year" else 1)


def _seconds(interval: str, interval_count: int) -> int:
    return interval_count * (DAY if interval == "day" else WEEK)


def boundary(anchor: int, interval: str, interval_count: int, k: int) -> int:
    """The ``k``-th period boundary from ``anchor`` (``k`` may be negative; ``k=0`` is the anchor)."""
    if interval in ("month", "year"):
        return add_months(anchor, k * _months(interval, interval_count))
    return anchor + k * _seconds(interval, interval_count)


def _index_at_or_before(anchor: int, interval: str, interval_count: int, at: int) -> int:
    """The largest ``k`` whose boundary is ``<= at``."""
    if interval in ("month", "year"):
        step = _months(interval, interval_count)
        a, t = to_datetime(anchor), to_datetime(at)
        k = ((t.year - a.year) * 12 + (t.month - a.month)) // step
        # The month estimate is off by at most one step either way (day/time within the month).
        while boundary(anchor, interval, interval_count, k) > at:
            k -= 1
        while boundary(anchor, interval, interval_count, k + 1) <= at:
            k += 1
        return k
    return (at - anchor) // _seconds(interval, interval_count)


def period_containing(anchor: int, interval: str, interval_count: int, at: int) -> tuple[int, int]:
    """``(start, end)``: the last boundary ``<= at`` and the next boundary ``> at``."""
    k = _index_at_or_before(anchor, interval, interval_count, at)
    return boundary(anchor, interval, interval_count, k), boundary(anchor, interval, interval_count, k + 1)


def next_boundary(anchor: int, interval: str, interval_count: int, after: int) -> int:
    """The first boundary strictly after ``after``."""
    return period_containing(anchor, interval, interval_count, after)[1]


def first_period(start: int, anchor: int, interval: str, interval_count: int) -> tuple[int, int]:
    """An item's first period: from ``start`` (the start date, or the trial end) to the next boundary.

    With a future anchor the first period is the partial window ``[start, anchor)``.
    """
    if anchor > start:
        return start, anchor
    return start, next_boundary(anchor, interval, interval_count, start)


def following_period(end: int, anchor: int, interval: str, interval_count: int) -> tuple[int, int]:
    """The period that starts where one ended at ``end``."""
    return end, next_boundary(anchor, interval, interval_count, end)


def trial_will_end_at(trial_end: int, now: int) -> int:
    """When ``customer.subscription.trial_will_end`` fires: 3 days before the end, or now if less remains."""
    return max(now, trial_end - TRIAL_WILL_END_NOTICE)


def trial_end_from_days(start: int, days: int) -> int:
    """``trial_period_days`` counted from ``start`` in whole UTC days."""
    return start + days * DAY


def anchor_from_config(
    now: int,
    day_of_month: int,
    *,
    hour: int | None = None,
    minute: int | None = None,
    second: int | None = None,
    month: int | None = None,
) -> int:
    """The first instant after ``now`` matching ``billing_cycle_anchor_config`` (UTC).

    Unset time fields take ``now``'s hour/minute/second (Stripe keeps the subscription's time of day);
    a day past the month's end is clamped to the month's last day.
    """
    current = to_datetime(now)
    h = current.hour if hour is None else hour
    mi = current.minute if minute is None else minute
    s = current.second if second is None else second
    for offset in range(0, 12 * 3 + 1):
        y, m0 = divmod(current.month - 1 + offset, 12)
        y += current.year
        if month is not None and m0 + 1 != month:
            continue
        d = min(day_of_month, days_in_month(y, m0 + 1))
        candidate = to_timestamp(datetime(y, m0 + 1, d, h, mi, s, tzinfo=timezone.utc))
        if candidate > now:
            return candidate
    raise ValueError("no matching anchor within three years")  # unreachable for valid inputs
