"""Billing credits and corrections on real renewals: subscriptions, meter events and freezegun, all through
the SDK (the issue's worked scenarios)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
import stripe
from freezegun import freeze_time
from freezegun.api import FrozenDateTimeFactory

from stripe_fake import StripeFake

START = "2025-03-31 09:00:00"
PERIOD_END = int(datetime(2025, 4, 30, 9, tzinfo=timezone.utc).timestamp())  # clamped from March 31
FINALIZED = "2025-04-30 10:00:01"  # the period end + the hour before finalization


@pytest.fixture
def frozen(stripe_fake: StripeFake) -> Iterator[FrozenDateTimeFactory]:
    with freeze_time(START) as factory:
        yield factory


def subscribe(*, card: bool = True) -> tuple[str, str]:
    """A customer subscribed to a metered price of 1 cent per call; (customer, subscription)."""
    meter = stripe.billing.Meter.create(
        display_name="Calls", event_name="call", default_aggregation={"formula": "sum"}
    )
    price = stripe.Price.create(
        currency="usd",
        unit_amount=1,
        product_data={"name": "API"},
        recurring={"interval": "month", "usage_type": "metered", "meter": meter.id},
    )
    kwargs: dict[str, Any] = {}
    if card:
        kwargs = {
            "payment_method": "pm_card_visa",
            "invoice_settings": {"default_payment_method": "pm_card_visa"},
        }
    customer = stripe.Customer.create(email="c@example.com", **kwargs)
    subscription = stripe.Subscription.create(customer=customer.id, items=[{"price": price.id}])
    return customer.id, subscription.id


def use(
    customer: str,
    calls: int,
    frozen: FrozenDateTimeFactory,
    day: int = 10,
    hour: int = 12,
    identifier: str | None = None,
) -> None:
    frozen.move_to(datetime(2025, 4, day, hour, tzinfo=timezone.utc))
    extra = {"identifier": identifier} if identifier else {}
    stripe.billing.MeterEvent.create(
        event_name="call", payload={"stripe_customer_id": customer, "value": str(calls)}, **extra
    )


def grant(customer: str, value: int, **kwargs: Any) -> stripe.billing.CreditGrant:
    return stripe.billing.CreditGrant.create(
        customer=customer,
        amount={"type": "monetary", "monetary": {"currency": "usd", "value": value}},
        applicability_config={"scope": {"price_type": "metered"}},
        **kwargs,
    )


def renewal(customer: str, frozen: FrozenDateTimeFactory, stripe_fake: StripeFake) -> stripe.Invoice:
    frozen.move_to(FINALIZED)
    stripe_fake.run_due()
    invoices = [
        i for i in stripe.Invoice.list(customer=customer).data if i.billing_reason == "subscription_cycle"
    ]
    assert len(invoices) == 1
    return invoices[0]


def available(customer: str) -> int:
    summary = stripe.billing.CreditBalanceSummary.retrieve(
        customer=customer,
        filter={"type": "applicability_scope", "applicability_scope": {"price_type": "metered"}},
    )
    return sum(b.available_balance.monetary.value for b in summary.balances)  # type: ignore[union-attr]


def test_credit_pays_for_part_of_the_usage_and_the_card_the_rest(
    stripe_fake: StripeFake, frozen: FrozenDateTimeFactory
) -> None:
    customer, _ = subscribe()
    grant(customer, 500, category="promotional")
    use(customer, 2000, frozen)
    invoice = renewal(customer, frozen, stripe_fake)
    assert (invoice.subtotal, invoice.total, invoice.amount_paid, invoice.status) == (
        2000,
        1500,
        1500,
        "paid",
    )
    [credit] = invoice.total_pretax_credit_amounts or []
    assert credit.amount == 500 and credit.type == "credit_balance_transaction"
    line = invoice.lines.data[0]
    assert [c.amount for c in line.pretax_credit_amounts or []] == [500]
    assert available(customer) == 0
    debit = stripe.billing.CreditBalanceTransaction.retrieve(str(credit.credit_balance_transaction))
    assert debit.debit is not None and debit.debit.credits_applied is not None
    assert debit.debit.credits_applied.invoice == invoice.id


def test_more_credit_than_usage_leaves_the_rest_for_next_month(
    stripe_fake: StripeFake, frozen: FrozenDateTimeFactory
) -> None:
    customer, _ = subscribe()
    grant(customer, 5000)
    use(customer, 1200, frozen)
    invoice = renewal(customer, frozen, stripe_fake)
    assert (invoice.total, invoice.amount_due, invoice.status) == (0, 0, "paid")
    assert available(customer) == 3800


def test_a_grant_expiring_mid_period_pays_nothing(
    stripe_fake: StripeFake, frozen: FrozenDateTimeFactory
) -> None:
    customer, _ = subscribe()
    mid = int(datetime(2025, 4, 15, tzinfo=timezone.utc).timestamp())
    expiring = grant(customer, 500, expires_at=mid)
    use(customer, 1000, frozen)
    invoice = renewal(customer, frozen, stripe_fake)
    assert invoice.total == 1000 and (invoice.total_pretax_credit_amounts or []) == []
    expired = [
        e
        for e in stripe_fake.events.of_type("billing.credit_grant.updated")
        if e["data"]["object"]["id"] == expiring.id
    ]
    assert [e["created"] for e in expired] == [mid]


def test_two_grants_compete_by_priority_and_expiry(
    stripe_fake: StripeFake, frozen: FrozenDateTimeFactory
) -> None:
    customer, _ = subscribe()
    later = grant(customer, 600)
    sooner = grant(customer, 600, expires_at=PERIOD_END + 86400)
    first = grant(customer, 100, priority=0)
    use(customer, 1000, frozen)
    invoice = renewal(customer, frozen, stripe_fake)
    used = {
        stripe.billing.CreditBalanceTransaction.retrieve(
            str(c.credit_balance_transaction)
        ).credit_grant: c.amount
        for c in invoice.total_pretax_credit_amounts or []
    }
    assert used == {first.id: 100, sooner.id: 600, later.id: 300}


def test_voiding_the_invoice_restores_the_credit(
    stripe_fake: StripeFake, frozen: FrozenDateTimeFactory
) -> None:
    customer, _ = subscribe(card=False)
    grant(customer, 300)
    use(customer, 1000, frozen)
    invoice = renewal(customer, frozen, stripe_fake)
    assert invoice.status == "open" and invoice.total == 700
    assert available(customer) == 0
    stripe.Invoice.void_invoice(invoice.id)
    assert available(customer) == 300
    [restored] = [
        t
        for t in stripe.billing.CreditBalanceTransaction.list(customer=customer).data
        if t.type == "credit" and t.credit and t.credit.type == "credits_application_invoice_voided"
    ]
    assert restored.credit is not None and restored.credit.amount.monetary is not None
    assert restored.credit.amount.monetary.value == 300


def test_usage_cancelled_after_finalization_is_corrected_with_a_credit_note_carried_to_the_next_invoice(
    stripe_fake: StripeFake, frozen: FrozenDateTimeFactory
) -> None:
    customer, _ = subscribe()
    use(customer, 500, frozen, day=11)
    use(customer, 1000, frozen, day=30, hour=8, identifier="late-mistake")  # an hour before the period end
    invoice = renewal(customer, frozen, stripe_fake)
    assert invoice.amount_paid == 1500
    # the 1000 calls were a mistake, found after finalization: cancelling them never changes the invoice
    stripe.billing.MeterEventAdjustment.create(
        event_name="call", type="cancel", cancel={"identifier": "late-mistake"}
    )
    assert stripe.Invoice.retrieve(invoice.id).amount_paid == 1500
    note = stripe.CreditNote.create(
        invoice=invoice.id,
        lines=[{"type": "invoice_line_item", "invoice_line_item": invoice.lines.data[0].id, "amount": 1000}],
        credit_amount=1000,
        reason="order_change",
    )
    assert note.type == "post_payment" and stripe.Customer.retrieve(customer).balance == -1000
    assert stripe.Invoice.retrieve(invoice.id).post_payment_credit_notes_amount == 1000
    use_may = datetime(2025, 5, 10, 12, tzinfo=timezone.utc)
    frozen.move_to(use_may)
    stripe.billing.MeterEvent.create(
        event_name="call", payload={"stripe_customer_id": customer, "value": "1600"}
    )
    frozen.move_to("2025-05-31 10:00:01")
    stripe_fake.run_due()
    may = next(
        i for i in stripe.Invoice.list(customer=customer).data if i.billing_reason == "subscription_cycle"
    )
    assert may.id != invoice.id
    assert (may.total, may.starting_balance, may.amount_paid) == (1600, -1000, 600)
    assert stripe.Customer.retrieve(customer).balance == 0
