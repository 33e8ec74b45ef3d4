"""Routes of the invoice items resource."""

from __future__ import annotations

from ...http.routing import Route

ROUTES: list[Route] = []
