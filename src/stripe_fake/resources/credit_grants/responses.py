"""Credit grants, the credit balance summary and credit balance transactions over HTTP."""

from __future__ import annotations

from typing import Any

from ...context import RequestContext
from ...http.errors import StripeError, parameter_missing, resource_missing
from ...http.expand import register_expandable
from ...http.pagination import LIST_PARAMS, paginate
from ...http.schema import UNSET, Arr, Enum, Field, Int, Metadata, Obj, Str, Unsupported, validate
from ..common import apply_metadata
from ..customers.models import CustomerStore
from .models import (
    MAX_SCOPE_PRICES,
    CreditBalanceTransaction,
    CreditGrant,
    CreditGrantStore,
    _Keep,
    check_expiry,
)
from .scope import check_scope_prices, customer_test_clock

register_expandable("billing.credit_grant", "customer")
register_expandable("billing.credit_balance_summary", "customer")
register_expandable("billing.credit_balance_transaction", "credit_grant")

_SCOPE = Obj(
    {
        "price_type": Enum(["metered"]),
        "prices": Arr(Obj({"id": Str(required=True)}), max_items=MAX_SCOPE_PRICES),
    },
    required=True,
)
CREATE: dict[str, Field] = {
    "amount": Obj(
        {
            "type": Enum(["monetary"], required=True),
            "monetary": Obj({"currency": Str(required=True), "value": Int(required=True, minimum=1)}),
        },
        required=True,
    ),
    "applicability_config": Obj({"scope": _SCOPE}, required=True),
    "category": Enum(["paid", "promotional"]),
    "customer": Str(),
    "customer_account": Unsupported("POST /v1/billing/credit_grants"),
    "effective_at": Int(minimum=0),
    "expires_at": Int(minimum=0),
    "metadata": Metadata(),
    "name": Str(max_length=100),
    "priority": Int(minimum=0, maximum=100),
}
UPDATE: dict[str, Field] = {"expires_at": Int(minimum=0, unsettable=True), "metadata": Metadata()}
LIST: dict[str, Field] = {
    **LIST_PARAMS,
    "customer": Str(),
    "customer_account": Unsupported("GET /v1/billing/credit_grants"),
}
SUMMARY: dict[str, Field] = {
    "customer": Str(),
    "customer_account": Unsupported("GET /v1/billing/credit_balance_summary"),
    "filter": Obj(
        {
            "type": Enum(["applicability_scope", "credit_grant"], required=True),
            "applicability_scope": Obj(_SCOPE.fields),
            "credit_grant": Str(),
        },
        required=True,
    ),
}
TRANSACTIONS: dict[str, Field] = {
    **LIST_PARAMS,
    "credit_grant": Str(),
    "customer": Str(),
    "customer_account": Unsupported("GET /v1/billing/credit_balance_transactions"),
}


def _require_customer(ctx: RequestContext, params: dict[str, Any]) -> str:
    """The ``customer`` parameter: required (``customer_account`` is not implemented) and existing."""
    customer = params.get("customer")
    if customer is None:
        raise parameter_missing("customer")
    if not ctx.store(CustomerStore).exists(customer):
        raise resource_missing("customer", customer, param="customer", status=400)
    return str(customer)


def _scope_prices(scope: dict[str, Any], param: str) -> tuple[str, ...] | None:
    """``None`` for ``price_type=metered``, else the listed price ids (exactly one of the two)."""
    if "price_type" in scope and "prices" in scope:
        raise StripeError(
            "You may only specify one of these parameters: price_type, prices.",
            code="parameters_exclusive",
            param=param,
        )
    if "prices" in scope:
        ids = tuple(dict.fromkeys(p["id"] for p in scope["prices"]))
        if not ids:
            raise parameter_missing(f"{param}[prices]")
        return ids
    if "price_type" not in scope:
        raise parameter_missing(f"{param}[price_type]")
    return None


def create_grant(ctx: RequestContext) -> dict[str, Any]:
    params = validate(CREATE, ctx.params)
    amount = params["amount"]
    if "monetary" not in amount:
        raise parameter_missing("amount[monetary]")
    currency = amount["monetary"]["currency"].lower()
    if len(currency) != 3 or not currency.isascii() or not currency.isalpha():
        raise StripeError(
            f"Invalid currency: {amount['monetary']['currency']}.", param="amount[monetary][currency]"
        )
    prices = _scope_prices(params["applicability_config"]["scope"], "applicability_config[scope]")
    customer = _require_customer(ctx, params)
    if prices is not None:
        check_scope_prices(ctx.account, prices, "applicability_config[scope][prices]")
    effective_at = params.get("effective_at", ctx.now)
    expires_at = params.get("expires_at")
    check_expiry(expires_at, effective_at=effective_at, now=ctx.now)
    grant = ctx.store(CreditGrantStore).create(
        customer=customer,
        currency=currency,
        value=amount["monetary"]["value"],
        category=params.get("category", "paid"),
        priority=params.get("priority", 50),
        effective_at=effective_at,
        expires_at=expires_at,
        prices=prices,
        name=params.get("name"),
        metadata=apply_metadata({}, params.get("metadata", {})),
        test_clock=customer_test_clock(ctx.account, customer),
        now=ctx.now,
        cause=ctx.cause,
    )
    return grant.render()


def _grant(ctx: RequestContext) -> CreditGrant:
    return ctx.store(CreditGrantStore).grants.require(ctx.path["id"])


def retrieve_grant(ctx: RequestContext) -> dict[str, Any]:
    validate({}, ctx.params)
    return _grant(ctx).render()


def update_grant(ctx: RequestContext) -> dict[str, Any]:
    params = validate(UPDATE, ctx.params)
    grant = _grant(ctx)
    expires_at: Any = _Keep
    if "expires_at" in params:
        expires_at = None if params["expires_at"] is UNSET else params["expires_at"]
    metadata = apply_metadata(grant.metadata, params["metadata"]) if "metadata" in params else None
    store = ctx.store(CreditGrantStore)
    return store.update(
        grant, expires_at=expires_at, metadata=metadata, now=ctx.now, cause=ctx.cause
    ).render()


def expire_grant(ctx: RequestContext) -> dict[str, Any]:
    validate({}, ctx.params)
    grant = _grant(ctx)
    return ctx.store(CreditGrantStore).expire(grant, now=ctx.now, cause=ctx.cause).render()


def void_grant(ctx: RequestContext) -> dict[str, Any]:
    validate({}, ctx.params)
    grant = _grant(ctx)
    return ctx.store(CreditGrantStore).void(grant, now=ctx.now, cause=ctx.cause).render()


def list_grants(ctx: RequestContext) -> dict[str, Any]:
    params = validate(LIST, ctx.params)
    store = ctx.store(CreditGrantStore)
    url = "/v1/billing/credit_grants"
    if "customer" in params:
        customer = _require_customer(ctx, params)
        items: Any = store.customer_grants(customer)[::-1]
    else:
        items = store.grants.newest_first()
    return paginate(items, params, url, key=lambda g: g.id, render=CreditGrant.render, kind="credit grant")


def credit_balance_summary(ctx: RequestContext) -> dict[str, Any]:
    params = validate(SUMMARY, ctx.params)
    customer = _require_customer(ctx, params)
    filt = params["filter"]
    store = ctx.store(CreditGrantStore)
    grants = store.customer_grants(customer)
    if filt["type"] == "credit_grant":
        grant_id = filt.get("credit_grant")
        if grant_id is None:
            raise parameter_missing("filter[credit_grant]")
        found = store.grants.get(grant_id)
        if found is None or found.customer != customer:
            raise resource_missing("credit grant", grant_id, param="filter[credit_grant]", status=400)
        grants = [found]
    else:
        scope = filt.get("applicability_scope")
        if scope is None:
            raise parameter_missing("filter[applicability_scope]")
        prices = _scope_prices(scope, "filter[applicability_scope]")
        if prices is not None:
            wanted = set(prices)
            grants = [g for g in grants if g.prices is None or wanted & set(g.prices)]
    return {
        "object": "billing.credit_balance_summary",
        "balances": store.balances(grants, ctx.now),
        "customer": customer,
        "customer_account": None,
        "livemode": ctx.account.livemode,
    }


def list_transactions(ctx: RequestContext) -> dict[str, Any]:
    params = validate(TRANSACTIONS, ctx.params)
    customer = _require_customer(ctx, params)
    store = ctx.store(CreditGrantStore)
    grant_id = params.get("credit_grant")
    if grant_id is not None:
        grant = store.grants.get(grant_id)
        if grant is None or grant.customer != customer:
            raise resource_missing("credit grant", grant_id, param="credit_grant", status=400)
        ids = store.grant_transactions.get(grant_id, [])
    else:
        ids = store.index(customer).transactions if customer in store.customers else []
    items = [store.transactions.require(t) for t in reversed(ids)]
    return paginate(
        items,
        params,
        "/v1/billing/credit_balance_transactions",
        key=lambda t: t.id,
        render=CreditBalanceTransaction.render,
        kind="credit balance transaction",
    )


def retrieve_transaction(ctx: RequestContext) -> dict[str, Any]:
    validate({}, ctx.params)
    store = ctx.store(CreditGrantStore)
    return store.transactions.require(ctx.path["id"]).render()
