"""Routes of the invoice items resource (``/v1/invoiceitems``)."""

from __future__ import annotations

from ...http.routing import Route
from . import responses as r

ROUTES: list[Route] = [
    Route(
        "POST", "/v1/invoiceitems", r.create_invoice_item, "invoice_items.create", object_type="invoiceitem"
    ),
    Route("GET", "/v1/invoiceitems", r.list_invoice_items, "invoice_items.list"),
    Route("GET", "/v1/invoiceitems/{invoiceitem}", r.retrieve_invoice_item, "invoice_items.retrieve"),
    Route(
        "POST",
        "/v1/invoiceitems/{invoiceitem}",
        r.update_invoice_item,
        "invoice_items.update",
        object_type="invoiceitem",
    ),
    Route(
        "DELETE",
        "/v1/invoiceitems/{invoiceitem}",
        r.delete_invoice_item,
        "invoice_items.delete",
        object_type="invoiceitem",
    ),
]
