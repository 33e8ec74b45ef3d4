"""Invoice arithmetic as pure functions: lines from charges and usage, then totals (reference §7.5, §8).

Nothing here stores or reads state. A renewal, a finalization (metered lines recomputed with late
usage) and a preview (the window [period start, now), stored nowhere) all call the same functions:

- :func:`metered_quantity`: a meter's aggregate over a window becomes a billable quantity (a
  negative total bills as 0).
- :func:`build_lines`: one :class:`LineAmount` per :class:`LineInput`, priced by the caller's
  ``price_amount(price_id, quantity)`` (catalog's ``pricing.line_amount`` in the store) or taken as
  a fixed amount (invoice items created with ``amount``).
- :func:`totals`: subtotal, credits, the customer balance and Stripe's minimum charge.

Money is integer minor units; quantities are :class:`~decimal.Decimal`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

ZERO = Decimal(0)

# Stripe's minimum charge amounts, in minor units (docs.stripe.com/currencies#minimum-and-maximum-
# charge-amounts; not in this project's reference: recorded as a guess). Other currencies: 50.
MINIMUM_CHARGE: Mapping[str, int] = {
    "usd": 50,
    "aed": 200,
    "aud": 50,
    "brl": 50,
    "cad": 50,
    "chf": 50,
    "czk": 1500,
    "dkk": 250,
    "eur": 50,
    "gbp": 30,
    "hkd": 400,
    "huf": 17500,
    "inr": 50,
    "jpy": 50,
    "mxn": 1000,
    "myr": 200,
    "nok": 300,
    "nzd": 50,
    "pln": 200,
    "ron": 200,
    "sek": 300,
    "sgd": 50,
    "thb": 1000,
}


def minimum_charge(currency: str) -> int:
    """The smallest amount Stripe charges in ``currency`` (minor units)."""
    return MINIMUM_CHARGE.get(currency.lower(), 50)


def metered_quantity(total: int | float | Decimal) -> Decimal:
    """The billable quantity of a meter's aggregate: exact, never negative."""
    quantity = total if isinstance(total, Decimal) else Decimal(str(total))
    return quantity if quantity > 0 else ZERO


def split_quantity(quantity: Decimal) -> tuple[int, str]:
    """``(quantity, quantity_decimal)`` as a line renders them: the integer part and the exact string."""
    whole = int(quantity.to_integral_value(rounding=ROUND_DOWN))
    exact = quantity.normalize() if quantity != quantity.to_integral_value() else Decimal(whole)
    return whole, format(exact, "f")


def decimal_string(value: Decimal) -> str:
    """A decimal as Stripe writes ``*_decimal`` fields: no exponent, no trailing zeros ("0.05", "2000")."""
    normalized = value.normalize()
    if normalized == normalized.to_integral_value():
        return str(int(normalized))
    return format(normalized, "f")


@dataclass(frozen=True)
class LineInput:
    """What a line bills, before pricing.

    Exactly one of: ``usage`` (a metered item: the meter's aggregate over the window), ``quantity``
    with a ``price`` (licensed items, priced invoice items), or ``amount`` (an invoice item with a fixed
    amount; ``quantity`` then only describes it).
    """

    key: str
    price: str | None = None
    quantity: Decimal | None = None
    usage: int | float | Decimal | None = None
    amount: int | None = None


@dataclass(frozen=True)
class LineAmount:
    """A priced line: the quantity billed and its amount in minor units."""

    key: str
    quantity: Decimal
    amount: int


PriceAmount = Callable[[str, Decimal], int]


def price_line(line: LineInput, price_amount: PriceAmount) -> LineAmount:
    """Price one line (see :class:`LineInput` for the three kinds)."""
    if line.amount is not None:
        return LineAmount(line.key, line.quantity if line.quantity is not None else Decimal(1), line.amount)
    if line.price is None:
        raise ValueError(f"line {line.key!r} has neither an amount nor a price")
    if line.usage is not None:
        quantity = metered_quantity(line.usage)
    else:
        quantity = line.quantity if line.quantity is not None else Decimal(1)
    return LineAmount(line.key, quantity, price_amount(line.price, quantity))


def build_lines(lines: Sequence[LineInput], price_amount: PriceAmount) -> list[LineAmount]:
    """Every line priced, in the given order."""
    return [price_line(line, price_amount) for line in lines]


@dataclass(frozen=True)
class Totals:
    """An invoice's money fields (no discounts, taxes or shipping in this fake)."""

    subtotal: int
    credits: int  # pretax billing credits applied
    total: int
    starting_balance: int  # the customer balance before (negative = credit the customer holds)
    ending_balance: int  # the customer balance after this invoice
    amount_due: int
    below_minimum: bool  # 0 < amount_due < the currency's minimum: paid, carried to the balance


def totals(amounts: Sequence[int], *, currency: str, credits: int = 0, balance: int = 0) -> Totals:
    """Totals from line amounts, applied billing credits and the customer's balance.

    ``total`` = ``subtotal`` - credits. A positive balance (the customer owes) is added to what is
    due; a negative one (credit) pays as much of the total as it can. A negative total is credited to
    the balance and nothing is due. When what is due is positive but below the currency's minimum
    charge, the invoice is paid without a charge and the amount moves to the balance (Stripe's rule).
    """
    subtotal = sum(amounts)
    credits = max(0, min(credits, subtotal))
    total = subtotal - credits
    if total < 0:
        due, ending = 0, balance + total
    elif balance > 0:
        due, ending = total + balance, 0
    else:
        used = min(-balance, total)
        due, ending = total - used, balance + used
    below = 0 < due < minimum_charge(currency)
    if below:
        ending += due
    return Totals(subtotal, credits, total, balance, ending, due, below)
