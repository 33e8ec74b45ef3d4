"""Everything invoices use from other resources, in one place (docs/dev/CONTRACTS.md).

Direct calls downward: prices (catalog), payments and customers (payments), meter usage
(foundation), events. Keeping them here keeps ``models.py`` about invoices.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ...context import RequestCause
from ...http.errors import StripeError, resource_missing
from ...scheduler import Job
from ..customers.models import Customer, CustomerStore
from ..events.models import emit_event
from ..meter_events.models import MeterEventStore
from ..meters.models import MeterStore
from ..payment_methods.models import ChargeResult, charge
from ..prices.models import Price, PriceStore
from ..prices.pricing import line_amount, round_minor
from ..products.models import ProductStore
from ..test_clocks.models import clock_now

if TYPE_CHECKING:
    from ...state import AccountState
    from ..subscriptions.models import Subscription
    from .models import Invoice

__all__ = [
    "ChargeResult",
    "Customer",
    "CustomerStore",
    "Job",
    "Price",
    "PriceStore",
    "ProductStore",
    "RequestCause",
    "apply_customer_balance",
    "charge",
    "clock_now",
    "customer_balance",
    "customer_currency",
    "customer_snapshot",
    "customer_test_clock",
    "emit_event",
    "line_amount",
    "metered_meter",
    "require_customer",
    "require_price",
    "require_subscription",
    "round_minor",
    "set_customer_balance",
    "set_customer_currency",
    "take_invoice_number",
    "usage_total",
]


def require_price(account: AccountState, price_id: str, *, param: str = "price") -> Price:
    return account.store(PriceStore).require(price_id, param=param)


def metered_meter(price: Price) -> str | None:
    """The meter id of a metered price (its usage is aggregated), else ``None``."""
    recurring = price.recurring
    if recurring is not None and recurring.usage_type == "metered":
        return str(recurring.meter)
    return None


def usage_total(account: AccountState, meter_id: str, customer: str, start: int, end: int) -> Decimal:
    """The meter's aggregate of the customer's counted usage with timestamps in ``[start, end)``."""
    meter = account.store(MeterStore).table.get(meter_id)
    if meter is None:
        return Decimal(0)
    value = account.store(MeterEventStore).aggregate(meter, customer, start, end)
    return value if isinstance(value, Decimal) else Decimal(str(value))


def require_customer(account: AccountState, customer_id: str, *, param: str = "customer") -> Customer:
    """A customer that exists and is not deleted (400 ``resource_missing`` otherwise)."""
    return account.store(CustomerStore).require_active(customer_id, param=param)


def customer_balance(customer: Customer) -> int:
    return customer.balance


def set_customer_balance(customer: Customer, balance: int) -> None:
    customer.balance = balance


def apply_customer_balance(
    account: AccountState,
    customer: Customer,
    balance: int,
    *,
    invoice: Invoice,
    now: int,
    cause: RequestCause | None,
) -> None:
    """Finalization moved the customer's balance to ``balance``: record it as a customer balance
    transaction (``applied_to_invoice``, or ``invoice_too_small`` for an amount carried because it was
    below the minimum charge), which also moves ``customer.balance``."""
    from ..customer_balance_transactions.models import CustomerBalanceStore

    change = balance - customer_balance(customer)
    if change == 0:
        return
    kind = "invoice_too_small" if invoice.below_minimum else "applied_to_invoice"
    account.store(CustomerBalanceStore).post(
        customer,
        amount=change,
        currency=invoice.currency,
        type=kind,
        now=now,
        invoice=invoice.id,
        cause=cause,
    )


def customer_currency(customer: Customer) -> str | None:
    return customer.currency


def set_customer_currency(customer: Customer, currency: str) -> None:
    customer.set_currency(currency)


def customer_test_clock(customer: Customer) -> str | None:
    return customer.test_clock


def take_invoice_number(customer: Customer) -> str:
    """``PREFIX-0001``: the customer's prefix and next sequence number (then incremented)."""
    sequence = customer.next_invoice_sequence
    customer.next_invoice_sequence = sequence + 1
    return f"{customer.invoice_prefix}-{sequence:04d}"


def customer_snapshot(customer: Customer) -> dict[str, Any]:
    """The customer fields an invoice copies (until finalization)."""
    rendered = customer.render()
    return {
        "address": rendered.get("address"),
        "email": rendered.get("email"),
        "name": rendered.get("name"),
        "phone": rendered.get("phone"),
        "shipping": rendered.get("shipping"),
        "tax_exempt": rendered.get("tax_exempt", "none"),
    }


def missing_customer(customer_id: str, param: str = "customer") -> Exception:
    return resource_missing("customer", customer_id, param=param, status=400)


def require_subscription(account: AccountState, subscription_id: str, customer: str | None) -> Subscription:
    """A subscription named in a parameter (400 ``No such subscription``), of ``customer`` when given."""
    from ..subscriptions.models import SubscriptionStore  # subscriptions import invoices: import late

    subscription = account.store(SubscriptionStore).require(subscription_id, param="subscription", status=400)
    if customer is not None and subscription.customer != customer:
        raise StripeError(
            f"The subscription {subscription.id} does not belong to the customer {customer}.",
            param="subscription",
        )
    return subscription
