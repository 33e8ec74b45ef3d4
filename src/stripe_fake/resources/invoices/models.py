"""Invoices: state and rules.

The contract with the other billing streams (docs/dev/CONTRACTS.md, "Subscriptions <-> invoices"):

- :class:`ItemCharge`: what a subscription asks to bill for one item and one period.
- :meth:`InvoiceStore.bill_subscription` builds a draft from charges (lines via ``builder.py``,
  pending invoice items swept in), emits ``invoice.created`` and schedules ``invoices.finalize``.
- :meth:`InvoiceStore.finalize` recomputes metered lines, numbers the invoice and collects it.
- Bus topics published here (subscriptions subscribes to move statuses): :class:`InvoicePaid`,
  :class:`InvoicePaymentFailed`, :class:`InvoiceActionRequired`, :class:`InvoiceVoided`,
  :class:`InvoiceMarkedUncollectible`, and :class:`InvoiceFinalized` for observers.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from ...http.errors import resource_missing
from ...ids import new_id
from ..base import ResourceStore
from ..common import ObjectTable
from ..invoice_items.models import InvoiceItem, InvoiceItemStore
from .builder import LineInput, decimal_string, price_line, split_quantity, totals
from .ports import (
    ChargeResult,
    Customer,
    CustomerStore,
    Job,
    RequestCause,
    apply_customer_balance,
    charge,
    customer_balance,
    customer_currency,
    customer_snapshot,
    customer_test_clock,
    emit_event,
    line_amount,
    metered_meter,
    require_customer,
    require_price,
    set_customer_currency,
    take_invoice_number,
    usage_total,
)

if TYPE_CHECKING:
    from ...state import AccountState

#: Lines embedded in an invoice object (more through ``GET /v1/invoices/{id}/lines``).
LINES_PAGE = 10


@dataclass(frozen=True)
class ItemCharge:
    """One subscription item billed for one period (licensed in advance, metered in arrears)."""

    subscription_item: str | None
    price: str  # price id
    quantity: int | None  # licensed quantity; None for metered (usage is aggregated over the period)
    period_start: int
    period_end: int  # metered: usage over [period_start, period_end)
    proration: bool = False


# -- bus topics (published by invoices) ---------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceFinalized:
    """An invoice left draft (published before its payment attempt)."""

    invoice: str
    subscription: str | None


@dataclass(frozen=True)
class InvoicePaid:
    """An invoice became ``paid`` (charged, paid out of band, nothing due, or below the minimum)."""

    invoice: str
    subscription: str | None


@dataclass(frozen=True)
class InvoicePaymentFailed:
    """A payment attempt failed; ``final`` when no automatic retry is left."""

    invoice: str
    subscription: str | None
    attempt_count: int
    final: bool


@dataclass(frozen=True)
class InvoiceActionRequired:
    """A payment attempt needs the customer's action (3D Secure)."""

    invoice: str
    subscription: str | None


@dataclass(frozen=True)
class InvoiceVoided:
    """An invoice was voided."""

    invoice: str
    subscription: str | None


@dataclass(frozen=True)
class InvoiceMarkedUncollectible:
    """An invoice was marked uncollectible."""

    invoice: str
    subscription: str | None


class BillableSubscription(Protocol):
    """What invoices read from a subscription (``subscriptions.models.Subscription`` has these)."""

    id: str
    customer: str
    collection_method: str
    days_until_due: int | None
    default_payment_method: str | None
    metadata: dict[str, str]


INVOICE_FINALIZE_JOB = "invoices.finalize"
INVOICE_RETRY_JOB = "invoices.retry"
INVOICE_OVERDUE_JOB = "invoices.overdue"
INVOICE_WILL_BE_DUE_JOB = "invoices.will_be_due"
JOB_KINDS = (INVOICE_FINALIZE_JOB, INVOICE_RETRY_JOB, INVOICE_OVERDUE_JOB, INVOICE_WILL_BE_DUE_JOB)


# -- the invoice --------------------------------------------------------------------------------------


@dataclass
class Line:
    """One invoice line: a subscription item's charge for a period, or an invoice item."""

    id: str
    currency: str
    amount: int
    quantity: Decimal
    period_start: int
    period_end: int
    price: str | None = None
    product: str | None = None
    description: str | None = None
    subscription: str | None = None
    subscription_item: str | None = None
    invoice_item: str | None = None
    proration: bool = False
    meter: str | None = None  # metered: recomputed from usage until finalization
    unit_amount_decimal: Decimal | None = None
    discountable: bool = True
    metadata: dict[str, str] = field(default_factory=dict)
    credits: list[dict[str, Any]] = field(default_factory=list)  # pretax_credit_amounts

    def render(self, invoice_id: str, livemode: bool) -> dict[str, Any]:
        quantity, quantity_decimal = split_quantity(self.quantity)
        unit = self.unit_amount_decimal
        if self.invoice_item is not None:
            parent: dict[str, Any] = {
                "type": "invoice_item_details",
                "invoice_item_details": {
                    "invoice_item": self.invoice_item,
                    "proration": self.proration,
                    "proration_details": {"credited_items": None},
                    "subscription": self.subscription,
                },
                "subscription_item_details": None,
            }
        else:
            parent = {
                "type": "subscription_item_details",
                "invoice_item_details": None,
                "subscription_item_details": {
                    "invoice_item": None,
                    "proration": self.proration,
                    "proration_details": {"credited_items": None},
                    "subscription": self.subscription,
                    "subscription_item": self.subscription_item,
                },
            }
        return {
            "id": self.id,
            "object": "line_item",
            "amount": self.amount,
            "currency": self.currency,
            "description": self.description,
            "discount_amounts": [],
            "discountable": self.discountable,
            "discounts": [],
            "invoice": invoice_id,
            "livemode": livemode,
            "metadata": dict(self.metadata),
            "parent": parent,
            "period": {"end": self.period_end, "start": self.period_start},
            "pretax_credit_amounts": [dict(credit) for credit in self.credits],
            "pricing": {
                "type": "price_details",
                "price_details": (
                    {"price": self.price, "product": self.product} if self.price is not None else None
                ),
                "unit_amount_decimal": decimal_string(unit) if unit is not None else None,
            },
            "quantity": quantity,
            "quantity_decimal": quantity_decimal,
            "subscription": self.subscription,
            "subtotal": self.amount,
            "taxes": [],
        }


@dataclass
class Payment:
    """An ``invoice_payment``: one attempt to collect the invoice."""

    id: str
    invoice: str
    created: int
    currency: str
    amount_requested: int
    payment_intent: str
    status: str = "open"  # open | paid | canceled
    amount_paid: int | None = None
    paid_at: int | None = None
    canceled_at: int | None = None

    def render(self, livemode: bool) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "invoice_payment",
            "amount_paid": self.amount_paid,
            "amount_requested": self.amount_requested,
            "created": self.created,
            "currency": self.currency,
            "invoice": self.invoice,
            "is_default": True,
            "livemode": livemode,
            "payment": {"type": "payment_intent", "payment_intent": self.payment_intent},
            "status": self.status,
            "status_transitions": {"canceled_at": self.canceled_at, "paid_at": self.paid_at},
        }


DRAFT, OPEN, PAID, VOID, UNCOLLECTIBLE = "draft", "open", "paid", "void", "uncollectible"


@dataclass
class Invoice:
    """An invoice and everything its rendering needs."""

    id: str
    created: int
    livemode: bool
    customer: str
    currency: str
    billing_reason: str
    collection_method: str
    auto_advance: bool
    period_start: int
    period_end: int
    status: str = DRAFT
    subscription: str | None = None
    subscription_metadata: dict[str, str] | None = None
    lines: list[Line] = field(default_factory=list)
    description: str | None = None
    footer: str | None = None
    statement_descriptor: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    default_payment_method: str | None = None
    subscription_payment_method: str | None = None
    days_until_due: int | None = None
    due_date: int | None = None
    number: str | None = None
    customer_details: dict[str, Any] = field(default_factory=dict)
    test_clock: str | None = None
    # money (set by the builder's totals)
    subtotal: int = 0
    credits: int = 0
    total: int = 0
    starting_balance: int = 0
    ending_balance: int | None = None
    amount_due: int = 0
    amount_paid: int = 0
    amount_paid_off_stripe: int = 0
    below_minimum: bool = False
    credit_amounts: list[dict[str, Any]] = field(default_factory=list)
    # collection
    attempt_count: int = 0
    attempted: bool = False
    next_payment_attempt: int | None = None
    automatically_finalizes_at: int | None = None
    effective_at: int | None = None
    finalized_at: int | None = None
    paid_at: int | None = None
    voided_at: int | None = None
    marked_uncollectible_at: int | None = None
    webhooks_delivered_at: int | None = None
    last_finalization_error: dict[str, Any] | None = None
    payments: list[Payment] = field(default_factory=list)
    jobs: dict[str, Job] = field(default_factory=dict)  # pending scheduler jobs by kind
    deleted: bool = False
    # credit notes (resources/credit_notes): issued, non-void totals before and after payment
    pre_payment_credit_notes_amount: int = 0
    post_payment_credit_notes_amount: int = 0

    @property
    def amount_remaining(self) -> int:
        if self.status in (PAID, VOID) or self.below_minimum:
            return 0
        paid = self.amount_paid + self.amount_paid_off_stripe + self.pre_payment_credit_notes_amount
        return max(self.amount_due - paid, 0)

    def render(
        self, *, lines_limit: int = LINES_PAGE, include: frozenset[str] = frozenset()
    ) -> dict[str, Any]:
        """The ``invoice`` object; ``include``: includable fields asked with ``expand`` (``payments``)."""
        if self.deleted:
            return {"id": self.id, "object": "invoice", "deleted": True}
        c = self.customer_details
        draft = self.status == DRAFT
        page = self.lines[:lines_limit]
        body: dict[str, Any] = {
            "id": self.id,
            "object": "invoice",
            "account_country": "US",
            "account_name": None,
            "account_tax_ids": None,
            "amount_due": self.amount_due,
            "amount_overpaid": 0,
            "amount_paid": self.amount_paid,
            "amount_paid_off_stripe": self.amount_paid_off_stripe,
            "amount_remaining": self.amount_remaining,
            "amount_shipping": 0,
            "application": None,
            "attempt_count": self.attempt_count,
            "attempted": self.attempted,
            "auto_advance": self.auto_advance,
            "automatic_tax": {
                "disabled_reason": None,
                "enabled": False,
                "liability": None,
                "provider": None,
                "status": None,
            },
            "automatically_finalizes_at": self.automatically_finalizes_at,
            "billing_reason": self.billing_reason,
            "collection_method": self.collection_method,
            "created": self.created,
            "currency": self.currency,
            "custom_fields": None,
            "customer": self.customer,
            "customer_account": None,
            "customer_address": copy.deepcopy(c.get("address")),
            "customer_email": c.get("email"),
            "customer_name": c.get("name"),
            "customer_phone": c.get("phone"),
            "customer_shipping": copy.deepcopy(c.get("shipping")),
            "customer_tax_exempt": c.get("tax_exempt", "none"),
            "customer_tax_ids": [],
            "default_payment_method": self.default_payment_method,
            "default_source": None,
            "default_tax_rates": [],
            "description": self.description,
            "discounts": [],
            "due_date": self.due_date,
            "effective_at": self.effective_at,
            "ending_balance": self.ending_balance,
            "footer": self.footer,
            "from_invoice": None,
            "hosted_invoice_url": None if draft else f"https://invoice.stripe.com/i/{self.id}",
            "invoice_pdf": None if draft else f"https://pay.stripe.com/invoice/{self.id}/pdf",
            "issuer": {"type": "self"},
            "last_finalization_error": self.last_finalization_error,
            "latest_revision": None,
            "lines": {
                "object": "list",
                "data": [line.render(self.id, self.livemode) for line in page],
                "has_more": len(self.lines) > len(page),
                "url": f"/v1/invoices/{self.id}/lines",
            },
            "livemode": self.livemode,
            "metadata": dict(self.metadata),
            "next_payment_attempt": self.next_payment_attempt,
            "number": self.number,
            "on_behalf_of": None,
            "parent": (
                {
                    "type": "subscription_details",
                    "quote_details": None,
                    "subscription_details": {
                        "metadata": dict(self.subscription_metadata or {}),
                        "subscription": self.subscription,
                        "subscription_proration_date": None,
                    },
                }
                if self.subscription is not None
                else None
            ),
            "payment_settings": {
                "default_mandate": None,
                "payment_method_options": None,
                "payment_method_types": None,
            },
            "period_end": self.period_end,
            "period_start": self.period_start,
            "post_payment_credit_notes_amount": self.post_payment_credit_notes_amount,
            "pre_payment_credit_notes_amount": self.pre_payment_credit_notes_amount,
            "receipt_number": None,
            "rendering": None,
            "shipping_cost": None,
            "shipping_details": None,
            "starting_balance": self.starting_balance,
            "statement_descriptor": self.statement_descriptor,
            "status": self.status,
            "status_details": None,
            "status_transitions": {
                "finalized_at": self.finalized_at,
                "marked_uncollectible_at": self.marked_uncollectible_at,
                "paid_at": self.paid_at,
                "voided_at": self.voided_at,
            },
            "subtotal": self.subtotal,
            "subtotal_excluding_tax": self.subtotal,
            "test_clock": self.test_clock,
            "threshold_reason": None,
            "total": self.total,
            "total_discount_amounts": [],
            "total_excluding_tax": self.total,
            "total_pretax_credit_amounts": [dict(credit) for credit in self.credit_amounts],
            "total_taxes": [],
            "webhooks_delivered_at": self.webhooks_delivered_at,
        }
        if "payments" in include:
            body["payments"] = {
                "object": "list",
                "data": [payment.render(self.livemode) for payment in reversed(self.payments[-LINES_PAGE:])],
                "has_more": len(self.payments) > LINES_PAGE,
                "url": f"/v1/invoice_payments?invoice={self.id}",
            }
        if "confirmation_secret" in include:
            body["confirmation_secret"] = None
        return body


# -- the store ----------------------------------------------------------------------------------------

#: Billing credits: ``allocate(account, invoice, final, now) -> {line id: pretax_credit_amounts}``.
#: The credit_grants package appends its allocator in its ``install`` (reference §11); with none,
#: invoices carry no credits. Restoring credit on void listens to :class:`InvoiceVoided` on the bus.
CreditAllocator = Callable[["AccountState", "Invoice", bool, int], dict[str, list[dict[str, Any]]]]
CREDIT_ALLOCATORS: list[CreditAllocator] = []

_DAY = 86_400


class InvoiceStore(ResourceStore[Invoice]):
    """The account's invoices, indexed by customer and subscription (lists never scan the table)."""

    kind = "invoice"
    id_prefixes = ("in", "inpay")

    def __init__(self, account: AccountState) -> None:
        super().__init__(account)
        self.by_customer: dict[str, list[str]] = {}
        self.by_subscription: dict[str, list[str]] = {}
        self.payments: ObjectTable[Payment] = ObjectTable("invoice_payment")
        self.next_number = 0

    # -- lookups ---------------------------------------------------------------------------------------

    def require(self, invoice_id: str, *, param: str = "id", status: int = 404) -> Invoice:
        found = self.table.get(invoice_id)
        if found is None or found.deleted:
            raise resource_missing("invoice", invoice_id, param=param, status=status)
        return found

    def find_object(self, object_id: str) -> Any:
        return self.table.get(object_id) or self.payments.get(object_id)

    def render_object(self, obj: Any) -> dict[str, Any]:
        if isinstance(obj, Payment):
            return obj.render(self.account.livemode)
        return obj.render()  # type: ignore[no-any-return]

    # -- building ----------------------------------------------------------------------------------------

    def _new(
        self,
        customer: Customer,
        *,
        currency: str,
        billing_reason: str,
        collection_method: str,
        auto_advance: bool,
        now: int,
        period_start: int | None = None,
        period_end: int | None = None,
        subscription: BillableSubscription | None = None,
    ) -> Invoice:
        invoice = Invoice(
            id=new_id("in"),
            created=now,
            livemode=self.account.livemode,
            customer=customer.id,
            currency=currency,
            billing_reason=billing_reason,
            collection_method=collection_method,
            auto_advance=auto_advance,
            period_start=now if period_start is None else period_start,
            period_end=now if period_end is None else period_end,
            test_clock=customer_test_clock(customer),
        )
        if subscription is not None:
            invoice.subscription = subscription.id
            invoice.subscription_metadata = dict(subscription.metadata)
            invoice.subscription_payment_method = subscription.default_payment_method
            invoice.days_until_due = subscription.days_until_due
        invoice.customer_details = customer_snapshot(customer)
        return invoice

    def _store(self, invoice: Invoice) -> None:
        self.table.add(invoice.id, invoice)
        self.by_customer.setdefault(invoice.customer, []).append(invoice.id)
        if invoice.subscription is not None:
            self.by_subscription.setdefault(invoice.subscription, []).append(invoice.id)

    def _charge_line(self, charge: ItemCharge, customer: str, subscription: str | None) -> Line:
        price = require_price(self.account, charge.price)
        meter = metered_meter(price)
        line = Line(
            id=new_id("il"),
            currency=price.currency,
            amount=0,
            quantity=Decimal(charge.quantity if charge.quantity is not None else 1),
            period_start=charge.period_start,
            period_end=charge.period_end,
            price=price.id,
            product=price.product,
            subscription=subscription,
            subscription_item=charge.subscription_item,
            proration=charge.proration,
            meter=meter,
            unit_amount_decimal=price.unit_amount_decimal,
            discountable=not charge.proration,
        )
        self._price_line(line, customer)
        line.description = self._describe(line, price)
        return line

    def _price_line(self, line: Line, customer: str) -> None:
        """(Re)compute a priced line's amount: metered lines take the meter's usage over their window."""
        if line.price is None:
            return
        usage = None
        if line.meter is not None:
            usage = usage_total(self.account, line.meter, customer, line.period_start, line.period_end)
        priced = price_line(
            LineInput(key=line.id, price=line.price, quantity=line.quantity, usage=usage),
            self._price_amount,
        )
        line.quantity, line.amount = priced.quantity, priced.amount

    def _price_amount(self, price_id: str, quantity: Decimal) -> int:
        return line_amount(require_price(self.account, price_id), quantity)

    def _describe(self, line: Line, price: Any) -> str:
        product = self.account.lookup(price.product) if isinstance(price.product, str) else None
        name = product.get("name") if product else None
        label = name or price.nickname or price.id
        if line.meter is not None:
            return str(label)
        quantity, _ = split_quantity(line.quantity)
        return f"{quantity} \N{MULTIPLICATION SIGN} {label}"

    def _item_line(self, item: InvoiceItem) -> Line:
        return Line(
            id=new_id("il"),
            currency=item.currency,
            amount=item.amount,
            quantity=item.quantity,
            period_start=item.period_start,
            period_end=item.period_end,
            price=item.price,
            product=item.product,
            description=item.description,
            subscription=item.subscription,
            subscription_item=item.subscription_item,
            invoice_item=item.id,
            proration=item.proration,
            unit_amount_decimal=item.unit_amount,
            discountable=item.discountable,
            metadata=dict(item.metadata),
        )

    def _sweep(self, invoice: Invoice, *, only_subscription: bool) -> None:
        items = self.account.store(InvoiceItemStore)
        swept = [
            item
            for item in items.pending_for(
                invoice.customer, subscription=invoice.subscription, only_subscription=only_subscription
            )
            if item.currency == invoice.currency
        ]
        # Stripe lists pending invoice items first, newest first.
        for item in swept:
            items.attach(item, invoice.id)
        invoice.lines[0:0] = [self._item_line(item) for item in reversed(swept)]

    def add_item(self, invoice: Invoice, item: InvoiceItem, *, now: int) -> None:
        """Put an invoice item on a draft (``POST /v1/invoiceitems`` with ``invoice``)."""
        self.account.store(InvoiceItemStore).attach(item, invoice.id)
        invoice.lines.append(self._item_line(item))
        self._totals(invoice, final=False, now=now)

    def refresh_item(self, invoice: Invoice, item: InvoiceItem, *, now: int) -> None:
        """An invoice item on this draft changed (or was deleted): its line follows."""
        index = next((i for i, line in enumerate(invoice.lines) if line.invoice_item == item.id), None)
        if index is None:
            return
        if item.deleted:
            del invoice.lines[index]
        else:
            fresh = self._item_line(item)
            fresh.id = invoice.lines[index].id
            invoice.lines[index] = fresh
        self._totals(invoice, final=False, now=now)

    def _totals(self, invoice: Invoice, *, final: bool, now: int, cause: RequestCause | None = None) -> None:
        """Credits (provisional on drafts, final at finalization) and the money fields."""
        allocated: dict[str, list[dict[str, Any]]] = {}
        for allocate in CREDIT_ALLOCATORS:
            allocated = allocate(self.account, invoice, final, now)
        for line in invoice.lines:
            line.credits = allocated.get(line.id, [])
        credit_total = sum(int(c["amount"]) for line in invoice.lines for c in line.credits)
        invoice.credit_amounts = [c for line in invoice.lines for c in line.credits]
        customer = self.account.store(CustomerStore).table.get(invoice.customer)
        balance = customer_balance(customer) if customer is not None else 0
        result = totals(
            [line.amount for line in invoice.lines],
            currency=invoice.currency,
            credits=credit_total,
            balance=balance,
        )
        invoice.subtotal, invoice.credits, invoice.total = result.subtotal, result.credits, result.total
        invoice.starting_balance, invoice.amount_due = result.starting_balance, result.amount_due
        invoice.below_minimum = result.below_minimum
        if final:
            invoice.ending_balance = result.ending_balance
            if customer is not None:
                apply_customer_balance(
                    self.account, customer, result.ending_balance, invoice=invoice, now=now, cause=cause
                )

    def _schedule(self, invoice: Invoice, kind: str, due: int) -> None:
        old = invoice.jobs.pop(kind, None)
        if old is not None:
            self.account.scheduler.cancel(old)
        invoice.jobs[kind] = self.account.scheduler.at(
            due, kind, self.account, invoice.id, clock=invoice.test_clock
        )

    def _unschedule(self, invoice: Invoice, *kinds: str) -> None:
        for kind in kinds or tuple(invoice.jobs):
            job = invoice.jobs.pop(kind, None)
            if job is not None:
                self.account.scheduler.cancel(job)

    def bill_subscription(
        self,
        subscription: BillableSubscription,
        charges: list[ItemCharge],
        *,
        billing_reason: str,
        now: int,
        cause: RequestCause | None = None,
    ) -> Invoice:
        """Build and store a draft for ``subscription``; ``subscription_create`` finalizes and pays at once.

        Lines: the charges in order (metered ones priced on the usage of their window), after the
        pending invoice items of the customer and the subscription. Emits ``invoice.created``;
        other reasons schedule ``invoices.finalize`` at ``now + config.invoice_finalization_delay``.
        """
        customer = require_customer(self.account, subscription.customer, param="customer")
        lines = [self._charge_line(charge, customer.id, subscription.id) for charge in charges]
        currency = lines[0].currency if lines else (customer_currency(customer) or "usd")
        starts = [charge.period_start for charge in charges if charge.quantity is None]
        invoice = self._new(
            customer,
            currency=currency,
            billing_reason=billing_reason,
            collection_method=subscription.collection_method,
            auto_advance=True,
            now=now,
            period_start=min(starts) if starts else now,
            period_end=now,
            subscription=subscription,
        )
        invoice.lines = lines
        self._sweep(invoice, only_subscription=False)
        self._totals(invoice, final=False, now=now)
        self._store(invoice)
        if customer_currency(customer) is None:
            set_customer_currency(customer, currency)
        self._emit("invoice.created", invoice, now=now, cause=cause)
        if billing_reason == "subscription_create":
            self.finalize(invoice, now=now, cause=cause)
        else:
            self._schedule_finalization(invoice, now + self.account.config.invoice_finalization_delay)
        return invoice

    def _schedule_finalization(self, invoice: Invoice, due: int) -> None:
        invoice.automatically_finalizes_at = due
        self._schedule(invoice, INVOICE_FINALIZE_JOB, due)

    def create(
        self,
        customer: Customer,
        *,
        now: int,
        cause: RequestCause | None,
        currency: str | None,
        collection_method: str,
        auto_advance: bool,
        include_pending: bool,
        subscription: BillableSubscription | None,
        fields: dict[str, Any],
        automatically_finalizes_at: int | None = None,
    ) -> Invoice:
        """A manual invoice (``POST /v1/invoices``): a draft, finalized only when asked or auto-advanced."""
        invoice = self._new(
            customer,
            currency=currency or customer_currency(customer) or "usd",
            billing_reason="manual",
            collection_method=collection_method,
            auto_advance=auto_advance,
            now=now,
            subscription=subscription,
        )
        for name, value in fields.items():
            setattr(invoice, name, value)
        if include_pending:
            self._sweep(invoice, only_subscription=subscription is not None)
        self._totals(invoice, final=False, now=now)
        self._store(invoice)
        self._emit("invoice.created", invoice, now=now, cause=cause)
        if automatically_finalizes_at is not None:
            self._schedule_finalization(invoice, automatically_finalizes_at)
        elif auto_advance:
            self._schedule_finalization(invoice, now + self.account.config.invoice_finalization_delay)
        return invoice

    # -- finalization and collection -------------------------------------------------------------------

    def finalize(
        self,
        invoice: Invoice,
        *,
        now: int,
        cause: RequestCause | None = None,
        auto_advance: bool | None = None,
    ) -> None:
        """Recompute metered lines, assign the number, emit ``invoice.finalized`` and collect.

        Collection: nothing due (or less than the minimum charge) → paid; ``charge_automatically``
        with ``auto_advance`` → a payment attempt; ``send_invoice`` with ``auto_advance`` → sent.
        """
        if auto_advance is not None:
            invoice.auto_advance = auto_advance
        self._unschedule(invoice, INVOICE_FINALIZE_JOB)
        for line in invoice.lines:
            if line.meter is not None:
                self._price_line(line, invoice.customer)
        self._totals(invoice, final=True, now=now, cause=cause)
        customer = self.account.store(CustomerStore).table.get(invoice.customer)
        if customer is not None:
            invoice.customer_details = customer_snapshot(customer)
            if invoice.number is None:
                invoice.number = take_invoice_number(customer)
        invoice.status = OPEN
        invoice.finalized_at = now
        invoice.effective_at = invoice.effective_at or now
        invoice.automatically_finalizes_at = None
        if invoice.collection_method == "send_invoice" and invoice.due_date is None:
            invoice.due_date = now + _DAY * (
                invoice.days_until_due if invoice.days_until_due is not None else 30
            )
        self._emit("invoice.finalized", invoice, now=now, cause=cause)
        self.account.bus.publish(self.account, InvoiceFinalized(invoice.id, invoice.subscription))
        if invoice.amount_due == 0 or invoice.below_minimum:
            self._mark_paid(invoice, now=now, cause=cause, charged=0)
        elif invoice.collection_method == "charge_automatically":
            if invoice.auto_advance:
                self.attempt(invoice, now=now, cause=cause, automatic=True)
        elif invoice.auto_advance:
            self.send(invoice, now=now, cause=cause)

    def attempt(
        self,
        invoice: Invoice,
        *,
        now: int,
        cause: RequestCause | None,
        automatic: bool,
        payment_method: str | None = None,
    ) -> ChargeResult:
        """Charge what remains, trying the payment methods in Stripe's order (invoice, subscription,
        then the customer's defaults inside ``charge``)."""
        candidates: list[str | None] = (
            [payment_method]
            if payment_method is not None
            else [invoice.default_payment_method, invoice.subscription_payment_method]
        )
        amount = invoice.amount_remaining
        result = charge(self.account, invoice.customer, candidates, amount, invoice.currency, now=now)
        invoice.attempted = True
        invoice.attempt_count += 1
        payment = self._payment(invoice, amount, now)
        if result.outcome == "succeeded":
            payment.status, payment.amount_paid, payment.paid_at = "paid", amount, now
            emit_event(
                self.account, "invoice_payment.paid", payment.render(invoice.livemode), now=now, cause=cause
            )
            self._mark_paid(invoice, now=now, cause=cause, charged=amount)
            return result
        if result.outcome == "requires_action":
            invoice.next_payment_attempt = None
            self._emit("invoice.payment_action_required", invoice, now=now, cause=cause)
            self.account.bus.publish(self.account, InvoiceActionRequired(invoice.id, invoice.subscription))
            return result
        final = True
        if automatic:
            retries = list(self.account.config.invoice_payment_retries)
            if invoice.billing_reason != "subscription_create" and invoice.attempt_count <= len(retries):
                due = now + retries[invoice.attempt_count - 1] * _DAY
                self._schedule(invoice, INVOICE_RETRY_JOB, due)
                invoice.next_payment_attempt = due
                final = False
            else:
                invoice.next_payment_attempt = None
        else:
            final = INVOICE_RETRY_JOB not in invoice.jobs
        self._emit("invoice.payment_failed", invoice, now=now, cause=cause)
        self.account.bus.publish(
            self.account, InvoicePaymentFailed(invoice.id, invoice.subscription, invoice.attempt_count, final)
        )
        return result

    def _payment(self, invoice: Invoice, amount: int, now: int) -> Payment:
        """The invoice's default payment (one PaymentIntent, reused by every attempt)."""
        for payment in invoice.payments:
            if payment.status == "open":
                payment.amount_requested = amount
                return payment
        payment = Payment(new_id("inpay"), invoice.id, now, invoice.currency, amount, new_id("pi"))
        invoice.payments.append(payment)
        self.payments.add(payment.id, payment)
        return payment

    def _mark_paid(
        self,
        invoice: Invoice,
        *,
        now: int,
        cause: RequestCause | None,
        charged: int,
        off_stripe: int = 0,
    ) -> None:
        invoice.status = PAID
        invoice.amount_paid += charged
        invoice.amount_paid_off_stripe += off_stripe
        invoice.paid_at = now
        invoice.next_payment_attempt = None
        invoice.auto_advance = False
        self._unschedule(invoice)
        self._emit("invoice.paid", invoice, now=now, cause=cause)
        if not off_stripe:
            self._emit("invoice.payment_succeeded", invoice, now=now, cause=cause)
        self.account.bus.publish(self.account, InvoicePaid(invoice.id, invoice.subscription))

    def pay(
        self,
        invoice: Invoice,
        *,
        now: int,
        cause: RequestCause | None,
        payment_method: str | None = None,
        paid_out_of_band: bool = False,
    ) -> ChargeResult | None:
        """``POST /v1/invoices/{id}/pay``: a draft is finalized first; returns the charge's result."""
        if invoice.status == DRAFT:
            self.finalize(invoice, now=now, cause=cause, auto_advance=False)
            if invoice.status == PAID:
                return None
        if paid_out_of_band:
            for payment in invoice.payments:
                if payment.status == "open":
                    payment.status, payment.canceled_at = "canceled", now
            self._mark_paid(invoice, now=now, cause=cause, charged=0, off_stripe=invoice.amount_remaining)
            return None
        return self.attempt(invoice, now=now, cause=cause, automatic=False, payment_method=payment_method)

    def send(self, invoice: Invoice, *, now: int, cause: RequestCause | None) -> None:
        """Email the invoice (``invoice.sent``); schedules the optional due-date events."""
        self._emit("invoice.sent", invoice, now=now, cause=cause)
        config = self.account.config
        if config.invoice_overdue_events and invoice.due_date is not None:
            self._schedule(invoice, INVOICE_OVERDUE_JOB, invoice.due_date)
            soon = invoice.due_date - config.invoice_will_be_due_days * _DAY
            if soon > now:
                self._schedule(invoice, INVOICE_WILL_BE_DUE_JOB, soon)

    def void(self, invoice: Invoice, *, now: int, cause: RequestCause | None) -> None:
        invoice.status = VOID
        invoice.voided_at = now
        invoice.auto_advance = False
        invoice.next_payment_attempt = None
        self._unschedule(invoice)
        for payment in invoice.payments:
            if payment.status == "open":
                payment.status, payment.canceled_at = "canceled", now
        self._emit("invoice.voided", invoice, now=now, cause=cause)
        self.account.bus.publish(self.account, InvoiceVoided(invoice.id, invoice.subscription))

    def mark_uncollectible(self, invoice: Invoice, *, now: int, cause: RequestCause | None) -> None:
        invoice.status = UNCOLLECTIBLE
        invoice.marked_uncollectible_at = now
        invoice.auto_advance = False
        invoice.next_payment_attempt = None
        self._unschedule(invoice)
        self._emit("invoice.marked_uncollectible", invoice, now=now, cause=cause)
        self.account.bus.publish(self.account, InvoiceMarkedUncollectible(invoice.id, invoice.subscription))

    def delete(self, invoice: Invoice, *, now: int, cause: RequestCause | None) -> dict[str, Any]:
        """Delete a draft: its invoice items go back to pending."""
        last = invoice.render()
        self._unschedule(invoice)
        items = self.account.store(InvoiceItemStore)
        for line in invoice.lines:
            if line.invoice_item is not None:
                item = items.table.get(line.invoice_item)
                if item is not None and not item.deleted:
                    items.detach(item)
        invoice.deleted = True
        self._emit_rendered("invoice.deleted", last, now=now, cause=cause)
        return invoice.render()

    def update(
        self, invoice: Invoice, changes: dict[str, Any], *, now: int, cause: RequestCause | None
    ) -> dict[str, Any]:
        """Apply validated field changes; emits ``invoice.updated`` with ``previous_attributes``."""
        before = invoice.render()
        finalizes_at = changes.pop("automatically_finalizes_at", None)
        for name, value in changes.items():
            setattr(invoice, name, value)
        if invoice.status == DRAFT:
            if finalizes_at is not None:
                self._schedule_finalization(invoice, finalizes_at)
            elif "auto_advance" in changes and invoice.billing_reason == "manual":
                if invoice.auto_advance and INVOICE_FINALIZE_JOB not in invoice.jobs:
                    self._schedule_finalization(invoice, now + self.account.config.invoice_finalization_delay)
                elif not invoice.auto_advance:
                    self._unschedule(invoice, INVOICE_FINALIZE_JOB)
                    invoice.automatically_finalizes_at = None
            self._totals(invoice, final=False, now=now)
        after = invoice.render()
        previous = {key: before[key] for key in after if before.get(key) != after.get(key)}
        if previous:
            self._emit_rendered("invoice.updated", after, now=now, cause=cause, previous=previous)
        return after

    # -- scheduled work ----------------------------------------------------------------------------------

    def run_job(self, job: Job) -> None:
        """One due job about an invoice (``job.due`` is the time)."""
        invoice = self.table.get(job.ref)
        if invoice is None or invoice.deleted or invoice.jobs.get(job.kind) is not job:
            return
        del invoice.jobs[job.kind]
        if job.kind == INVOICE_FINALIZE_JOB:
            if invoice.status == DRAFT:
                self.finalize(invoice, now=job.due)
        elif job.kind == INVOICE_RETRY_JOB:
            if invoice.status == OPEN and invoice.collection_method == "charge_automatically":
                self.attempt(invoice, now=job.due, cause=None, automatic=True)
        elif job.kind in (INVOICE_OVERDUE_JOB, INVOICE_WILL_BE_DUE_JOB) and invoice.status == OPEN:
            kind = "invoice.overdue" if job.kind == INVOICE_OVERDUE_JOB else "invoice.will_be_due"
            self._emit(kind, invoice, now=job.due, cause=None)

    # -- events ------------------------------------------------------------------------------------------

    def _emit(self, event_type: str, invoice: Invoice, *, now: int, cause: RequestCause | None) -> None:
        # A fresh render held by nobody else: the event keeps it without a deep copy.
        emit_event(self.account, event_type, invoice.render(), now=now, cause=cause, fresh=True)

    def _emit_rendered(
        self,
        event_type: str,
        body: dict[str, Any],
        *,
        now: int,
        cause: RequestCause | None,
        previous: dict[str, Any] | None = None,
    ) -> None:
        # Every body here is a fresh render nobody else holds: no deep copy needed.
        emit_event(
            self.account, event_type, body, now=now, cause=cause, previous_attributes=previous, fresh=True
        )


def run_invoice_job(account: AccountState, job: Job) -> None:
    """Scheduler entry point for every ``invoices.*`` job kind."""
    store = account.find(InvoiceStore)
    if store is not None:
        store.run_job(job)
