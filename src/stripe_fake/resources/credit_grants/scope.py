"""What credit grants need from other resources: prices in a scope, the customer's test clock."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ...http.errors import StripeError
from ..prices.models import PriceStore

if TYPE_CHECKING:
    from ...state import AccountState


def is_metered_price(account: AccountState, price: str | None) -> bool:
    """Whether ``price`` is a metered price with a meter (the only kind credits pay for)."""
    if price is None:
        return False
    found = account.store(PriceStore).get(price)
    return (
        found is not None
        and found.recurring is not None
        and found.recurring.usage_type == "metered"
        and (found.recurring.meter is not None)
    )


def check_scope_prices(account: AccountState, prices: Sequence[str], param: str) -> None:
    """Every price of a grant's scope exists and is metered and meter-backed."""
    store = account.store(PriceStore)
    for index, price_id in enumerate(prices):
        here = f"{param}[{index}][id]"
        store.require(price_id, param=here)
        if not is_metered_price(account, price_id):
            raise StripeError(
                f"The price '{price_id}' is not a metered price with a billing meter. Billing credits "
                "only apply to metered prices backed by a meter.",
                param=here,
            )


def customer_test_clock(account: AccountState, customer: str) -> str | None:
    """The test clock the customer is on, if any."""
    from ..customers.models import CustomerStore

    found = account.store(CustomerStore).table.get(customer)
    if found is None:
        return None
    clock = getattr(found, "test_clock", None) or found.fields.get("test_clock")
    return clock if isinstance(clock, str) else None
