"""Products over HTTP: ``/v1/products`` (the search route belongs to the search module)."""

from __future__ import annotations

from typing import Any

from ...context import RequestContext
from ...http.errors import StripeError
from ...http.pagination import LIST_PARAMS, paginate
from ...http.schema import UNSET, Arr, Bool, Enum, Field, Int, Metadata, Obj, Range, Str, in_range, validate
from ..common import apply_metadata
from ..events.models import emit_event
from ..prices.fields import DecimalStr, Number, ObjMap
from ..prices.models import CURRENCY_OPTION, INTERVALS, TAX_BEHAVIORS, PriceStore, build_price
from .models import (
    FIELD_DEFAULTS,
    Product,
    ProductStore,
    check_service_only,
    check_statement_descriptor,
    new_product_id,
)


def emit(
    ctx: RequestContext, event_type: str, fresh: dict[str, Any], previous: dict[str, Any] | None = None
) -> None:
    """Emit an event of this request whose object is ``fresh``: a render made for the event alone."""
    emit_event(
        ctx.account, event_type, fresh, now=ctx.now, cause=ctx.cause, previous_attributes=previous, fresh=True
    )


_DIMENSIONS = {name: Number(required=True) for name in ("height", "length", "weight", "width")}
_TAX_DETAILS = {"performance_location": Str(), "tax_code": Str(unsettable=True)}
_FEATURE = Obj({"name": Str(max_length=80, required=True)})
DEFAULT_PRICE_DATA = Obj(
    {
        "currency": Str(required=True),
        "currency_options": ObjMap(CURRENCY_OPTION),
        "custom_unit_amount": Obj(
            {
                "enabled": Bool(required=True),
                "maximum": Int(minimum=0),
                "minimum": Int(minimum=0),
                "preset": Int(minimum=0),
            }
        ),
        "metadata": Metadata(),
        "recurring": Obj({"interval": Enum(INTERVALS, required=True), "interval_count": Int(minimum=1)}),
        "tax_behavior": Enum(TAX_BEHAVIORS),
        "unit_amount": Int(minimum=0),
        "unit_amount_decimal": DecimalStr(),
    }
)
CREATE: dict[str, Field] = {
    "active": Bool(),
    "default_price_data": DEFAULT_PRICE_DATA,
    "description": Str(max_length=40000),
    "id": Str(max_length=5000),
    "images": Arr(Str(max_length=2048), max_items=8),
    "marketing_features": Arr(_FEATURE, max_items=15),
    "metadata": Metadata(),
    "name": Str(max_length=5000, required=True),
    "package_dimensions": Obj(_DIMENSIONS),
    "shippable": Bool(),
    "statement_descriptor": Str(max_length=22),
    "tax_code": Str(max_length=5000),
    "tax_details": Obj(_TAX_DETAILS),
    "type": Enum(["good", "service"]),
    "unit_label": Str(max_length=12),
    "url": Str(max_length=5000),
}
UPDATE: dict[str, Field] = {
    "active": Bool(),
    "default_price": Str(max_length=5000),
    "description": Str(max_length=40000, unsettable=True),
    "images": Arr(Str(max_length=2048), max_items=8, unsettable=True),
    "marketing_features": Arr(_FEATURE, max_items=15, unsettable=True),
    "metadata": Metadata(),
    "name": Str(max_length=5000),
    "package_dimensions": Obj(_DIMENSIONS, unsettable=True),
    "shippable": Bool(),
    "statement_descriptor": Str(max_length=22),
    "tax_code": Str(max_length=5000, unsettable=True),
    "tax_details": Obj(_TAX_DETAILS, unsettable=True),
    "unit_label": Str(max_length=12, unsettable=True),
    "url": Str(max_length=5000, unsettable=True),
}
LIST: dict[str, Field] = {
    **LIST_PARAMS,
    "active": Bool(),
    "created": Range(),
    "ids": Arr(Str(max_length=5000)),
    "shippable": Bool(),
    "type": Enum(["good", "service"]),
    "url": Str(max_length=5000),
}


def _fields(params: dict[str, Any]) -> dict[str, Any]:
    """The product attributes a request sets (``UNSET`` -> the field's empty value)."""
    found: dict[str, Any] = {}
    for key in FIELD_DEFAULTS:
        if key in params:
            value = params[key]
            found[key] = (
                ([] if key in ("images", "marketing_features") else None) if value is UNSET else value
            )
    return found


def create_product(ctx: RequestContext) -> dict[str, Any]:
    params = validate(CREATE, ctx.params)
    products = ctx.store(ProductStore)
    products.check_new_id(params.get("id"))
    fields = _fields(params)
    check_service_only(fields.get("type", "service"), fields)
    check_statement_descriptor(fields.get("statement_descriptor"), "statement_descriptor")
    product_id = params.get("id") or new_product_id()
    price = None
    if "default_price_data" in params:
        price = build_price(
            params["default_price_data"],
            ctx.account,
            product=product_id,
            now=ctx.now,
            prefix="default_price_data",
        )
    # Every check passed: write.
    product = products.create(
        name=params["name"],
        now=ctx.now,
        product_id=product_id,
        metadata=apply_metadata({}, params.get("metadata", {})),
        fields=fields,
    )
    if price is not None:
        ctx.store(PriceStore).add(price)
        product.default_price = price.id
    rendered = product.render()
    emit(ctx, "product.created", product.render())
    if price is not None:
        emit(ctx, "price.created", price.render())
    return rendered


def _product(ctx: RequestContext) -> Product:
    return ctx.store(ProductStore).table.require(ctx.path["id"])


def retrieve_product(ctx: RequestContext) -> dict[str, Any]:
    validate({}, ctx.params)
    return _product(ctx).render()


def update_product(ctx: RequestContext) -> dict[str, Any]:
    params = validate(UPDATE, ctx.params)
    products = ctx.store(ProductStore)
    product = _product(ctx)
    changes = _fields(params)
    check_service_only(product.type, changes)
    check_statement_descriptor(changes.get("statement_descriptor"), "statement_descriptor")
    if "default_price" in params:
        price = ctx.store(PriceStore).require(params["default_price"], param="default_price")
        if price.product != product.id or price.inline:
            raise StripeError(
                f"The price {price.id} does not belong to this product ({product.id}): a default price "
                "must be one of the product's prices.",
                param="default_price",
            )
        if not price.active:
            raise StripeError(
                f"The price {price.id} is archived: a default price must be active.", param="default_price"
            )
        changes["default_price"] = price.id
    if "metadata" in params:
        changes["metadata"] = apply_metadata(product.metadata, params["metadata"])
    # Every check passed: write.
    previous = products.update(product, changes, now=ctx.now)
    rendered = product.render()
    if previous:
        emit(ctx, "product.updated", product.render(), previous)
    return rendered


def delete_product(ctx: RequestContext) -> dict[str, Any]:
    validate({}, ctx.params, expand=False)
    products = ctx.store(ProductStore)
    product = _product(ctx)
    if ctx.store(PriceStore).has_prices(product.id):
        raise StripeError("This product cannot be deleted because it has one or more user-created prices.")
    last_state = product.render()
    products.delete(product)
    emit(ctx, "product.deleted", last_state)
    return product.render_deleted()


def list_products(ctx: RequestContext) -> dict[str, Any]:
    params = validate(LIST, ctx.params)
    products = ctx.store(ProductStore)
    ids = params.get("ids")
    if ids is not None and ("starting_after" in params or "ending_before" in params):
        raise StripeError(
            "You cannot combine ids with starting_after or ending_before.",
            param="starting_after" if "starting_after" in params else "ending_before",
        )
    active = params.get("active")
    shippable = params.get("shippable")
    kind = params.get("type")
    url = params.get("url")
    created = params.get("created")

    def keep(product: Product) -> bool:
        if active is not None and product.active != active:
            return False
        if shippable is not None and product.shippable != shippable:
            return False
        if kind is not None and product.type != kind:
            return False
        if url is not None and product.url != url:
            return False
        return in_range(product.created, created)

    items: Any
    if ids is not None:
        found = {p.id: p for p in (products.get(pid) for pid in ids) if p is not None and keep(p)}
        items = sorted(found.values(), key=lambda p: products.table.position(p.id) or 0, reverse=True)
    else:
        items = products.table.newest_first(keep)
    return paginate(items, params, "/v1/products", key=lambda p: p.id, render=Product.render, kind="product")
