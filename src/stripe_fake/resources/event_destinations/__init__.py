"""``/v2/core/event_destinations``: webhook destinations for thin (v2) and snapshot (v1) events."""
