"""What tests read back: the events the fake emitted, in order."""

from __future__ import annotations

from typing import Any


class EventRecorder(list[dict[str, Any]]):
    """Every event the fake emitted (v1 ``event`` objects), oldest first."""

    def of_type(self, event_type: str) -> list[dict[str, Any]]:
        """Events whose ``type`` equals ``event_type`` (a trailing ``*`` matches a prefix)."""
        if event_type.endswith("*"):
            prefix = event_type[:-1]
            return [e for e in self if str(e.get("type", "")).startswith(prefix)]
        return [e for e in self if e.get("type") == event_type]

    def types(self) -> list[str]:
        return [str(e.get("type")) for e in self]

    def last(self, event_type: str | None = None) -> dict[str, Any]:
        found = self.of_type(event_type) if event_type else list(self)
        if not found:
            raise LookupError(f"no event of type {event_type!r} was emitted; emitted: {self.types()}")
        return found[-1]
