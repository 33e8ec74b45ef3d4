"""The pure pricing module: Stripe's worked examples (reference §8.1) and properties of every model."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stripe_fake.resources.prices.pricing import (
    PricingTerms,
    Tier,
    amount,
    graduated_amount,
    line_amount,
    round_minor,
    transform,
    volume_amount,
)


def tiers(*rows: tuple[int | None, int, int]) -> list[Tier]:
    """Tiers from (up_to, unit, flat) rows, amounts in cents."""
    return [Tier(up_to, Decimal(unit), Decimal(flat)) for up_to, unit, flat in rows]


def tiered(mode: str, levels: list[Tier]) -> PricingTerms:
    return PricingTerms(billing_scheme="tiered", tiers_mode=mode, tiers=levels)


def per_unit(unit: str, divide_by: int | None = None, round_: str = "up") -> PricingTerms:
    transform_quantity = {"divide_by": divide_by, "round": round_} if divide_by else None
    return PricingTerms(unit_amount_decimal=Decimal(unit), transform_quantity=transform_quantity)


# Stripe's pricing-models page: 1-5 at 7.00, 6-10 at 6.50, 11+ at 6.00 (USD).
SIMPLE = tiers((5, 700, 0), (10, 650, 0), (None, 600, 0))
# Flat-fee tiers: 1-5 unit 5 + flat 10; 6-10 unit 4 + flat 20; 11+ unit 3 + flat 30 (USD).
FLAT = tiers((5, 500, 1000), (10, 400, 2000), (None, 300, 3000))


@pytest.mark.parametrize(
    ("mode", "levels", "quantity", "expected"),
    [
        ("volume", SIMPLE, 5, 3500),
        ("graduated", SIMPLE, 5, 3500),
        ("volume", SIMPLE, 6, 3900),
        ("graduated", SIMPLE, 6, 4150),
        ("volume", FLAT, 12, 6600),
        ("graduated", FLAT, 12, 11100),
        ("volume", FLAT, 0, 1000),
        ("graduated", FLAT, 0, 1000),
    ],
)
def test_tiered_worked_examples(mode: str, levels: list[Tier], quantity: int, expected: int) -> None:
    assert line_amount(tiered(mode, levels), quantity) == expected


@pytest.mark.parametrize(
    ("terms", "quantity", "expected"),
    [
        (per_unit("1000", 60, "up"), 150, 3000),  # 150 minutes, billed per started hour
        (per_unit("1000", 60, "down"), 150, 2000),
        (per_unit("4", 100, "up"), 25, 4),  # 4 cents per 100 tokens
        (per_unit("4", 100, "up"), 3000, 120),
        (per_unit("0.05"), 1234, 62),  # 0.05 cent per MB: 61.7 -> 62
        (per_unit("0.05"), 0, 0),
        (per_unit("2000"), 3, 6000),
    ],
)
def test_per_unit_worked_examples(terms: PricingTerms, quantity: int, expected: int) -> None:
    assert line_amount(terms, quantity) == expected


def test_negative_quantity_prices_as_zero() -> None:
    assert line_amount(per_unit("10"), -5) == 0
    assert line_amount(tiered("graduated", FLAT), -5) == 1000


def test_decimal_quantity_splits_at_tier_bounds() -> None:
    levels = tiers((5, 100, 0), (None, 10, 0))
    assert amount(tiered("graduated", levels), Decimal("5.5")) == Decimal("505.0")
    assert amount(tiered("volume", levels), Decimal("5.5")) == Decimal("55.0")


def test_half_cents_round_up() -> None:
    assert round_minor(Decimal("0.5")) == 1
    assert round_minor(Decimal("2.5")) == 3
    assert round_minor(Decimal("2.4999")) == 2
    assert line_amount(per_unit("0.5"), 5) == 3  # 2.5 cents


def test_exact_with_large_quantities_and_twelve_places() -> None:
    terms = per_unit("0.000000000001")
    assert amount(terms, 10**18) == Decimal(10**6)


# -- properties ----------------------------------------------------------------------------------

quantities = st.one_of(
    st.integers(min_value=0, max_value=10**9),
    st.decimals(min_value=0, max_value=10**6, places=4, allow_nan=False, allow_infinity=False),
)
rates = st.decimals(min_value=0, max_value=10**5, places=3, allow_nan=False, allow_infinity=False)


@st.composite
def tier_lists(draw: st.DrawFn, order: str | None = None) -> list[Tier]:
    """Random tiers; ``order`` ("falling"/"rising") sorts the unit rates and drops flat fees."""
    bounds = sorted(draw(st.sets(st.integers(min_value=1, max_value=10**6), min_size=0, max_size=5)))
    units = [draw(rates) for _ in range(len(bounds) + 1)]
    flats = [draw(rates).to_integral_value() for _ in range(len(bounds) + 1)]
    if order is not None:
        units.sort(reverse=order == "falling")
        flats = [Decimal(0)] * len(flats)
    ups: list[int | None] = [*bounds, None]
    return [Tier(up, unit, flat) for up, unit, flat in zip(ups, units, flats, strict=True)]


@given(tier_lists("falling"), quantities)
def test_graduated_never_below_volume_when_rates_fall(levels: list[Tier], quantity: Decimal) -> None:
    # Falling rates: volume bills every unit at the last (lowest) rate reached, graduated only the
    # units above that bound (Stripe's example: 6 units cost 39.00 volume, 41.50 graduated).
    assert graduated_amount(quantity, levels) >= volume_amount(quantity, levels)


@given(tier_lists("rising"), quantities)
def test_graduated_never_above_volume_when_rates_rise(levels: list[Tier], quantity: Decimal) -> None:
    assert graduated_amount(quantity, levels) <= volume_amount(quantity, levels)


@given(tier_lists("falling"), quantities)
def test_volume_never_above_every_unit_at_the_first_rate(levels: list[Tier], quantity: Decimal) -> None:
    first = levels[0].unit_amount_decimal or Decimal(0)
    assert volume_amount(quantity, levels) <= Decimal(quantity) * first


@given(tier_lists(), quantities, quantities)
def test_graduated_is_monotone_in_quantity(levels: list[Tier], a: Decimal, b: Decimal) -> None:
    low, high = sorted([Decimal(a), Decimal(b)])
    assert graduated_amount(low, levels) <= graduated_amount(high, levels)
    assert line_amount(tiered("graduated", levels), low) <= line_amount(tiered("graduated", levels), high)


@given(
    rates, st.integers(min_value=1, max_value=1000), st.sampled_from(["up", "down"]), quantities, quantities
)
def test_per_unit_is_monotone_in_quantity(
    unit: Decimal, divide_by: int, round_: str, a: Decimal, b: Decimal
) -> None:
    low, high = sorted([Decimal(a), Decimal(b)])
    terms = per_unit(str(unit), divide_by, round_)
    assert amount(terms, low) <= amount(terms, high)
    assert line_amount(terms, low) <= line_amount(terms, high)


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=1, max_value=10**6))
def test_transform_is_ceil_or_floor_division(quantity: int, divide_by: int) -> None:
    assert transform(quantity, divide_by, "down") == quantity // divide_by
    assert transform(quantity, divide_by, "up") == -(-quantity // divide_by)


@given(tier_lists(), st.integers(min_value=0, max_value=10**7))
def test_graduated_equals_the_sum_of_each_units_rate(levels: list[Tier], quantity: int) -> None:
    # Unit by unit: unit n is priced at the tier containing n; each tier reached adds its flat fee.
    small = min(quantity, 300)
    expected = Decimal(0)
    for n in range(1, small + 1):
        tier = next(t for t in levels if t.up_to is None or n <= t.up_to)
        expected += tier.unit_amount_decimal or 0
    reached = [t for i, t in enumerate(levels) if i == 0 or small > (levels[i - 1].up_to or 0)]
    expected += sum((t.flat_amount_decimal or Decimal(0) for t in reached), Decimal(0))
    assert graduated_amount(small, levels) == expected


@given(tier_lists(), quantities)
def test_volume_uses_one_tier(levels: list[Tier], quantity: Decimal) -> None:
    q = Decimal(quantity)
    tier = next(t for t in levels if t.up_to is None or q <= t.up_to)
    expected = q * (tier.unit_amount_decimal or 0) + (tier.flat_amount_decimal or 0)
    assert volume_amount(q, levels) == expected


def test_tiers_without_an_unbounded_last_tier_are_refused() -> None:
    with pytest.raises(ValueError):
        graduated_amount(20, tiers((5, 1, 0), (10, 1, 0)))
    with pytest.raises(ValueError):
        volume_amount(20, tiers((5, 1, 0)))
