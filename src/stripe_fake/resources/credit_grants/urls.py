"""Routes of the credit grants resource, the credit balance summary and credit balance transactions."""

from __future__ import annotations

from ...http.routing import Route
from . import responses as r

_GRANT = "billing.credit_grant"

ROUTES: list[Route] = [
    Route("POST", "/v1/billing/credit_grants", r.create_grant, "credit_grants.create", object_type=_GRANT),
    Route("GET", "/v1/billing/credit_grants", r.list_grants, "credit_grants.list"),
    Route("GET", "/v1/billing/credit_grants/{id}", r.retrieve_grant, "credit_grants.retrieve"),
    Route(
        "POST", "/v1/billing/credit_grants/{id}", r.update_grant, "credit_grants.update", object_type=_GRANT
    ),
    Route(
        "POST",
        "/v1/billing/credit_grants/{id}/expire",
        r.expire_grant,
        "credit_grants.expire",
        object_type=_GRANT,
    ),
    Route(
        "POST", "/v1/billing/credit_grants/{id}/void", r.void_grant, "credit_grants.void", object_type=_GRANT
    ),
    Route(
        "GET",
        "/v1/billing/credit_balance_summary",
        r.credit_balance_summary,
        "credit_balance_summary.retrieve",
    ),
    Route(
        "GET",
        "/v1/billing/credit_balance_transactions",
        r.list_transactions,
        "credit_balance_transactions.list",
    ),
    Route(
        "GET",
        "/v1/billing/credit_balance_transactions/{id}",
        r.retrieve_transaction,
        "credit_balance_transactions.retrieve",
    ),
]
