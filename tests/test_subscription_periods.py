"""Period math (``resources/subscriptions/periods.py``): worked examples and hypothesis properties."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stripe_fake.resources.subscriptions import periods as p


def ts(*args: int) -> int:
    return int(datetime(*args, tzinfo=timezone.utc).timestamp())  # type: ignore[misc]


def test_month_end_anchor_clamps_without_drifting() -> None:
    anchor = ts(2025, 1, 31, 12, 30)
    ends = [p.boundary(anchor, "month", 1, k) for k in range(1, 5)]
    assert ends == [
        ts(2025, 2, 28, 12, 30),
        ts(2025, 3, 31, 12, 30),
        ts(2025, 4, 30, 12, 30),
        ts(2025, 5, 31, 12, 30),
    ]


def test_leap_year_february() -> None:
    anchor = ts(2024, 1, 31)
    assert p.boundary(anchor, "month", 1, 1) == ts(2024, 2, 29)
    assert p.period_containing(anchor, "month", 1, ts(2024, 3, 1)) == (ts(2024, 2, 29), ts(2024, 3, 31))


def test_yearly_leap_day_anchor_clamps_to_feb_28() -> None:
    anchor = ts(2024, 2, 29, 8)
    assert [p.boundary(anchor, "year", 1, k) for k in range(1, 5)] == [
        ts(2025, 2, 28, 8),
        ts(2026, 2, 28, 8),
        ts(2027, 2, 28, 8),
        ts(2028, 2, 29, 8),
    ]


def test_interval_count_quarters() -> None:
    anchor = ts(2025, 11, 30)
    assert p.next_boundary(anchor, "month", 3, anchor) == ts(2026, 2, 28)
    assert p.boundary(anchor, "month", 3, 2) == ts(2026, 5, 30)


def test_days_and_weeks_are_plain_utc_seconds() -> None:
    anchor = ts(2025, 3, 1)
    assert p.next_boundary(anchor, "day", 2, anchor + 1) == anchor + 2 * 86400
    assert p.period_containing(anchor, "week", 1, anchor + 8 * 86400) == (
        anchor + 7 * 86400,
        anchor + 14 * 86400,
    )


def test_future_anchor_gives_a_partial_first_period() -> None:
    start, anchor = ts(2025, 1, 10), ts(2025, 1, 15)
    assert p.first_period(start, anchor, "month", 1) == (start, anchor)
    assert p.following_period(anchor, anchor, "month", 1) == (anchor, ts(2025, 2, 15))


def test_trial_will_end_three_days_before_or_now() -> None:
    now = ts(2025, 1, 1)
    assert p.trial_will_end_at(now + 14 * 86400, now) == now + 11 * 86400
    assert p.trial_will_end_at(now + 86400, now) == now


@pytest.mark.parametrize(
    ("now", "config", "expected"),
    [
        (ts(2025, 1, 10, 9), {"day_of_month": 15}, ts(2025, 1, 15, 9)),
        (ts(2025, 1, 20, 9), {"day_of_month": 15, "hour": 0}, ts(2025, 2, 15, 0)),
        (ts(2025, 2, 1), {"day_of_month": 31}, ts(2025, 2, 28)),
        (ts(2025, 5, 1), {"day_of_month": 1, "month": 3, "hour": 0}, ts(2026, 3, 1)),
    ],
)
def test_anchor_from_config(now: int, config: dict[str, int], expected: int) -> None:
    assert p.anchor_from_config(now, **config) == expected


anchors = st.integers(min_value=ts(1990, 1, 1), max_value=ts(2090, 1, 1))
offsets = st.integers(min_value=-10 * 366 * 86400, max_value=10 * 366 * 86400)
intervals = st.sampled_from(p.INTERVALS)
counts = st.integers(min_value=1, max_value=12)


@given(anchors, intervals, counts, offsets)
def test_period_contains_the_instant(anchor: int, interval: str, count: int, offset: int) -> None:
    at = anchor + offset
    start, end = p.period_containing(anchor, interval, count, at)
    assert start <= at < end
    # the period is exactly one step between consecutive boundaries
    assert p.period_containing(anchor, interval, count, end)[0] == end
    assert p.next_boundary(anchor, interval, count, start) == end


@given(anchors, st.sampled_from(["month", "year"]), counts, st.integers(min_value=-40, max_value=40))
def test_month_boundaries_keep_anchor_day_or_clamp(anchor: int, interval: str, count: int, k: int) -> None:
    a = p.to_datetime(anchor)
    b = p.to_datetime(p.boundary(anchor, interval, count, k))
    assert (b.hour, b.minute, b.second) == (a.hour, a.minute, a.second)
    assert b.day == min(a.day, p.days_in_month(b.year, b.month))
    months = (b.year - a.year) * 12 + b.month - a.month
    assert months == k * count * (12 if interval == "year" else 1)


@given(anchors, intervals, counts, st.integers(min_value=0, max_value=60))
def test_walking_periods_visits_every_boundary_in_order(
    anchor: int, interval: str, count: int, k: int
) -> None:
    start, end = p.first_period(anchor, anchor, interval, count)
    for _ in range(k):
        start, end = p.following_period(end, anchor, interval, count)
    assert (start, end) == (
        p.boundary(anchor, interval, count, k),
        p.boundary(anchor, interval, count, k + 1),
    )
    assert end > start


@given(anchors, st.integers(min_value=1, max_value=31), st.integers(min_value=0, max_value=23))
def test_anchor_from_config_is_future_and_matches(now: int, day: int, hour: int) -> None:
    anchor = p.anchor_from_config(now, day, hour=hour, minute=0, second=0)
    moment = p.to_datetime(anchor)
    assert now < anchor <= now + 62 * 86400
    assert moment.day == min(day, p.days_in_month(moment.year, moment.month))
    assert (moment.hour, moment.minute, moment.second) == (hour, 0, 0)
