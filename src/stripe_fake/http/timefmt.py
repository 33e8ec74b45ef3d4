"""v2 timestamps: RFC 3339 strings in UTC with milliseconds (``2024-06-01T12:00:00.000Z``)."""

from __future__ import annotations

from datetime import datetime, timezone


def rfc3339(seconds: float) -> str:
    """Format unix ``seconds`` as Stripe's v2 APIs do."""
    moment = datetime.fromtimestamp(seconds, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_rfc3339(text: str) -> float | None:
    """Unix seconds of an RFC 3339 date-time (offset required, ``Z`` allowed); ``None`` if malformed."""
    if not isinstance(text, str) or "T" not in text.upper():
        return None
    value = text.strip()
    if value[-1:] in ("Z", "z"):
        value = value[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.timestamp()
