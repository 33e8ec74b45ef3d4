"""Routes of the products resource."""

from __future__ import annotations

from ...http.routing import Route

ROUTES: list[Route] = []
