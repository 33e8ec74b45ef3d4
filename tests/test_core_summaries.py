"""Meter event summaries: required params, alignment, end exclusive, grouping, ordering, paging."""

from __future__ import annotations

from typing import Any

import pytest
import stripe
from freezegun import freeze_time

from stripe_fake import StripeFake


def v1(client: stripe.StripeClient) -> Any:
    """``client.v1`` (stripe >= 12); stripe 11 exposes the v1 services on the client itself."""
    return getattr(client, "v1", client)


DAY1 = 1773100800  # 2026-03-10 00:00:00 UTC
DAY2 = DAY1 + 86400
HOUR = 3600


def _invalid(call: object, *args: object, **kwargs: object) -> stripe.InvalidRequestError:
    with pytest.raises(stripe.InvalidRequestError) as info:
        call(*args, **kwargs)  # type: ignore[operator]
    return info.value


@pytest.fixture(autouse=True)
def frozen() -> Any:
    with freeze_time("2026-03-11 12:00:00") as frozen_time:
        yield frozen_time


def _send(customer_id: str, value: str, timestamp: int, event_name: str = "api_call") -> None:
    stripe.billing.MeterEvent.create(
        event_name=event_name,
        payload={"stripe_customer_id": customer_id, "value": value},
        timestamp=timestamp,
    )


def _summaries(
    meter_id: str, customer_id: str, start: int, end: int, **extra: Any
) -> list[tuple[int, int, Any]]:
    page = stripe.billing.Meter.list_event_summaries(
        meter_id, customer=customer_id, start_time=start, end_time=end, **extra
    )
    return [(s.start_time, s.end_time, s.aggregated_value) for s in page.data]


@pytest.mark.parametrize("missing", ["customer", "start_time", "end_time"])
def test_required_params(
    stripe_fake: StripeFake, customer: stripe.Customer, meter: Any, missing: str
) -> None:
    params: dict[str, Any] = {"customer": customer.id, "start_time": DAY1, "end_time": DAY2}
    del params[missing]
    err = _invalid(stripe.billing.Meter.list_event_summaries, meter.id, **params)
    assert (err.http_status, err.code, err.param) == (400, "parameter_missing", missing)
    assert err.user_message == f"Missing required param: {missing}."


@pytest.mark.parametrize(
    ("start", "end", "window", "param"),
    [
        (DAY1 + 30, DAY2, None, "start_time"),
        (DAY1, DAY2 + 1, None, "end_time"),
        (DAY1 + 60, DAY2, "hour", "start_time"),
        (DAY1, DAY2 + 1800, "hour", "end_time"),
        (DAY1 + HOUR, DAY2, "day", "start_time"),
        (DAY1, DAY2 + HOUR, "day", "end_time"),
        (DAY2, DAY1, None, "end_time"),
        (DAY1, DAY1, None, "end_time"),
    ],
)
def test_alignment_and_order_errors(
    stripe_fake: StripeFake,
    customer: stripe.Customer,
    meter: Any,
    start: int,
    end: int,
    window: str | None,
    param: str,
) -> None:
    extra = {"value_grouping_window": window} if window else {}
    err = _invalid(
        stripe.billing.Meter.list_event_summaries,
        meter.id,
        customer=customer.id,
        start_time=start,
        end_time=end,
        **extra,
    )
    assert (err.http_status, err.param) == (400, param)


def test_invalid_grouping_window(stripe_fake: StripeFake, customer: stripe.Customer, meter: Any) -> None:
    err = _invalid(
        stripe.billing.Meter.list_event_summaries,
        meter.id,
        customer=customer.id,
        start_time=DAY1,
        end_time=DAY2,
        value_grouping_window="minute",
    )
    assert err.param == "value_grouping_window"


def test_unknown_meter_is_404(stripe_fake: StripeFake, customer: stripe.Customer) -> None:
    err = _invalid(
        stripe.billing.Meter.list_event_summaries,
        "mtr_missing",
        customer=customer.id,
        start_time=DAY1,
        end_time=DAY2,
    )
    assert (err.http_status, err.code, err.param) == (404, "resource_missing", "id")


def test_unknown_customer_is_400(stripe_fake: StripeFake, meter: Any) -> None:
    err = _invalid(
        stripe.billing.Meter.list_event_summaries,
        meter.id,
        customer="cus_missing",
        start_time=DAY1,
        end_time=DAY2,
    )
    assert (err.http_status, err.code, err.param) == (400, "resource_missing", "customer")


def test_single_summary_shape_and_end_exclusive(
    stripe_fake: StripeFake, customer: stripe.Customer, meter: Any
) -> None:
    _send(customer.id, "1", DAY1)  # start inclusive
    _send(customer.id, "2", DAY2 - 1)
    _send(customer.id, "4", DAY2)  # end exclusive
    page = stripe.billing.Meter.list_event_summaries(
        meter.id, customer=customer.id, start_time=DAY1, end_time=DAY2
    )
    assert page.url == f"/v1/billing/meters/{meter.id}/event_summaries"
    (summary,) = page.data
    assert summary.object == "billing.meter_event_summary"
    assert summary.id.startswith("mtrusg_")
    assert (summary.meter, summary.livemode, summary.start_time, summary.end_time) == (
        meter.id,
        False,
        DAY1,
        DAY2,
    )
    assert summary.aggregated_value == 3
    assert _summaries(meter.id, customer.id, DAY2, DAY2 + 60) == [(DAY2, DAY2 + 60, 4)]
    assert _summaries(meter.id, customer.id, DAY1 - 60, DAY1) == [
        (DAY1 - 60, DAY1, 0)
    ]  # empty range: one zero


def test_only_this_customer_and_meter(stripe_fake: StripeFake, customer: stripe.Customer, meter: Any) -> None:
    other_customer = stripe.Customer.create()
    stripe.billing.Meter.create(display_name="o", event_name="other", default_aggregation={"formula": "sum"})
    _send(customer.id, "1", DAY1)
    _send(other_customer.id, "10", DAY1)
    _send(customer.id, "100", DAY1, event_name="other")
    assert _summaries(meter.id, customer.id, DAY1, DAY2)[0][2] == 1


def test_hour_grouping_across_a_day_boundary(
    stripe_fake: StripeFake, customer: stripe.Customer, meter: Any
) -> None:
    _send(customer.id, "1", DAY2 - 1800)  # 23:30 on day 1
    _send(customer.id, "2", DAY2 - 60)  # 23:59 on day 1
    _send(customer.id, "4", DAY2 + 1800)  # 00:30 on day 2
    _send(customer.id, "8", DAY2 + 2 * HOUR)  # 02:00 on day 2
    assert _summaries(
        meter.id, customer.id, DAY2 - 2 * HOUR, DAY2 + 3 * HOUR, value_grouping_window="hour"
    ) == [
        (DAY2 + 2 * HOUR, DAY2 + 3 * HOUR, 8),
        (DAY2, DAY2 + HOUR, 4),
        (DAY2 - HOUR, DAY2, 3),
    ]  # newest first, empty hours omitted
    assert _summaries(meter.id, customer.id, DAY1, DAY2 + 86400, value_grouping_window="day") == [
        (DAY2, DAY2 + 86400, 12),
        (DAY1, DAY2, 3),
    ]


def test_grouped_paging_with_limit(
    stripe_fake: StripeFake, customer: stripe.Customer, meter: Any, client: stripe.StripeClient
) -> None:
    for hour in range(5):
        _send(customer.id, str(hour + 1), DAY1 + hour * HOUR + 5)
    params = {
        "customer": customer.id,
        "start_time": DAY1,
        "end_time": DAY2,
        "value_grouping_window": "hour",
        "limit": 2,
    }
    first = stripe.billing.Meter.list_event_summaries(meter.id, **params)
    assert ([s.aggregated_value for s in first.data], first.has_more) == ([5, 4], True)
    second = stripe.billing.Meter.list_event_summaries(meter.id, starting_after=first.data[-1].id, **params)
    assert ([s.aggregated_value for s in second.data], second.has_more) == ([3, 2], True)
    everything = v1(client).billing.meters.event_summaries.list(meter.id, params=params)
    assert [s.aggregated_value for s in everything.auto_paging_iter()] == [5, 4, 3, 2, 1]
    # Ids are stable, so a cursor from one request works in the next.
    assert first.data[0].id == stripe.billing.Meter.list_event_summaries(meter.id, **params).data[0].id


def test_count_and_last_summaries(stripe_fake: StripeFake, customer: stripe.Customer) -> None:
    count = stripe.billing.Meter.create(
        display_name="c", event_name="c", default_aggregation={"formula": "count"}
    )
    last = stripe.billing.Meter.create(
        display_name="l", event_name="l", default_aggregation={"formula": "last"}
    )
    for ts, value in ((DAY1 + 10, "5"), (DAY1 + HOUR + 10, "7"), (DAY1 + 20, "6")):
        _send(customer.id, value, ts, event_name="c")
        _send(customer.id, value, ts, event_name="l")
    assert _summaries(count.id, customer.id, DAY1, DAY2)[0][2] == 3
    assert _summaries(last.id, customer.id, DAY1, DAY2)[0][2] == 7
    assert _summaries(last.id, customer.id, DAY1, DAY2, value_grouping_window="hour") == [
        (DAY1 + HOUR, DAY1 + 2 * HOUR, 7),
        (DAY1, DAY1 + HOUR, 6),
    ]
    assert _summaries(count.id, customer.id, DAY1, DAY1 + HOUR)[0][2] == 2


def test_rejected_events_leave_summaries_unchanged(
    stripe_fake: StripeFake, customer: stripe.Customer, meter: Any
) -> None:
    _send(customer.id, "5", DAY2, event_name="api_call")
    stripe.billing.MeterEvent.create(
        event_name="api_call", payload={"stripe_customer_id": customer.id, "value": "5"}, identifier="x"
    )
    before = _summaries(meter.id, customer.id, DAY1, DAY2 + 86400)
    for bad in (
        {"identifier": "x"},
        {"timestamp": DAY1 - 40 * 86400},
        {"timestamp": "soon"},
        {"unknown": "1"},
    ):
        with pytest.raises(stripe.InvalidRequestError):
            stripe.billing.MeterEvent.create(
                event_name="api_call", payload={"stripe_customer_id": customer.id, "value": "5"}, **bad
            )
    assert _summaries(meter.id, customer.id, DAY1, DAY2 + 86400) == before == [(DAY1, DAY2 + 86400, 10)]
