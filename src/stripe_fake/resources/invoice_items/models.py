"""Invoice items: one-off charges (or credits) waiting for an invoice, or already on one.

A pending item (``invoice`` null) belongs to a customer, and optionally to one of its subscriptions.
The next invoice that sweeps pending items takes it: a subscription's invoice takes the customer's
items with no subscription and those of that subscription; a manual invoice takes them only with
``pending_invoice_items_behavior=include``. An item created with ``invoice`` goes straight onto that
draft. Pending items are indexed per customer, so sweeping costs the customer's pending items only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ...ids import new_id
from ..base import ResourceStore
from ..invoices.builder import decimal_string, split_quantity

if TYPE_CHECKING:
    from ...state import AccountState


@dataclass
class InvoiceItem:
    """One invoice item. ``amount`` is the total; ``price`` is set for priced items."""

    id: str
    created: int
    livemode: bool
    customer: str
    currency: str
    amount: int
    quantity: Decimal
    price: str | None
    product: str | None
    unit_amount_decimal: Decimal | None
    description: str | None
    discountable: bool
    period_start: int
    period_end: int
    invoice: str | None = None
    subscription: str | None = None
    subscription_item: str | None = None
    proration: bool = False
    metadata: dict[str, str] = field(default_factory=dict)
    test_clock: str | None = None
    deleted: bool = False

    def render(self) -> dict[str, Any]:
        if self.deleted:
            return {"id": self.id, "object": "invoiceitem", "deleted": True}
        quantity, quantity_decimal = split_quantity(self.quantity)
        return {
            "id": self.id,
            "object": "invoiceitem",
            "amount": self.amount,
            "currency": self.currency,
            "customer": self.customer,
            "customer_account": None,
            "date": self.created,
            "description": self.description,
            "discountable": self.discountable,
            "discounts": [],
            "frozen_fields": None,
            "invoice": self.invoice,
            "invoicing_rules": None,
            "livemode": self.livemode,
            "metadata": dict(self.metadata),
            "net_amount": self.amount,
            "parent": (
                {
                    "type": "subscription_details",
                    "subscription_details": {
                        "subscription": self.subscription,
                        "subscription_item": self.subscription_item,
                    },
                }
                if self.subscription is not None
                else None
            ),
            "period": {"end": self.period_end, "start": self.period_start},
            "pricing": self.render_pricing(),
            "proration": self.proration,
            "proration_details": {"credited_items": None, "discount_amounts": []},
            "quantity": quantity,
            "quantity_decimal": quantity_decimal,
            "tax_rates": [],
            "test_clock": self.test_clock,
        }

    @property
    def unit_amount(self) -> Decimal | None:
        """The unit amount: the price's, else the amount shared over the quantity."""
        if self.unit_amount_decimal is not None:
            return self.unit_amount_decimal
        return Decimal(self.amount) / self.quantity if self.quantity else None

    def render_pricing(self) -> dict[str, Any]:
        """``pricing`` of the item (and of its invoice line)."""
        unit = self.unit_amount
        return {
            "type": "price_details",
            "price_details": (
                {"price": self.price, "product": self.product} if self.price is not None else None
            ),
            "unit_amount_decimal": decimal_string(unit) if unit is not None else None,
        }


class InvoiceItemStore(ResourceStore[InvoiceItem]):
    """The account's invoice items, with the pending ones indexed per customer."""

    kind = "invoiceitem"
    id_prefixes = ("ii",)

    def __init__(self, account: AccountState) -> None:
        super().__init__(account)
        self.pending: dict[str, dict[str, None]] = {}  # customer -> pending item ids (insertion order)
        self.by_customer: dict[str, list[str]] = {}  # customer -> every item id, oldest first (lists)

    def add(self, item: InvoiceItem) -> InvoiceItem:
        self.table.add(item.id, item)
        self.by_customer.setdefault(item.customer, []).append(item.id)
        if item.invoice is None:
            self.pending.setdefault(item.customer, {})[item.id] = None
        return item

    @staticmethod
    def new_id() -> str:
        return new_id("ii")

    def pending_for(
        self, customer: str, *, subscription: str | None, only_subscription: bool
    ) -> list[InvoiceItem]:
        """Pending items a new invoice sweeps, oldest first.

        ``only_subscription``: just that subscription's items (a manual invoice for a subscription);
        otherwise the customer's items without a subscription plus ``subscription``'s.
        """
        found: list[InvoiceItem] = []
        for item_id in self.pending.get(customer, {}):
            item = self.table.require(item_id)
            if only_subscription:
                if item.subscription == subscription:
                    found.append(item)
            elif item.subscription is None or item.subscription == subscription:
                found.append(item)
        return found

    def attach(self, item: InvoiceItem, invoice_id: str) -> None:
        item.invoice = invoice_id
        pending = self.pending.get(item.customer)
        if pending is not None:
            pending.pop(item.id, None)

    def detach(self, item: InvoiceItem) -> None:
        """Back to pending (its draft invoice was deleted)."""
        item.invoice = None
        self.pending.setdefault(item.customer, {})[item.id] = None

    def delete(self, item: InvoiceItem) -> None:
        item.deleted = True
        pending = self.pending.get(item.customer)
        if pending is not None:
            pending.pop(item.id, None)
