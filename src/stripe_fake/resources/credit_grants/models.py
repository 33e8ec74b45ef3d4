"""Credit grants, their ledger transactions and the credit ledger invoices draw on.

Each grant keeps ``remaining``: its amount less everything posted against it (credit applied at
invoice finalization, expiry, voiding) plus credit restored by voided invoices. Its *ledger balance*
at a time is ``remaining`` once the grant is effective (0 while pending); its *available balance*
also subtracts the provisional holds of draft invoices. Every posted change is a
``billing.credit_balance_transaction``.

Indexes keep requests independent of how much is stored: grants and transactions per customer,
transactions per grant, holds per invoice and per grant, and the set of *unused* grants per customer
(pending, or effective with a positive balance, not voided nor expired) behind the 100-grant limit.
Expiry is time-driven: a scheduler job (``credit_grants.expire``) at the grant's ``expires_at``, on
the customer's test clock if it has one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...context import RequestCause
from ...http.errors import StripeError
from ...ids import new_id
from ..base import ResourceStore
from ..common import ObjectTable
from ..events.models import emit_event
from . import ledger
from .ledger import Allocation, CreditableLine, GrantTerms

if TYPE_CHECKING:
    from ...scheduler import Job
    from ...state import AccountState

#: The old name of the cause type (invoices' ports import it): the request that caused a change.
_Cause = RequestCause

EXPIRE_JOB = "credit_grants.expire"
MAX_UNUSED_GRANTS = 100
MAX_SCOPE_PRICES = 20


def monetary(currency: str, value: int) -> dict[str, Any]:
    return {"monetary": {"currency": currency, "value": value}, "type": "monetary"}


@dataclass
class CreditGrant:
    id: str
    seq: int
    customer: str
    currency: str
    value: int
    category: str
    priority: int
    effective_at: int
    expires_at: int | None
    prices: tuple[str, ...] | None  # None: applicability scope price_type=metered
    name: str | None
    metadata: dict[str, str]
    created: int
    updated: int
    livemode: bool
    test_clock: str | None = None
    voided_at: int | None = None
    expired: bool = False  # its expiry was posted (a credits_expired debit, possibly of 0)
    applied: bool = False  # some of it was ever applied to a finalized invoice
    remaining: int = 0

    def __post_init__(self) -> None:
        if self.remaining == 0 and not self.applied and not self.expired and self.voided_at is None:
            self.remaining = self.value

    @property
    def terms(self) -> GrantTerms:
        return GrantTerms(
            id=self.id,
            currency=self.currency,
            category=self.category,
            priority=self.priority,
            effective_at=self.effective_at,
            expires_at=self.expires_at,
            created=self.created,
            seq=self.seq,
            prices=frozenset(self.prices) if self.prices is not None else None,
        )

    @property
    def closed(self) -> bool:
        """Voided or expired: nothing more can be applied from it."""
        return self.voided_at is not None or self.expired

    def ledger_balance(self, now: int) -> int:
        return self.remaining if now >= self.effective_at else 0

    def unused(self, now: int) -> bool:
        """Counts towards the 100-grant limit: not closed, and pending or with credit left."""
        return not self.closed and (now < self.effective_at or self.remaining > 0)

    def render(self) -> dict[str, Any]:
        scope: dict[str, Any] = (
            {"price_type": "metered", "prices": None}
            if self.prices is None
            else {"price_type": None, "prices": [{"id": p} for p in self.prices]}
        )
        return {
            "id": self.id,
            "object": "billing.credit_grant",
            "amount": monetary(self.currency, self.value),
            "applicability_config": {"scope": scope},
            "category": self.category,
            "created": self.created,
            "customer": self.customer,
            "customer_account": None,
            "effective_at": self.effective_at,
            "expires_at": self.expires_at,
            "livemode": self.livemode,
            "metadata": dict(self.metadata),
            "name": self.name,
            "priority": self.priority,
            "test_clock": self.test_clock,
            "updated": self.updated,
            "voided_at": self.voided_at,
        }


@dataclass
class CreditBalanceTransaction:
    id: str
    grant: str
    customer: str
    side: str  # "credit" | "debit"
    kind: str  # credits_granted | credits_application_invoice_voided | credits_applied | ...
    amount: int
    currency: str
    created: int
    effective_at: int
    livemode: bool
    test_clock: str | None = None
    invoice: str | None = None
    invoice_line_item: str | None = None

    def render(self) -> dict[str, Any]:
        detail: dict[str, Any] = {"amount": monetary(self.currency, self.amount), "type": self.kind}
        if self.side == "credit":
            detail["credits_application_invoice_voided"] = (
                {"invoice": self.invoice, "invoice_line_item": self.invoice_line_item}
                if self.kind == "credits_application_invoice_voided"
                else None
            )
        else:
            detail["credits_applied"] = (
                {"invoice": self.invoice, "invoice_line_item": self.invoice_line_item}
                if self.kind == "credits_applied"
                else None
            )
        return {
            "id": self.id,
            "object": "billing.credit_balance_transaction",
            "created": self.created,
            "credit": detail if self.side == "credit" else None,
            "credit_grant": self.grant,
            "debit": detail if self.side == "debit" else None,
            "effective_at": self.effective_at,
            "livemode": self.livemode,
            "test_clock": self.test_clock,
            "type": self.side,
        }


@dataclass(frozen=True)
class AppliedCredit:
    """One allocation as the invoice renders it (``transaction`` is ``None`` while provisional)."""

    line_id: str
    grant: str
    amount: int
    transaction: str | None


@dataclass
class _CustomerIndex:
    grants: list[str] = field(default_factory=list)  # creation order
    transactions: list[str] = field(default_factory=list)
    unused: set[str] = field(default_factory=set)


class CreditGrantStore(ResourceStore[CreditGrant]):
    """The account's credit grants and balance transactions, and the ledger invoices use."""

    kind = "credit grant"
    id_prefixes = ("credgr", "cbtxn")

    def __init__(self, account: AccountState) -> None:
        super().__init__(account)
        self.grants = self.table
        self.transactions: ObjectTable[CreditBalanceTransaction] = ObjectTable("credit balance transaction")
        self.customers: dict[str, _CustomerIndex] = {}
        self.grant_transactions: dict[str, list[str]] = {}
        self.holds: dict[str, list[Allocation]] = {}  # draft invoice -> provisional allocations
        self.held: dict[str, dict[str, int]] = {}  # grant -> {invoice: amount held}
        self.applied: dict[str, list[str]] = {}  # finalized invoice -> its credits_applied transactions
        self._seq = 0

    # -- queries -----------------------------------------------------------------------------------

    def index(self, customer: str) -> _CustomerIndex:
        found = self.customers.get(customer)
        if found is None:
            found = self.customers[customer] = _CustomerIndex()
        return found

    def customer_grants(self, customer: str) -> list[CreditGrant]:
        found = self.customers.get(customer)
        if found is None:
            return []
        return [self.grants.require(g) for g in found.grants]

    def held_amount(self, grant_id: str, *, excluding: str | None = None) -> int:
        holds = self.held.get(grant_id)
        if not holds:
            return 0
        return sum(amount for invoice, amount in holds.items() if invoice != excluding)

    def available_balance(self, grant: CreditGrant, now: int) -> int:
        return ledger.spendable(grant.ledger_balance(now), self.held_amount(grant.id))

    def balances(self, grants: Sequence[CreditGrant], now: int) -> list[dict[str, Any]]:
        """``balances[]`` of a summary: one entry per currency of ``grants`` (in first-seen order)."""
        per_currency: dict[str, list[int]] = {}
        for grant in grants:
            entry = per_currency.setdefault(grant.currency, [0, 0])
            entry[0] += self.available_balance(grant, now)
            entry[1] += grant.ledger_balance(now)
        return [
            {"available_balance": monetary(cur, avail), "ledger_balance": monetary(cur, led)}
            for cur, (avail, led) in per_currency.items()
        ]

    def find_object(self, object_id: str) -> Any:
        return self.grants.get(object_id) or self.transactions.get(object_id)

    # -- grant lifecycle ---------------------------------------------------------------------------

    def create(
        self,
        *,
        customer: str,
        currency: str,
        value: int,
        category: str,
        priority: int,
        effective_at: int,
        expires_at: int | None,
        prices: tuple[str, ...] | None,
        name: str | None,
        metadata: dict[str, str],
        test_clock: str | None,
        now: int,
        cause: RequestCause | None = None,
    ) -> CreditGrant:
        index = self.index(customer)
        self._refresh_unused(index, now)
        if len(index.unused) >= MAX_UNUSED_GRANTS:
            raise StripeError(
                f"A customer can have at most {MAX_UNUSED_GRANTS} unused credit grants. Customer "
                f"'{customer}' already has {MAX_UNUSED_GRANTS}; void or expire one before creating another.",
                param="customer",
            )
        self._seq += 1
        grant = CreditGrant(
            id=new_id("credgr"),
            seq=self._seq,
            customer=customer,
            currency=currency,
            value=value,
            category=category,
            priority=priority,
            effective_at=effective_at,
            expires_at=expires_at,
            prices=prices,
            name=name,
            metadata=metadata,
            created=now,
            updated=now,
            livemode=self.account.livemode,
            test_clock=test_clock,
        )
        self.grants.add(grant.id, grant)
        index.grants.append(grant.id)
        index.unused.add(grant.id)
        self._emit("billing.credit_grant.created", grant.render(), now, cause)
        self._post(grant, "credit", "credits_granted", value, now=now, effective_at=effective_at, cause=cause)
        self._schedule_expiry(grant)
        return grant

    def update(
        self,
        grant: CreditGrant,
        *,
        expires_at: int | type[_Keep] | None,
        metadata: dict[str, str] | None,
        now: int,
        cause: RequestCause | None = None,
    ) -> CreditGrant:
        before = grant.render()
        if expires_at is not _Keep:
            if grant.closed:
                raise StripeError(
                    f"You cannot update the expiry of the credit grant '{grant.id}' because it is "
                    f"{'voided' if grant.voided_at is not None else 'expired'}.",
                    param="expires_at",
                )
            assert expires_at is None or isinstance(expires_at, int)
            check_expiry(expires_at, effective_at=grant.effective_at, now=now)
            grant.expires_at = expires_at
        if metadata is not None:
            grant.metadata = metadata
        after = grant.render()
        changed = {k: before[k] for k in after if before[k] != after[k]}
        if changed:
            grant.updated = now
            after = grant.render()
            changed["updated"] = before["updated"]
            self._schedule_expiry(grant)
            self._emit("billing.credit_grant.updated", after, now, cause, previous=changed)
        return grant

    def expire(self, grant: CreditGrant, *, now: int, cause: RequestCause | None = None) -> CreditGrant:
        if grant.closed:
            raise StripeError(
                f"The credit grant '{grant.id}' cannot be expired because it is already "
                f"{'voided' if grant.voided_at is not None else 'expired'}.",
                param="id",
            )
        before = grant.render()
        grant.expires_at = now
        self._close(grant, "credits_expired", now=now, cause=cause)
        grant.updated = now
        self._emit(
            "billing.credit_grant.updated",
            grant.render(),
            now,
            cause,
            previous={"expires_at": before["expires_at"], "updated": before["updated"]},
        )
        return grant

    def void(self, grant: CreditGrant, *, now: int, cause: RequestCause | None = None) -> CreditGrant:
        if grant.voided_at is not None:
            raise StripeError(f"The credit grant '{grant.id}' is already voided.", param="id")
        if grant.applied:
            raise StripeError(
                f"The credit grant '{grant.id}' cannot be voided because some of its credit has been "
                "applied to an invoice. Expire it instead.",
                param="id",
            )
        if grant.expired:
            raise StripeError(
                f"The credit grant '{grant.id}' cannot be voided because it has expired.", param="id"
            )
        before = grant.render()
        grant.voided_at = now
        self._close(grant, "credits_voided", now=now, cause=cause)
        for invoice in list(self.held.get(grant.id, {})):
            self._drop_hold_of(invoice, grant.id)
        grant.updated = now
        self._emit(
            "billing.credit_grant.updated",
            grant.render(),
            now,
            cause,
            previous={"voided_at": before["voided_at"], "updated": before["updated"]},
        )
        return grant

    def _close(self, grant: CreditGrant, kind: str, *, now: int, cause: RequestCause | None) -> None:
        """Post the debit that takes a grant's remaining credit away (expiry or voiding)."""
        amount = grant.remaining
        grant.remaining = 0
        if kind == "credits_expired":
            grant.expired = True
        self.index(grant.customer).unused.discard(grant.id)
        self._post(grant, "debit", kind, amount, now=now, effective_at=now, cause=cause)

    # -- expiry (time-driven) ------------------------------------------------------------------------

    def _schedule_expiry(self, grant: CreditGrant) -> None:
        if grant.expires_at is not None and not grant.closed:
            self.account.scheduler.at(
                grant.expires_at, EXPIRE_JOB, self.account, grant.id, clock=grant.test_clock
            )

    def expire_due(self, grant_id: str, due: int) -> None:
        """The expiry job: post the expiry of a grant whose ``expires_at`` is ``due``, at that time.

        A job whose grant was voided, expired by hand or given another ``expires_at`` since does
        nothing (moving the expiry schedules a new job).
        """
        grant = self.grants.get(grant_id)
        if grant is None or grant.closed or grant.expires_at != due:
            return
        previous_updated = grant.updated
        self._close(grant, "credits_expired", now=due, cause=None)
        grant.updated = due
        self._emit(
            "billing.credit_grant.updated", grant.render(), due, None, previous={"updated": previous_updated}
        )

    # -- the ledger invoices draw on -------------------------------------------------------------------

    def allocate(
        self,
        customer: str,
        lines: Sequence[CreditableLine],
        *,
        now: int,
        final: bool,
        invoice: str | None = None,
        currency: str | None = None,
        period_end: int | None = None,
        cause: RequestCause | None = None,
    ) -> list[AppliedCredit]:
        """Apply the customer's credit to ``lines`` of an invoice (Stripe's order, see :mod:`.ledger`).

        ``final=False`` (drafts, previews): a provisional allocation from what other drafts do not
        hold; a stored draft (``invoice`` given) holds it until it finalizes or is dropped.
        ``final=True`` (finalization): consumes from the ledger, ignoring other drafts' holds (the
        invoice that finalizes first consumes first), posts one ``credits_applied`` debit per
        allocation and releases this invoice's hold.
        """
        grants = [g for g in self.customer_grants(customer) if not g.closed]
        when = period_end if period_end is not None else now
        if currency is None and grants:
            currency = grants[0].currency
        if not grants or currency is None:
            if invoice is not None:
                self.release(invoice)
            return []
        if final:
            balances = {g.id: g.ledger_balance(now) for g in grants}
        else:
            balances = {
                g.id: ledger.spendable(g.ledger_balance(now), self.held_amount(g.id, excluding=invoice))
                for g in grants
            }
        allocations = ledger.allocate(
            [g.terms for g in grants], balances, lines, currency=currency, period_end=when
        )
        if invoice is not None:
            self.release(invoice)
        if not final:
            # only a stored invoice (``in_...``) holds credit; a preview (``upcoming_in...``) computes
            if invoice is not None and invoice.startswith("in_") and allocations:
                self.holds[invoice] = allocations
                for a in allocations:
                    per_grant = self.held.setdefault(a.grant, {})
                    per_grant[invoice] = per_grant.get(invoice, 0) + a.amount
            return [AppliedCredit(a.line_id, a.grant, a.amount, None) for a in allocations]
        applied: list[AppliedCredit] = []
        for a in allocations:
            grant = self.grants.require(a.grant)
            grant.remaining -= a.amount
            grant.applied = True
            if grant.remaining <= 0:
                self.index(grant.customer).unused.discard(grant.id)
            txn = self._post(
                grant,
                "debit",
                "credits_applied",
                a.amount,
                now=now,
                effective_at=now,
                cause=cause,
                invoice=invoice,
                line=a.line_id,
            )
            if invoice is not None:
                self.applied.setdefault(invoice, []).append(txn.id)
            applied.append(AppliedCredit(a.line_id, a.grant, a.amount, txn.id))
        return applied

    def release(self, invoice: str) -> None:
        """Drop a draft's provisional hold (it finalized, was deleted or recomputed)."""
        for a in self.holds.pop(invoice, []):
            per_grant = self.held.get(a.grant)
            if per_grant is not None:
                per_grant.pop(invoice, None)
                if not per_grant:
                    del self.held[a.grant]

    def _drop_hold_of(self, invoice: str, grant_id: str) -> None:
        remaining = [a for a in self.holds.get(invoice, []) if a.grant != grant_id]
        self.release(invoice)
        if remaining:
            self.holds[invoice] = remaining
            for a in remaining:
                per_grant = self.held.setdefault(a.grant, {})
                per_grant[invoice] = per_grant.get(invoice, 0) + a.amount

    def restore(
        self, invoice: str, *, now: int, cause: RequestCause | None = None
    ) -> list[CreditBalanceTransaction]:
        """An invoice was voided: give back the credit it consumed (expired grants re-expire at once)."""
        self.release(invoice)
        restored: list[CreditBalanceTransaction] = []
        for txn_id in self.applied.pop(invoice, []):
            applied = self.transactions.require(txn_id)
            grant = self.grants.require(applied.grant)
            grant.remaining += applied.amount
            restored.append(
                self._post(
                    grant,
                    "credit",
                    "credits_application_invoice_voided",
                    applied.amount,
                    now=now,
                    effective_at=now,
                    cause=cause,
                    invoice=invoice,
                    line=applied.invoice_line_item,
                )
            )
            if grant.voided_at is not None:
                self._post(
                    grant, "debit", "credits_voided", applied.amount, now=now, effective_at=now, cause=cause
                )
                grant.remaining -= applied.amount
            elif grant.expired or (grant.expires_at is not None and grant.expires_at <= now):
                grant.expired = True
                self._post(
                    grant, "debit", "credits_expired", applied.amount, now=now, effective_at=now, cause=cause
                )
                grant.remaining -= applied.amount
            elif grant.remaining > 0:
                self.index(grant.customer).unused.add(grant.id)
        return restored

    # -- internals ------------------------------------------------------------------------------------

    def _refresh_unused(self, index: _CustomerIndex, now: int) -> None:
        for grant_id in list(index.unused):
            if not self.grants.require(grant_id).unused(now):
                index.unused.discard(grant_id)

    def _post(
        self,
        grant: CreditGrant,
        side: str,
        kind: str,
        amount: int,
        *,
        now: int,
        effective_at: int,
        cause: RequestCause | None,
        invoice: str | None = None,
        line: str | None = None,
    ) -> CreditBalanceTransaction:
        txn = CreditBalanceTransaction(
            id=new_id("cbtxn"),
            grant=grant.id,
            customer=grant.customer,
            side=side,
            kind=kind,
            amount=amount,
            currency=grant.currency,
            created=now,
            effective_at=effective_at,
            livemode=grant.livemode,
            test_clock=grant.test_clock,
            invoice=invoice,
            invoice_line_item=line,
        )
        self.transactions.add(txn.id, txn)
        self.index(grant.customer).transactions.append(txn.id)
        self.grant_transactions.setdefault(grant.id, []).append(txn.id)
        self._emit("billing.credit_balance_transaction.created", txn.render(), now, cause)
        return txn

    def _emit(
        self,
        event_type: str,
        obj: dict[str, Any],
        now: int,
        cause: RequestCause | None,
        *,
        previous: dict[str, Any] | None = None,
    ) -> None:
        emit_event(
            self.account,
            event_type,
            obj,
            now=now,
            cause=cause,
            previous_attributes=previous,
            fresh=True,
        )


class _Keep:
    """Marker: leave ``expires_at`` as it is."""


def check_expiry(expires_at: int | None, *, effective_at: int, now: int) -> None:
    """``expires_at`` must be after ``effective_at`` and in the future (**guess** on the wording)."""
    if expires_at is None:
        return
    if expires_at <= effective_at:
        raise StripeError("The expires_at must be after the effective_at.", param="expires_at")
    if expires_at <= now:
        raise StripeError("The expires_at must be in the future.", param="expires_at")


def run_expiry(account: AccountState, job: Job) -> None:
    """Scheduler handler of ``credit_grants.expire``."""
    store = account.find(CreditGrantStore)
    if store is not None:
        store.expire_due(job.ref, job.due)
