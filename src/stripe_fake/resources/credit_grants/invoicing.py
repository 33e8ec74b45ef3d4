"""Billing credits on invoices: the allocator invoices call while building and finalizing, and the
restore on void.

Invoices call every function in ``invoices.models.CREDIT_ALLOCATORS`` with ``(account, invoice,
final, now)`` and render what it returns as each line's ``pretax_credit_amounts``; this package
appends :func:`allocate_invoice` there in its ``install``. Drafts get a provisional allocation (no
transaction, held until finalization), finalization a final one (one ``credits_applied`` debit per
line and grant). Voiding an invoice restores what it consumed (:func:`restore_on_void`, a bus
subscriber of ``InvoiceVoided``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..invoices.models import Invoice, InvoiceStore, InvoiceVoided
from .ledger import CreditableLine
from .models import CreditGrantStore

if TYPE_CHECKING:
    from ...state import AccountState


def creditable_lines(invoice: Invoice) -> list[CreditableLine]:
    """The invoice's lines in displayed order; only subscription items' metered lines can take credit."""
    return [
        CreditableLine(
            line.id,
            line.price,
            line.amount,
            metered=line.meter is not None and line.subscription_item is not None,
        )
        for line in invoice.lines
    ]


def allocate_invoice(
    account: AccountState, invoice: Invoice, final: bool, now: int
) -> dict[str, list[dict[str, Any]]]:
    """``pretax_credit_amounts`` per line id of ``invoice`` (provisional unless ``final``)."""
    store = account.find(CreditGrantStore)
    if store is None or invoice.customer not in store.customers:
        return {}
    invoices = account.store(InvoiceStore)
    for held in list(store.holds):
        if held != invoice.id:
            other = invoices.table.get(held)
            if other is not None and (other.deleted or other.status != "draft"):
                store.release(held)  # a deleted (or otherwise closed) draft holds nothing
    # A stored invoice (``in_...``) holds its provisional allocation; a preview (``upcoming_in...``,
    # never stored) only computes one.
    stored = invoice.id.startswith("in_")
    applied = store.allocate(
        invoice.customer,
        creditable_lines(invoice),
        now=now,
        final=final,
        invoice=invoice.id if stored else None,
        currency=invoice.currency,
        period_end=invoice.period_end,
    )
    per_line: dict[str, list[dict[str, Any]]] = {}
    for credit in applied:
        per_line.setdefault(credit.line_id, []).append(
            {
                "amount": credit.amount,
                "credit_balance_transaction": credit.transaction,
                "discount": None,
                "type": "credit_balance_transaction",
            }
        )
    return per_line


def restore_on_void(account: AccountState, message: InvoiceVoided) -> None:
    """A voided invoice gives back the credit it consumed, at the time it was voided."""
    store = account.find(CreditGrantStore)
    if store is None:
        return
    invoice = account.store(InvoiceStore).table.get(message.invoice)
    if invoice is None:
        return
    if message.invoice in store.applied or message.invoice in store.holds:
        store.restore(message.invoice, now=invoice.voided_at or invoice.created)
