"""Conformance of ``invoice``, ``line_item``, ``invoiceitem`` and ``invoice_payment``: exactly Stripe's
field set at 2026-10-28.endive.

The examples (``tests/data/fixtures_invoices.json``) are fixtures3's objects plus the SDK 16.1.0 fields
the fixture lacks (``invoice.subscription`` dropped: it left the invoice at basil). ``null`` is
accepted where the SDK class types a field as ``Optional``. The 2024-04-10 spec is not used (old shape).
"""

from __future__ import annotations

import json
import typing
from typing import Any

import pytest
import stripe
from freezegun import freeze_time
from test_conformance import FIXTURES, differences

from stripe_fake import StripeFake


def nullable_paths(cls: Any, prefix: str = "") -> set[str]:
    """Dotted paths of the fields an SDK class types as ``Optional`` (recursively, nested classes)."""
    found: set[str] = set()
    for name, hint in cls.__annotations__.items():
        path = f"{prefix}.{name}" if prefix else name
        args = typing.get_args(hint)
        if type(None) in args:
            found.add(path)
        for candidate in (hint, *args, *(a for arg in args for a in typing.get_args(arg))):
            if (
                isinstance(candidate, type)
                and issubclass(candidate, stripe.StripeObject)
                and candidate.__qualname__.startswith(cls.__qualname__ + ".")
            ):
                found |= nullable_paths(candidate, path)
    return found


def _raw(obj: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(obj.last_response.body)
    return body


def _paid_invoice() -> tuple[Any, Any]:
    customer = stripe.Customer.create(email="c@example.com")
    pm = stripe.PaymentMethod.attach("pm_card_visa", customer=customer.id)
    stripe.Customer.modify(customer.id, invoice_settings={"default_payment_method": pm.id})
    product = stripe.Product.create(name="Thing")
    price = stripe.Price.create(product=product.id, currency="usd", unit_amount=700)
    item = stripe.InvoiceItem.create(customer=customer.id, pricing={"price": price.id})
    invoice = stripe.Invoice.create(customer=customer.id, pending_invoice_items_behavior="include")
    stripe.Invoice.pay(invoice.id)
    return invoice, item


def _invoice_nullable() -> set[str]:
    line = nullable_paths(stripe.InvoiceLineItem)
    payment = nullable_paths(stripe.InvoicePayment)
    return (
        nullable_paths(stripe.Invoice)
        | {f"lines.data.{path}" for path in line}
        | {f"payments.data.{path}" for path in payment}
    )


MAKERS = {
    "invoice": lambda: _raw(
        stripe.Invoice.retrieve(_paid_invoice()[0].id, expand=["payments", "confirmation_secret"])
    ),
    "line_item": lambda: _raw(stripe.Invoice.list_lines(_paid_invoice()[0].id))["data"][0],
    "invoiceitem": lambda: _raw(stripe.InvoiceItem.retrieve(_paid_invoice()[1].id)),
    "invoice_payment": lambda: _raw(stripe.InvoicePayment.list(invoice=_paid_invoice()[0].id))["data"][0],
    "deleted_invoice": lambda: _raw(
        stripe.Invoice.delete(stripe.Invoice.create(customer=stripe.Customer.create().id).id)
    ),
    "deleted_invoiceitem": lambda: _raw(
        stripe.InvoiceItem.delete(
            stripe.InvoiceItem.create(customer=stripe.Customer.create().id, amount=5, currency="usd").id
        )
    ),
}
NULLABLE = {
    "invoice": _invoice_nullable,
    "line_item": lambda: nullable_paths(stripe.InvoiceLineItem),
    "invoiceitem": lambda: nullable_paths(stripe.InvoiceItem),
    "invoice_payment": lambda: nullable_paths(stripe.InvoicePayment),
    "deleted_invoice": set,
    "deleted_invoiceitem": set,
}


@pytest.mark.parametrize("object_type", sorted(MAKERS))
def test_object_matches_stripe(stripe_fake: StripeFake, object_type: str) -> None:
    with freeze_time("2025-01-01"):
        body = MAKERS[object_type]()
    problems = differences(body, FIXTURES[object_type], "", NULLABLE[object_type]())
    assert not problems, f"{object_type} differs from Stripe's example:\n" + "\n".join(problems)


def test_subscription_invoice_lines_match_stripe(stripe_fake: StripeFake) -> None:
    with freeze_time("2025-01-01"):
        customer = stripe.Customer.create()
        price = stripe.Price.create(
            currency="usd", unit_amount=100, product_data={"name": "Seat"}, recurring={"interval": "month"}
        )
        sub = stripe.Subscription.create(
            customer=customer.id, items=[{"price": price.id}], metadata={"a": "b"}
        )
        invoice = stripe.Invoice.list(subscription=sub.id).data[0]
    body = _raw(stripe.Invoice.retrieve(invoice.id, expand=["payments", "confirmation_secret"]))
    assert body["parent"]["subscription_details"]["metadata"] == {"a": "b"}
    problems = differences(body, FIXTURES["invoice"], "", _invoice_nullable())
    assert not problems, "subscription invoice differs from Stripe's example:\n" + "\n".join(problems)
