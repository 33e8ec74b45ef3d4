"""Declarative request-parameter schemas with Stripe's validation errors.

A schema is an :class:`Obj` of fields. ``validate(schema, params)`` returns the typed parameters
(only those that were sent) or raises the error Stripe gives for the first problem found:
``parameter_unknown``, ``parameter_missing``, ``parameter_invalid_integer``, invalid enum values,
strings that are too long, and so on. v1 values arrive as strings; v2 (JSON) values arrive typed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .errors import StripeError, parameter_missing, parameter_unknown
from .forms import ExplodedValue


class _Unset:
    """The value of a parameter sent as the empty string to clear it."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


def _invalid(message: str, name: str, code: str | None = None) -> StripeError:
    return StripeError(message, code=code, param=name)


def join_choices(values: Sequence[str]) -> str:
    """``a``, ``a or b``, ``a, b, or c`` as Stripe words enum errors."""
    items = list(values)
    if len(items) == 1:
        return items[0]
    if len(items) == 2:
        return f"{items[0]} or {items[1]}"
    return ", ".join(items[:-1]) + f", or {items[-1]}"


class Field:
    """Base class: ``required`` fields raise ``parameter_missing`` when absent."""

    def __init__(self, *, required: bool = False, unsettable: bool = False) -> None:
        self.required = required
        self.unsettable = unsettable

    def parse(self, value: Any, name: str) -> Any:
        if isinstance(value, str) and value == "":
            if self.unsettable:
                return UNSET
            raise _invalid(
                f"You passed an empty string for '{name}'. We assume empty values are an attempt to unset a "
                f"parameter; however '{name}' cannot be unset. You should remove '{name}' from your request "
                "or supply a non-empty value.",
                name,
                "parameter_invalid_empty",
            )
        return self.convert(value, name)

    def convert(self, value: Any, name: str) -> Any:
        raise NotImplementedError


class Str(Field):
    """A string, optionally bounded in length."""

    def __init__(self, *, max_length: int | None = 5000, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_length = max_length

    def convert(self, value: Any, name: str) -> str:
        if not isinstance(value, str):
            raise _invalid(f"Invalid string: {_short(value)}", name, "parameter_invalid_string")
        if self.max_length is not None and len(value) > self.max_length:
            raise _invalid(
                f"Invalid string: {value[:20]}...; must be at most {self.max_length} characters",
                name,
                "string_too_long",
            )
        return value


class Int(Field):
    """An integer (v1 sends decimal strings), optionally bounded."""

    def __init__(self, *, minimum: int | None = None, maximum: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.minimum = minimum
        self.maximum = maximum

    def convert(self, value: Any, name: str) -> int:
        number: int
        if isinstance(value, bool):
            raise _invalid(f"Invalid integer: {_short(value)}", name, "parameter_invalid_integer")
        if isinstance(value, int):
            number = value
        elif isinstance(value, str) and _is_int_string(value):
            number = int(value)
        else:
            raise _invalid(f"Invalid integer: {_short(value)}", name, "parameter_invalid_integer")
        if self.minimum is not None and number < self.minimum:
            raise _invalid(f"This value must be greater than or equal to {self.minimum}.", name)
        if self.maximum is not None and number > self.maximum:
            raise _invalid(f"This value must be less than or equal to {self.maximum}.", name)
        return number


def is_int_string(value: str) -> bool:
    """Whether ``value`` is what :class:`Int` accepts as a string: optional sign, up to 18 digits."""
    body = value[1:] if value[:1] in "+-" else value
    return body.isascii() and body.isdigit() and len(body) <= 18


_is_int_string = is_int_string


class Bool(Field):
    """``true``/``false`` (v1 strings) or a JSON boolean."""

    def convert(self, value: Any, name: str) -> bool:
        if isinstance(value, bool):
            return value
        # stripe < 12 sends Python's "True"/"False", which Stripe accepts.
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise _invalid(f"Invalid boolean: {_short(value)}", name, "parameter_invalid_boolean")


class Enum(Field):
    """One of a fixed set of strings."""

    def __init__(self, values: Sequence[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.values = tuple(values)

    def convert(self, value: Any, name: str) -> str:
        if not isinstance(value, str) or value not in self.values:
            raise _invalid(f"Invalid {name}: must be one of {join_choices(self.values)}", name)
        return value


class StrMap(Field):
    """An object of string values with free-form keys (e.g. a meter event ``payload``)."""

    def __init__(self, *, max_value_length: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_value_length = max_value_length

    def convert(self, value: Any, name: str) -> dict[str, str]:
        if isinstance(value, list):
            value = {str(i): v for i, v in enumerate(value)}
        if not isinstance(value, dict):
            raise _invalid(f"Invalid object: {name} must be an object", name, "parameter_invalid_object")
        result: dict[str, str] = {}
        for key, item in value.items():
            item_name = f"{name}[{key}]"
            if isinstance(item, bool) or not isinstance(item, (str, int, float)):
                raise _invalid(f"Invalid string: {_short(item)}", item_name, "parameter_invalid_string")
            text = item if isinstance(item, str) else str(item)
            if self.max_value_length is not None and len(text) > self.max_value_length:
                raise _invalid(
                    f"Invalid string: {text[:20]}...; must be at most {self.max_value_length} characters",
                    item_name,
                    "string_too_long",
                )
            result[str(key)] = text
        return result


class Metadata(Field):
    """Stripe metadata: at most 50 keys, keys up to 40 characters, values up to 500."""

    MAX_KEYS = 50
    MAX_KEY_LENGTH = 40
    MAX_VALUE_LENGTH = 500

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("unsettable", True)
        super().__init__(**kwargs)

    def convert(self, value: Any, name: str) -> dict[str, Any]:
        if isinstance(value, list):
            value = {str(i): v for i, v in enumerate(value)}
        if not isinstance(value, dict):
            raise _invalid(f"Invalid object: {name} must be an object", name, "parameter_invalid_object")
        if len(value) > self.MAX_KEYS:
            raise _invalid(
                f"Invalid {name}: metadata can have at most {self.MAX_KEYS} keys, but {len(value)} were "
                "given.",
                name,
            )
        result: dict[str, Any] = {}
        for key, item in value.items():
            key = str(key)
            if len(key) > self.MAX_KEY_LENGTH:
                raise _invalid(
                    f"Metadata keys can have up to {self.MAX_KEY_LENGTH} characters, but '{key[:60]}' has "
                    f"{len(key)}.",
                    f"{name}[{key}]",
                )
            if item is None or item == "":
                result[key] = UNSET
                continue
            if isinstance(item, bool) or not isinstance(item, (str, int, float)):
                raise _invalid(
                    f"Invalid string: {_short(item)}", f"{name}[{key}]", "parameter_invalid_string"
                )
            text = item if isinstance(item, str) else str(item)
            if len(text) > self.MAX_VALUE_LENGTH:
                raise _invalid(
                    f"Metadata values can have up to {self.MAX_VALUE_LENGTH} characters, but the value of "
                    f"'{key}' has {len(text)}.",
                    f"{name}[{key}]",
                )
            result[key] = text
        return result


class Arr(Field):
    """An array (v1 ``a[0]=x`` or ``a[]=x``), optionally bounded in size."""

    def __init__(self, item: Field, *, max_items: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.item = item
        self.max_items = max_items

    def convert(self, value: Any, name: str) -> list[Any]:
        if isinstance(value, dict) and not value:
            value = []
        if isinstance(value, ExplodedValue):
            value = [str(value)]
        if not isinstance(value, list):
            raise _invalid(f"Invalid array: {name} must be an array", name, "parameter_invalid_array")
        if self.max_items is not None and len(value) > self.max_items:
            raise _invalid(
                f"Invalid {name}: must contain at most {self.max_items} elements, but {len(value)} were "
                "given.",
                name,
            )
        out = []
        for index, item in enumerate(value):
            item_name = f"{name}[{index}]"
            if item is None:
                raise parameter_missing(item_name)
            out.append(self.item.parse(item, item_name))
        return out


class Obj(Field):
    """A nested object with known fields; unknown keys are ``parameter_unknown``."""

    def __init__(self, fields: Mapping[str, Field], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fields = dict(fields)

    def convert(self, value: Any, name: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise _invalid(f"Invalid object: {name} must be an object", name, "parameter_invalid_object")
        return _validate_fields(self.fields, value, name)


def _child(prefix: str, key: str) -> str:
    return f"{prefix}[{key}]" if prefix else key


def _validate_fields(fields: Mapping[str, Field], params: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    for key in params:
        if key not in fields:
            raise parameter_unknown(_child(prefix, str(key)))
    result: dict[str, Any] = {}
    for key, spec in fields.items():
        if key not in params or params[key] is None:
            if spec.required:
                raise parameter_missing(_child(prefix, key))
            continue
        result[key] = spec.parse(params[key], _child(prefix, key))
    return result


EXPAND = Arr(Str(max_length=5000), max_items=50)


def validate(
    fields: Mapping[str, Field], params: Mapping[str, Any], *, expand: bool = True
) -> dict[str, Any]:
    """Validate top-level params against ``fields`` (``expand`` is accepted on every v1 request)."""
    spec = dict(fields)
    if expand and "expand" not in spec:
        spec["expand"] = EXPAND
    try:
        return _validate_fields(spec, params, "")
    except StripeError as err:
        err.validation = True
        raise


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 100 else text[:100] + "..."


class Unsupported(Field):
    """A real Stripe parameter the fake does not implement: a clear 400 instead of a silent no-op."""

    def __init__(self, endpoint: str) -> None:
        super().__init__()
        self.endpoint = endpoint

    def parse(self, value: Any, name: str) -> Any:
        # No ``code``: Stripe's ``parameter_unknown`` would say the parameter does not exist at all.
        raise _invalid(f"stripe-fake does not implement the parameter {name} of {self.endpoint}", name)


class Range(Field):
    """An integer, or ``{gt, gte, lt, lte}`` integers (``created`` filters on lists)."""

    _BOUNDS: Mapping[str, Field] = {"gt": Int(), "gte": Int(), "lt": Int(), "lte": Int()}

    def convert(self, value: Any, name: str) -> dict[str, int]:
        if isinstance(value, dict):
            return _validate_fields(self._BOUNDS, value, name)
        return {"eq": Int().convert(value, name)}


def in_range(value: int, bounds: Mapping[str, int] | None) -> bool:
    """Whether ``value`` satisfies a validated :class:`Range`."""
    if not bounds:
        return True
    checks = {
        "eq": lambda b: value == b,
        "gt": lambda b: value > b,
        "gte": lambda b: value >= b,
        "lt": lambda b: value < b,
        "lte": lambda b: value <= b,
    }
    return all(checks[op](bound) for op, bound in bounds.items())
