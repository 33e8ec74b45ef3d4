"""Every call the subscriptions package makes into other packages, in one place.

Subscriptions read prices (catalog), customers (payments), bill through invoices and schedule their
time-driven work on the account's scheduler. Keeping those calls here keeps ``models.py`` about
subscription rules, and gives the contracts of ``docs/dev/CONTRACTS.md`` one place to meet.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from ...context import RequestCause
from ..customers.models import CustomerStore
from ..events.models import emit_event
from ..invoices.models import InvoiceStore, ItemCharge
from ..test_clocks.models import clock_now as test_clock_now

if TYPE_CHECKING:
    from ...state import AccountState

__all__ = ["ItemCharge", "PriceLike", "RecurringLike"]


class RecurringLike(Protocol):
    @property
    def interval(self) -> str: ...
    @property
    def interval_count(self) -> int: ...
    @property
    def usage_type(self) -> str: ...
    @property
    def meter(self) -> str | None: ...


class PriceLike(Protocol):
    """What subscriptions read from a catalog ``Price``."""

    @property
    def id(self) -> str: ...
    @property
    def currency(self) -> str: ...
    @property
    def active(self) -> bool: ...
    @property
    def type(self) -> str: ...
    @property
    def unit_amount_decimal(self) -> Decimal | None: ...
    @property
    def recurring(self) -> RecurringLike | None: ...

    def render(self, *, expand_tiers: bool = False) -> dict[str, Any]: ...


def require_price(account: AccountState, price_id: str, *, param: str) -> PriceLike:
    """The price ``price_id`` or Stripe's ``No such price`` (400, ``param``)."""
    from ..prices.models import PriceStore

    found: PriceLike = account.store(PriceStore).require(price_id, param=param)
    return found


def price(account: AccountState, price_id: str) -> PriceLike:
    """A price known to exist (the price of a stored item)."""
    return require_price(account, price_id, param="price")


def create_price_from_data(account: AccountState, price_data: dict[str, Any], *, now: int) -> PriceLike:
    """An inline price for ``price_data`` (items take one instead of a price id)."""
    from ..prices.models import PriceStore

    created: PriceLike = account.store(PriceStore).create_from_data(price_data, now=now)
    return created


def customer_usable(account: AccountState, customer_id: str) -> bool:
    """Whether the customer exists and is not deleted."""
    return account.store(CustomerStore).exists(customer_id)


def customer_has_payment_method(account: AccountState, customer_id: str) -> bool:
    """Whether the customer has a default payment method or source to charge."""
    customer = account.store(CustomerStore).table.get(customer_id)
    if customer is None:
        return False
    rendered = customer.render()
    settings = rendered.get("invoice_settings") or {}
    return bool(settings.get("default_payment_method") or rendered.get("default_source"))


def emit(
    account: AccountState,
    event_type: str,
    data_object: dict[str, Any],
    *,
    now: int,
    cause: RequestCause | None = None,
    previous_attributes: dict[str, Any] | None = None,
) -> None:
    """Record a v1 event (``cause`` is the request's ``RequestCause``; ``None`` for scheduled work)."""
    emit_event(
        account,
        event_type,
        data_object,
        now=now,
        cause=cause,
        previous_attributes=previous_attributes,
        fresh=True,
    )


def bill(
    account: AccountState,
    subscription: Any,
    charges: list[ItemCharge],
    *,
    billing_reason: str,
    now: int,
    cause: Any = None,
) -> str:
    """Invoice ``charges`` for ``subscription`` through the invoices package; the invoice id."""
    invoice = account.store(InvoiceStore).bill_subscription(
        subscription, charges, billing_reason=billing_reason, now=now, cause=cause
    )
    return str(invoice.id)


def paid_at(account: AccountState, invoice_id: str) -> int | None:
    """When the invoice was paid (``status_transitions.paid_at``), if it was."""
    store = account.find(InvoiceStore)
    invoice = store.table.get(invoice_id) if store is not None else None
    return invoice.paid_at if invoice is not None else None


def clock_now(account: AccountState, clock: str | None = None) -> int:
    """The time now (on ``clock`` if given), for bus messages that carry none (payment outcomes)."""
    return test_clock_now(account, clock, account.now())


def schedule(
    account: AccountState,
    due: int,
    kind: str,
    ref: str,
    *,
    clock: str | None = None,
    data: dict[str, Any] | None = None,
) -> Any:
    """Put a job on the account's scheduler (on ``clock``'s time line); returns it (to cancel it)."""
    return account.scheduler.at(due, kind, account, ref, clock=clock, data=data)


def customer_clock(account: AccountState, customer_id: str) -> str | None:
    """The test clock the customer is on, if any (its subscriptions live on that clock)."""
    customer = account.store(CustomerStore).table.get(customer_id)
    return customer.test_clock if customer is not None else None


def now_on(account: AccountState, clock: str | None, default: int) -> int:
    """The time of ``clock`` (a test clock's frozen time), or ``default`` (the account clock)."""
    return test_clock_now(account, clock, default)


def cancel_job(account: AccountState, job: Any) -> None:
    if job is not None:
        account.scheduler.cancel(job)
