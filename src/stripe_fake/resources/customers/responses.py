"""Customers over HTTP: ``/v1/customers``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...context import RequestContext
from ...http.errors import resource_missing, unrecognized_url
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
from ..common import apply_metadata
from ..events.models import emit_from_request
from .models import Customer, CustomerStore

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
            "default_payment_method": Unsupported("POST /v1/customers"),
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
    "cash_balance",
    "coupon",
    "payment_method",
    "promotion_code",
    "source",
    "tax",
    "tax_id_data",
    "test_clock",
)
CREATE = {**_WRITABLE, **{name: Unsupported("POST /v1/customers") for name in _UNSUPPORTED}}
UPDATE = {
    **_WRITABLE,
    **{name: Unsupported("POST /v1/customers/:id") for name in (*_UNSUPPORTED, "default_source")},
}
LIST = {
    **LIST_PARAMS,
    "email": Str(max_length=512),
    "created": Range(),
    "test_clock": Unsupported("GET /v1/customers"),
}


def _clean(params: dict[str, Any]) -> dict[str, Any]:
    """Turn ``UNSET`` into ``None`` (cleared fields render as null)."""
    return {k: (None if v is UNSET else v) for k, v in params.items() if k not in ("metadata", "expand")}


def create_customer(ctx: RequestContext) -> dict[str, Any]:
    params = validate(CREATE, ctx.params)
    metadata = apply_metadata({}, params.get("metadata", {}))
    customer = ctx.store(CustomerStore).create(_clean(params), metadata, ctx.now)
    rendered = customer.render()
    emit_from_request(ctx, "customer.created", rendered)
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
    before = customer.render()
    updates = _clean(params)
    customer.fields.update(updates)
    if "email" in updates:
        ctx.store(CustomerStore).index_email(customer)
    customer.metadata = metadata
    after = customer.render()
    previous = {key: before[key] for key in after if before.get(key) != after.get(key)}
    if previous:
        emit_from_request(ctx, "customer.updated", after, previous)
    return after


def delete_customer(ctx: RequestContext) -> dict[str, Any]:
    validate({}, ctx.params, expand=False)
    customer = _customer(ctx)
    if customer.deleted:
        raise resource_missing("customer", customer.id)
    last_state = customer.render()
    customer.deleted = True
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


def search_not_implemented(ctx: RequestContext) -> dict[str, Any]:
    raise unrecognized_url(ctx.request.method, ctx.request.path)
