"""The pure invoice arithmetic (``resources/invoices/builder.py``), property-tested."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from stripe_fake.resources.invoices.builder import (
    LineInput,
    build_lines,
    metered_quantity,
    minimum_charge,
    split_quantity,
    totals,
)

amounts = st.lists(st.integers(min_value=-10_000, max_value=10**9), max_size=20)
balances = st.integers(min_value=-(10**9), max_value=10**9)
decimals = st.decimals(min_value=-(10**9), max_value=10**9, places=6, allow_nan=False, allow_infinity=False)


def _per_unit(price: str, quantity: Decimal) -> int:
    """A stand-in pricing: the price id's digits are the unit amount."""
    return int(Decimal(price.removeprefix("price_")) * quantity)


@given(decimals)
def test_metered_quantity_is_never_negative_and_keeps_positive_totals(total: Decimal) -> None:
    quantity = metered_quantity(total)
    assert quantity >= 0
    assert quantity == (total if total > 0 else 0)


def test_metered_quantity_of_floats_is_exact_decimal() -> None:
    assert metered_quantity(2.5) == Decimal("2.5")
    assert metered_quantity(-3) == 0


@given(st.decimals(min_value=0, max_value=10**12, places=12, allow_nan=False, allow_infinity=False))
def test_split_quantity_truncates_and_keeps_the_exact_value(quantity: Decimal) -> None:
    whole, exact = split_quantity(quantity)
    assert whole <= quantity < whole + 1
    assert Decimal(exact) == quantity
    assert "E" not in exact


@given(st.lists(st.tuples(st.integers(1, 500), st.integers(-100, 10_000)), max_size=10))
def test_build_lines_prices_every_line_in_order(specs: list[tuple[int, int]]) -> None:
    inputs = [
        LineInput(key=f"k{i}", price=f"price_{unit}", usage=usage) for i, (unit, usage) in enumerate(specs)
    ]
    lines = build_lines(inputs, _per_unit)
    assert [line.key for line in lines] == [f"k{i}" for i in range(len(specs))]
    for (unit, usage), line in zip(specs, lines, strict=True):
        assert line.quantity == max(usage, 0)
        assert line.amount == unit * max(usage, 0)


def test_fixed_amount_lines_ignore_pricing() -> None:
    (line,) = build_lines([LineInput(key="ii", amount=-250, quantity=Decimal(2))], _per_unit)
    assert (line.amount, line.quantity) == (-250, 2)


@given(
    amounts,
    balances,
    st.integers(min_value=0, max_value=10**9),
    st.sampled_from(["usd", "gbp", "jpy", "xyz"]),
)
def test_totals_conserve_money(line_amounts: list[int], balance: int, credits: int, currency: str) -> None:
    result = totals(line_amounts, currency=currency, credits=credits, balance=balance)
    assert result.subtotal == sum(line_amounts)
    assert 0 <= result.credits <= max(result.subtotal, 0)
    assert result.total == result.subtotal - result.credits
    assert result.amount_due >= 0
    assert result.starting_balance == balance
    # what the customer owes overall is unchanged by how the invoice splits it
    carried = result.amount_due if result.below_minimum else 0
    paid_now = result.amount_due - carried
    assert balance + result.total == paid_now + result.ending_balance
    assert result.below_minimum == (0 < result.amount_due < minimum_charge(currency))


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=10**9))
def test_customer_credit_pays_as_much_as_it_can(total: int, credit: int) -> None:
    result = totals([total], currency="usd", balance=-credit)
    assert result.amount_due == max(total - credit, 0)
    assert result.ending_balance == -max(credit - total, 0) + (
        result.amount_due if result.below_minimum else 0
    )


def test_a_debt_on_the_balance_is_added_to_what_is_due() -> None:
    result = totals([1000], currency="usd", balance=300)
    assert (result.amount_due, result.ending_balance) == (1300, 0)


def test_a_negative_total_is_credited_to_the_balance() -> None:
    result = totals([500, -800], currency="usd", balance=-100)
    assert (result.total, result.amount_due, result.ending_balance) == (-300, 0, -400)


def test_below_the_minimum_charge_moves_to_the_balance() -> None:
    result = totals([49], currency="usd")
    assert result.below_minimum and result.amount_due == 49 and result.ending_balance == 49
    assert not totals([50], currency="usd").below_minimum
    assert totals([29], currency="gbp").below_minimum and not totals([30], currency="gbp").below_minimum
