"""The opt-in ``rate_limit`` option: Stripe's 429 past the limit, per account, reads and writes apart."""

from __future__ import annotations

import pytest
import stripe
from freezegun import freeze_time

from stripe_fake import StripeFake


@pytest.mark.stripe_fake(rate_limit=3)
def test_requests_past_the_limit_get_stripes_429(stripe_fake: StripeFake) -> None:
    for _ in range(3):
        stripe.Customer.create()
    with pytest.raises(stripe.RateLimitError) as raised:
        stripe.Customer.create()
    error = raised.value.error
    assert error is not None
    assert (raised.value.http_status, error.code) == (429, "rate_limit")
    assert len(stripe.Customer.list(limit=100).data) == 3  # reads have their own bucket; nothing stored
    stripe.Customer.create(stripe_account="acct_other")  # another account has its own buckets


@pytest.mark.stripe_fake(rate_limit=2)
def test_frozen_time_neither_refills_nor_drains_the_buckets(stripe_fake: StripeFake) -> None:
    with freeze_time("2026-01-01") as frozen:
        stripe.Customer.create()
        stripe.Customer.create()
        frozen.tick(3600)  # test time moved an hour: the limiter counts real seconds
        with pytest.raises(stripe.RateLimitError):
            stripe.Customer.create()


def test_off_by_default(stripe_fake: StripeFake) -> None:
    for _ in range(40):
        stripe.Customer.create()
