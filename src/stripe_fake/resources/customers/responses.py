"""Customers over HTTP: ``/v1/customers``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...context import RequestContext
from ...http.errors import resource_missing
from ...http.pagination import LIST_PARAMS, Subset, paginate
from ...http.schema import (
    UNSET,
    Arr,
    Enum,
    Field,
    Int,
    Metadata,
    Obj,
    Range,
    Str,
    Unsupported,
    in_range,
    validate,
)
from ..common import apply_metadata, changed
from ..events.models import emit_from_request
from ..search import search
from ..subscriptions.models import SubscriptionStore
from ..test_clocks.models import clock_now
from .billing import apply_billing, emit_all, plan_billing
from .models import SEARCH, SEARCH_INDEXED, Customer, CustomerStore

_ADDRESS = Obj(
    {
        "city": Str(),
        "country": Str(),
        "line1": Str(),
        "line2": Str(),
        "postal_code": Str(),
        "state": Str(),
    },
    unsettable=True,
)
_WRITABLE: dict[str, Field] = {
    "address": _ADDRESS,
    "balance": Int(),
    "description": Str(max_length=350, unsettable=True),
    "email": Str(max_length=512, unsettable=True),
    "invoice_prefix": Str(max_length=12),
    "invoice_settings": Obj(
        {
            "custom_fields": Arr(
                Obj({"name": Str(max_length=40, required=True), "value": Str(max_length=140, required=True)}),
                max_items=4,
                unsettable=True,
            ),
            "default_payment_method": Str(unsettable=True),
            "footer": Str(max_length=5000, unsettable=True),
            "rendering_options": Obj(
                {
                    "amount_tax_display": Enum(["exclude_tax", "include_inclusive_tax"], unsettable=True),
                    "template": Str(),
                },
                unsettable=True,
            ),
        }
    ),
    "metadata": Metadata(),
    "name": Str(max_length=256, unsettable=True),
    "next_invoice_sequence": Int(minimum=1),
    "phone": Str(max_length=20, unsettable=True),
    "preferred_locales": Arr(Str(), unsettable=True),
    "shipping": Obj(
        {
            "address": Obj(_ADDRESS.fields, required=True),
            "name": Str(required=True),
            "phone": Str(),
        },
        unsettable=True,
    ),
    "tax_exempt": Enum(["exempt", "none", "reverse"], unsettable=True),
}
_UNSUPPORTED = (
    "business_name",
    "cash_balance",
    "coupon",
    "individual_name",
    "promotion_code",
    "tax",
    "tax_id_data",
    "validate",
)
CREATE = {
    **_WRITABLE,
    "payment_method": Str(),
    "source": Str(),
    "test_clock": Str(),
    **{name: Unsupported("POST /v1/customers") for name in _UNSUPPORTED},
}
UPDATE = {
    **_WRITABLE,
    "default_source": Str(),
    "source": Str(),
    **{name: Unsupported("POST /v1/customers/:id") for name in _UNSUPPORTED},
}
LIST = {
    **LIST_PARAMS,
    "email": Str(max_length=512),
    "created": Range(),
    "test_clock": Unsupported("GET /v1/customers"),
}


# Parameters handled by billing.py (payment methods, sources, test clocks), not stored as fields.
_BILLING_PARAMS = ("payment_method", "source", "default_source", "test_clock")


def _unset_to_none(value: Any) -> Any:
    if value is UNSET:
        return None
    if isinstance(value, dict):
        return {k: _unset_to_none(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unset_to_none(v) for v in value]
    return value


def _clean(params: dict[str, Any]) -> dict[str, Any]:
    """Turn ``UNSET`` into ``None`` (cleared fields render as null); drop what billing.py handles."""
    skip = ("metadata", "expand", *_BILLING_PARAMS)
    fields = {k: _unset_to_none(v) for k, v in params.items() if k not in skip}
    settings = fields.get("invoice_settings")
    if isinstance(settings, dict):
        settings.pop("default_payment_method", None)  # billing.py sets it once checked
    return fields


def create_customer(ctx: RequestContext) -> dict[str, Any]:
    params = validate(CREATE, ctx.params)
    metadata = apply_metadata({}, params.get("metadata", {}))
    plan = plan_billing(ctx, None, params)
    created = clock_now(ctx.account, plan.test_clock, ctx.now)  # a clock's customer lives on its time
    customer = ctx.store(CustomerStore).create(_clean(params), metadata, created)
    events = apply_billing(ctx, customer, plan)
    rendered = customer.render()
    emit_from_request(ctx, "customer.created", rendered)
    emit_all(ctx, events)
    return rendered


def _customer(ctx: RequestContext) -> Customer:
    """The customer of the path, deleted or not (retrieve shows a deleted one; writes refuse it)."""
    return ctx.store(CustomerStore).table.require(ctx.path["id"])


def retrieve_customer(ctx: RequestContext) -> dict[str, Any]:
    validate({}, ctx.params)
    return _customer(ctx).render()


def update_customer(ctx: RequestContext) -> dict[str, Any]:
    params = validate(UPDATE, ctx.params)
    customer = _customer(ctx)
    if customer.deleted:
        raise resource_missing("customer", customer.id)
    metadata = (
        apply_metadata(customer.metadata, params["metadata"]) if "metadata" in params else customer.metadata
    )
    plan = plan_billing(ctx, customer, params)
    before = customer.render()
    updates = _clean(params)
    if "invoice_settings" in updates:  # a partial update keeps the other settings
        updates["invoice_settings"] = {
            **(customer.fields.get("invoice_settings") or {}),
            **updates["invoice_settings"],
        }
    customer.fields.update(updates)
    if "email" in updates:
        ctx.store(CustomerStore).index_email(customer)
    customer.metadata = metadata
    events = apply_billing(ctx, customer, plan)
    ctx.store(CustomerStore).reindex(customer)
    after = customer.render()
    emit_all(ctx, [e for e in events if e[0] == "customer.source.deleted"])
    emit_all(ctx, [e for e in events if e[0] != "customer.source.deleted"])
    previous = changed(before, after)
    if previous:
        emit_from_request(ctx, "customer.updated", after, previous)
    return after


def delete_customer(ctx: RequestContext) -> dict[str, Any]:
    validate({}, ctx.params, expand=False)
    customer = _customer(ctx)
    if customer.deleted:
        raise resource_missing("customer", customer.id)
    last_state = customer.render()
    subscriptions = ctx.account.find(SubscriptionStore)  # subscriptions: a deleted customer's are canceled
    if subscriptions is not None:
        subscriptions.cancel_for_customer(customer.id, now=ctx.now, cause=ctx.cause)
    customer.deleted = True
    ctx.store(CustomerStore).reindex(customer)
    emit_from_request(ctx, "customer.deleted", last_state)
    return customer.render()


def list_customers(ctx: RequestContext) -> dict[str, Any]:
    params = validate(LIST, ctx.params)
    email = params.get("email")
    created = params.get("created")

    def keep(customer: Customer) -> bool:
        if customer.deleted:
            return False
        if email is not None and customer.fields.get("email") != email:
            return False
        return in_range(customer.created, created)

    store = ctx.store(CustomerStore)
    if email is not None:  # from the email index: O(customers with that email), not O(customers)
        items: Sequence[Customer] = Subset(store.table, store.with_email(email), keep)
    else:
        items = store.table.newest_first(keep)
    return paginate(
        items, params, "/v1/customers", key=lambda c: c.id, render=Customer.render, kind="customer"
    )


SEARCH_PARAMS: dict[str, Field] = {
    "query": Str(required=True, max_length=10000),
    "limit": Int(minimum=1, maximum=100),
    "page": Str(),
}


def search_customers(ctx: RequestContext) -> dict[str, Any]:
    params = validate(SEARCH_PARAMS, ctx.params)
    store = ctx.store(CustomerStore)
    return search(
        store.table,
        SEARCH,
        params["query"],
        limit=params.get("limit", 10),
        page=params.get("page"),
        total_count="total_count" in params.get("expand", []),
        visible=lambda c: not c.deleted,
        render=Customer.render,
        index=store.search_index,
        indexed=SEARCH_INDEXED,
    )
