"""Conformance of ``subscription`` and ``subscription_item``: exactly Stripe's field set at 2026-10-28.endive.

The examples (``tests/data/fixtures_subscriptions.json``) are fixtures3's objects plus the SDK 16.1.0
fields the fixture lacks (null there). ``null`` is accepted where the SDK class types a field as
``Optional``. The 2024-04-10 spec is not used: its subscription still has ``current_period_*``.
"""

from __future__ import annotations

import json
import typing
from typing import Any

import pytest
import stripe
from freezegun import freeze_time
from stripe._subscription import Subscription
from stripe._subscription_item import SubscriptionItem
from subscription_support import make_meter, make_price
from test_conformance import FIXTURES, differences

from stripe_fake import StripeFake


def nullable_paths(cls: Any, prefix: str = "") -> set[str]:
    """Dotted paths of the fields an SDK class types as ``Optional`` (recursively)."""
    found: set[str] = set()
    hints = cls.__annotations__
    for name, hint in hints.items():
        path = f"{prefix}.{name}" if prefix else name
        args = typing.get_args(hint)
        if type(None) in args:
            found.add(path)
        for candidate in (hint, *args):
            nested = isinstance(candidate, type) and candidate.__qualname__.startswith(cls.__qualname__ + ".")
            if nested and candidate.__module__ == cls.__module__:
                found |= nullable_paths(candidate, path)
    return found


def _subscription(fake: StripeFake) -> tuple[dict[str, Any], dict[str, Any]]:
    with freeze_time("2025-01-01"):
        customer = stripe.Customer.create()
        metered = make_price(fake, meter=make_meter())
        sub = stripe.Subscription.create(
            customer=customer.id, items=[{"price": metered}], metadata={"k": "v"}
        )
        item = stripe.SubscriptionItem.retrieve(sub["items"].data[0].id)
    return json.loads(sub.last_response.body), json.loads(item.last_response.body)


@pytest.mark.parametrize("object_type", ["subscription", "subscription_item"])
def test_object_matches_stripe(stripe_fake: StripeFake, object_type: str) -> None:
    sub, item = _subscription(stripe_fake)
    body = sub if object_type == "subscription" else item
    cls = Subscription if object_type == "subscription" else SubscriptionItem
    item_nullable = (
        nullable_paths(SubscriptionItem)
        | {f"price.{path}" for path in nullable_paths(stripe.Price)}
        | {f"plan.{path}" for path in nullable_paths(stripe.Plan)}
    )
    if object_type == "subscription":
        nullable = nullable_paths(cls) | {f"items.data.{path}" for path in item_nullable}
    else:
        nullable = item_nullable
    problems = differences(body, FIXTURES[object_type], "", nullable)
    assert not problems, f"{object_type} differs from Stripe's example:\n" + "\n".join(problems)
    expected = {name for name in cls.__annotations__ if name != "OBJECT_NAME" and name != "deleted"}
    assert set(body) == expected


def test_deleted_item_shape(stripe_fake: StripeFake) -> None:
    with freeze_time("2025-01-01"):
        customer = stripe.Customer.create()
        meter = make_meter()
        sub = stripe.Subscription.create(
            customer=customer.id,
            items=[
                {"price": make_price(stripe_fake, meter=meter)},
                {"price": make_price(stripe_fake, meter=meter)},
            ],
        )
        deleted = stripe.SubscriptionItem.delete(sub["items"].data[1].id)
    assert set(json.loads(deleted.last_response.body)) == {"id", "object", "deleted"}
