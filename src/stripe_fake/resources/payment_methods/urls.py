"""Routes of the payment methods resource."""

from __future__ import annotations

from ...http.routing import Route

ROUTES: list[Route] = []
