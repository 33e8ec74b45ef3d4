"""Invoices over HTTP: ``/v1/invoices`` (and its lines) and ``/v1/invoice_payments``."""

from __future__ import annotations

from typing import Any

from ...context import RequestContext
from ...http.errors import StripeError, invalid_request, resource_missing, unrecognized_url
from ...http.pagination import LIST_PARAMS, paginate
from ...http.schema import (
    UNSET,
    Bool,
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
from .models import DRAFT, OPEN, PAID, UNCOLLECTIBLE, VOID, Invoice, InvoiceStore, Payment
from .ports import ChargeResult, clock_now, require_customer, require_subscription

_COLLECTION = Enum(["charge_automatically", "send_invoice"])
_FIVE_YEARS = 5 * 366 * 86_400

_UNSUPPORTED_WRITE = (
    "account_tax_ids",
    "application_fee_amount",
    "automatic_tax",
    "custom_fields",
    "default_source",
    "default_tax_rates",
    "discounts",
    "issuer",
    "on_behalf_of",
    "payment_settings",
    "rendering",
    "shipping_cost",
    "shipping_details",
    "transfer_data",
)
_EDITABLE: dict[str, Field] = {
    "auto_advance": Bool(),
    "automatically_finalizes_at": Int(),
    "collection_method": _COLLECTION,
    "days_until_due": Int(minimum=0),
    "default_payment_method": Str(),
    "description": Str(max_length=1500, unsettable=True),
    "due_date": Int(),
    "effective_at": Int(unsettable=True),
    "footer": Str(max_length=5000, unsettable=True),
    "metadata": Metadata(),
    "number": Str(max_length=26, unsettable=True),
    "statement_descriptor": Str(max_length=22, unsettable=True),
}
CREATE: dict[str, Field] = {
    **_EDITABLE,
    "customer": Str(required=True),
    "currency": Str(),
    "pending_invoice_items_behavior": Enum(["exclude", "include"]),
    **{
        name: Unsupported("POST /v1/invoices")
        for name in (*_UNSUPPORTED_WRITE, "customer_account", "from_invoice")
    },
    "subscription": Str(),
}
UPDATE: dict[str, Field] = {
    **_EDITABLE,
    **{name: Unsupported("POST /v1/invoices/:id") for name in _UNSUPPORTED_WRITE},
}
#: Fields a finalized invoice still accepts (Stripe: amounts and collection settings freeze).
_FINALIZED_EDITABLE = {
    "metadata",
    "description",
    "footer",
    "statement_descriptor",
    "auto_advance",
    "default_payment_method",
}
LIST: dict[str, Field] = {
    **LIST_PARAMS,
    "customer": Str(),
    "subscription": Str(),
    "status": Enum([DRAFT, OPEN, PAID, UNCOLLECTIBLE, VOID]),
    "collection_method": _COLLECTION,
    "created": Range(),
    "due_date": Range(),
    "customer_account": Unsupported("GET /v1/invoices"),
}
FINALIZE: dict[str, Field] = {"auto_advance": Bool()}
PAY: dict[str, Field] = {
    "forgive": Bool(),
    "off_session": Bool(),
    "paid_out_of_band": Bool(),
    "payment_method": Str(),
    "mandate": Unsupported("POST /v1/invoices/:id/pay"),
    "source": Unsupported("POST /v1/invoices/:id/pay"),
}
PAYMENTS_LIST: dict[str, Field] = {
    **LIST_PARAMS,
    "invoice": Str(),
    "status": Enum(["canceled", "open", "paid"]),
    "created": Range(),
    "payment": Obj(
        {
            "type": Enum(["payment_intent", "payment_record"], required=True),
            "payment_intent": Str(),
            "payment_record": Str(),
        }
    ),
}

_INCLUDABLE = ("payments", "confirmation_secret")


def _include(params: dict[str, Any]) -> frozenset[str]:
    """Includable fields asked with ``expand[]`` (for the object or ``data.`` of a list)."""
    paths = params.get("expand") or []
    return frozenset(p.removeprefix("data.") for p in paths if p.removeprefix("data.") in _INCLUDABLE)


def removed_endpoint(ctx: RequestContext) -> dict[str, Any]:
    raise unrecognized_url(ctx.request.method, ctx.request.path)


def _invoice(ctx: RequestContext) -> Invoice:
    return ctx.store(InvoiceStore).require(ctx.path["invoice"])


def _now(ctx: RequestContext, invoice: Invoice) -> int:
    """The invoice's time: its test clock's, else the account clock."""
    return clock_now(ctx.account, invoice.test_clock, ctx.now)


def _render(ctx: RequestContext, invoice: Invoice, params: dict[str, Any]) -> dict[str, Any]:
    return invoice.render(include=_include(params))


def _not_editable(invoice: Invoice) -> StripeError:
    return invalid_request(
        "Finalized invoices can't be updated in this way", code="invoice_not_editable", param=None
    )


def _check_dates(params: dict[str, Any], now: int, collection_method: str) -> None:
    """``days_until_due``/``due_date`` belong to ``send_invoice``; finalization dates lie ahead."""
    if "days_until_due" in params and "due_date" in params:
        raise invalid_request(
            "You may only specify one of these parameters: days_until_due, due_date.",
            param="days_until_due",
            code="parameters_exclusive",
        )
    for name in ("days_until_due", "due_date"):
        if name in params and collection_method != "send_invoice":
            raise invalid_request(
                f"You can only set `{name}` on invoices with `collection_method=send_invoice`.", param=name
            )
    due = params.get("due_date")
    if due is not None and due < now:
        raise invalid_request("The `due_date` must be in the future.", param="due_date")
    finalizes = params.get("automatically_finalizes_at")
    if finalizes is not None and not now <= finalizes <= now + _FIVE_YEARS:
        raise invalid_request(
            "`automatically_finalizes_at` must be in the future and at most 5 years away.",
            param="automatically_finalizes_at",
        )


def _fields(params: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {name: (None if params[name] is UNSET else params[name]) for name in names if name in params}


_PLAIN = (
    "description",
    "footer",
    "statement_descriptor",
    "default_payment_method",
    "days_until_due",
    "due_date",
    "effective_at",
    "number",
)


def create_invoice(ctx: RequestContext) -> dict[str, Any]:
    params = validate(CREATE, ctx.params)
    customer = require_customer(ctx.account, params["customer"])
    now = clock_now(ctx.account, customer.test_clock, ctx.now)
    collection_method = params.get("collection_method", "charge_automatically")
    _check_dates(params, now, collection_method)
    if collection_method == "send_invoice" and "days_until_due" not in params and "due_date" not in params:
        raise invalid_request(
            "Invoices with `collection_method=send_invoice` need a `days_until_due` or a `due_date`.",
            param="days_until_due",
        )
    subscription = (
        require_subscription(ctx.account, params["subscription"], customer.id)
        if "subscription" in params
        else None
    )
    fields = _fields(params, _PLAIN)
    fields["metadata"] = apply_metadata({}, params.get("metadata", {}))
    currency = params.get("currency")
    invoice = ctx.store(InvoiceStore).create(
        customer,
        now=now,
        cause=ctx.cause,
        currency=currency.lower() if currency else None,
        collection_method=collection_method,
        auto_advance=params.get("auto_advance", False),
        include_pending=params.get("pending_invoice_items_behavior", "exclude") == "include",
        subscription=subscription,
        fields=fields,
        automatically_finalizes_at=params.get("automatically_finalizes_at"),
    )
    return _render(ctx, invoice, params)


def retrieve_invoice(ctx: RequestContext) -> dict[str, Any]:
    params = validate({}, ctx.params)
    return _render(ctx, _invoice(ctx), params)


def update_invoice(ctx: RequestContext) -> dict[str, Any]:
    params = validate(UPDATE, ctx.params)
    invoice = _invoice(ctx)
    if invoice.status != DRAFT:
        frozen = sorted(set(params) - _FINALIZED_EDITABLE - {"expand"})
        if frozen or ("auto_advance" in params and invoice.status != OPEN):
            raise _not_editable(invoice)
    collection_method = params.get("collection_method", invoice.collection_method)
    _check_dates(params, _now(ctx, invoice), collection_method)
    changes = _fields(params, _PLAIN)
    if "collection_method" in params:
        changes["collection_method"] = collection_method
        if collection_method == "charge_automatically":
            changes.setdefault("days_until_due", None)
            changes.setdefault("due_date", None)
    if "auto_advance" in params:
        changes["auto_advance"] = params["auto_advance"]
    if "automatically_finalizes_at" in params:
        changes["automatically_finalizes_at"] = params["automatically_finalizes_at"]
    if "metadata" in params:
        changes["metadata"] = apply_metadata(invoice.metadata, params["metadata"])
    ctx.store(InvoiceStore).update(invoice, changes, now=_now(ctx, invoice), cause=ctx.cause)
    return _render(ctx, invoice, params)


def delete_invoice(ctx: RequestContext) -> dict[str, Any]:
    validate({}, ctx.params, expand=False)
    invoice = _invoice(ctx)
    if invoice.status != DRAFT:
        raise invalid_request("You can only delete draft invoices.", param=None)
    if invoice.subscription is not None:
        raise invalid_request(
            "You can't delete invoices created by subscriptions. Void the invoice instead.", param=None
        )
    return ctx.store(InvoiceStore).delete(invoice, now=_now(ctx, invoice), cause=ctx.cause)


def list_invoices(ctx: RequestContext) -> dict[str, Any]:
    params = validate(LIST, ctx.params)
    store = ctx.store(InvoiceStore)
    customer, subscription = params.get("customer"), params.get("subscription")
    status, method = params.get("status"), params.get("collection_method")
    created, due = params.get("created"), params.get("due_date")

    def keep(invoice: Invoice) -> bool:
        if invoice.deleted or (customer is not None and invoice.customer != customer):
            return False
        if subscription is not None and invoice.subscription != subscription:
            return False
        if (status is not None and invoice.status != status) or (
            method is not None and invoice.collection_method != method
        ):
            return False
        if due and (invoice.due_date is None or not in_range(invoice.due_date, due)):
            return False
        return in_range(invoice.created, created)

    items: Any
    if subscription is not None or customer is not None:
        ids = (
            store.by_subscription.get(subscription, [])
            if subscription is not None
            else store.by_customer.get(customer or "", [])
        )
        items = [invoice for invoice in (store.table.require(i) for i in reversed(ids)) if keep(invoice)]
    else:
        items = store.table.newest_first(keep)
    include = _include(params)
    return paginate(
        items,
        params,
        "/v1/invoices",
        key=lambda i: i.id,
        render=lambda i: i.render(include=include),
        kind="invoice",
    )


def list_lines(ctx: RequestContext) -> dict[str, Any]:
    params = validate(LIST_PARAMS, ctx.params)
    invoice = _invoice(ctx)
    lines = invoice.lines
    limit: int = params.get("limit", 10)
    after, before = params.get("starting_after"), params.get("ending_before")
    if after is not None and before is not None:
        raise invalid_request(
            "You may only specify one of these parameters: ending_before, starting_after.",
            param="ending_before",
        )
    ids = [line.id for line in lines]
    for cursor, name in ((after, "starting_after"), (before, "ending_before")):
        if cursor is not None and cursor not in ids:
            raise resource_missing("invoice line item", cursor, param=name, status=400)
    # Lines keep invoice order (not newest first): a page walks forward from the cursor.
    if after is not None:
        start = ids.index(after) + 1
        page, has_more = lines[start : start + limit], start + limit < len(lines)
    elif before is not None:
        end = ids.index(before)
        start = max(0, end - limit)
        page, has_more = lines[start:end], start > 0
    else:
        page, has_more = lines[:limit], limit < len(lines)
    return {
        "object": "list",
        "data": [line.render(invoice.id, invoice.livemode) for line in page],
        "has_more": has_more,
        "url": f"/v1/invoices/{invoice.id}/lines",
    }


def finalize_invoice(ctx: RequestContext) -> dict[str, Any]:
    params = validate(FINALIZE, ctx.params)
    invoice = _invoice(ctx)
    if invoice.status != DRAFT:
        raise invalid_request(
            "This invoice is already finalized, you can't re-finalize a non-draft invoice.", param=None
        )
    ctx.store(InvoiceStore).finalize(
        invoice, now=_now(ctx, invoice), cause=ctx.cause, auto_advance=params.get("auto_advance")
    )
    return _render(ctx, invoice, params)


def _charge_error(result: ChargeResult) -> StripeError:
    if result.outcome == "requires_action":
        return StripeError(
            "This payment requires additional user action before it can be completed successfully. "
            "Payment can be completed using the PaymentIntent associated with the invoice. "
            "For more details see: "
            "https://stripe.com/docs/billing/subscriptions/overview#requires-action",
            status=402,
            type="card_error",
            code="invoice_payment_intent_requires_action",
        )
    if result.payment_method is None and result.code is None:
        return invalid_request(
            "This customer has no attached payment source or default payment method. "
            "Please consider adding a default payment method. For more information, visit "
            "https://stripe.com/docs/billing/subscriptions/payment-methods-setting#payment-method-priority.",
            param=None,
        )
    error = StripeError(
        result.message or "Your card was declined.",
        status=402,
        type="card_error",
        code=result.code or "card_declined",
    )
    if result.decline_code is not None:
        error.extra["decline_code"] = result.decline_code
    return error


def pay_invoice(ctx: RequestContext) -> dict[str, Any]:
    params = validate(PAY, ctx.params)
    invoice = _invoice(ctx)
    if params.get("paid_out_of_band") and "payment_method" in params:
        raise invalid_request(
            "You may only specify one of these parameters: paid_out_of_band, payment_method.",
            param="paid_out_of_band",
            code="parameters_exclusive",
        )
    if invoice.status == PAID:
        raise invalid_request("Invoice is already paid", param=None)
    if invoice.status == VOID:
        raise invalid_request("This invoice is void and can no longer be paid.", param=None)
    result = ctx.store(InvoiceStore).pay(
        invoice,
        now=_now(ctx, invoice),
        cause=ctx.cause,
        payment_method=params.get("payment_method"),
        paid_out_of_band=params.get("paid_out_of_band", False),
    )
    if result is not None and result.outcome != "succeeded":
        error = _charge_error(result)
        error.validation = False
        raise error
    return _render(ctx, invoice, params)


def _transition_error(action: str, invoice: Invoice, allowed: str) -> StripeError:
    return invalid_request(
        f"You can only {action} {allowed} invoices; this invoice is {invoice.status}.", param=None
    )


def void_invoice(ctx: RequestContext) -> dict[str, Any]:
    params = validate({}, ctx.params)
    invoice = _invoice(ctx)
    if invoice.status not in (OPEN, UNCOLLECTIBLE):
        raise _transition_error("void", invoice, "open or uncollectible")
    ctx.store(InvoiceStore).void(invoice, now=_now(ctx, invoice), cause=ctx.cause)
    return _render(ctx, invoice, params)


def mark_uncollectible(ctx: RequestContext) -> dict[str, Any]:
    params = validate({}, ctx.params)
    invoice = _invoice(ctx)
    if invoice.status != OPEN:
        raise _transition_error("mark as uncollectible", invoice, "open")
    ctx.store(InvoiceStore).mark_uncollectible(invoice, now=_now(ctx, invoice), cause=ctx.cause)
    return _render(ctx, invoice, params)


def send_invoice(ctx: RequestContext) -> dict[str, Any]:
    params = validate({}, ctx.params)
    invoice = _invoice(ctx)
    if invoice.status != OPEN:
        raise _transition_error("send", invoice, "open")
    if invoice.collection_method != "send_invoice":
        raise invalid_request(
            "You can only send invoices that have `collection_method=send_invoice`.", param=None
        )
    ctx.store(InvoiceStore).send(invoice, now=_now(ctx, invoice), cause=ctx.cause)
    return _render(ctx, invoice, params)


# -- invoice payments ----------------------------------------------------------------------------------


def retrieve_invoice_payment(ctx: RequestContext) -> dict[str, Any]:
    validate({}, ctx.params)
    store = ctx.store(InvoiceStore)
    payment = store.payments.require(ctx.path["invoice_payment"])
    return payment.render(ctx.account.livemode)


def list_invoice_payments(ctx: RequestContext) -> dict[str, Any]:
    params = validate(PAYMENTS_LIST, ctx.params)
    store = ctx.store(InvoiceStore)
    invoice_id, status, created = params.get("invoice"), params.get("status"), params.get("created")
    payment = params.get("payment") or {}
    intent = payment.get("payment_intent")

    def keep(p: Payment) -> bool:
        if (invoice_id is not None and p.invoice != invoice_id) or (
            status is not None and p.status != status
        ):
            return False
        if payment and (
            payment["type"] != "payment_intent" or (intent is not None and p.payment_intent != intent)
        ):
            return False
        return in_range(p.created, created)

    items: Any
    if invoice_id is not None:
        found = store.table.get(invoice_id)
        items = [p for p in reversed(found.payments) if keep(p)] if found is not None else []
    else:
        items = store.payments.newest_first(keep)
    livemode = ctx.account.livemode
    return paginate(
        items,
        params,
        "/v1/invoice_payments",
        key=lambda p: p.id,
        render=lambda p: p.render(livemode),
        kind="invoice_payment",
    )
