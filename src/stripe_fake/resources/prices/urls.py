"""Routes of the prices resource (Stripe has no price delete; search is the search module's)."""

from __future__ import annotations

from ...http.routing import Route
from . import responses as r

ROUTES: list[Route] = [
    Route("POST", "/v1/prices", r.create_price, "prices.create", object_type="price"),
    Route("GET", "/v1/prices", r.list_prices, "prices.list"),
    Route("GET", "/v1/prices/{price}", r.retrieve_price, "prices.retrieve"),
    Route("POST", "/v1/prices/{price}", r.update_price, "prices.update", object_type="price"),
]
