"""Behaviour the performance work must not change: form decoding, "last" after cancellations, the log."""

from __future__ import annotations

import time
from urllib.parse import parse_qsl

import pytest
import stripe
from hypothesis import given
from hypothesis import strategies as st

from stripe_fake import StripeFake
from stripe_fake.http.forms import parse_pairs

FORM_ALPHABET = st.sampled_from(
    ["a", "b", "0", "[", "]", "=", "&", "+", "%", "%20", "%5B", "%zz", "é", "%C3%A9", ""]
)


@given(st.lists(FORM_ALPHABET, max_size=20).map("".join))
def test_form_pairs_match_the_standard_library(raw: str) -> None:
    assert parse_pairs(raw) == parse_qsl(raw, keep_blank_values=True)


def _last_meter() -> stripe.billing.Meter:
    return stripe.billing.Meter.create(
        display_name="Seats", event_name="seats", default_aggregation={"formula": "last"}
    )


def _summary(meter: stripe.billing.Meter, customer: str, start: int, end: int) -> list[float]:
    page = stripe.billing.Meter.list_event_summaries(
        meter.id, customer=customer, start_time=start, end_time=end
    )
    return [s.aggregated_value for s in page.data]


def _cancel(identifier: str) -> None:
    stripe.billing.MeterEventAdjustment.create(
        event_name="seats", type="cancel", cancel={"identifier": identifier}
    )


def test_last_formula_falls_back_after_cancelling_the_latest(stripe_fake: StripeFake) -> None:
    customer = stripe.Customer.create().id
    meter = _last_meter()
    now = int(time.time())
    minute = now - now % 60 - 600
    for identifier, value, ts in (("a", "5", minute + 1), ("b", "7", minute + 1), ("c", "9", minute - 3600)):
        stripe.billing.MeterEvent.create(
            event_name="seats",
            identifier=identifier,
            timestamp=ts,
            payload={"stripe_customer_id": customer, "value": value},
        )
    start, end = minute - 2 * 3600, minute + 60
    assert _summary(meter, customer, start, end) == [7]  # same timestamp: the later one wins
    _cancel("b")
    assert _summary(meter, customer, start, end) == [5]
    _cancel("a")
    assert _summary(meter, customer, start, end) == [9]  # from an older hour


def test_sum_formula_still_subtracts_cancelled_events(stripe_fake: StripeFake) -> None:
    customer = stripe.Customer.create().id
    meter = stripe.billing.Meter.create(
        display_name="Calls", event_name="seats", default_aggregation={"formula": "sum"}
    )
    now = int(time.time())
    end = now - now % 60 + 60
    for identifier, value in (("x", "2"), ("y", "3")):
        stripe.billing.MeterEvent.create(
            event_name="seats",
            identifier=identifier,
            payload={"stripe_customer_id": customer, "value": value},
        )
    assert _summary(meter, customer, end - 3600, end) == [5]
    _cancel("y")
    assert _summary(meter, customer, end - 3600, end) == [2]


def test_request_log_decodes_responses_and_errors(stripe_fake: StripeFake) -> None:
    created = stripe.Customer.create(email="log@example.com")
    with pytest.raises(stripe.InvalidRequestError):
        stripe.Customer.retrieve("cus_missing")
    ok, failed = stripe_fake.requests[-2], stripe_fake.requests[-1]
    assert ok.response["id"] == created.id and ok.error is None
    assert failed.status == 404 and failed.error is not None and failed.error["code"] == "resource_missing"
