"""Shared fixtures: an API key for the global SDK style, and a StripeClient."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator

import pytest
import stripe

import stripe_fake
from stripe_fake import StripeFake

pytest_plugins = ["pytester"]

# pytester's in-process runs forget modules first imported inside them, which would leave two copies of
# a store class (state written through one, read through the other). Import the whole package up front.
for _module in pkgutil.walk_packages(stripe_fake.__path__, "stripe_fake."):
    if not _module.name.endswith("__main__"):
        importlib.import_module(_module.name)


@pytest.fixture(autouse=True)
def api_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Every test uses a test-mode key through the global ``stripe.api_key``."""
    monkeypatch.setattr(stripe, "api_key", "sk_test_fake_123")
    yield "sk_test_fake_123"


@pytest.fixture
def client(stripe_fake: StripeFake) -> stripe.StripeClient:
    """A ``StripeClient`` as apps build it (with SDK default retries off)."""
    return stripe.StripeClient("sk_test_fake_123")


@pytest.fixture
def customer(stripe_fake: StripeFake) -> stripe.Customer:
    return stripe.Customer.create(email="jenny@example.com")


@pytest.fixture
def meter(stripe_fake: StripeFake) -> stripe.billing.Meter:
    return stripe.billing.Meter.create(
        display_name="API calls", event_name="api_call", default_aggregation={"formula": "sum"}
    )
