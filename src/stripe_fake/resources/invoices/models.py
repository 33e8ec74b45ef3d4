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

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ...state import AccountState

RequestCause = Any  # context.RequestCause once the foundation lands


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


class InvoiceStore:
    """The account's invoices (the contract's entry points; the body follows in later commits)."""

    def __init__(self, account: AccountState) -> None:
        self.account = account

    def bill_subscription(
        self,
        subscription: BillableSubscription,
        charges: list[ItemCharge],
        *,
        billing_reason: str,
        now: int,
        cause: RequestCause | None = None,
    ) -> Any:
        """Build and store a draft for ``subscription``; ``subscription_create`` finalizes and pays at once.

        Emits ``invoice.created``; other reasons schedule ``invoices.finalize`` at
        ``now + config.invoice_finalization_delay``. Returns the ``Invoice``.
        """
        raise NotImplementedError("invoices: bill_subscription lands in the next commit")

    def finalize(self, invoice: Any, *, now: int, cause: RequestCause | None = None) -> None:
        """Recompute metered lines, assign the number, emit ``invoice.finalized`` and collect."""
        raise NotImplementedError("invoices: finalize lands in the next commit")
