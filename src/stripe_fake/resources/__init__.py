"""One package per Stripe resource: ``models.py`` (state and rules), ``responses.py`` (HTTP in and
out) and ``urls.py`` (routes). Add a resource by listing its package name in ``RESOURCE_PACKAGES``.

A package's ``__init__.py`` may define ``install(bus, scheduler)``: the backend calls it once when it
starts (register job kinds and bus subscriptions there, never in a store's constructor).

This module is also the one door of the dispatcher side (backend, delivery, fake, server,
persistence) into the resources: what they need is re-exported here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from importlib import import_module
from typing import TYPE_CHECKING, Any, cast

from ..http.routing import Route
from .base import lookup_stores
from .event_destinations.models import EventDestination, EventDestinationStore
from .events.models import EventEmitted
from .meter_events.reports import flush_error_reports
from .payment_methods.models import PaymentMethodStore
from .subscriptions.models import SubscriptionStore
from .v2_events.models import ThinEventEmitted, notification_of
from .webhook_endpoints.models import WebhookEndpoint, WebhookEndpointStore

if TYPE_CHECKING:
    from ..bus import Bus
    from ..scheduler import Scheduler

__all__ = [
    "RESOURCE_PACKAGES",
    "EventDestination",
    "EventDestinationStore",
    "EventEmitted",
    "PaymentMethodStore",
    "SubscriptionStore",
    "ThinEventEmitted",
    "WebhookEndpoint",
    "WebhookEndpointStore",
    "all_routes",
    "flush_error_reports",
    "install_all",
    "lookup_stores",
    "notification_of",
]

RESOURCE_PACKAGES = (
    "customers",
    "meters",
    "meter_events",
    "events",
    "alerts",
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
    "test_clocks",
)


@functools.cache
def _installers() -> tuple[Callable[[Any, Any], None], ...]:
    """Every package's ``install``, found once per process (a new backend per test reuses them)."""
    found = []
    for name in RESOURCE_PACKAGES:
        install = getattr(import_module(f"{__name__}.{name}"), "install", None)
        if install is not None:
            found.append(cast(Callable[[Any, Any], None], install))
    return tuple(found)


def install_all(bus: Bus, scheduler: Scheduler) -> None:
    """Call every package's ``install(bus, scheduler)``, in ``RESOURCE_PACKAGES`` order."""
    for install in _installers():
        install(bus, scheduler)


@functools.cache
def _routes() -> tuple[Route, ...]:
    routes: list[Route] = []
    for name in RESOURCE_PACKAGES:
        routes.extend(import_module(f"{__name__}.{name}.urls").ROUTES)
    return tuple(routes)


def all_routes() -> list[Route]:
    """Every route of every package, in ``RESOURCE_PACKAGES`` order (collected once per process)."""
    return list(_routes())
