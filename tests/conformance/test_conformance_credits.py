"""Conformance of the billing-credit objects: exactly the fields of Stripe's examples (SDK 16.1.0 shapes).

Examples: ``tests/data/fixtures_credits.json`` (fixtures3, with ``applicability_config.scope.prices``
added: the SDK's ``Scope`` carries both ``price_type`` and ``prices``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import stripe
from test_conformance import FIXTURES, _raw, differences

from stripe_fake import StripeFake

# Fields Stripe documents as nullable (SDK ``Optional``) for these types.
NULLABLE: dict[str, set[str]] = {
    "billing.credit_grant": {
        "customer_account",
        "effective_at",
        "expires_at",
        "name",
        "priority",
        "test_clock",
        "voided_at",
        "applicability_config.scope.price_type",
        "applicability_config.scope.prices",
    },
    "billing.credit_balance_summary": {"customer_account"},
    "billing.credit_balance_transaction": {
        "credit",
        "debit",
        "test_clock",
        "type",
        "credit.credits_application_invoice_voided",
        "debit.credits_applied",
    },
    "customer_balance_transaction": {
        "checkout_session",
        "credit_note",
        "customer_account",
        "description",
        "invoice",
        "metadata",
    },
    "credit_note": {
        "customer_account",
        "customer_balance_transaction",
        "memo",
        "out_of_band_amount",
        "reason",
        "refunds.payment_record_refund",
        "refunds.refund",
        "refunds.type",
        "shipping_cost",
        "total_excluding_tax",
        "voided_at",
        "lines.invoice_line_item",
        "lines.unit_amount",
        "lines.unit_amount_decimal",
        "lines.description",
        "lines.metadata",
        "lines.quantity",
        "lines.taxes",
    },
    "credit_note_line_item": {
        "description",
        "invoice_line_item",
        "metadata",
        "quantity",
        "taxes",
        "unit_amount",
        "unit_amount_decimal",
    },
}
USD = {"type": "monetary", "monetary": {"currency": "usd", "value": 500}}
METERED = {"scope": {"price_type": "metered"}}


def _grant(customer: str, **kwargs: Any) -> Any:
    return stripe.billing.CreditGrant.create(
        customer=customer, amount=USD, applicability_config=METERED, **kwargs
    )


def make_grant(fake: StripeFake) -> dict[str, Any]:
    return _raw(_grant(stripe.Customer.create().id, name="Welcome", metadata={"k": "v"}))


def make_summary(fake: StripeFake) -> dict[str, Any]:
    customer = stripe.Customer.create()
    _grant(customer.id)
    return _raw(
        stripe.billing.CreditBalanceSummary.retrieve(
            customer=customer.id,
            filter={"type": "applicability_scope", "applicability_scope": {"price_type": "metered"}},
        )
    )


def make_transaction(fake: StripeFake) -> dict[str, Any]:
    customer = stripe.Customer.create()
    grant = _grant(customer.id)
    stripe.billing.CreditGrant.expire(grant.id)
    listed = _raw(stripe.billing.CreditBalanceTransaction.list(customer=customer.id))["data"]
    debit = next(t for t in listed if t["type"] == "debit")
    return _raw(stripe.billing.CreditBalanceTransaction.retrieve(debit["id"]))


def make_granted_transaction(fake: StripeFake) -> dict[str, Any]:
    customer = stripe.Customer.create()
    _grant(customer.id)
    found: dict[str, Any] = _raw(stripe.billing.CreditBalanceTransaction.list(customer=customer.id))["data"][
        0
    ]
    return found


def make_customer_balance_transaction(fake: StripeFake) -> dict[str, Any]:
    customer = stripe.Customer.create()
    return _raw(stripe.Customer.create_balance_transaction(customer.id, amount=-500, currency="usd"))


def _paid_invoice() -> Any:
    customer = stripe.Customer.create(
        payment_method="pm_card_visa", invoice_settings={"default_payment_method": "pm_card_visa"}
    )
    stripe.InvoiceItem.create(customer=customer.id, amount=1000, currency="usd", description="Consulting")
    draft = stripe.Invoice.create(customer=customer.id, pending_invoice_items_behavior="include")
    stripe.Invoice.finalize_invoice(draft.id)
    return stripe.Invoice.pay(draft.id)


def make_credit_note(fake: StripeFake) -> dict[str, Any]:
    invoice = _paid_invoice()
    return _raw(
        stripe.CreditNote.create(
            invoice=invoice.id,
            lines=[
                {"type": "invoice_line_item", "invoice_line_item": invoice.lines.data[0].id, "amount": 300},
                {"type": "custom_line_item", "description": "Goodwill", "unit_amount": 100},
            ],
            refund_amount=200,
            credit_amount=200,
        )
    )


def make_credit_note_line(fake: StripeFake) -> dict[str, Any]:
    note = make_credit_note(fake)
    found: dict[str, Any] = _raw(stripe.CreditNote.list_lines(note["id"]))["data"][0]
    return found


PRODUCERS: dict[str, tuple[str, Callable[[StripeFake], dict[str, Any]]]] = {
    "credit_grant": ("billing.credit_grant", make_grant),
    "credit_balance_summary": ("billing.credit_balance_summary", make_summary),
    "credit_balance_transaction_debit": ("billing.credit_balance_transaction", make_transaction),
    "credit_balance_transaction_credit": ("billing.credit_balance_transaction", make_granted_transaction),
    "customer_balance_transaction": ("customer_balance_transaction", make_customer_balance_transaction),
    "credit_note": ("credit_note", make_credit_note),
    "credit_note_line_item": ("credit_note_line_item", make_credit_note_line),
}


@pytest.mark.parametrize("case", sorted(PRODUCERS))
def test_credit_object_matches_stripe(stripe_fake: StripeFake, case: str) -> None:
    object_type, produce = PRODUCERS[case]
    body = produce(stripe_fake)
    assert body["object"] == object_type
    problems = differences(body, FIXTURES[object_type], "", NULLABLE[object_type])
    assert not problems, f"{object_type} differs from Stripe's example:\n" + "\n".join(problems)
