"""Invoices through the SDK under frozen time: renewals of metered and licensed subscriptions, the
draft hour (late usage counted until finalization, never after), every payment outcome and the
dunning path, manual invoices, invoice items, totals with the customer balance and the minimum charge."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
import stripe
import time_machine
from compat import v1
from freezegun import freeze_time

from stripe_fake import StripeFake

HOUR, DAY = 3600, 86_400


def ts(*args: int) -> int:
    return int(datetime(*args, tzinfo=timezone.utc).timestamp())  # type: ignore[misc]


def _customer(card: str | None = "pm_card_visa", **fields: Any) -> Any:
    customer = stripe.Customer.create(email="jenny@example.com", **fields)
    if card is not None:
        pm = stripe.PaymentMethod.attach(card, customer=customer.id)
        stripe.Customer.modify(customer.id, invoice_settings={"default_payment_method": pm.id})
    return customer


def _metered_price(unit_amount: int = 5, formula: str = "sum", event_name: str = "api_call") -> Any:
    meter = stripe.billing.Meter.create(
        display_name=event_name, event_name=event_name, default_aggregation={"formula": formula}
    )
    return stripe.Price.create(
        currency="usd",
        unit_amount=unit_amount,
        product_data={"name": "API calls"},
        recurring={"interval": "month", "usage_type": "metered", "meter": meter.id},
    )


def _usage(clock: Any, customer: Any, value: int, at: int, event_name: str = "api_call") -> None:
    """Report usage at ``at``, moving the frozen clock there first (``clock=None``: report it late)."""
    if clock is not None:
        clock.move_to(datetime.fromtimestamp(at, timezone.utc))
    stripe.billing.MeterEvent.create(
        event_name=event_name, timestamp=at, payload={"stripe_customer_id": customer.id, "value": str(value)}
    )


def _events(kind: str) -> list[Any]:
    return list(reversed(stripe.Event.list(type=kind, limit=100).data))


@pytest.fixture
def month() -> Any:
    """2025-01-01 (a subscription starts), frozen; tick/move_to drive it."""
    with freeze_time("2025-01-01") as frozen:
        yield frozen


def test_metered_renewal_bills_the_closed_period_and_is_paid_an_hour_later(
    stripe_fake: StripeFake, month: Any
) -> None:
    customer = _customer()
    price = _metered_price(unit_amount=5)
    sub = stripe.Subscription.create(customer=customer.id, items=[{"price": price.id}])
    _usage(month, customer, 10, ts(2025, 1, 5))
    _usage(month, customer, 7, ts(2025, 1, 31, 23, 59))
    _usage(month, customer, 100, ts(2025, 2, 1))  # next period
    month.move_to("2025-02-01 00:00:01")
    stripe_fake.run_due()
    (invoice,) = stripe.Invoice.list(subscription=sub.id).data
    assert invoice.status == "draft" and invoice.billing_reason == "subscription_cycle"
    assert invoice.automatically_finalizes_at == ts(2025, 2, 1) + HOUR
    assert invoice.created == ts(2025, 2, 1)
    (line,) = invoice.lines.data
    assert (line.quantity, line.amount) == (17, 85)
    assert (line.period.start, line.period.end) == (ts(2025, 1, 1), ts(2025, 2, 1))
    assert line.parent.subscription_item_details.subscription == sub.id
    assert line.pricing.price_details.price == price.id
    assert invoice.parent.subscription_details.subscription == sub.id
    assert (invoice.subtotal, invoice.total, invoice.amount_due) == (85, 85, 85)
    assert invoice.number is None and invoice.ending_balance is None

    month.move_to("2025-02-01 01:00:00")
    stripe_fake.run_due()
    paid = stripe.Invoice.retrieve(invoice.id)
    assert paid.status == "paid" and (paid.amount_paid, paid.amount_remaining) == (85, 0)
    assert paid.status_transitions.finalized_at == ts(2025, 2, 1, 1)
    assert paid.status_transitions.paid_at == ts(2025, 2, 1, 1)
    assert paid.number == f"{customer.invoice_prefix}-0001"
    assert paid.attempted and paid.attempt_count == 1 and paid.automatically_finalizes_at is None
    kinds = [e.type for e in reversed(stripe.Event.list(limit=100).data) if e.type.startswith("invoice.")]
    assert kinds == ["invoice.created", "invoice.finalized", "invoice.paid", "invoice.payment_succeeded"]
    assert stripe.Customer.retrieve(customer.id).next_invoice_sequence == 2


def test_late_usage_inside_the_draft_hour_counts_after_finalization_it_does_not(
    stripe_fake: StripeFake, month: Any
) -> None:
    customer = _customer()
    price = _metered_price(unit_amount=10)
    sub = stripe.Subscription.create(customer=customer.id, items=[{"price": price.id}])
    _usage(month, customer, 3, ts(2025, 1, 10))
    month.move_to("2025-02-01 00:10:00")
    stripe_fake.run_due()
    (draft,) = stripe.Invoice.list(subscription=sub.id).data
    assert draft.amount_due == 30
    _usage(None, customer, 4, ts(2025, 1, 31, 22))  # reported late, inside the draft hour
    month.move_to("2025-02-01 01:00:00")
    stripe_fake.run_due()
    final = stripe.Invoice.retrieve(draft.id)
    assert final.status == "paid" and final.lines.data[0].quantity == 7 and final.amount_paid == 70
    _usage(None, customer, 50, ts(2025, 1, 31, 23))  # after finalization: never on this invoice
    assert stripe.Invoice.retrieve(draft.id).amount_due == 70
    assert stripe.Invoice.retrieve(draft.id).lines.data[0].quantity == 7


def test_negative_usage_total_bills_zero(stripe_fake: StripeFake, month: Any) -> None:
    customer = _customer()
    price = _metered_price()
    sub = stripe.Subscription.create(customer=customer.id, items=[{"price": price.id}])
    _usage(month, customer, 10, ts(2025, 1, 2))
    _usage(month, customer, -15, ts(2025, 1, 3))
    month.move_to("2025-02-01 02:00:00")
    stripe_fake.run_due()
    (invoice,) = stripe.Invoice.list(subscription=sub.id).data
    assert invoice.lines.data[0].quantity == 0 and invoice.amount_due == 0
    assert invoice.status == "paid" and invoice.attempt_count == 0  # nothing due: paid without an attempt


def test_several_periods_in_one_jump_make_one_invoice_each_in_order(
    stripe_fake: StripeFake, month: Any
) -> None:
    customer = _customer()
    price = _metered_price(unit_amount=1)
    sub = stripe.Subscription.create(customer=customer.id, items=[{"price": price.id}])
    for day, value in ((ts(2025, 1, 9), 100), (ts(2025, 2, 9), 200), (ts(2025, 3, 9), 300)):
        _usage(month, customer, value, day)
    month.move_to("2025-04-02")
    stripe_fake.run_due()
    invoices = list(reversed(stripe.Invoice.list(subscription=sub.id).data))
    assert [i.created for i in invoices] == [ts(2025, 2, 1), ts(2025, 3, 1), ts(2025, 4, 1)]
    assert [i.amount_paid for i in invoices] == [100, 200, 300]
    assert [i.number for i in invoices] == [f"{customer.invoice_prefix}-000{n}" for n in (1, 2, 3)]


def test_licensed_first_invoice_is_finalized_and_paid_at_once(stripe_fake: StripeFake, month: Any) -> None:
    customer = _customer()
    price = stripe.Price.create(
        currency="usd", unit_amount=2000, product_data={"name": "Seat"}, recurring={"interval": "month"}
    )
    stripe.InvoiceItem.create(customer=customer.id, amount=500, currency="usd", description="Setup")
    sub = stripe.Subscription.create(customer=customer.id, items=[{"price": price.id, "quantity": 2}])
    (invoice,) = stripe.Invoice.list(subscription=sub.id).data
    assert invoice.billing_reason == "subscription_create" and invoice.status == "paid"
    assert [line.amount for line in invoice.lines.data] == [500, 4000]  # pending items first
    assert invoice.lines.data[0].parent.type == "invoice_item_details"
    assert invoice.amount_paid == 4500
    assert stripe.InvoiceItem.list(customer=customer.id, pending=True).data == []


@pytest.mark.parametrize(
    ("card", "status", "event"),
    [
        ("pm_card_visa", "paid", "invoice.paid"),
        ("pm_card_chargeCustomerFail", "open", "invoice.payment_failed"),
        ("pm_card_authenticationRequired", "open", "invoice.payment_action_required"),
        (None, "open", "invoice.payment_failed"),
    ],
    ids=["succeeds", "declines", "needs_authentication", "no_payment_method"],
)
def test_renewal_payment_outcomes(
    stripe_fake: StripeFake, month: Any, card: str | None, status: str, event: str
) -> None:
    customer = _customer(card)
    price = _metered_price()
    sub = stripe.Subscription.create(customer=customer.id, items=[{"price": price.id}])
    _usage(month, customer, 20, ts(2025, 1, 20))
    month.move_to("2025-02-01 01:00:00")
    stripe_fake.run_due()
    (invoice,) = stripe.Invoice.list(subscription=sub.id).data
    assert invoice.status == status and invoice.attempt_count == 1
    assert [e.data.object.id for e in _events(event)] == [invoice.id]
    payments = stripe.InvoicePayment.list(invoice=invoice.id).data
    assert [p.status for p in payments] == ["paid" if status == "paid" else "open"]
    if event == "invoice.payment_failed":
        assert invoice.next_payment_attempt == ts(2025, 2, 1, 1) + 3 * DAY


def test_dunning_retries_then_the_final_failure_then_a_manual_payment(
    stripe_fake: StripeFake, month: Any
) -> None:
    customer = _customer("pm_card_chargeCustomerFail")
    price = _metered_price()
    sub = stripe.Subscription.create(customer=customer.id, items=[{"price": price.id}])
    _usage(month, customer, 20, ts(2025, 1, 20))
    month.move_to("2025-02-01 01:00:00")
    stripe_fake.run_due()
    (invoice,) = stripe.Invoice.list(subscription=sub.id).data
    attempts = [ts(2025, 2, 1, 1) + days * DAY for days in (3, 8, 15)]  # after 3, 5 and 7 more days
    for number, due in enumerate(attempts, start=2):
        assert stripe.Invoice.retrieve(invoice.id).next_payment_attempt == due
        month.move_to(datetime.fromtimestamp(due, timezone.utc))
        stripe_fake.run_due()
        assert stripe.Invoice.retrieve(invoice.id).attempt_count == number
    failed = stripe.Invoice.retrieve(invoice.id)
    assert failed.status == "open" and failed.next_payment_attempt is None
    assert [e.created for e in _events("invoice.payment_failed")] == [ts(2025, 2, 1, 1), *attempts]
    paid = stripe.Invoice.pay(
        invoice.id, payment_method=stripe.PaymentMethod.attach("pm_card_visa", customer=customer.id).id
    )
    assert paid.status == "paid" and paid.attempt_count == 5 and paid.amount_paid == 100
    assert (
        len(stripe.InvoicePayment.list(invoice=invoice.id).data) == 1
    )  # one payment, reused by every attempt


@pytest.mark.stripe_fake(invoice_payment_retries=[])
def test_no_retries_when_the_schedule_is_empty(stripe_fake: StripeFake, month: Any) -> None:
    customer = _customer(None)
    price = _metered_price()
    sub = stripe.Subscription.create(customer=customer.id, items=[{"price": price.id}])
    _usage(month, customer, 20, ts(2025, 1, 20))
    month.move_to("2025-02-01 01:00:00")
    stripe_fake.run_due()
    (invoice,) = stripe.Invoice.list(subscription=sub.id).data
    assert invoice.status == "open" and invoice.next_payment_attempt is None


@pytest.mark.stripe_fake(invoice_finalization_delay=600)
def test_the_draft_window_is_an_option(stripe_fake: StripeFake, month: Any) -> None:
    customer = _customer()
    sub = stripe.Subscription.create(customer=customer.id, items=[{"price": _metered_price().id}])
    month.move_to("2025-02-01 00:10:00")
    stripe_fake.run_due()
    (invoice,) = stripe.Invoice.list(subscription=sub.id).data
    assert invoice.status == "paid" and invoice.status_transitions.finalized_at == ts(2025, 2, 1) + 600


def test_manual_invoice_lifecycle_with_invoice_items(stripe_fake: StripeFake, month: Any) -> None:
    customer = _customer()
    product = stripe.Product.create(name="Consulting")
    hourly = stripe.Price.create(product=product.id, currency="usd", unit_amount=15000)
    first = stripe.InvoiceItem.create(customer=customer.id, pricing={"price": hourly.id}, quantity=3)
    assert (first.amount, first.quantity, first.pricing.price_details.price) == (45000, 3, hourly.id)
    inline = stripe.InvoiceItem.create(
        customer=customer.id,
        price_data={"currency": "usd", "product": product.id, "unit_amount_decimal": "0.5"},
        quantity=7,
    )
    assert inline.amount == 4  # 3.5 rounds half up
    draft = stripe.Invoice.create(
        customer=customer.id, pending_invoice_items_behavior="include", description="Jan"
    )
    assert draft.status == "draft" and draft.auto_advance is False and draft.amount_due == 45004
    extra = stripe.InvoiceItem.create(customer=customer.id, amount=-1004, currency="usd", invoice=draft.id)
    assert stripe.Invoice.retrieve(draft.id).amount_due == 44000
    stripe.InvoiceItem.modify(extra.id, amount=-4)
    assert stripe.Invoice.retrieve(draft.id).total == 45000
    assert [line.id for line in stripe.Invoice.list_lines(draft.id, limit=2).data] == [
        line.id for line in stripe.Invoice.retrieve(draft.id).lines.data[:2]
    ]
    updated = stripe.Invoice.modify(draft.id, footer="Thanks", metadata={"order": "7"})
    assert updated.footer == "Thanks"
    (event,) = _events("invoice.updated")
    assert event.data.previous_attributes["footer"] is None
    month.tick(HOUR * 5)
    stripe_fake.run_due()
    assert stripe.Invoice.retrieve(draft.id).status == "draft"  # manual drafts wait to be finalized
    opened = stripe.Invoice.finalize_invoice(draft.id)
    assert opened.status == "open" and opened.attempted is False  # auto_advance false: no attempt
    with pytest.raises(stripe.InvalidRequestError):
        stripe.InvoiceItem.delete(extra.id)
    paid = stripe.Invoice.pay(draft.id)
    assert paid.status == "paid" and paid.amount_paid == 45000 and paid.auto_advance is False


def test_auto_advance_manual_invoice_finalizes_after_the_delay(stripe_fake: StripeFake, month: Any) -> None:
    customer = _customer()
    stripe.InvoiceItem.create(customer=customer.id, amount=900, currency="usd")
    draft = stripe.Invoice.create(
        customer=customer.id, pending_invoice_items_behavior="include", auto_advance=True
    )
    assert draft.automatically_finalizes_at == ts(2025, 1, 1) + HOUR
    month.tick(HOUR)
    stripe_fake.run_due()
    assert stripe.Invoice.retrieve(draft.id).status == "paid"


def test_customer_balance_and_minimum_charge(stripe_fake: StripeFake, month: Any) -> None:
    customer = _customer(balance=-300)  # 3.00 of credit
    stripe.InvoiceItem.create(customer=customer.id, amount=1000, currency="usd")
    invoice = stripe.Invoice.create(customer=customer.id, pending_invoice_items_behavior="include")
    assert (invoice.starting_balance, invoice.amount_due) == (-300, 700)
    invoice = stripe.Invoice.finalize_invoice(invoice.id)
    assert invoice.ending_balance == 0 and stripe.Customer.retrieve(customer.id).balance == 0
    stripe.InvoiceItem.create(customer=customer.id, amount=30, currency="usd")
    small = stripe.Invoice.create(
        customer=customer.id, pending_invoice_items_behavior="include", auto_advance=True
    )
    small = stripe.Invoice.finalize_invoice(small.id)
    assert small.status == "paid" and small.amount_due == 30 and small.amount_remaining == 0
    assert small.amount_paid == 0 and small.attempt_count == 0
    assert stripe.Customer.retrieve(customer.id).balance == 30  # carried to the next invoice
    stripe.InvoiceItem.create(customer=customer.id, amount=1000, currency="usd")
    nxt = stripe.Invoice.create(customer=customer.id, pending_invoice_items_behavior="include")
    assert nxt.amount_due == 1030


def test_send_invoice_due_date_sent_and_optional_overdue(stripe_fake: StripeFake, month: Any) -> None:
    customer = _customer(None)
    stripe.InvoiceItem.create(customer=customer.id, amount=5000, currency="usd")
    draft = stripe.Invoice.create(
        customer=customer.id,
        collection_method="send_invoice",
        days_until_due=14,
        pending_invoice_items_behavior="include",
    )
    opened = stripe.Invoice.finalize_invoice(draft.id)
    assert (
        opened.status == "open" and opened.due_date == ts(2025, 1, 15) and opened.next_payment_attempt is None
    )
    assert _events("invoice.sent") == []  # auto_advance false: not sent automatically
    stripe.Invoice.send_invoice(draft.id)
    assert [e.data.object.id for e in _events("invoice.sent")] == [draft.id]
    month.move_to("2025-01-20")
    stripe_fake.run_due()
    assert _events("invoice.overdue") == []  # off unless enabled
    assert stripe.Invoice.list(due_date={"lt": ts(2025, 1, 16)}).data[0].id == draft.id
    assert stripe.Invoice.pay(draft.id, paid_out_of_band=True).amount_paid_off_stripe == 5000


@pytest.mark.stripe_fake(invoice_overdue_events=True)
def test_overdue_and_will_be_due_events_when_enabled(stripe_fake: StripeFake, month: Any) -> None:
    customer = _customer(None)
    stripe.InvoiceItem.create(customer=customer.id, amount=5000, currency="usd")
    draft = stripe.Invoice.create(
        customer=customer.id,
        collection_method="send_invoice",
        days_until_due=10,
        pending_invoice_items_behavior="include",
        auto_advance=True,
    )
    stripe.Invoice.finalize_invoice(draft.id)
    assert [e.data.object.id for e in _events("invoice.sent")] == [draft.id]
    month.move_to("2025-01-12")
    stripe_fake.run_due()
    assert [e.created for e in _events("invoice.will_be_due")] == [ts(2025, 1, 8)]
    assert [e.created for e in _events("invoice.overdue")] == [ts(2025, 1, 11)]


def test_void_uncollectible_and_delete(stripe_fake: StripeFake, month: Any) -> None:
    customer = _customer(None)
    item = stripe.InvoiceItem.create(customer=customer.id, amount=700, currency="usd")
    draft = stripe.Invoice.create(customer=customer.id, pending_invoice_items_behavior="include")
    assert stripe.InvoiceItem.retrieve(item.id).invoice == draft.id
    deleted = stripe.Invoice.delete(draft.id)
    assert deleted.deleted is True
    assert stripe.InvoiceItem.retrieve(item.id).invoice is None  # back to pending
    with pytest.raises(stripe.InvalidRequestError):
        stripe.Invoice.retrieve(draft.id)
    invoice = stripe.Invoice.finalize_invoice(
        stripe.Invoice.create(customer=customer.id, pending_invoice_items_behavior="include").id
    )
    uncollectible = stripe.Invoice.mark_uncollectible(invoice.id)
    assert (
        uncollectible.status == "uncollectible" and uncollectible.status_transitions.marked_uncollectible_at
    )
    voided = stripe.Invoice.void_invoice(invoice.id)
    assert voided.status == "void" and voided.amount_remaining == 0
    kinds = {e.type for e in stripe.Event.list(limit=100).data}
    assert {
        "invoice.deleted",
        "invoice.marked_uncollectible",
        "invoice.voided",
        "invoiceitem.created",
    } <= kinds


def test_lists_filter_and_page(stripe_fake: StripeFake, client: stripe.StripeClient, month: Any) -> None:
    alice, bob = _customer(None), _customer(None)
    for customer in (alice, alice, bob):
        stripe.Invoice.create(customer=customer.id, currency="usd")
    assert len(stripe.Invoice.list(customer=alice.id).data) == 2
    assert len(v1(client).invoices.list({"status": "draft"}).data) == 3
    first = stripe.Invoice.list(limit=1)
    assert (
        first.has_more and stripe.Invoice.list(starting_after=first.data[0].id).data[0].customer == alice.id
    )
    assert stripe.Invoice.list(collection_method="send_invoice").data == []
    item = v1(client).invoice_items.create({"customer": bob.id, "amount": 5, "currency": "usd"})
    assert [i.id for i in stripe.InvoiceItem.list(customer=bob.id, pending=True).data] == [item.id]


def test_time_machine_drives_renewals_too(stripe_fake: StripeFake) -> None:
    with time_machine.travel(ts(2025, 1, 1), tick=False) as traveller:
        customer = _customer()
        price = _metered_price(unit_amount=3)
        sub = stripe.Subscription.create(customer=customer.id, items=[{"price": price.id}])
        _usage(traveller, customer, 21, ts(2025, 1, 2))
        traveller.move_to(datetime.fromtimestamp(ts(2025, 2, 1, 1), timezone.utc))
        stripe_fake.run_due()
        (invoice,) = stripe.Invoice.list(subscription=sub.id).data
        assert invoice.status == "paid" and invoice.amount_paid == 63


def test_billing_credits_are_held_on_the_draft_and_posted_at_finalization(
    stripe_fake: StripeFake, month: Any
) -> None:
    customer = _customer()
    grant = stripe.billing.CreditGrant.create(
        customer=customer.id,
        amount={"type": "monetary", "monetary": {"currency": "usd", "value": 300}},
        applicability_config={"scope": {"price_type": "metered"}},
        category="promotional",
    )
    price = _metered_price(unit_amount=10)
    sub = stripe.Subscription.create(customer=customer.id, items=[{"price": price.id}])
    _usage(month, customer, 50, ts(2025, 1, 15))
    month.move_to("2025-02-01 00:30:00")
    stripe_fake.run_due()
    (draft,) = stripe.Invoice.list(subscription=sub.id).data
    assert (draft.subtotal, draft.total, draft.amount_due) == (500, 200, 200)  # provisional allocation
    assert draft.lines.data[0].pretax_credit_amounts[0].credit_balance_transaction is None
    month.move_to("2025-02-01 01:00:00")
    stripe_fake.run_due()
    paid = stripe.Invoice.retrieve(draft.id)
    assert paid.status == "paid" and paid.amount_paid == 200
    (credit,) = paid.total_pretax_credit_amounts
    assert credit.amount == 300 and credit.credit_balance_transaction.startswith("cbtxn_")
    txn = stripe.billing.CreditBalanceTransaction.retrieve(credit.credit_balance_transaction)
    assert txn.credit_grant == grant.id and txn.debit.credits_applied.invoice == paid.id


def test_subscription_invoice_items_wait_for_that_subscriptions_invoice(
    stripe_fake: StripeFake, month: Any
) -> None:
    customer = _customer()
    sub = stripe.Subscription.create(
        customer=customer.id, items=[{"price": _metered_price(unit_amount=1).id}]
    )
    own = stripe.InvoiceItem.create(customer=customer.id, amount=600, currency="usd", subscription=sub.id)
    assert own.parent.subscription_details.subscription == sub.id
    manual = stripe.Invoice.create(customer=customer.id, pending_invoice_items_behavior="include")
    assert manual.lines.data == [] or own.id not in [
        line.parent.invoice_item_details.invoice_item for line in manual.lines.data
    ]
    stripe.Invoice.delete(manual.id)
    month.move_to("2025-02-01 01:00:00")
    stripe_fake.run_due()
    (renewal,) = stripe.Invoice.list(subscription=sub.id).data
    assert renewal.lines.data[0].parent.invoice_item_details.invoice_item == own.id
    assert renewal.amount_paid == 600
    for_sub = stripe.InvoiceItem.create(customer=customer.id, amount=70, currency="usd", subscription=sub.id)
    only = stripe.Invoice.create(
        customer=customer.id, subscription=sub.id, pending_invoice_items_behavior="include"
    )
    assert [line.parent.invoice_item_details.invoice_item for line in only.lines.data] == [for_sub.id]
    assert only.parent.subscription_details.subscription == sub.id and only.billing_reason == "manual"


def test_test_clock_customer_invoices_live_on_clock_time(stripe_fake: StripeFake) -> None:
    start = ts(2025, 1, 1)
    clock = stripe.test_helpers.TestClock.create(frozen_time=start)
    customer = _customer(test_clock=clock.id)
    item = stripe.InvoiceItem.create(customer=customer.id, amount=1500, currency="usd")
    assert (item.date, item.test_clock) == (start, clock.id)
    draft = stripe.Invoice.create(
        customer=customer.id, pending_invoice_items_behavior="include", auto_advance=True
    )
    assert (draft.created, draft.test_clock, draft.automatically_finalizes_at) == (
        start,
        clock.id,
        start + HOUR,
    )
    stripe_fake.run_due()  # the account clock (today) never runs the clock's jobs
    assert stripe.Invoice.retrieve(draft.id).status == "draft"
    stripe.test_helpers.TestClock.advance(clock.id, frozen_time=start + HOUR)
    paid = stripe.Invoice.retrieve(draft.id)
    assert paid.status == "paid" and paid.status_transitions.paid_at == start + HOUR
