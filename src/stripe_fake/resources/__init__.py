"""One package per Stripe resource: ``models.py`` (state and rules), ``responses.py`` (HTTP in and
out) and ``urls.py`` (routes). Add a resource by listing its package name in ``RESOURCE_PACKAGES``."""

from __future__ import annotations

from importlib import import_module

from ..http.routing import Route

RESOURCE_PACKAGES = (
    "customers",
    "meters",
    "meter_events",
    "events",
    "alerts",
    "meter_event_adjustments",
    "v2_billing",
    "v2_events",
    "webhook_endpoints",
    "event_destinations",
    "products",
    "prices",
    "payment_methods",
    "subscriptions",
    "invoices",
    "invoice_items",
    "credit_grants",
    "credit_notes",
    "customer_balance_transactions",
)


def all_routes() -> list[Route]:
    routes: list[Route] = []
    for name in RESOURCE_PACKAGES:
        module = import_module(f"{__name__}.{name}.urls")
        routes.extend(module.ROUTES)
    return routes
