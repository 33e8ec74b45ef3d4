"""Routes for ``/v1/events`` (the list and retrieve endpoints)."""

from __future__ import annotations

from ...http.routing import Route

ROUTES: list[Route] = []
