"""Search routes of the catalog: ``GET /v1/products/search`` and ``GET /v1/prices/search``.

The query language is :mod:`.search`; this module only declares each resource's searchable fields
(Stripe's "query fields" for products and prices) and serves them. Products and prices keep no
search index, so these searches evaluate the account's products or prices (catalogs are small).
The routes are listed in ``customers/urls.py`` (the payments stream owns every ``/search`` route).
"""

from __future__ import annotations

from typing import Any

from ..context import RequestContext
from ..http.routing import Route
from ..http.schema import Field, Int, Str, validate
from .prices.models import Price, PriceStore
from .products.models import Product, ProductStore
from .search import BOOLEAN, NUMERIC, STRING, TOKEN, SearchField, SearchSpec, search

PARAMS: dict[str, Field] = {
    "query": Str(required=True, max_length=10000),
    "limit": Int(minimum=1, maximum=100),
    "page": Str(),
}

PRODUCTS: SearchSpec[Product] = SearchSpec(
    resource="products",
    url="/v1/products/search",
    fields={
        "active": SearchField(BOOLEAN, lambda p: p.active),
        "created": SearchField(NUMERIC, lambda p: p.created),
        "description": SearchField(STRING, lambda p: p.description),
        "name": SearchField(STRING, lambda p: p.name),
        "shippable": SearchField(BOOLEAN, lambda p: p.shippable),
        "url": SearchField(STRING, lambda p: p.url),
    },
    metadata=lambda p: p.metadata,
)

PRICES: SearchSpec[Price] = SearchSpec(
    resource="prices",
    url="/v1/prices/search",
    fields={
        "active": SearchField(BOOLEAN, lambda p: p.active),
        "created": SearchField(NUMERIC, lambda p: p.created),
        "currency": SearchField(TOKEN, lambda p: p.currency),
        "lookup_key": SearchField(STRING, lambda p: p.lookup_key),
        "product": SearchField(TOKEN, lambda p: p.product),
        "type": SearchField(TOKEN, lambda p: p.type),
    },
    metadata=lambda p: p.metadata,
)


def _page(params: dict[str, Any]) -> dict[str, Any]:
    return {
        "limit": params.get("limit", 10),
        "page": params.get("page"),
        "total_count": "total_count" in params.get("expand", []),
    }


def search_products(ctx: RequestContext) -> dict[str, Any]:
    params = validate(PARAMS, ctx.params)
    table = ctx.store(ProductStore).table
    return search(table, PRODUCTS, params["query"], render=Product.render, **_page(params))


def search_prices(ctx: RequestContext) -> dict[str, Any]:
    params = validate(PARAMS, ctx.params)
    table = ctx.store(PriceStore).table
    return search(
        table, PRICES, params["query"], render=Price.render, visible=lambda p: not p.inline, **_page(params)
    )


ROUTES = [
    Route("GET", "/v1/products/search", search_products, "products.search"),
    Route("GET", "/v1/prices/search", search_prices, "prices.search"),
]
