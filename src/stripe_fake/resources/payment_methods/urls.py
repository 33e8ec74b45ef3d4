"""Routes of the payment methods resource."""

from __future__ import annotations

from ...http.routing import Route
from . import responses as r

ROUTES: list[Route] = [
    Route(
        "POST",
        "/v1/payment_methods",
        r.create_payment_method,
        "payment_methods.create",
        object_type="payment_method",
    ),
    Route("GET", "/v1/payment_methods", r.list_payment_methods, "payment_methods.list"),
    Route("GET", "/v1/payment_methods/{id}", r.retrieve_payment_method, "payment_methods.retrieve"),
    Route(
        "POST",
        "/v1/payment_methods/{id}",
        r.update_payment_method,
        "payment_methods.update",
        object_type="payment_method",
    ),
    Route(
        "POST",
        "/v1/payment_methods/{id}/attach",
        r.attach_payment_method,
        "payment_methods.attach",
        object_type="payment_method",
    ),
    Route(
        "POST",
        "/v1/payment_methods/{id}/detach",
        r.detach_payment_method,
        "payment_methods.detach",
        object_type="payment_method",
    ),
    Route(
        "GET",
        "/v1/customers/{customer}/payment_methods",
        r.list_customer_payment_methods,
        "customers.payment_methods.list",
    ),
    Route(
        "GET",
        "/v1/customers/{customer}/payment_methods/{id}",
        r.retrieve_customer_payment_method,
        "customers.payment_methods.retrieve",
    ),
]
