"""What credit grants need from other resources: prices in a scope, the customer's test clock."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ...state import AccountState


def check_scope_prices(account: AccountState, prices: Sequence[str], param: str) -> None:
    """Every price of a grant's scope exists and is metered and meter-backed.

    The catalog (prices) is another work stream's package; until it lands, any id is accepted.
    """
    return None


def is_metered_price(account: AccountState, price: str | None) -> bool:
    """Whether ``price`` is a metered price with a meter (the only kind credits pay for)."""
    return price is not None


def customer_test_clock(account: AccountState, customer: str) -> str | None:
    """The test clock the customer is on, if any (test clocks are another stream's work)."""
    return None
