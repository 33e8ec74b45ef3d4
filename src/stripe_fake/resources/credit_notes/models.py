"""Credit notes: corrections of finalized invoices.

A credit note on an unpaid (open or uncollectible) invoice is *pre-payment*: it lowers what the
invoice still asks for (``pre_payment_credit_notes_amount``, ``amount_remaining``). On a paid invoice
it is *post-payment* and its total is split into ``credit_amount`` (credited to the customer's
balance through a ``credit_note`` customer balance transaction, used by the next invoices),
``refund_amount`` (a refund of the invoice's payment, recorded; no money moves in the fake) and
``out_of_band_amount``. Lines credit invoice lines (by amount or quantity, never more than a line's
amount across all credit notes) or are custom lines. Voiding a credit note reverses its effect on
the invoice and the balance. Usage cancelled after finalization never changes an invoice: a credit
note is the way to correct it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from ...context import RequestCause
from ...http.errors import StripeError, parameter_missing
from ...ids import new_id
from ..base import ResourceStore
from ..customer_balance_transactions.models import CustomerBalanceStore, customer_of
from ..events.models import emit_event
from ..invoices.models import OPEN, PAID, UNCOLLECTIBLE, Invoice, InvoiceStore

if TYPE_CHECKING:
    from ...state import AccountState


def decimal_string(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


@dataclass
class CreditNoteLine:
    id: str
    type: str  # invoice_line_item | custom_line_item
    amount: int
    quantity: int | None
    description: str | None
    invoice_line_item: str | None
    unit_amount: int | None
    unit_amount_decimal: Decimal | None
    livemode: bool
    metadata: dict[str, str] = field(default_factory=dict)

    def render(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "credit_note_line_item",
            "amount": self.amount,
            "description": self.description,
            "discount_amount": 0,
            "discount_amounts": [],
            "invoice_line_item": self.invoice_line_item,
            "livemode": self.livemode,
            "metadata": dict(self.metadata),
            "pretax_credit_amounts": [],
            "quantity": self.quantity,
            "tax_rates": [],
            "taxes": [],
            "type": self.type,
            "unit_amount": self.unit_amount,
            "unit_amount_decimal": (
                decimal_string(self.unit_amount_decimal) if self.unit_amount_decimal is not None else None
            ),
        }


@dataclass
class CreditNote:
    id: str
    number: str
    invoice: str
    customer: str
    currency: str
    total: int
    lines: list[CreditNoteLine]
    type: str  # pre_payment | post_payment
    credit_amount: int
    refund_amount: int
    out_of_band_amount: int | None
    reason: str | None
    memo: str | None
    metadata: dict[str, str]
    created: int
    effective_at: int
    livemode: bool
    status: str = "issued"
    voided_at: int | None = None
    customer_balance_transaction: str | None = None
    refund: str | None = None

    @property
    def pre_payment_amount(self) -> int:
        return self.total if self.type == "pre_payment" else 0

    @property
    def post_payment_amount(self) -> int:
        return self.total if self.type == "post_payment" else 0

    def render(self, *, lines_limit: int = 10) -> dict[str, Any]:
        page = self.lines[:lines_limit]
        return {
            "id": self.id,
            "object": "credit_note",
            "amount": self.total,
            "amount_shipping": 0,
            "created": self.created,
            "currency": self.currency,
            "customer": self.customer,
            "customer_account": None,
            "customer_balance_transaction": self.customer_balance_transaction,
            "discount_amount": 0,
            "discount_amounts": [],
            "effective_at": self.effective_at,
            "invoice": self.invoice,
            "lines": {
                "object": "list",
                "data": [line.render() for line in page],
                "has_more": len(self.lines) > lines_limit,
                "url": f"/v1/credit_notes/{self.id}/lines",
            },
            "livemode": self.livemode,
            "memo": self.memo,
            "metadata": dict(self.metadata),
            "number": self.number,
            "out_of_band_amount": self.out_of_band_amount,
            "pdf": f"https://pay.stripe.com/credit_notes/{self.id}/pdf",
            "post_payment_amount": self.post_payment_amount,
            "pre_payment_amount": self.pre_payment_amount,
            "pretax_credit_amounts": [],
            "reason": self.reason,
            "refunds": (
                [
                    {
                        "amount_refunded": self.refund_amount,
                        "payment_record_refund": None,
                        "refund": self.refund,
                        "type": "refund",
                    }
                ]
                if self.refund is not None
                else []
            ),
            "shipping_cost": None,
            "status": self.status,
            "subtotal": self.total,
            "subtotal_excluding_tax": self.total,
            "total": self.total,
            "total_excluding_tax": self.total,
            "total_taxes": [],
            "type": self.type,
            "voided_at": self.voided_at,
        }


@dataclass(frozen=True)
class Draft:
    """A validated credit note, not yet issued (what preview shows and create stores)."""

    note: CreditNote
    invoice: Invoice
    credited: dict[str, int]  # invoice line id -> amount this note credits


class CreditNoteStore(ResourceStore[CreditNote]):
    """The account's credit notes, per customer and per invoice, and what each invoice line got."""

    kind = "credit note"
    id_prefixes = ("cn",)

    def __init__(self, account: AccountState) -> None:
        super().__init__(account)
        self.by_customer: dict[str, list[str]] = {}
        self.by_invoice: dict[str, list[str]] = {}
        self.line_credited: dict[str, int] = {}  # invoice line id -> credited by issued notes
        self.refunded: dict[str, int] = {}  # invoice id -> refunded by issued notes

    # -- building ---------------------------------------------------------------------------------

    def build(self, params: dict[str, Any], *, now: int) -> Draft:
        """Check ``params`` (validated by the schema) against the invoice; store nothing."""
        invoice = self.account.store(InvoiceStore).require(params["invoice"], param="invoice", status=400)
        if invoice.status not in (OPEN, PAID, UNCOLLECTIBLE):
            raise StripeError(
                f"You can only create a credit note for an open, paid or uncollectible invoice; the invoice "
                f"{invoice.id} is {invoice.status}.",
                param="invoice",
            )
        livemode = self.account.livemode
        lines: list[CreditNoteLine] = []
        credited: dict[str, int] = {}
        by_id = {line.id: line for line in invoice.lines}
        for index, raw in enumerate(params.get("lines", [])):
            here = f"lines[{index}]"
            if raw["type"] == "invoice_line_item":
                lines.append(self._invoice_line(raw, here, by_id, credited, livemode))
            else:
                lines.append(self._custom_line(raw, here, livemode))
        lines_total = sum(line.amount for line in lines)
        if "amount" in params:
            total = int(params["amount"])
            if lines and total != lines_total:
                raise StripeError(
                    f"The amount ({total}) must equal the sum of the line amounts ({lines_total}).",
                    param="amount",
                )
        elif lines:
            total = lines_total
        else:
            raise StripeError("One of amount, lines, or shipping_cost must be provided.", param="amount")
        if total <= 0:
            raise StripeError("The credit note amount must be greater than 0.", param="amount")
        split = {name: params.get(name) for name in ("credit_amount", "refund_amount", "out_of_band_amount")}
        if invoice.status == PAID:
            kind = "post_payment"
            creditable = (
                invoice.amount_paid
                + invoice.amount_paid_off_stripe
                - invoice.post_payment_credit_notes_amount
            )
            if total > creditable:
                raise StripeError(
                    f"The credit note amount ({total}) exceeds the amount that can still be credited on the "
                    f"paid invoice {invoice.id} ({creditable}).",
                    param="amount",
                )
            parts = sum(int(v) for v in split.values() if v is not None)
            if parts != total:
                raise StripeError(
                    f"The sum of credit_amount, refund_amount and out_of_band_amount ({parts}) must "
                    f"equal the credit note amount ({total}).",
                    param="amount",
                )
            refund = int(split["refund_amount"] or 0)
            refundable = invoice.amount_paid - self.refunded.get(invoice.id, 0)
            if refund > refundable:
                raise StripeError(
                    f"The refund_amount ({refund}) exceeds what was paid on Stripe and not yet refunded "
                    f"({refundable}).",
                    param="refund_amount",
                )
        else:
            kind = "pre_payment"
            for name, value in split.items():
                if value is not None:
                    raise StripeError(
                        f"{name} can only be used on a credit note for a paid invoice; the invoice "
                        f"{invoice.id} is {invoice.status}.",
                        param=name,
                    )
            if total > invoice.amount_remaining:
                raise StripeError(
                    f"The credit note amount ({total}) exceeds the amount remaining on the invoice "
                    f"{invoice.id} ({invoice.amount_remaining}).",
                    param="amount",
                )
        issued = len(self.by_invoice.get(invoice.id, []))
        note = CreditNote(
            id=new_id("cn"),
            number=f"{invoice.number or invoice.id}-CN-{issued + 1:02d}",
            invoice=invoice.id,
            customer=invoice.customer,
            currency=invoice.currency,
            total=total,
            lines=lines,
            type=kind,
            credit_amount=int(split["credit_amount"] or 0),
            refund_amount=int(split["refund_amount"] or 0),
            out_of_band_amount=split["out_of_band_amount"],
            reason=params.get("reason"),
            memo=params.get("memo"),
            metadata=dict(params.get("metadata") or {}),
            created=now,
            effective_at=int(params.get("effective_at", now)),
            livemode=livemode,
        )
        return Draft(note, invoice, credited)

    def _invoice_line(
        self,
        raw: dict[str, Any],
        here: str,
        by_id: dict[str, Any],
        credited: dict[str, int],
        livemode: bool,
    ) -> CreditNoteLine:
        line_id = raw.get("invoice_line_item")
        if line_id is None:
            raise parameter_missing(f"{here}[invoice_line_item]")
        for name in ("unit_amount", "unit_amount_decimal", "description"):
            if name in raw:
                raise StripeError(
                    f"{here}[{name}] is only valid when {here}[type] is custom_line_item.",
                    param=f"{here}[{name}]",
                )
        line = by_id.get(line_id)
        if line is None:
            raise StripeError(
                f"The invoice line item {line_id} is not a line of this invoice.",
                param=f"{here}[invoice_line_item]",
            )
        creditable = max(line.amount - sum(int(c["amount"]) for c in line.credits), 0)
        if "amount" in raw:
            amount = int(raw["amount"])
        elif "quantity" in raw:
            whole = Decimal(line.quantity) if line.quantity else Decimal(1)
            amount = int(
                (Decimal(creditable) * Decimal(raw["quantity"]) / whole).to_integral_value(ROUND_HALF_UP)
            )
        else:
            raise parameter_missing(f"{here}[amount]")
        already = self.line_credited.get(line_id, 0) + credited.get(line_id, 0)
        if amount <= 0 or already + amount > creditable:
            raise StripeError(
                f"The amount to credit for the invoice line item {line_id} ({amount}) must be positive and "
                f"at most what is left to credit on it ({creditable - already}).",
                param=f"{here}[amount]",
            )
        credited[line_id] = credited.get(line_id, 0) + amount
        quantity = raw.get("quantity")
        return CreditNoteLine(
            id=new_id("cnli"),
            type="invoice_line_item",
            amount=amount,
            quantity=int(quantity) if quantity is not None else int(line.quantity),
            description=line.description,
            invoice_line_item=line_id,
            unit_amount=None,
            unit_amount_decimal=None,
            livemode=livemode,
            metadata=dict(raw.get("metadata") or {}),
        )

    @staticmethod
    def _custom_line(raw: dict[str, Any], here: str, livemode: bool) -> CreditNoteLine:
        for name in ("invoice_line_item", "amount"):
            if name in raw:
                raise StripeError(
                    f"{here}[{name}] is only valid when {here}[type] is invoice_line_item.",
                    param=f"{here}[{name}]",
                )
        if "unit_amount" in raw and "unit_amount_decimal" in raw:
            raise StripeError(
                "You may only specify one of these parameters: unit_amount, unit_amount_decimal.",
                code="parameters_exclusive",
                param=f"{here}[unit_amount]",
            )
        if "unit_amount" in raw:
            unit = Decimal(int(raw["unit_amount"]))
        elif "unit_amount_decimal" in raw:
            unit = raw["unit_amount_decimal"]
        else:
            raise parameter_missing(f"{here}[unit_amount]")
        if "description" not in raw:
            raise parameter_missing(f"{here}[description]")
        quantity = int(raw.get("quantity", 1))
        amount = int((unit * quantity).to_integral_value(ROUND_HALF_UP))
        if amount <= 0:
            raise StripeError(
                "The credit note line amount must be greater than 0.", param=f"{here}[unit_amount]"
            )
        return CreditNoteLine(
            id=new_id("cnli"),
            type="custom_line_item",
            amount=amount,
            quantity=quantity,
            description=raw["description"],
            invoice_line_item=None,
            unit_amount=int(unit) if unit == unit.to_integral_value() else None,
            unit_amount_decimal=unit,
            livemode=livemode,
            metadata=dict(raw.get("metadata") or {}),
        )

    # -- issuing and voiding ------------------------------------------------------------------------

    def issue(self, draft: Draft, *, now: int, cause: RequestCause | None) -> CreditNote:
        note, invoice = draft.note, draft.invoice
        self.table.add(note.id, note)
        self.by_customer.setdefault(note.customer, []).append(note.id)
        self.by_invoice.setdefault(invoice.id, []).append(note.id)
        for line_id, amount in draft.credited.items():
            self.line_credited[line_id] = self.line_credited.get(line_id, 0) + amount
        if note.type == "pre_payment":
            invoice.pre_payment_credit_notes_amount += note.total
        else:
            invoice.post_payment_credit_notes_amount += note.total
            if note.refund_amount:
                note.refund = new_id("re")
                self.refunded[invoice.id] = self.refunded.get(invoice.id, 0) + note.refund_amount
            if note.credit_amount:
                note.customer_balance_transaction = self._balance(note, -note.credit_amount, now, cause)
        emit_event(self.account, "credit_note.created", note.render(), now=now, cause=cause, fresh=True)
        return note

    def _balance(self, note: CreditNote, amount: int, now: int, cause: RequestCause | None) -> str:
        customer = customer_of(self.account, note.customer, param="invoice", status=400)
        txn = self.account.store(CustomerBalanceStore).post(
            customer,
            amount=amount,
            currency=note.currency,
            type="credit_note",
            now=now,
            invoice=note.invoice,
            credit_note=note.id,
            cause=cause,
        )
        return txn.id

    def void(self, note: CreditNote, *, now: int, cause: RequestCause | None) -> CreditNote:
        if note.status == "void":
            raise StripeError(f"The credit note {note.id} is already voided.", param="id")
        if note.refund is not None:
            raise StripeError(
                f"The credit note {note.id} cannot be voided because it refunded part of the payment.",
                param="id",
            )
        invoice = self.account.store(InvoiceStore).require(note.invoice, param="invoice", status=400)
        before = note.render()
        note.status = "void"
        note.voided_at = now
        for line in note.lines:
            if line.invoice_line_item is not None:
                self.line_credited[line.invoice_line_item] -= line.amount
        if note.type == "pre_payment":
            invoice.pre_payment_credit_notes_amount -= note.total
        else:
            invoice.post_payment_credit_notes_amount -= note.total
            if note.credit_amount:
                self._balance(note, note.credit_amount, now, cause)
        after = note.render()
        emit_event(
            self.account,
            "credit_note.voided",
            after,
            now=now,
            cause=cause,
            previous_attributes={"status": before["status"], "voided_at": before["voided_at"]},
            fresh=True,
        )
        return note

    def of(self, *, customer: str | None, invoice: str | None) -> list[CreditNote]:
        """Credit notes, newest first, of a customer and/or an invoice (all when neither is given)."""
        if invoice is not None:
            ids = self.by_invoice.get(invoice, [])
        elif customer is not None:
            ids = self.by_customer.get(customer, [])
        else:
            return list(self.table.newest_first())
        notes = [self.table.require(i) for i in reversed(ids)]
        if customer is not None:
            notes = [n for n in notes if n.customer == customer]
        return notes
