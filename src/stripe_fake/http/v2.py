"""Helpers shared by the v2 endpoints: validation errors as v2 ``invalid_fields``, RFC 3339 fields,
list ``page`` tokens."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from .errors import StripeError, v2_error
from .schema import Field, Str, StrMap, validate
from .timefmt import parse_rfc3339


class Text(Str):
    """A v2 string where ``""`` is a value (v2 JSON has no "empty string unsets" rule)."""

    def parse(self, value: Any, name: str) -> Any:
        return self.convert(value, name)


class JsonStrMap(StrMap):
    """A v2 string map (meter event ``payload``): JSON numbers are wrongly typed, not coerced."""

    def convert(self, value: Any, name: str) -> dict[str, str]:
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(item, str):
                    raise StripeError(
                        f"Invalid {name}[{key}]: expected a string, got {json.dumps(item)[:60]}.",
                        code="parameter_invalid_string",
                        param=f"{name}[{key}]",
                    )
        return super().convert(value, name)


def v2_validate(fields: Mapping[str, Field], params: Mapping[str, Any]) -> dict[str, Any]:
    """``validate`` for v2 bodies: no ``expand``; every problem is a 400 ``invalid_fields`` error."""
    try:
        return validate(fields, params, expand=False)
    except StripeError as err:
        raise invalid_fields(_v2_message(err)) from None


def _v2_message(err: StripeError) -> str:
    """The shared validator's message, reworded for v2 so that it always names the field."""
    name, message = err.param, err.message
    if not name or (name in message and err.code != "parameter_invalid_empty"):
        return message
    if err.code == "parameter_invalid_empty":
        return f"Invalid {name}: must not be empty."
    if err.code == "string_too_long":
        return f"Invalid {name}: {message.rpartition('; ')[2]}."
    if message.startswith("This value "):
        return f"Invalid {name}: {message[len('This value ') :]}"
    if message.startswith("Invalid "):  # "Invalid string: 5" -> "Invalid name: expected a string, got 5"
        kind, _, got = message[len("Invalid ") :].partition(": ")
        article = "an" if kind[:1] in "aeiou" else "a"
        return f"Invalid {name}: expected {article} {kind}, got {got}."
    return f"Invalid {name}: {message}"


def page_token(text: str) -> str:
    """An opaque v2 list ``page`` token carrying ``text`` (unpadded URL-safe base64)."""
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def page_token_text(token: str) -> str:
    """The text of a :func:`page_token`, or ``invalid_fields`` if ``token`` is not one."""
    try:
        return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise invalid_page(token) from None


def invalid_page(token: str) -> StripeError:
    """The ``invalid_fields`` error for a ``page`` token this list did not hand out."""
    return invalid_fields(f"Invalid page: '{token[:60]}' is not a page token of this list.")


def invalid_fields(message: str) -> StripeError:
    """A v2 request-shape error (never saved by the idempotency layer)."""
    error = v2_error("invalid_fields", message)
    error.validation = True
    return error


def v2_instant(value: str, name: str) -> float:
    """Unix seconds (with fractions) of an RFC 3339 field, or ``invalid_fields``."""
    parsed = parse_rfc3339(value)
    if parsed is None:
        raise invalid_fields(
            f"Invalid {name}: '{value[:60]}' is not an RFC 3339 date-time (e.g. 2024-06-01T12:00:00.000Z).",
        )
    return parsed


def v2_time(value: str, name: str) -> int:
    """Whole unix seconds of an RFC 3339 field (fractions are dropped), or ``invalid_fields``."""
    return int(v2_instant(value, name) // 1)
