"""Customer balance transactions over HTTP: ``/v1/customers/{id}/balance_transactions``."""

from __future__ import annotations

from typing import Any

from ...context import RequestContext
from ...http.errors import StripeError
from ...http.expand import register_expandable
from ...http.pagination import LIST_PARAMS, paginate
from ...http.schema import Field, Int, Metadata, Range, Str, in_range, validate
from ..common import apply_metadata
from .models import CustomerBalanceStore, CustomerBalanceTransaction, customer_of

register_expandable("customer_balance_transaction", "customer", "invoice", "credit_note")

CREATE: dict[str, Field] = {
    "amount": Int(required=True),
    "currency": Str(required=True),
    "description": Str(max_length=350),
    "metadata": Metadata(),
}
UPDATE: dict[str, Field] = {"description": Str(max_length=350, unsettable=True), "metadata": Metadata()}
LIST: dict[str, Field] = {**LIST_PARAMS, "created": Range(), "invoice": Str()}


def _currency(value: str, param: str) -> str:
    currency = value.lower()
    if len(currency) != 3 or not currency.isascii() or not currency.isalpha():
        raise StripeError(f"Invalid currency: {value}.", param=param)
    return currency


def create_transaction(ctx: RequestContext) -> dict[str, Any]:
    params = validate(CREATE, ctx.params)
    currency = _currency(params["currency"], "currency")
    customer = customer_of(ctx.account, ctx.path["id"], param="id")
    store = ctx.store(CustomerBalanceStore)
    store.check_currency(customer, currency)
    txn = store.post(
        customer,
        amount=params["amount"],
        currency=currency,
        type="adjustment",
        now=ctx.now,
        description=params.get("description"),
        metadata=apply_metadata({}, params.get("metadata", {})),
        cause=ctx.cause,
    )
    return txn.render()


def retrieve_transaction(ctx: RequestContext) -> dict[str, Any]:
    validate({}, ctx.params)
    customer = customer_of(ctx.account, ctx.path["id"], param="id")
    return ctx.store(CustomerBalanceStore).require_of(customer.id, ctx.path["transaction"]).render()


def update_transaction(ctx: RequestContext) -> dict[str, Any]:
    params = validate(UPDATE, ctx.params)
    customer = customer_of(ctx.account, ctx.path["id"], param="id")
    txn = ctx.store(CustomerBalanceStore).require_of(customer.id, ctx.path["transaction"])
    metadata = apply_metadata(txn.metadata, params["metadata"]) if "metadata" in params else txn.metadata
    if "description" in params:
        txn.description = None if not isinstance(params["description"], str) else params["description"]
    txn.metadata = metadata
    return txn.render()


def list_transactions(ctx: RequestContext) -> dict[str, Any]:
    params = validate(LIST, ctx.params)
    customer = customer_of(ctx.account, ctx.path["id"], param="id")
    created = params.get("created")
    invoice = params.get("invoice")
    items = [
        t
        for t in ctx.store(CustomerBalanceStore).of_customer(customer.id)
        if in_range(t.created, created) and (invoice is None or t.invoice == invoice)
    ]
    return paginate(
        items,
        params,
        f"/v1/customers/{customer.id}/balance_transactions",
        key=lambda t: t.id,
        render=CustomerBalanceTransaction.render,
        kind="customer balance transaction",
    )
