"""How much a price charges for a quantity: pure functions over plain values (reference §8 step 5).

Every amount is a :class:`~decimal.Decimal` in minor units (cents) until :func:`line_amount` rounds
it once, at the end, to whole minor units (half-up). The models of Stripe's pricing:

- ``per_unit``: quantity * ``unit_amount_decimal``, after the optional ``transform_quantity``
  (quantity / ``divide_by``, rounded ``up`` or ``down`` to an integer: "package" pricing).
- ``tiered`` with ``tiers_mode=volume``: the whole quantity at the rates of the tier it falls in.
- ``tiered`` with ``tiers_mode=graduated``: each tier's share of the quantity at that tier's rates.
  Tier *k* covers (``up_to[k-1]``, ``up_to[k]``]; the first starts above 0; the last is unbounded.
  A quantity of 0 is billed the first tier's flat amount in both modes (Stripe's documented rule).

Negative quantities price as 0 (Stripe bills a negative period total as quantity 0).

:class:`PricingTerms` is the plain description; a stored :class:`~.models.Price` has the same
attributes, so either can be passed.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any, Protocol

__all__ = [
    "PricingTerms",
    "Tier",
    "amount",
    "graduated_amount",
    "line_amount",
    "per_unit_amount",
    "round_minor",
    "transform",
    "volume_amount",
]

ZERO = Decimal(0)
# Enough digits for 18-digit quantities times 12-decimal-place rates without inexact results.
_CONTEXT = decimal.Context(prec=80, rounding=ROUND_HALF_UP)


@dataclass
class Tier:
    """One pricing tier: units up to and including ``up_to`` (``None`` = infinity)."""

    up_to: int | None
    unit_amount_decimal: Decimal | None = None
    flat_amount_decimal: Decimal | None = None


class TierLike(Protocol):
    @property
    def up_to(self) -> int | None: ...
    @property
    def unit_amount_decimal(self) -> Decimal | None: ...
    @property
    def flat_amount_decimal(self) -> Decimal | None: ...


class Terms(Protocol):
    """What pricing reads from a price (a :class:`PricingTerms` or a stored ``Price``)."""

    @property
    def billing_scheme(self) -> str: ...
    @property
    def unit_amount_decimal(self) -> Decimal | None: ...
    @property
    def tiers_mode(self) -> str | None: ...
    @property
    def tiers(self) -> Sequence[TierLike]: ...
    @property
    def transform_quantity(self) -> Mapping[str, Any] | None: ...


@dataclass
class PricingTerms:
    """The pricing-relevant part of a price, as plain data."""

    billing_scheme: str = "per_unit"
    unit_amount_decimal: Decimal | None = None
    tiers_mode: str | None = None
    tiers: list[Tier] = field(default_factory=list)
    transform_quantity: dict[str, Any] | None = None  # {"divide_by": int, "round": "up" | "down"}


def _dec(value: int | Decimal) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(value)


def transform(quantity: int | Decimal, divide_by: int, round_: str) -> Decimal:
    """``quantity / divide_by`` rounded ``up`` (ceiling) or ``down`` (floor) to an integer."""
    if divide_by < 1:
        raise ValueError("divide_by must be at least 1")
    ratio = _CONTEXT.divide(_dec(quantity), Decimal(divide_by))
    return ratio.to_integral_value(rounding=ROUND_CEILING if round_ == "up" else ROUND_FLOOR)


def per_unit_amount(quantity: int | Decimal, unit_amount: Decimal) -> Decimal:
    """``quantity * unit_amount``, exact."""
    return _CONTEXT.multiply(_dec(quantity), unit_amount)


def _rates(tier: TierLike) -> tuple[Decimal, Decimal]:
    return (tier.unit_amount_decimal or ZERO, tier.flat_amount_decimal or ZERO)


def volume_amount(quantity: int | Decimal, tiers: Sequence[TierLike]) -> Decimal:
    """The whole quantity at the unit rate of the tier it falls in, plus that tier's flat amount."""
    q = _dec(quantity)
    for tier in tiers:
        if tier.up_to is None or q <= tier.up_to:
            unit, flat = _rates(tier)
            return _CONTEXT.add(_CONTEXT.multiply(q, unit), flat)
    raise ValueError("the last tier must be unbounded (up_to=inf)")


def graduated_amount(quantity: int | Decimal, tiers: Sequence[TierLike]) -> Decimal:
    """Each tier's part of the quantity at its unit rate, plus the flat amount of every tier reached.

    The first tier is always reached (a quantity of 0 pays its flat amount). A decimal quantity
    splits at the bounds (5.5 with ``up_to=5``: 5 units in the first tier, 0.5 in the second).
    """
    q = _dec(quantity)
    total = ZERO
    lower = ZERO
    for index, tier in enumerate(tiers):
        if index > 0 and q <= lower:
            break
        upper = q if tier.up_to is None else min(q, Decimal(tier.up_to))
        unit, flat = _rates(tier)
        units = max(ZERO, _CONTEXT.subtract(upper, lower))
        total = _CONTEXT.add(total, _CONTEXT.add(_CONTEXT.multiply(units, unit), flat))
        if tier.up_to is None:
            return total
        lower = Decimal(tier.up_to)
    if q > lower:
        raise ValueError("the last tier must be unbounded (up_to=inf)")
    return total


def amount(price: Terms, quantity: int | Decimal) -> Decimal:
    """What ``price`` charges for ``quantity``, exact, in minor units (not rounded)."""
    q = _dec(quantity)
    if q < 0:
        q = ZERO
    if price.billing_scheme == "tiered":
        if price.tiers_mode == "volume":
            return volume_amount(q, price.tiers)
        return graduated_amount(q, price.tiers)
    transform_quantity = price.transform_quantity
    if transform_quantity is not None:
        q = transform(q, int(transform_quantity["divide_by"]), str(transform_quantity["round"]))
    return per_unit_amount(q, price.unit_amount_decimal or ZERO)


def round_minor(value: Decimal) -> int:
    """Round an amount to whole minor units, exact halves away from zero (Stripe: "nearest cent")."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP, context=_CONTEXT))


def line_amount(price: Terms, quantity: int | Decimal) -> int:
    """What ``price`` charges for ``quantity``, in integer minor units (rounded once, at the end)."""
    return round_minor(amount(price, quantity))
