"""Credit notes through the real SDK: pre- and post-payment, the customer balance, void, lines, errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import stripe
from compat import as_dict, v1
from fidelity_rows import error_rows
from freezegun import freeze_time

from stripe_fake import StripeFake

T0 = "2026-03-01T00:00:00Z"
T0_TS = 1772323200
ROOT = Path(__file__).resolve().parent.parent


def customer_with_card() -> stripe.Customer:
    return stripe.Customer.create(
        payment_method="pm_card_visa", invoice_settings={"default_payment_method": "pm_card_visa"}
    )


def open_invoice(customer: str, amount: int = 1000) -> stripe.Invoice:
    stripe.InvoiceItem.create(customer=customer, amount=amount, currency="usd", description="Consulting")
    draft = stripe.Invoice.create(customer=customer, pending_invoice_items_behavior="include")
    return stripe.Invoice.finalize_invoice(draft.id)


def paid_invoice(customer: str, amount: int = 1000, *, out_of_band: bool = False) -> stripe.Invoice:
    invoice = open_invoice(customer, amount)
    if out_of_band:
        return stripe.Invoice.pay(invoice.id, paid_out_of_band=True)
    return stripe.Invoice.pay(invoice.id)


def line_of(invoice: stripe.Invoice) -> str:
    return str(invoice.lines.data[0].id)


def test_pre_payment_credit_note_lowers_what_the_invoice_asks(stripe_fake: StripeFake) -> None:
    customer = customer_with_card()
    invoice = open_invoice(customer.id)
    with freeze_time(T0):
        note = stripe.CreditNote.create(
            invoice=invoice.id,
            lines=[{"type": "invoice_line_item", "invoice_line_item": line_of(invoice), "amount": 300}],
            reason="order_change",
            memo="Late cancellation",
            metadata={"ticket": "7"},
        )
    assert note.id.startswith("cn_") and note.status == "issued" and note.type == "pre_payment"
    assert (note.amount, note.subtotal, note.total, note.pre_payment_amount, note.post_payment_amount) == (
        300,
        300,
        300,
        300,
        0,
    )
    assert note.created == T0_TS and note.effective_at == T0_TS
    assert note.number == f"{invoice.number}-CN-01" and note.customer == customer.id
    [line] = note.lines.data
    assert (line.type, line.amount, line.invoice_line_item) == ("invoice_line_item", 300, line_of(invoice))
    after = stripe.Invoice.retrieve(invoice.id)
    assert after.pre_payment_credit_notes_amount == 300 and after.amount_remaining == 700
    paid = stripe.Invoice.pay(invoice.id)
    assert paid.status == "paid" and paid.amount_paid == 700
    created = stripe_fake.events.last("credit_note.created")
    assert created["data"]["object"]["id"] == note.id


def test_post_payment_credit_to_the_balance_is_carried_to_the_next_invoice(stripe_fake: StripeFake) -> None:
    customer = customer_with_card()
    invoice = paid_invoice(customer.id)
    note = stripe.CreditNote.create(invoice=invoice.id, amount=400, credit_amount=400)
    assert note.type == "post_payment" and note.post_payment_amount == 400 and note.lines.data == []
    assert stripe.Invoice.retrieve(invoice.id).post_payment_credit_notes_amount == 400
    balance = stripe.Customer.retrieve_balance_transaction(
        customer.id, str(note.customer_balance_transaction)
    )
    assert (balance.type, balance.amount, balance.credit_note, balance.invoice) == (
        "credit_note",
        -400,
        note.id,
        invoice.id,
    )
    assert stripe.Customer.retrieve(customer.id).balance == -400
    following = open_invoice(customer.id, 1000)
    assert following.starting_balance == -400 and following.amount_due == 600


def test_refund_and_out_of_band_are_recorded(stripe_fake: StripeFake) -> None:
    customer = customer_with_card()
    invoice = paid_invoice(customer.id)
    note = stripe.CreditNote.create(invoice=invoice.id, amount=500, refund_amount=300, out_of_band_amount=200)
    [refund] = note.refunds
    assert refund.amount_refunded == 300 and str(refund.refund).startswith("re_") and refund.type == "refund"
    assert note.out_of_band_amount == 200 and note.customer_balance_transaction is None
    assert stripe.Customer.retrieve(customer.id).balance == 0


def test_custom_lines_and_quantity(stripe_fake: StripeFake, client: stripe.StripeClient) -> None:
    customer = customer_with_card()
    invoice = open_invoice(customer.id, 3000)
    note = v1(client).credit_notes.create(
        {
            "invoice": invoice.id,
            "lines": [
                {"type": "custom_line_item", "description": "Goodwill", "unit_amount": 50, "quantity": 2},
                {"type": "invoice_line_item", "invoice_line_item": line_of(invoice), "amount": 2000},
            ],
        }
    )
    assert [(line.type, line.amount) for line in note.lines.data] == [
        ("custom_line_item", 100),
        ("invoice_line_item", 2000),
    ]
    assert note.amount == 2100
    custom = note.lines.data[0]
    assert custom.unit_amount == 50 and str(custom.unit_amount_decimal) == "50" and custom.quantity == 2
    # by quantity: the whole (one-unit) line is 3000, more than the 1000 left to credit on it
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe.CreditNote.preview(
            invoice=invoice.id,
            lines=[{"type": "invoice_line_item", "invoice_line_item": line_of(invoice), "quantity": 1}],
        )
    assert "(3000) must be positive and at most what is left to credit on it (1000)" in str(raised.value)
    lines = v1(client).credit_notes.line_items.list(note.id)
    assert [line.id for line in lines.data] == [line.id for line in note.lines.data]


def test_preview_computes_and_stores_nothing(stripe_fake: StripeFake) -> None:
    customer = customer_with_card()
    invoice = open_invoice(customer.id)
    params: dict[str, Any] = {
        "invoice": invoice.id,
        "lines": [{"type": "invoice_line_item", "invoice_line_item": line_of(invoice), "amount": 250}],
    }
    preview = stripe.CreditNote.preview(**params)
    assert preview.amount == 250 and preview.type == "pre_payment"
    lines = stripe.CreditNote.preview_lines(**params)
    assert [line.amount for line in lines.data] == [250]
    assert stripe.CreditNote.list(invoice=invoice.id).data == []
    assert stripe.Invoice.retrieve(invoice.id).amount_remaining == 1000
    assert stripe_fake.events.of_type("credit_note.created") == []
    created = stripe.CreditNote.create(**params)
    assert created.amount == preview.amount and created.total == preview.total


def test_update_list_and_void(stripe_fake: StripeFake) -> None:
    customer = customer_with_card()
    first = open_invoice(customer.id)
    second = paid_invoice(customer.id)
    a = stripe.CreditNote.create(invoice=first.id, amount=100)
    b = stripe.CreditNote.create(invoice=second.id, amount=200, credit_amount=200)
    updated = stripe.CreditNote.modify(a.id, memo="Typo", metadata={"k": "v"})
    assert updated.memo == "Typo" and as_dict(updated.metadata) == {"k": "v"}
    event = stripe_fake.events.last("credit_note.updated")
    assert event["data"]["previous_attributes"] == {"memo": None, "metadata": {}}
    assert [n.id for n in stripe.CreditNote.list(customer=customer.id).data] == [b.id, a.id]
    assert [n.id for n in stripe.CreditNote.list(invoice=first.id).data] == [a.id]
    with freeze_time(T0):
        voided = stripe.CreditNote.void_credit_note(b.id)
    assert voided.status == "void" and voided.voided_at == T0_TS
    assert stripe.Invoice.retrieve(second.id).post_payment_credit_notes_amount == 0
    assert stripe.Customer.retrieve(customer.id).balance == 0
    stripe.CreditNote.void_credit_note(a.id)
    assert stripe.Invoice.retrieve(first.id).amount_remaining == 1000
    assert len(stripe_fake.events.of_type("credit_note.voided")) == 2


# -- errors: every row of the fidelity table, and nothing changes ----------------------------------------


def _error_rows() -> dict[str, tuple[int, str, str | None, str, str]]:
    return error_rows("Errors (credit notes)")


ROWS = _error_rows()
Ctx = dict[str, str]
CN = stripe.CreditNote


def _open(ctx: Ctx) -> None:
    invoice = open_invoice(ctx["customer"])
    ctx["invoice"], ctx["line"] = invoice.id, line_of(invoice)


def _paid(ctx: Ctx) -> None:
    invoice = paid_invoice(ctx["customer"])
    ctx["invoice"], ctx["line"] = invoice.id, line_of(invoice)


def _paid_out_of_band(ctx: Ctx) -> None:
    ctx["invoice"] = paid_invoice(ctx["customer"], out_of_band=True).id


def _draft(ctx: Ctx) -> None:
    stripe.InvoiceItem.create(customer=ctx["customer"], amount=100, currency="usd")
    ctx["invoice"] = stripe.Invoice.create(
        customer=ctx["customer"], pending_invoice_items_behavior="include"
    ).id


def _voided(ctx: Ctx) -> None:
    _open(ctx)
    ctx["note"] = CN.create(invoice=ctx["invoice"], amount=100).id
    CN.void_credit_note(ctx["note"])


def _refunded(ctx: Ctx) -> None:
    _paid(ctx)
    ctx["note"] = CN.create(invoice=ctx["invoice"], amount=100, refund_amount=100).id


def _line(ctx: Ctx, **kwargs: Any) -> list[dict[str, Any]]:
    return [{"type": "invoice_line_item", "invoice_line_item": ctx["line"], **kwargs}]


CASES: dict[str, tuple[Callable[[Ctx], None] | None, Callable[[Ctx], Any]]] = {
    "`invoice` missing": (None, lambda c: CN.create(amount=100)),  # type: ignore[call-arg]
    "unknown invoice": (None, lambda c: CN.create(invoice="in_missing", amount=100)),
    "draft invoice": (_draft, lambda c: CN.create(invoice=c["invoice"], amount=100)),
    "no amount nor lines": (_open, lambda c: CN.create(invoice=c["invoice"])),
    "amount differs from the lines": (
        _open,
        lambda c: CN.create(invoice=c["invoice"], amount=100, lines=_line(c, amount=300)),
    ),
    "amount 0": (_open, lambda c: CN.create(invoice=c["invoice"], amount=0)),
    "more than the amount remaining": (_open, lambda c: CN.create(invoice=c["invoice"], amount=1001)),
    "`credit_amount` on an unpaid invoice": (
        _open,
        lambda c: CN.create(invoice=c["invoice"], amount=100, credit_amount=100),
    ),
    "post-payment split does not add up": (
        _paid,
        lambda c: CN.create(invoice=c["invoice"], amount=300, credit_amount=100),
    ),
    "more than was paid": (_paid, lambda c: CN.create(invoice=c["invoice"], amount=1001, credit_amount=1001)),
    "refund of a payment made out of band": (
        _paid_out_of_band,
        lambda c: CN.create(invoice=c["invoice"], amount=100, refund_amount=100),
    ),
    "invoice line without `invoice_line_item`": (
        _open,
        lambda c: CN.create(invoice=c["invoice"], lines=[{"type": "invoice_line_item", "amount": 5}]),
    ),
    "line of another invoice": (
        _open,
        lambda c: CN.create(
            invoice=c["invoice"],
            lines=[{"type": "invoice_line_item", "invoice_line_item": "il_missing", "amount": 5}],
        ),
    ),
    "invoice line over-credited": (
        _open,
        lambda c: CN.create(invoice=c["invoice"], lines=_line(c, amount=1001)),
    ),
    "invoice line without amount nor quantity": (
        _open,
        lambda c: CN.create(invoice=c["invoice"], lines=_line(c)),
    ),
    "custom line without unit amount": (
        _open,
        lambda c: CN.create(invoice=c["invoice"], lines=[{"type": "custom_line_item", "description": "x"}]),
    ),
    "custom line without description": (
        _open,
        lambda c: CN.create(invoice=c["invoice"], lines=[{"type": "custom_line_item", "unit_amount": 5}]),
    ),
    "custom line naming an invoice line": (
        _open,
        lambda c: CN.create(
            invoice=c["invoice"],
            lines=[{"type": "custom_line_item", "invoice_line_item": c["line"], "unit_amount": 5}],
        ),
    ),
    "invoice line with a unit amount": (
        _open,
        lambda c: CN.create(invoice=c["invoice"], lines=_line(c, amount=5, unit_amount=5)),
    ),
    "bad `reason`": (_open, lambda c: CN.create(invoice=c["invoice"], amount=5, reason="oops")),
    "`refunds`": (
        _paid,
        lambda c: CN.create(
            invoice=c["invoice"], amount=5, refunds=[{"refund": "re_1", "amount_refunded": 5}]
        ),
    ),
    "unknown credit note": (None, lambda c: CN.retrieve("cn_missing")),
    "void a voided credit note": (_voided, lambda c: CN.void_credit_note(c["note"])),
    "void a credit note with a refund": (_refunded, lambda c: CN.void_credit_note(c["note"])),
}


def test_every_error_row_has_a_case() -> None:
    assert set(ROWS) == set(CASES)


def _state(customer: str) -> Any:
    invoices = [as_dict(i) for i in stripe.Invoice.list(customer=customer, limit=100).data]
    notes = [as_dict(n) for n in stripe.CreditNote.list(customer=customer, limit=100).data]
    balance = [b.id for b in stripe.Customer.list_balance_transactions(customer, limit=100).data]
    events = [e.id for e in stripe.Event.list(limit=100).data]
    return invoices, notes, balance, as_dict(stripe.Customer.retrieve(customer)), events


@pytest.mark.parametrize("situation", sorted(CASES))
def test_error_rows(stripe_fake: StripeFake, situation: str) -> None:
    setup, call = CASES[situation]
    ctx: Ctx = {"customer": customer_with_card().id}
    if setup is not None:
        setup(ctx)
    before = _state(ctx["customer"])
    with pytest.raises(stripe.InvalidRequestError) as raised:
        call(ctx)
    assert _state(ctx["customer"]) == before
    status, type_, code, param, message = ROWS[situation]
    for name, value in ctx.items():
        message = message.replace(f"<{name}>", value)
    error = raised.value
    assert error.http_status == status
    assert error.json_body is not None and error.json_body["error"]["type"] == type_
    assert (error.code, error.param, error.user_message) == (code, param, message)
