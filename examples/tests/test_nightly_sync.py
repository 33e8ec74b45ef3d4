"""The nightly usage sync job, tested against stripe-fake under a frozen clock."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import stripe
import time_machine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # make ``metered_app`` importable

from metered_app.nightly_sync import LedgerRow, correct_usage, sync_usage, usage_by_day

from stripe_fake import StripeFake

MARCH_9 = 1773014400  # 2026-03-09 00:00 UTC
MARCH_10 = MARCH_9 + 86400
NIGHTLY_RUN = MARCH_10 + 2 * 3600  # 02:00 UTC


@pytest.fixture
def client(stripe_fake: StripeFake) -> stripe.StripeClient:
    return stripe.StripeClient("sk_test_nightly")


def test_nightly_sync_reports_cancels_a_mistake_and_reruns_safely(
    stripe_fake: StripeFake, client: stripe.StripeClient
) -> None:
    with time_machine.travel(NIGHTLY_RUN, tick=False) as clock:
        meter = client.v1.billing.meters.create(
            {"display_name": "API calls", "event_name": "api_call", "default_aggregation": {"formula": "sum"}}
        )
        customer = client.v1.customers.create({"email": "ops@example.com"})
        rows = [
            LedgerRow("r1", customer.id, 40, MARCH_9 + 9 * 3600),
            LedgerRow("r2", customer.id, 25, MARCH_9 + 14 * 3600),
            LedgerRow("r3", customer.id, 25, MARCH_9 + 14 * 3600),  # the app logged one batch twice
        ]
        assert sync_usage(client, rows).reported == 3
        assert usage_by_day(client, meter.id, customer.id, MARCH_9, MARCH_10) == {MARCH_9: 90}

        # Support finds the duplicate the next afternoon: still within 24 h of Stripe receiving it.
        clock.shift(14 * 3600)
        assert correct_usage(client, rows[2]) == "cancelled"
        assert usage_by_day(client, meter.id, customer.id, MARCH_9, MARCH_10) == {MARCH_9: 65}

        # The job crashes and reruns the same night: nothing is billed twice.
        rerun = sync_usage(client, rows[:2])
        assert (rerun.reported, rerun.already_reported) == (0, 2)
        assert usage_by_day(client, meter.id, customer.id, MARCH_9, MARCH_10) == {MARCH_9: 65}


def test_a_mistake_found_after_24_hours_is_negated(
    stripe_fake: StripeFake, client: stripe.StripeClient
) -> None:
    with time_machine.travel(NIGHTLY_RUN, tick=False) as clock:
        meter = client.v1.billing.meters.create(
            {"display_name": "API calls", "event_name": "api_call", "default_aggregation": {"formula": "sum"}}
        )
        customer = client.v1.customers.create()
        wrong = LedgerRow("r9", customer.id, 30, MARCH_9 + 3600)
        sync_usage(client, [LedgerRow("r8", customer.id, 10, MARCH_9 + 60), wrong])
        clock.shift(25 * 3600)
        assert correct_usage(client, wrong) == "negated"
        assert usage_by_day(client, meter.id, customer.id, MARCH_9, MARCH_10) == {MARCH_9: 10}
