"""Routes of the invoices resource (``/v1/invoices``, its lines, ``/v1/invoice_payments``)."""

from __future__ import annotations

from ...http.routing import Route
from . import responses as r

ROUTES: list[Route] = [
    # Removed at 2025-03-31.basil (create_preview replaced them): Stripe's 404 Unrecognized URL.
    Route("GET", "/v1/invoices/upcoming", r.removed_endpoint, "invoices.upcoming"),
    Route("GET", "/v1/invoices/upcoming/lines", r.removed_endpoint, "invoices.upcoming_lines"),
    Route("POST", "/v1/invoices", r.create_invoice, "invoices.create", object_type="invoice"),
    Route("GET", "/v1/invoices", r.list_invoices, "invoices.list"),
    Route("GET", "/v1/invoices/{invoice}", r.retrieve_invoice, "invoices.retrieve"),
    Route("POST", "/v1/invoices/{invoice}", r.update_invoice, "invoices.update", object_type="invoice"),
    Route("DELETE", "/v1/invoices/{invoice}", r.delete_invoice, "invoices.delete", object_type="invoice"),
    Route("GET", "/v1/invoices/{invoice}/lines", r.list_lines, "invoices.lines"),
    Route(
        "POST",
        "/v1/invoices/{invoice}/finalize",
        r.finalize_invoice,
        "invoices.finalize",
        object_type="invoice",
    ),
    Route("POST", "/v1/invoices/{invoice}/pay", r.pay_invoice, "invoices.pay", object_type="invoice"),
    Route("POST", "/v1/invoices/{invoice}/void", r.void_invoice, "invoices.void", object_type="invoice"),
    Route(
        "POST",
        "/v1/invoices/{invoice}/mark_uncollectible",
        r.mark_uncollectible,
        "invoices.mark_uncollectible",
        object_type="invoice",
    ),
    Route("POST", "/v1/invoices/{invoice}/send", r.send_invoice, "invoices.send", object_type="invoice"),
    Route("GET", "/v1/invoice_payments", r.list_invoice_payments, "invoice_payments.list"),
    Route(
        "GET",
        "/v1/invoice_payments/{invoice_payment}",
        r.retrieve_invoice_payment,
        "invoice_payments.retrieve",
    ),
]
