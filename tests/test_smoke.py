"""A first end-to-end path through the real SDK: meter, usage, summary."""

from __future__ import annotations

import stripe
from freezegun import freeze_time

from stripe_fake import StripeFake


@freeze_time("2026-03-10 12:30:00")
def test_usage_is_summarised_per_hour(
    stripe_fake: StripeFake, customer: stripe.Customer, meter: stripe.billing.Meter
) -> None:
    for value in ("3", "4"):
        stripe.billing.MeterEvent.create(
            event_name="api_call", payload={"stripe_customer_id": customer.id, "value": value}
        )
    summaries = stripe.billing.Meter.list_event_summaries(
        meter.id,
        customer=customer.id,
        start_time=1773100800,  # 2026-03-10 00:00 UTC
        end_time=1773187200,
        value_grouping_window="hour",
    )
    noon = 1773144000  # 2026-03-10 12:00 UTC
    assert [(s.start_time, s.aggregated_value) for s in summaries.data] == [(noon, 7)]


def test_unknown_meter_is_a_404(stripe_fake: StripeFake) -> None:
    try:
        stripe.billing.Meter.retrieve("mtr_missing")
    except stripe.InvalidRequestError as err:
        assert err.http_status == 404
        assert err.code == "resource_missing"
        assert err.param == "id"
        assert err.user_message == "No such billing meter: 'mtr_missing'"
    else:
        raise AssertionError("expected InvalidRequestError")
