"""Helpers shared by the v2 endpoints: validation errors as v2 ``invalid_fields``, RFC 3339 fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...http.errors import StripeError, v2_error
from ...http.schema import Field, validate
from .timefmt import parse_rfc3339


def v2_validate(fields: Mapping[str, Field], params: Mapping[str, Any]) -> dict[str, Any]:
    """``validate`` for v2 bodies: no ``expand``; every problem is a 400 ``invalid_fields`` error."""
    try:
        return validate(fields, params, expand=False)
    except StripeError as err:
        raise invalid_fields(err.message) from None


def invalid_fields(message: str) -> StripeError:
    """A v2 request-shape error (never saved by the idempotency layer)."""
    error = v2_error("invalid_fields", message)
    error.validation = True
    return error


def v2_time(value: str, name: str) -> int:
    """Whole unix seconds of an RFC 3339 field (fractions are dropped), or ``invalid_fields``."""
    parsed = parse_rfc3339(value)
    if parsed is None:
        raise invalid_fields(
            f"Invalid {name}: '{value[:60]}' is not an RFC 3339 date-time (e.g. 2024-06-01T12:00:00.000Z).",
        )
    return int(parsed // 1)
