"""Invoice items over HTTP: ``/v1/invoiceitems``."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from ...context import RequestContext
from ...http.errors import StripeError, invalid_request, parameter_missing, resource_missing
from ...http.pagination import LIST_PARAMS, paginate
from ...http.schema import UNSET, Bool, Field, Int, Metadata, Obj, Range, Str, Unsupported, in_range, validate
from ..common import apply_metadata
from ..events.models import emit_event
from ..invoices.models import DRAFT, Invoice, InvoiceStore
from ..invoices.ports import (
    PriceStore,
    ProductStore,
    clock_now,
    line_amount,
    require_customer,
    require_price,
    require_subscription,
    round_minor,
)
from .models import InvoiceItem, InvoiceItemStore


class DecimalStr(Field):
    """A decimal number (v1 sends strings; the SDK sends ``Decimal`` as its string)."""

    def __init__(self, *, minimum: Decimal | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.minimum = minimum

    def convert(self, value: Any, name: str) -> Decimal:
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise StripeError(f"Invalid decimal: {value}", param=name) from None
        if not number.is_finite():
            raise StripeError(f"Invalid decimal: {value}", param=name)
        if self.minimum is not None and number < self.minimum:
            raise StripeError(f"This value must be greater than or equal to {self.minimum}.", param=name)
        return number


_PERIOD = Obj({"start": Int(required=True), "end": Int(required=True)})
_PRICE_DATA = Obj(
    {
        "currency": Str(required=True),
        "product": Str(required=True),
        "unit_amount": Int(minimum=0),
        "unit_amount_decimal": DecimalStr(minimum=Decimal(0)),
        "tax_behavior": Unsupported("POST /v1/invoiceitems"),
    }
)
_COMMON: dict[str, Field] = {
    "amount": Int(),
    "description": Str(max_length=5000, unsettable=True),
    "discountable": Bool(),
    "metadata": Metadata(),
    "period": _PERIOD,
    "price_data": _PRICE_DATA,
    "pricing": Obj({"price": Str()}),
    "quantity": Int(minimum=0),
    "quantity_decimal": DecimalStr(minimum=Decimal(0)),
}
_UNSUPPORTED = ("discounts", "tax_behavior", "tax_code", "tax_rates", "unit_amount_decimal")
CREATE: dict[str, Field] = {
    **_COMMON,
    "currency": Str(),
    "customer": Str(),
    "invoice": Str(),
    **{name: Unsupported("POST /v1/invoiceitems") for name in (*_UNSUPPORTED, "customer_account")},
    "subscription": Str(),
}
UPDATE: dict[str, Field] = {
    **_COMMON,
    **{name: Unsupported("POST /v1/invoiceitems/:id") for name in (*_UNSUPPORTED, "invoicing_rules")},
}
LIST: dict[str, Field] = {
    **LIST_PARAMS,
    "created": Range(),
    "customer": Str(),
    "invoice": Str(),
    "pending": Bool(),
    "customer_account": Unsupported("GET /v1/invoiceitems"),
}


def _exclusive(params: dict[str, Any], *names: str) -> None:
    given = [name for name in names if name in params]
    if len(given) > 1:
        raise invalid_request(
            f"You may only specify one of these parameters: {', '.join(given)}.",
            param=given[1],
            code="parameters_exclusive",
        )


def _quantity(params: dict[str, Any], default: Decimal) -> Decimal:
    _exclusive(params, "quantity", "quantity_decimal")
    if "quantity_decimal" in params:
        return Decimal(params["quantity_decimal"])
    if "quantity" in params:
        return Decimal(params["quantity"])
    return default


def _pricing(
    ctx: RequestContext, params: dict[str, Any], quantity: Decimal, currency: str | None
) -> tuple[int, str, str | None, str | None, Decimal | None, Any]:
    """``(amount, currency, price, product, unit_amount_decimal, price_data)`` of an item's charge.

    Checks everything and creates nothing: an inline ``price_data`` price is created by the caller
    once the whole request is valid.
    """
    _exclusive(params, "amount", "pricing", "price_data")
    if "amount" in params:
        if currency is None:
            raise parameter_missing("currency")
        return params["amount"], currency, None, None, None, None
    if "pricing" in params:
        price_id = params["pricing"].get("price")
        if price_id is None:
            raise parameter_missing("pricing[price]")
        price = require_price(ctx.account, price_id, param="pricing[price]")
        if price.type != "one_time":
            raise invalid_request(
                f"The price specified is set to `type={price.type}` but this field only accepts prices with "
                "`type=one_time`.",
                param="pricing[price]",
            )
        if not price.active:
            raise invalid_request(
                "The price specified is inactive. This field only accepts active prices.",
                param="pricing[price]",
            )
        return (
            line_amount(price, quantity),
            price.currency,
            price.id,
            price.product,
            price.unit_amount_decimal,
            None,
        )
    if "price_data" in params:
        data = params["price_data"]
        _exclusive(
            {f"price_data[{k}]": v for k, v in data.items()},
            "price_data[unit_amount]",
            "price_data[unit_amount_decimal]",
        )
        unit = data.get("unit_amount_decimal", data.get("unit_amount"))
        if unit is None:
            raise parameter_missing("price_data[unit_amount]")
        require_product(ctx, data["product"])
        unit_decimal = Decimal(unit)
        amount = round_minor(unit_decimal * quantity)
        return amount, data["currency"].lower(), None, data["product"], unit_decimal, data
    raise parameter_missing("amount")


def require_product(ctx: RequestContext, product_id: str) -> None:
    ctx.store(ProductStore).require(product_id, param="price_data[product]", status=400)


def _draft(ctx: RequestContext, invoice_id: str, customer: str | None) -> Invoice:
    invoice = ctx.store(InvoiceStore).require(invoice_id, param="invoice", status=400)
    if invoice.status != DRAFT:
        raise invalid_request(
            f"Invoice {invoice.id} is no longer editable: invoice items can only be added to draft invoices.",
            param="invoice",
            code="invoice_not_editable",
        )
    if customer is not None and invoice.customer != customer:
        raise invalid_request(
            f"The invoice {invoice.id} belongs to a different customer than {customer}.", param="invoice"
        )
    return invoice


def _period(params: dict[str, Any], now: int) -> tuple[int, int]:
    period = params.get("period")
    if period is None:
        return now, now
    if period["end"] < period["start"]:
        raise invalid_request(
            "The period end must be greater than or equal to the period start.", param="period[end]"
        )
    return period["start"], period["end"]


def _hidden_price(ctx: RequestContext, data: dict[str, Any]) -> str:
    price = ctx.store(PriceStore).create_from_data(dict(data), now=ctx.now, param="price_data")
    return str(price.id)


def create_invoice_item(ctx: RequestContext) -> dict[str, Any]:
    params = validate(CREATE, ctx.params)
    invoice_id = params.get("invoice")
    customer_id = params.get("customer")
    invoice = _draft(ctx, invoice_id, customer_id) if invoice_id is not None else None
    if customer_id is None:
        if invoice is None:
            raise parameter_missing("customer")
        customer_id = invoice.customer
    customer = require_customer(ctx.account, customer_id)
    subscription = (
        require_subscription(ctx.account, params["subscription"], customer.id).id
        if "subscription" in params
        else None
    )
    if invoice is not None and subscription is not None and invoice.subscription != subscription:
        raise invalid_request(
            f"The invoice {invoice.id} is not an invoice of the subscription {subscription}.",
            param="subscription",
        )
    now = clock_now(ctx.account, customer.test_clock, ctx.now)
    quantity = _quantity(params, Decimal(1))
    default_currency = params.get("currency") or (invoice.currency if invoice else customer.currency)
    amount, currency, price, product, unit, price_data = _pricing(
        ctx, params, quantity, default_currency.lower() if default_currency else None
    )
    if invoice is not None and currency != invoice.currency:
        raise invalid_request(
            f"The currency of the invoice item ({currency}) must match the invoice's currency "
            f"({invoice.currency}).",
            param="currency",
        )
    start, end = _period(params, now)
    store = ctx.store(InvoiceItemStore)
    if price_data is not None:
        price = _hidden_price(ctx, price_data)
    description = params.get("description")
    item = store.add(
        InvoiceItem(
            id=store.new_id(),
            created=now,
            livemode=ctx.account.livemode,
            customer=customer.id,
            currency=currency,
            amount=amount,
            quantity=quantity,
            price=price,
            product=product,
            unit_amount_decimal=unit,
            description=None if description is UNSET else description,
            discountable=params.get("discountable", True),
            period_start=start,
            period_end=end,
            invoice=None,
            subscription=subscription,
            metadata=apply_metadata({}, params.get("metadata", {})),
            test_clock=customer.test_clock,
        )
    )
    if invoice is not None:
        ctx.store(InvoiceStore).add_item(invoice, item, now=now)
    rendered = item.render()
    emit_event(ctx.account, "invoiceitem.created", rendered, now=now, cause=ctx.cause)
    return rendered


def _item(ctx: RequestContext) -> InvoiceItem:
    found = ctx.store(InvoiceItemStore).table.require(ctx.path["invoiceitem"])
    if found.deleted:
        raise resource_missing("invoiceitem", found.id)
    return found


def _editable(ctx: RequestContext, item: InvoiceItem) -> Invoice | None:
    """The draft the item is on (``None`` when pending); items on finalized invoices are frozen."""
    if item.invoice is None:
        return None
    invoice = ctx.store(InvoiceStore).table.get(item.invoice)
    if invoice is not None and invoice.status != DRAFT:
        raise invalid_request(
            f"Invoice item {item.id} is on a finalized invoice ({invoice.id}) and can no longer be changed.",
            code="invoice_not_editable",
        )
    return invoice


def retrieve_invoice_item(ctx: RequestContext) -> dict[str, Any]:
    validate({}, ctx.params)
    return _item(ctx).render()


def update_invoice_item(ctx: RequestContext) -> dict[str, Any]:
    params = validate(UPDATE, ctx.params)
    item = _item(ctx)
    invoice = _editable(ctx, item)
    quantity = _quantity(params, item.quantity)
    changes: dict[str, Any] = {"quantity": quantity}
    if {"amount", "pricing", "price_data"} & set(params):
        amount, currency, price, product, unit, price_data = _pricing(ctx, params, quantity, item.currency)
        if currency != item.currency:
            raise invalid_request(
                f"The currency of the invoice item cannot change from {item.currency} to {currency}.",
                param="currency",
            )
        changes.update(amount=amount, price=price, product=product, unit_amount_decimal=unit)
        if price_data is not None:
            changes["price"] = _hidden_price(ctx, price_data)
    elif "quantity" in params or "quantity_decimal" in params:
        if item.price is not None:
            changes["amount"] = line_amount(require_price(ctx.account, item.price), quantity)
        elif item.unit_amount_decimal is not None:
            changes["amount"] = round_minor(item.unit_amount_decimal * quantity)
    if "period" in params:
        changes["period_start"], changes["period_end"] = _period(params, ctx.now)
    if "description" in params:
        changes["description"] = None if params["description"] is UNSET else params["description"]
    if "discountable" in params:
        changes["discountable"] = params["discountable"]
    if "metadata" in params:
        changes["metadata"] = apply_metadata(item.metadata, params["metadata"])
    for name, value in changes.items():
        setattr(item, name, value)
    if invoice is not None:
        ctx.store(InvoiceStore).refresh_item(invoice, item, now=ctx.now)
    return item.render()


def delete_invoice_item(ctx: RequestContext) -> dict[str, Any]:
    validate({}, ctx.params, expand=False)
    item = _item(ctx)
    invoice = _editable(ctx, item)
    last = item.render()
    ctx.store(InvoiceItemStore).delete(item)
    if invoice is not None:
        ctx.store(InvoiceStore).refresh_item(invoice, item, now=ctx.now)
    emit_event(ctx.account, "invoiceitem.deleted", last, now=ctx.now, cause=ctx.cause)
    return item.render()


def list_invoice_items(ctx: RequestContext) -> dict[str, Any]:
    params = validate(LIST, ctx.params)
    store = ctx.store(InvoiceItemStore)
    customer, invoice, pending, created = (
        params.get("customer"),
        params.get("invoice"),
        params.get("pending"),
        params.get("created"),
    )

    def keep(item: InvoiceItem) -> bool:
        if item.deleted or (customer is not None and item.customer != customer):
            return False
        if invoice is not None and item.invoice != invoice:
            return False
        if pending is not None and (item.invoice is None) != pending:
            return False
        return in_range(item.created, created)

    return paginate(
        store.table.newest_first(keep),
        params,
        "/v1/invoiceitems",
        key=lambda i: i.id,
        render=InvoiceItem.render,
        kind="invoiceitem",
    )
