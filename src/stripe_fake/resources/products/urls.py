"""Routes of the products resource (``GET /v1/products/search`` is registered by the search module)."""

from __future__ import annotations

from ...http.routing import Route
from . import responses as r

ROUTES: list[Route] = [
    Route("POST", "/v1/products", r.create_product, "products.create", object_type="product"),
    Route("GET", "/v1/products", r.list_products, "products.list"),
    Route("GET", "/v1/products/{id}", r.retrieve_product, "products.retrieve"),
    Route("POST", "/v1/products/{id}", r.update_product, "products.update", object_type="product"),
    Route("DELETE", "/v1/products/{id}", r.delete_product, "products.delete", object_type="product"),
]
