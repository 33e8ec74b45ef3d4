"""Every error row of docs/fidelity.md's invoices table, through the SDK; the state is unchanged after it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import stripe
from fidelity_rows import Row, error_table
from test_fuzz import snapshot

from stripe_fake import StripeFake

DOC = Path(__file__).resolve().parent.parent / "docs" / "fidelity.md"


def _rows() -> dict[str, Row]:
    return error_table("Errors", within="Invoices, invoice items, invoice payments")


ROWS = _rows()


@dataclass
class World:
    customer: Any  # pays with pm_card_visa
    bare: Any  # no payment method
    draft: Any  # a manual draft of `customer` (usd)
    open: Any  # a finalized, unpaid invoice of `bare`
    paid: Any
    void: Any
    declining: Any  # an open invoice of a customer whose card declines
    action: Any  # an open invoice of a customer whose card needs authentication
    recurring_price: Any
    inactive_price: Any
    open_item: Any  # an invoice item on the open invoice
    subscription: Any  # a subscription of `bare`


def _customer(card: str | None = None) -> Any:
    customer = stripe.Customer.create()
    if card is not None:
        pm = stripe.PaymentMethod.attach(card, customer=customer.id)
        stripe.Customer.modify(customer.id, invoice_settings={"default_payment_method": pm.id})
    return customer


def _open_invoice(customer: Any, amount: int = 1000) -> Any:
    stripe.InvoiceItem.create(customer=customer.id, amount=amount, currency="usd")
    draft = stripe.Invoice.create(customer=customer.id, pending_invoice_items_behavior="include")
    return stripe.Invoice.finalize_invoice(draft.id)


@pytest.fixture
def world(stripe_fake: StripeFake) -> World:
    customer = _customer("pm_card_visa")
    bare = _customer()
    draft = stripe.Invoice.create(customer=customer.id, currency="usd")
    opened = _open_invoice(bare)
    paid = stripe.Invoice.pay(_open_invoice(customer).id)
    void = stripe.Invoice.void_invoice(_open_invoice(bare).id)
    declining = _open_invoice(_customer("pm_card_chargeCustomerFail"))
    action = _open_invoice(_customer("pm_card_authenticationRequired"))
    product = stripe.Product.create(name="Thing")
    recurring = stripe.Price.create(
        product=product.id, currency="usd", unit_amount=5, recurring={"interval": "month"}
    )
    inactive = stripe.Price.create(product=product.id, currency="usd", unit_amount=5, active=False)
    item = stripe.InvoiceItem.list(invoice=opened.id).data[0]
    subscription = stripe.Subscription.create(customer=bare.id, items=[{"price": recurring.id}])
    return World(
        customer, bare, draft, opened, paid, void, declining, action, recurring, inactive, item, subscription
    )


CASES: dict[str, Callable[[World], Any]] = {
    "invoice_unknown": lambda w: stripe.Invoice.retrieve("in_missing"),
    "invoice_create_missing_customer": lambda w: stripe.Invoice.create(),
    "invoice_create_unknown_customer": lambda w: stripe.Invoice.create(customer="cus_missing"),
    "invoice_create_days_until_due_charge_automatically": lambda w: stripe.Invoice.create(
        customer=w.customer.id, days_until_due=3
    ),
    "invoice_create_send_invoice_without_due": lambda w: stripe.Invoice.create(
        customer=w.customer.id, collection_method="send_invoice"
    ),
    "invoice_create_due_date_and_days": lambda w: stripe.Invoice.create(
        customer=w.customer.id, collection_method="send_invoice", days_until_due=3, due_date=4_000_000_000
    ),
    "invoice_create_due_date_past": lambda w: stripe.Invoice.create(
        customer=w.customer.id, collection_method="send_invoice", due_date=1
    ),
    "invoice_create_finalizes_at_far": lambda w: stripe.Invoice.create(
        customer=w.customer.id, automatically_finalizes_at=w.customer.created + 6 * 366 * 86_400
    ),
    "invoice_create_unsupported": lambda w: stripe.Invoice.create(
        customer=w.customer.id, discounts=[{"coupon": "c"}]
    ),
    "invoice_create_unknown_subscription": lambda w: stripe.Invoice.create(
        customer=w.customer.id, subscription="sub_missing"
    ),
    "invoice_create_other_customers_subscription": lambda w: stripe.Invoice.create(
        customer=w.customer.id, subscription=w.subscription.id
    ),
    "item_unknown_subscription": lambda w: stripe.InvoiceItem.create(
        customer=w.customer.id, amount=1, currency="usd", subscription="sub_missing"
    ),
    "item_other_customers_subscription": lambda w: stripe.InvoiceItem.create(
        customer=w.customer.id, amount=1, currency="usd", subscription=w.subscription.id
    ),
    "invoice_update_finalized_amounts": lambda w: stripe.Invoice.modify(
        w.open.id, collection_method="send_invoice", days_until_due=3
    ),
    "invoice_finalize_open": lambda w: stripe.Invoice.finalize_invoice(w.open.id),
    "invoice_pay_paid": lambda w: stripe.Invoice.pay(w.paid.id),
    "invoice_pay_void": lambda w: stripe.Invoice.pay(w.void.id),
    "invoice_pay_out_of_band_and_method": lambda w: stripe.Invoice.pay(
        w.open.id, paid_out_of_band=True, payment_method="pm_card_visa"
    ),
    "invoice_pay_no_payment_method": lambda w: stripe.Invoice.pay(w.open.id),
    "invoice_pay_declined": lambda w: stripe.Invoice.pay(w.declining.id),
    "invoice_pay_requires_action": lambda w: stripe.Invoice.pay(w.action.id),
    "invoice_void_draft": lambda w: stripe.Invoice.void_invoice(w.draft.id),
    "invoice_void_paid": lambda w: stripe.Invoice.void_invoice(w.paid.id),
    "invoice_uncollectible_draft": lambda w: stripe.Invoice.mark_uncollectible(w.draft.id),
    "invoice_send_draft": lambda w: stripe.Invoice.send_invoice(w.draft.id),
    "invoice_send_charge_automatically": lambda w: stripe.Invoice.send_invoice(w.open.id),
    "invoice_delete_open": lambda w: stripe.Invoice.delete(w.open.id),
    "invoice_list_bad_status": lambda w: stripe.Invoice.list(status="lost"),  # type: ignore[arg-type]
    "invoice_lines_unknown_cursor": lambda w: stripe.Invoice.list_lines(
        w.open.id, starting_after="il_missing"
    ),
    "invoice_payment_unknown": lambda w: stripe.InvoicePayment.retrieve("inpay_missing"),
    "item_missing_customer": lambda w: stripe.InvoiceItem.create(amount=100, currency="usd"),
    "item_unknown_customer": lambda w: stripe.InvoiceItem.create(
        customer="cus_missing", amount=1, currency="usd"
    ),
    "item_no_amount": lambda w: stripe.InvoiceItem.create(customer=w.customer.id, currency="usd"),
    "item_amount_and_pricing": lambda w: stripe.InvoiceItem.create(
        customer=w.customer.id, amount=1, currency="usd", pricing={"price": w.inactive_price.id}
    ),
    "item_amount_without_currency": lambda w: stripe.InvoiceItem.create(customer=w.customer.id, amount=100),
    "item_unknown_price": lambda w: stripe.InvoiceItem.create(
        customer=w.customer.id, pricing={"price": "price_missing"}
    ),
    "item_recurring_price": lambda w: stripe.InvoiceItem.create(
        customer=w.customer.id, pricing={"price": w.recurring_price.id}
    ),
    "item_inactive_price": lambda w: stripe.InvoiceItem.create(
        customer=w.customer.id, pricing={"price": w.inactive_price.id}
    ),
    "item_price_data_unknown_product": lambda w: stripe.InvoiceItem.create(
        customer=w.customer.id, price_data={"currency": "usd", "product": "prod_missing", "unit_amount": 5}
    ),
    "item_price_data_no_amount": lambda w: stripe.InvoiceItem.create(
        customer=w.customer.id, price_data={"currency": "usd", "product": w.recurring_price.product}
    ),
    "item_quantity_and_decimal": lambda w: stripe.InvoiceItem.create(
        customer=w.customer.id, amount=1, currency="usd", quantity=2, quantity_decimal="2.5"
    ),
    "item_unknown_invoice": lambda w: stripe.InvoiceItem.create(
        customer=w.customer.id, amount=1, currency="usd", invoice="in_missing"
    ),
    "item_invoice_not_draft": lambda w: stripe.InvoiceItem.create(
        customer=w.bare.id, amount=1, currency="usd", invoice=w.open.id
    ),
    "item_invoice_other_customer": lambda w: stripe.InvoiceItem.create(
        customer=w.bare.id, amount=1, currency="usd", invoice=w.draft.id
    ),
    "item_invoice_other_currency": lambda w: stripe.InvoiceItem.create(
        customer=w.customer.id, amount=1, currency="eur", invoice=w.draft.id
    ),
    "item_period_reversed": lambda w: stripe.InvoiceItem.create(
        customer=w.customer.id, amount=1, currency="usd", period={"start": 200, "end": 100}
    ),
    "item_unknown": lambda w: stripe.InvoiceItem.retrieve("ii_missing"),
    "item_update_on_finalized": lambda w: stripe.InvoiceItem.modify(w.open_item.id, amount=5),
    "item_delete_on_finalized": lambda w: stripe.InvoiceItem.delete(w.open_item.id),
}

# Payment failures are real attempts: they record the attempt (and its events) before answering.
ATTEMPTS = {"invoice_pay_no_payment_method", "invoice_pay_declined", "invoice_pay_requires_action"}


def test_every_documented_row_has_a_case() -> None:
    assert set(ROWS) == set(CASES)


def _matches(pattern: str, message: str) -> bool:
    regex = "".join(
        ".+?" if part.startswith("<") else re.escape(part) for part in re.split(r"(<\.\.\.>)", pattern)
    )
    return re.fullmatch(regex, message, re.S) is not None


@pytest.mark.parametrize("case", sorted(ROWS))
def test_documented_error(stripe_fake: StripeFake, world: World, case: str) -> None:
    row = ROWS[case]
    before = snapshot(stripe_fake.backend)
    with pytest.raises(stripe.StripeError) as caught:
        CASES[case](world)
    error = caught.value
    body = error.json_body["error"]
    assert error.http_status == row.status
    assert body["type"] == row.type
    assert body.get("code") == row.code
    assert body.get("param") == row.param
    assert _matches(row.message, body["message"]), body["message"]
    if case not in ATTEMPTS:
        assert snapshot(stripe_fake.backend) == before, "a rejected request changed the state"


@pytest.mark.parametrize("case", sorted(ATTEMPTS))
def test_a_failed_payment_is_recorded(stripe_fake: StripeFake, world: World, case: str) -> None:
    with pytest.raises(stripe.StripeError):
        CASES[case](world)
    invoice_id = {"invoice_pay_no_payment_method": world.open, "invoice_pay_declined": world.declining}.get(
        case, world.action
    ).id
    invoice = stripe.Invoice.retrieve(invoice_id)
    assert invoice.status == "open" and invoice.attempted and invoice.attempt_count == 1
    kind = (
        "invoice.payment_action_required"
        if case == "invoice_pay_requires_action"
        else "invoice.payment_failed"
    )
    assert [e.data.object.id for e in stripe.Event.list(type=kind).data] == [invoice_id]
