"""Customer balance transactions: every change of a customer's ``balance`` (the invoice credit balance).

A negative balance is credit the customer's next invoices use; a positive one is owed and is added to
the next invoice. Each change is one transaction recording the amount and the ``ending_balance``;
other resources (invoices applying the balance, credit notes crediting it) post through
:meth:`CustomerBalanceStore.post`, which also moves the customer's ``balance`` and emits
``customer.updated``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...context import RequestCause
from ...http.errors import StripeError, resource_missing
from ...ids import new_id
from ..base import ResourceStore
from ..customers.models import Customer, CustomerStore
from ..events.models import emit_event

if TYPE_CHECKING:
    from ...state import AccountState

TYPES = (
    "adjustment",
    "applied_to_invoice",
    "credit_note",
    "initial",
    "invoice_overpaid",
    "invoice_too_large",
    "invoice_too_small",
    "unapplied_from_invoice",
    "unspent_receiver_credit",
)


@dataclass
class CustomerBalanceTransaction:
    id: str
    customer: str
    amount: int
    currency: str
    ending_balance: int
    type: str
    created: int
    livemode: bool
    description: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    invoice: str | None = None
    credit_note: str | None = None

    def render(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "customer_balance_transaction",
            "amount": self.amount,
            "checkout_session": None,
            "created": self.created,
            "credit_note": self.credit_note,
            "currency": self.currency,
            "customer": self.customer,
            "customer_account": None,
            "description": self.description,
            "ending_balance": self.ending_balance,
            "invoice": self.invoice,
            "livemode": self.livemode,
            "metadata": dict(self.metadata),
            "type": self.type,
        }


class CustomerBalanceStore(ResourceStore[CustomerBalanceTransaction]):
    """The account's customer balance transactions, indexed per customer (creation order)."""

    kind = "customer balance transaction"
    id_prefixes = ("cbtxn",)

    def __init__(self, account: AccountState) -> None:
        super().__init__(account)
        self.by_customer: dict[str, list[str]] = {}
        self.currency: dict[str, str] = {}  # customer -> currency of its balance

    def balance_currency(self, customer: Customer) -> str | None:
        """The currency the customer's balance is in: the customer's own, else its first transaction's."""
        own = customer.fields.get("currency")
        return str(own) if own else self.currency.get(customer.id)

    def check_currency(self, customer: Customer, currency: str, *, param: str = "currency") -> None:
        existing = self.balance_currency(customer)
        if existing is not None and existing != currency:
            raise StripeError(
                f"The currency {currency} does not match the currency of the customer's balance "
                f"({existing}). A customer's balance is in a single currency.",
                param=param,
            )

    def post(
        self,
        customer: Customer,
        *,
        amount: int,
        currency: str,
        type: str,
        now: int,
        description: str | None = None,
        metadata: dict[str, str] | None = None,
        invoice: str | None = None,
        credit_note: str | None = None,
        cause: RequestCause | None = None,
    ) -> CustomerBalanceTransaction:
        """Record ``amount`` (negative = credit) on the customer's balance; callers validated it."""
        before = customer.render()
        balance = int(customer.fields.get("balance", 0)) + amount
        customer.fields["balance"] = balance
        self.currency.setdefault(customer.id, currency)
        txn = CustomerBalanceTransaction(
            id=new_id("cbtxn"),
            customer=customer.id,
            amount=amount,
            currency=currency,
            ending_balance=balance,
            type=type,
            created=now,
            livemode=self.account.livemode,
            description=description,
            metadata=dict(metadata or {}),
            invoice=invoice,
            credit_note=credit_note,
        )
        self.table.add(txn.id, txn)
        self.by_customer.setdefault(customer.id, []).append(txn.id)
        if amount:
            after = customer.render()
            previous = {key: before[key] for key in after if before.get(key) != after.get(key)}
            emit_event(
                self.account,
                "customer.updated",
                after,
                now=now,
                cause=cause,
                previous_attributes=previous,
                fresh=True,
            )
        return txn

    def of_customer(self, customer: str) -> list[CustomerBalanceTransaction]:
        """The customer's transactions, newest first."""
        return [self.table.require(t) for t in reversed(self.by_customer.get(customer, []))]

    def require_of(self, customer: str, transaction: str) -> CustomerBalanceTransaction:
        """The customer's transaction, or 404 (also for another customer's transaction)."""
        found = self.table.get(transaction)
        if found is None or found.customer != customer:
            raise resource_missing("customer balance transaction", transaction, param="transaction")
        return found


def customer_of(
    account: AccountState, customer_id: str, *, param: str = "customer", status: int = 404
) -> Customer:
    """A customer that exists and is not deleted, or ``No such customer``."""
    found = account.store(CustomerStore).table.get(customer_id)
    if found is None or found.deleted:
        raise resource_missing("customer", customer_id, param=param, status=status)
    return found
