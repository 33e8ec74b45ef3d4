"""Routes of the customer balance transactions resource."""

from __future__ import annotations

from ...http.routing import Route
from . import responses as r

_PATH = "/v1/customers/{id}/balance_transactions"
_TYPE = "customer_balance_transaction"

ROUTES: list[Route] = [
    Route("POST", _PATH, r.create_transaction, "customer_balance_transactions.create", object_type=_TYPE),
    Route("GET", _PATH, r.list_transactions, "customer_balance_transactions.list"),
    Route("GET", _PATH + "/{transaction}", r.retrieve_transaction, "customer_balance_transactions.retrieve"),
    Route(
        "POST",
        _PATH + "/{transaction}",
        r.update_transaction,
        "customer_balance_transactions.update",
        object_type=_TYPE,
    ),
]
