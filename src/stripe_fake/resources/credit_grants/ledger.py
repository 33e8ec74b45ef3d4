"""Billing-credit application rules, as pure functions over plain values.

Stripe applies billing credits to an invoice (reference §11, [DOC credits]):

1. only to lines of subscription items whose price is metered and meter-backed, and only when the
   line's price is inside the grant's scope (all metered prices, or a list of prices);
2. a grant is eligible when the currencies match and the invoice's ``period_end`` is at or after the
   grant's ``effective_at`` and before its ``expires_at`` (when set);
3. lines consume in displayed order; for each line, competing grants are taken by ``priority`` (lower
   first), then earliest ``expires_at`` (never-expiring last), ``promotional`` before ``paid``, earlier
   ``effective_at``, earlier ``created`` (then creation sequence, to be total);
4. a line never gets more credit than its amount after discounts, and a grant never gives more than
   its balance.

Nothing here reads a clock or a store: the store (:mod:`.models`) passes balances in and posts the
result as ledger transactions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

#: ``expires_at`` sort value of a grant that never expires (after every real timestamp).
NEVER = 2**63


@dataclass(frozen=True)
class GrantTerms:
    """What the rules need to know about one grant."""

    id: str
    currency: str
    category: str  # "paid" | "promotional"
    priority: int
    effective_at: int
    expires_at: int | None
    created: int
    seq: int
    prices: frozenset[str] | None  # None: every metered, meter-backed price


@dataclass(frozen=True)
class CreditableLine:
    """An invoice line that could take credit: its price and amount after discounts (minor units).

    ``metered`` says the line comes from a subscription item with a metered, meter-backed price;
    other lines never take credit.
    """

    line_id: str
    price: str | None
    amount_after_discounts: int
    metered: bool = True


@dataclass(frozen=True)
class Allocation:
    """``amount`` of ``grant`` applied to the line ``line_id``."""

    line_id: str
    grant: str
    amount: int


def order_key(grant: GrantTerms) -> tuple[int, int, int, int, int, int]:
    """The order in which competing grants are consumed (smallest first)."""
    return (
        grant.priority,
        grant.expires_at if grant.expires_at is not None else NEVER,
        0 if grant.category == "promotional" else 1,
        grant.effective_at,
        grant.created,
        grant.seq,
    )


def is_eligible(grant: GrantTerms, *, currency: str, period_end: int) -> bool:
    """Whether ``grant`` may pay for an invoice in ``currency`` whose period ends at ``period_end``."""
    if grant.currency != currency:
        return False
    if period_end < grant.effective_at:
        return False
    return grant.expires_at is None or period_end < grant.expires_at


def in_scope(grant: GrantTerms, line: CreditableLine) -> bool:
    """Whether ``line`` may take credit from ``grant``."""
    if not line.metered or line.amount_after_discounts <= 0:
        return False
    return grant.prices is None or (line.price is not None and line.price in grant.prices)


def allocate(
    grants: Iterable[GrantTerms],
    balances: Mapping[str, int],
    lines: Sequence[CreditableLine],
    *,
    currency: str,
    period_end: int,
) -> list[Allocation]:
    """Apply credit from ``grants`` (with the spendable ``balances`` by grant id) to ``lines``.

    Returns allocations in line order, then grant order; amounts are positive. ``balances`` is not
    changed.
    """
    ordered = sorted(
        (
            g
            for g in grants
            if balances.get(g.id, 0) > 0 and is_eligible(g, currency=currency, period_end=period_end)
        ),
        key=order_key,
    )
    if not ordered:
        return []
    left = {g.id: balances[g.id] for g in ordered}
    result: list[Allocation] = []
    for line in lines:
        need = line.amount_after_discounts
        for grant in ordered:
            if need <= 0:
                break
            available = left[grant.id]
            if available <= 0 or not in_scope(grant, line):
                continue
            take = min(available, need)
            left[grant.id] = available - take
            need -= take
            result.append(Allocation(line.line_id, grant.id, take))
    return result


def credited_per_line(allocations: Iterable[Allocation]) -> dict[str, int]:
    """Total credit applied to each line id."""
    totals: dict[str, int] = {}
    for allocation in allocations:
        totals[allocation.line_id] = totals.get(allocation.line_id, 0) + allocation.amount
    return totals


def spendable(ledger_balance: int, held_elsewhere: int) -> int:
    """What a provisional allocation may use: the ledger balance less other drafts' holds, never < 0."""
    return max(0, ledger_balance - held_elsewhere)
