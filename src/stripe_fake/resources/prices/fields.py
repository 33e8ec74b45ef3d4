"""Parameter fields the catalog needs beyond ``http/schema.py``: decimal strings, numbers, tier bounds."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from ...http.errors import StripeError
from ...http.schema import Field, is_int_string


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 100 else text[:100] + "..."


def parse_decimal(value: Any) -> Decimal | None:
    """A finite decimal from a form string (or a JSON number), else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if not isinstance(value, str) or not value.strip() or value.strip() != value:
        return None
    if any(ch not in "0123456789.+-eE" for ch in value):
        return None  # no "NaN", "Infinity", "_" separators
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


class DecimalStr(Field):
    """A decimal string (``"0.05"``): at most ``places`` decimal places, ``minimum`` or more."""

    def __init__(self, *, places: int = 12, minimum: Decimal | None = Decimal(0), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.places = places
        self.minimum = minimum

    def convert(self, value: Any, name: str) -> Decimal:
        number = parse_decimal(value)
        if number is None or abs(number.adjusted()) > 30:
            raise StripeError(f"Invalid decimal: {_short(value)}", param=name)
        exponent = number.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > self.places:
            raise StripeError(f"Invalid {name}: must have at most {self.places} decimal places.", param=name)
        if self.minimum is not None and number < self.minimum:
            raise StripeError(f"This value must be greater than or equal to {self.minimum}.", param=name)
        return number


class Number(Field):
    """A non-negative number with at most ``places`` decimal places (package dimensions)."""

    def __init__(self, *, places: int = 2, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.places = places

    def convert(self, value: Any, name: str) -> float:
        number = parse_decimal(value)
        if number is None or abs(number.adjusted()) > 15:
            raise StripeError(f"Invalid float: {_short(value)}", param=name, code="parameter_invalid_float")
        exponent = number.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > self.places:
            raise StripeError(f"Invalid {name}: must have at most {self.places} decimal places.", param=name)
        if number < 0:
            raise StripeError("This value must be greater than or equal to 0.", param=name)
        return float(number)


class UpTo(Field):
    """A tier bound: a positive integer or ``"inf"`` (returned as ``None``)."""

    def convert(self, value: Any, name: str) -> int | None:
        if value == "inf":
            return None
        if isinstance(value, bool) or not (
            isinstance(value, int) or (isinstance(value, str) and is_int_string(value))
        ):
            raise StripeError(
                f"Invalid integer: {_short(value)}", param=name, code="parameter_invalid_integer"
            )
        number = int(value)
        if number < 1:
            raise StripeError("This value must be greater than or equal to 1.", param=name)
        return number


def decimal_string(value: Decimal | None) -> str | None:
    """How Stripe writes a decimal on the wire: ``"2000"``, ``"0.05"`` (no exponent, no trailing zeros)."""
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def integral(value: Decimal | None) -> int | None:
    """The integer a decimal amount equals, or ``None`` (``unit_amount`` beside ``unit_amount_decimal``)."""
    if value is None or value != value.to_integral_value():
        return None
    return int(value)


class ObjMap(Field):
    """An object whose keys are free (e.g. currency codes) and whose values all follow ``item``."""

    def __init__(self, item: Field, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.item = item

    def convert(self, value: Any, name: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise StripeError(
                f"Invalid object: {name} must be an object", param=name, code="parameter_invalid_object"
            )
        return {str(key): self.item.parse(item, f"{name}[{key}]") for key, item in value.items()}
