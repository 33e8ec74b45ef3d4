"""Routes for ``/v1/customers``."""

from __future__ import annotations

from ...http.routing import Route
from ..search_routes import ROUTES as CATALOG_SEARCH_ROUTES
from . import responses as r

ROUTES = [
    Route("GET", "/v1/customers/search", r.search_customers, "customers.search"),
    Route("POST", "/v1/customers", r.create_customer, "customers.create", object_type="customer"),
    Route("GET", "/v1/customers", r.list_customers, "customers.list"),
    Route("GET", "/v1/customers/{id}", r.retrieve_customer, "customers.retrieve"),
    Route("POST", "/v1/customers/{id}", r.update_customer, "customers.update", object_type="customer"),
    Route("DELETE", "/v1/customers/{id}", r.delete_customer, "customers.delete", object_type="customer"),
]
# Every /search route is the payments stream's (resources/search_routes.py for products and prices).
ROUTES += CATALOG_SEARCH_ROUTES
