"""Routes of the subscriptions resource: ``/v1/subscriptions`` and ``/v1/subscription_items``."""

from __future__ import annotations

from ...http.routing import Route
from . import responses as r

_SUB = "subscription"
_ITEM = "subscription_item"

ROUTES: list[Route] = [
    Route("POST", "/v1/subscriptions", r.create_subscription, "subscriptions.create", object_type=_SUB),
    Route("GET", "/v1/subscriptions", r.list_subscriptions, "subscriptions.list"),
    Route("GET", "/v1/subscriptions/{id}", r.retrieve_subscription, "subscriptions.retrieve"),
    Route("POST", "/v1/subscriptions/{id}", r.update_subscription, "subscriptions.update", object_type=_SUB),
    Route(
        "DELETE", "/v1/subscriptions/{id}", r.cancel_subscription, "subscriptions.cancel", object_type=_SUB
    ),
    Route(
        "POST", "/v1/subscriptions/{id}/pause", r.pause_subscription, "subscriptions.pause", object_type=_SUB
    ),
    Route(
        "POST",
        "/v1/subscriptions/{id}/resume",
        r.resume_subscription,
        "subscriptions.resume",
        object_type=_SUB,
    ),
    Route("POST", "/v1/subscription_items", r.create_item, "subscription_items.create", object_type=_ITEM),
    Route("GET", "/v1/subscription_items", r.list_items, "subscription_items.list"),
    Route("GET", "/v1/subscription_items/{id}", r.retrieve_item, "subscription_items.retrieve"),
    Route(
        "POST", "/v1/subscription_items/{id}", r.update_item, "subscription_items.update", object_type=_ITEM
    ),
    Route(
        "DELETE", "/v1/subscription_items/{id}", r.delete_item, "subscription_items.delete", object_type=_ITEM
    ),
]
