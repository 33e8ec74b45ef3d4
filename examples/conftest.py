"""Shared setup for the example app's tests: ``metered_app`` importable, a test-mode key, a client."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import stripe

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stripe_fake import StripeFake


@pytest.fixture(autouse=True)
def stripe_api_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """Code using the global style (``stripe.Customer...``) gets a test-mode key too."""
    monkeypatch.setattr(stripe, "api_key", "sk_test_example")
    return "sk_test_example"


@pytest.fixture
def stripe_client(stripe_fake: StripeFake) -> stripe.StripeClient:
    """The client the app is given (created while the fake runs)."""
    return stripe.StripeClient("sk_test_example")
