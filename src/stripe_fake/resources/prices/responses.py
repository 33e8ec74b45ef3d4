"""Prices over HTTP: ``/v1/prices`` (create, retrieve, update, list; Stripe has no price delete)."""

from __future__ import annotations

from typing import Any

from ...context import RequestContext
from ...http.errors import StripeError, parameter_missing
from ...http.pagination import LIST_PARAMS, paginate
from ...http.schema import UNSET, Arr, Bool, Enum, Field, Metadata, Obj, Range, Str, in_range, validate
from ..common import apply_metadata
from ..events.models import emit_event
from ..products.models import ProductStore, check_statement_descriptor, new_product_id
from .fields import ObjMap
from .models import (
    CREATE,
    CURRENCY_OPTION,
    INTERVALS,
    TAX_BEHAVIORS,
    Price,
    PriceStore,
    _currency_options,
    build_price,
    check_currency,
    exclusive,
)


def emit(
    ctx: RequestContext, event_type: str, fresh: dict[str, Any], previous: dict[str, Any] | None = None
) -> None:
    """Emit an event of this request whose object is ``fresh``: a render made for the event alone."""
    emit_event(
        ctx.account, event_type, fresh, now=ctx.now, cause=ctx.cause, previous_attributes=previous, fresh=True
    )


UPDATE: dict[str, Field] = {
    "active": Bool(),
    "currency_options": ObjMap(CURRENCY_OPTION, unsettable=True),
    "lookup_key": Str(max_length=200),
    "metadata": Metadata(),
    "nickname": Str(max_length=5000),
    "tax_behavior": Enum(TAX_BEHAVIORS),
    "transfer_lookup_key": Bool(),
}
LIST: dict[str, Field] = {
    **LIST_PARAMS,
    "active": Bool(),
    "created": Range(),
    "currency": Str(),
    "lookup_keys": Arr(Str(max_length=200), max_items=10),
    "product": Str(),
    "recurring": Obj(
        {"interval": Enum(INTERVALS), "meter": Str(), "usage_type": Enum(["licensed", "metered"])}
    ),
    "type": Enum(["one_time", "recurring"]),
}


def includes(ctx: RequestContext, *, in_list: bool = False) -> tuple[bool, bool]:
    """Whether the request expands ``tiers`` and ``currency_options`` (includable fields)."""
    paths = ctx.params.get("expand")
    if not isinstance(paths, list):
        return False, False
    head = "data." if in_list else ""
    return f"{head}tiers" in paths, f"{head}currency_options" in paths


def render(ctx: RequestContext, price: Price) -> dict[str, Any]:
    tiers, options = includes(ctx)
    return price.render(expand_tiers=tiers, expand_currency_options=options)


def _transfer_event(ctx: RequestContext, former: Price | None, lookup_key: str | None) -> None:
    """The price a lookup key was taken from changed too."""
    if former is not None:
        emit(ctx, "price.updated", former.render(), {"lookup_key": lookup_key})


def create_price(ctx: RequestContext) -> dict[str, Any]:
    params = validate(CREATE, ctx.params)
    products = ctx.store(ProductStore)
    prices = ctx.store(PriceStore)
    product_data = params.get("product_data")
    if "product" in params and product_data is not None:
        raise exclusive("", "product", "product_data")
    if "product" in params:
        product_id = products.require(params["product"], param="product").id
    elif product_data is not None:
        products.check_new_id(product_data.get("id"), param="product_data[id]")
        check_statement_descriptor(
            product_data.get("statement_descriptor"), "product_data[statement_descriptor]"
        )
        product_id = product_data.get("id") or new_product_id()
    else:
        raise parameter_missing("product")
    prices.check_lookup_key(params.get("lookup_key"), params.get("transfer_lookup_key", False))
    price = build_price(params, ctx.account, product=product_id, now=ctx.now)
    # Every check passed: write.
    if product_data is not None:
        fields = {
            key: product_data[key]
            for key in ("active", "statement_descriptor", "tax_code", "tax_details", "unit_label")
            if key in product_data
        }
        product = products.create(
            name=product_data["name"],
            now=ctx.now,
            product_id=product_id,
            metadata=apply_metadata({}, product_data.get("metadata", {})),
            fields=fields,
        )
        emit(ctx, "product.created", product.render())
    former = prices.add(price)
    _transfer_event(ctx, former, price.lookup_key)
    emit(ctx, "price.created", price.render())
    return render(ctx, price)


def _price(ctx: RequestContext) -> Price:
    return ctx.store(PriceStore).table.require(ctx.path["price"], param="price")


def retrieve_price(ctx: RequestContext) -> dict[str, Any]:
    validate({}, ctx.params)
    return render(ctx, _price(ctx))


def update_price(ctx: RequestContext) -> dict[str, Any]:
    params = validate(UPDATE, ctx.params)
    prices = ctx.store(PriceStore)
    price = _price(ctx)
    if price.inline:
        raise StripeError(
            f"The price {price.id} was created with price_data and cannot be updated.", param="price"
        )
    behavior = params.get("tax_behavior")
    if behavior is not None and price.tax_behavior != "unspecified" and behavior != price.tax_behavior:
        raise StripeError(
            "tax_behavior cannot be changed once it is inclusive or exclusive.", param="tax_behavior"
        )
    if params.get("active") is False and price.active:
        product = ctx.store(ProductStore).get(price.product)
        if product is not None and product.default_price == price.id:
            raise StripeError(
                "This price cannot be archived because it is the default price of its product. Set "
                "another default_price on the product first.",
                param="active",
            )
    lookup_key = params.get("lookup_key")
    prices.check_lookup_key(lookup_key, params.get("transfer_lookup_key", False), owner=price.id)
    options = price.currency_options
    if "currency_options" in params:
        raw = params["currency_options"]
        if raw is UNSET:
            options = {}
        else:
            tiers = price.tiers if price.billing_scheme == "tiered" else None
            options = {**options, **_currency_options(raw, price.currency, tiers, "")}
    metadata = apply_metadata(price.metadata, params["metadata"]) if "metadata" in params else None
    # Every check passed: write.
    before = price.render()
    before_options = price.render_currency_options() if options != price.currency_options else None
    former = None
    if lookup_key is not None and lookup_key != price.lookup_key:
        former = prices.set_lookup_key(price, lookup_key)
    if "active" in params:
        price.active = params["active"]
    if "nickname" in params:
        price.nickname = params["nickname"]
    if behavior is not None:
        price.tax_behavior = behavior
    if metadata is not None:
        price.metadata = metadata
    price.currency_options = options
    after = price.render()
    previous = {key: before[key] for key in after if before[key] != after[key]}
    if before_options is not None:
        previous["currency_options"] = before_options
    _transfer_event(ctx, former, lookup_key)
    if previous:
        emit(ctx, "price.updated", price.render(), previous)
    return render(ctx, price)


def list_prices(ctx: RequestContext) -> dict[str, Any]:
    params = validate(LIST, ctx.params)
    prices = ctx.store(PriceStore)
    active = params.get("active", True)
    currency = params.get("currency")
    if currency is not None:
        currency = check_currency(currency, "currency")
    product = params.get("product")
    kind = params.get("type")
    created = params.get("created")
    recurring = params.get("recurring") or {}
    lookup_keys = params.get("lookup_keys")

    def keep(price: Price) -> bool:
        if price.inline or price.active != active:
            return False
        if currency is not None and price.currency != currency:
            return False
        if product is not None and price.product != product:
            return False
        if kind is not None and price.type != kind:
            return False
        if recurring:
            rec = price.recurring
            if rec is None:
                return False
            if any(getattr(rec, name) != value for name, value in recurring.items()):
                return False
        return in_range(price.created, created)

    items: Any
    if lookup_keys is not None:
        found = {prices.by_lookup_key.get(key) for key in lookup_keys} - {None}
        selected = [p for p in (prices.table.get(pid) for pid in found if pid) if p is not None]
        items = sorted(
            (p for p in selected if keep(p)),
            key=lambda p: prices.table.position(p.id) or 0,
            reverse=True,
        )
    elif product is not None:
        items = [p for p in prices.of_product(product) if keep(p)]
    else:
        items = prices.table.newest_first(keep)
    tiers, options = includes(ctx, in_list=True)
    return paginate(
        items,
        params,
        "/v1/prices",
        key=lambda p: p.id,
        render=lambda p: p.render(expand_tiers=tiers, expand_currency_options=options),
        kind="price",
    )
