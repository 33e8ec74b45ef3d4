"""The one event-type matcher: ``*`` selects every type, a trailing ``*`` a prefix, else exact.

Used wherever a type is selected: ``enabled_events`` of webhook endpoints and event destinations,
``events.of_type`` / ``assert_event``, ``deliveries.of_type`` and the server's ``--events`` filter.
"""

from __future__ import annotations

from collections.abc import Iterable


def match_event_type(pattern: str, event_type: str) -> bool:
    """Whether ``pattern`` selects ``event_type`` (``"*"``, ``"billing.*"``, ``"billing.meter.created"``)."""
    if pattern.endswith("*"):
        return event_type.startswith(pattern[:-1])
    return pattern == event_type


def match_any(patterns: Iterable[str] | None, event_type: str) -> bool:
    """Whether any of ``patterns`` selects ``event_type``; no patterns (``None`` or empty) select all."""
    if not patterns:
        return True
    return any(match_event_type(pattern, event_type) for pattern in patterns)
